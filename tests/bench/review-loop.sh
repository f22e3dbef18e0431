#!/usr/bin/env bash
# Throughput and latency of the reviewing loop (`next` + `review`) on a fresh server.
#
#   tests/bench/review-loop.sh                     # SQLite, 32 reviewers, 30 s
#   REVIEWERS=64 BENCH_SECONDS=60 tests/bench/review-loop.sh
#   BENCH_POSTGRES_URL=postgres://user@host/empty_db tests/bench/review-loop.sh   # and PostgreSQL
#   BENCH_SQLITE=0 BENCH_POSTGRES_URL=postgres://… tests/bench/review-loop.sh   # PostgreSQL only
#   CALLQA_BIN=path/to/callqa tests/bench/review-loop.sh   # use this binary, skip the build
#   DYNAMIC=1 REVIEWS_PER_CALL=3 tests/bench/review-loop.sh   # calls with dynamic overlap
#   CALLS=5000 REVIEWS_PER_CALL=3 tests/bench/review-loop.sh   # pool size (default: enough
#                                                              # for 2,500 reviews/s)
#   CALLS=1000000 DIRECT=1 tests/bench/review-loop.sh   # a million calls, written straight
#                                                       # into the database (a few uploaded)
#   SERVERS=2 tests/bench/review-loop.sh   # two `callqa serve` processes on one database,
#                                          # the reviewers spread over both
#
# Each run starts `callqa serve` on a free local port with a new data directory (and, for
# PostgreSQL, the given database, which should be empty), creates an owner with
# `callqa user add`, then runs `callqa bench review-loop`, which seeds recordings and reviewer
# accounts through the HTTP API and measures. The server runs with CALLQA_MIN_LISTEN_RATIO=0
# (reviews right after `next` would otherwise be refused) and CALLQA_JOB_WORKERS=2.
#
# Needs: cargo, curl, python3. Figures are printed, never asserted: they depend on the machine
# (and the load generator shares it with the server).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
REVIEWERS=${REVIEWERS:-32}
SECONDS_TO_RUN=${BENCH_SECONDS:-30}
REVIEWS_PER_CALL=${REVIEWS_PER_CALL:-1}
# Recordings to seed; by default the bench seeds enough for 2,500 reviews/s over the run.
CALLS=${CALLS:-}
WORK=$(mktemp -d)
SERVERS=${SERVERS:-1}
SERVER_PIDS=()

stop_servers() {
    for pid in "${SERVER_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    SERVER_PIDS=()
}

cleanup() {
    stop_servers
    rm -rf "$WORK"
}
trap cleanup EXIT

for tool in curl python3; do
    command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

if [ -n "${CALLQA_BIN:-}" ]; then
    BIN=$CALLQA_BIN
else
    echo "== building callqa (release)"
    (cd "$ROOT" && cargo build --release --quiet)
    BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/callqa
fi

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# owner_lists URL LOGIN PASSWORD: the owner's lists and overview after the run, with every
# call and review in the database — the median of 5 requests each (curl's total time).
owner_lists() {
    local url=$1 token path
    token=$(curl -fs -H 'content-type: application/json' \
        -d "{\"login\": \"$2\", \"password\": \"$3\"}" "$url/api/v1/login" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
    echo "owner pages, median of 5 (ms):"
    for path in /api/v1/recordings /api/v1/overview /api/v1/gaps /api/v1/reviewers \
        /api/v1/funnel /api/v1/kpi /recordings /overview /reviewers /gaps; do
        for _ in 1 2 3 4 5; do
            curl -s -o /dev/null -w '%{http_code} %{time_total}\n' \
                -H "authorization: Bearer $token" -b "callqa_session=$token" "$url$path"
        done | python3 -c '
import sys
rows = [line.split() for line in sys.stdin]
codes = ",".join(sorted({code for code, _ in rows}))
times = sorted(float(t) * 1000 for _, t in rows)
print(f"  {sys.argv[1]:<22} {times[len(times) // 2]:8.1f}   (HTTP {codes})")
' "$path"
    done
}

# run_one NAME [DATABASE_URL]
run_one() {
    local name=$1 database_url=${2:-}
    local dir="$WORK/$name" port login password
    mkdir -p "$dir"
    login="bench-$(date +%s)"
    password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')

    export CALLQA_DATA_DIR="$dir/data"
    if [ -n "$database_url" ]; then
        export CALLQA_DATABASE_URL=$database_url
    else
        unset CALLQA_DATABASE_URL
    fi

    echo "== $name: owner account"
    printf '%s\n' "$password" | "$BIN" user add --role owner --login "$login" --name Bench \
        --password-stdin >/dev/null

    local urls=() n
    for n in $(seq 1 "$SERVERS"); do
        port=$(free_port)
        echo "== $name: starting callqa serve on 127.0.0.1:$port"
        CALLQA_BIND="127.0.0.1:$port" CALLQA_MIN_LISTEN_RATIO=0 CALLQA_JOB_WORKERS=2 \
            RUST_LOG=${RUST_LOG:-warn} "$BIN" serve >"$dir/server-$n.log" 2>&1 &
        SERVER_PIDS+=($!)
        local waited=0
        until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null; do
            if ! kill -0 "${SERVER_PIDS[-1]}" 2>/dev/null || [ "$waited" -ge 300 ]; then
                echo "the server did not start:" >&2
                tail -n 30 "$dir/server-$n.log" >&2
                exit 1
            fi
            sleep 0.1
            waited=$((waited + 1))
        done
        urls+=("http://127.0.0.1:$port")
    done
    local also=()
    for url in "${urls[@]:1}"; do
        also+=(--also-url "$url")
    done
    local direct=()
    if [ -n "${DIRECT:-}" ]; then
        direct=(--database-url "${database_url:-$dir/data/callqa.db}")
    fi

    echo "== $name: $REVIEWERS reviewers, $SECONDS_TO_RUN s, $SERVERS server(s)"
    local status=0
    CALLQA_BENCH_OWNER_PASSWORD=$password "$BIN" bench review-loop \
        --url "${urls[0]}" "${also[@]}" --owner-login "$login" \
        --reviewers "$REVIEWERS" --seconds "$SECONDS_TO_RUN" \
        --reviews-per-call "$REVIEWS_PER_CALL" ${CALLS:+--calls "$CALLS"} \
        ${DYNAMIC:+--dynamic} "${direct[@]}" || status=$?

    if [ "$status" -eq 0 ]; then
        owner_lists "${urls[0]}" "$login" "$password"
    fi
    stop_servers
    if [ "$status" -ne 0 ]; then
        echo "== $name: the benchmark failed; last server log lines:" >&2
        tail -n 30 "$dir"/server-*.log >&2
        exit "$status"
    fi
}

if [ "${BENCH_SQLITE:-1}" != 0 ]; then
    run_one sqlite
fi
if [ -n "${BENCH_POSTGRES_URL:-}" ]; then
    run_one postgres "$BENCH_POSTGRES_URL"
else
    echo "== postgres: skipped (set BENCH_POSTGRES_URL=postgres://… to an empty database)"
fi
