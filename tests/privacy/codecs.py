#!/usr/bin/env python3
"""Which compressed format for the reviewer copy: bytes, intelligibility (STOI) and encoding time.

    ~/.cache/callqa-privacy/bin/python tests/privacy/codecs.py [--callqa PATH] [--speakers 20]

The corpus is measure.py's (espeak-ng speakers reading call-centre sentences at 8 kHz, like a
phone call), joined into one long call. Each candidate encodes it; the result is decoded back to
8 kHz with ffmpeg, lined up with the original (every encoder adds some delay) and scored:

  * KB per minute of call (1 KB = 1,000 bytes), container included;
  * STOI against the original (0..1; 1.0 = the PCM itself);
  * encoding speed, as multiples of real time (ffmpeg on one thread, process start-up included).

`callqa anonymize --voice off` is the MP3 the server builds (its time includes decoding the
input, the peaks and the process start-up). The other rows are ffmpeg's encoders: LAME at other
settings, Opus (libopus) in WebM and in Ogg, and ffmpeg's own AAC-LC. Needs ffmpeg (with
libmp3lame and libopus), espeak-ng, sox, and the packages of requirements.txt.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from measure import SENTENCES, read_wav, say, speakers  # noqa: E402

CANDIDATES = [
    # (label, output extension, ffmpeg arguments)
    ("MP3 16 kHz CBR 16 kbit/s, LAME -q 3 (its default)", "mp3",
     ["-ar", "16000", "-c:a", "libmp3lame", "-b:a", "16k", "-compression_level", "3"]),
    ("MP3 16 kHz CBR 16 kbit/s, LAME -q 7", "mp3",
     ["-ar", "16000", "-c:a", "libmp3lame", "-b:a", "16k", "-compression_level", "7"]),
    ("MP3 16 kHz CBR 16 kbit/s, LAME -q 9", "mp3",
     ["-ar", "16000", "-c:a", "libmp3lame", "-b:a", "16k", "-compression_level", "9"]),
    ("MP3 8 kHz (MPEG-2.5) CBR 16 kbit/s, -q 7", "mp3",
     ["-ar", "8000", "-c:a", "libmp3lame", "-b:a", "16k", "-compression_level", "7"]),
    ("MP3 16 kHz CBR 24 kbit/s, -q 7", "mp3",
     ["-ar", "16000", "-c:a", "libmp3lame", "-b:a", "24k", "-compression_level", "7"]),
    ("MP3 16 kHz ABR 18 kbit/s, -q 7", "mp3",
     ["-ar", "16000", "-c:a", "libmp3lame", "-abr", "1", "-b:a", "18k", "-compression_level", "7"]),
    ("MP3 16 kHz VBR -V 9", "mp3",
     ["-ar", "16000", "-c:a", "libmp3lame", "-q:a", "9"]),
    ("Opus 16 kbit/s (VBR, voip) in WebM", "webm",
     ["-c:a", "libopus", "-b:a", "16k", "-application", "voip"]),
    ("Opus 16 kbit/s (VBR, voip) in Ogg", "ogg",
     ["-c:a", "libopus", "-b:a", "16k", "-application", "voip"]),
    ("Opus 12 kbit/s (VBR, voip) in WebM", "webm",
     ["-c:a", "libopus", "-b:a", "12k", "-application", "voip"]),
    ("AAC-LC 16 kHz 16 kbit/s (ffmpeg's encoder) in M4A", "m4a",
     ["-ar", "16000", "-c:a", "aac", "-b:a", "16k"]),
]


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", *args], check=True)


def decoded(path, rate):
    out = path + ".decoded.wav"
    ffmpeg("-i", path, "-ar", str(rate), "-ac", "1", "-c:a", "pcm_s16le", out)
    x, _ = read_wav(out)
    return x


def lined_up(reference, x, rate):
    """`x` moved earlier by its delay (found on the first 30 s, up to 300 ms), cut or padded to
    the reference's length."""
    n = min(len(reference), 30 * rate)
    best, best_lag = -np.inf, 0
    for lag in range(0, int(0.3 * rate)):
        m = min(n, len(x) - lag)
        score = float(np.dot(reference[:m], x[lag:lag + m]))
        if score > best:
            best, best_lag = score, lag
    y = x[best_lag:best_lag + len(reference)]
    return np.pad(y, (0, len(reference) - len(y))), best_lag


def timed(cmd, runs):
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(["taskset", "-c", os.environ.get("BENCH_CORE", "0"), *cmd], check=True,
                       stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
    return best


def main():
    ap = argparse.ArgumentParser()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(root, "target"))
    ap.add_argument("--callqa", default=os.path.join(target, "release", "callqa"))
    ap.add_argument("--speakers", type=int, default=20)
    ap.add_argument("--runs", type=int, default=3, help="timed runs per encoder (best kept)")
    args = ap.parse_args()
    from pystoi import stoi

    rng = np.random.default_rng(7)
    work = tempfile.mkdtemp(prefix="codecs-")
    parts = []
    for s, spk in enumerate(speakers(args.speakers, rng)):
        for u, text in enumerate(SENTENCES):
            path = os.path.join(work, f"s{s:02d}_u{u:02d}.wav")
            say(spk, text, path)
            parts.append(path)
    call = os.path.join(work, "call.wav")
    subprocess.run(["sox", *parts, call], check=True)
    reference, rate = read_wav(call)
    seconds = len(reference) / rate
    print(f"corpus: {args.speakers} speakers x {len(SENTENCES)} sentences joined into one "
          f"{seconds / 60:.1f}-minute 8 kHz call, in {work}", file=sys.stderr)

    rows = [("WAV PCM16 8 kHz (earlier versions)", os.path.getsize(call), 1.0, float("nan"))]
    out = os.path.join(work, "callqa.mp3")
    t = timed([args.callqa, "anonymize", call, out, "--voice", "off"], args.runs)
    y, _ = lined_up(reference, decoded(out, rate), rate)
    rows.append(("callqa anonymize --voice off (MP3 16 kHz CBR 16k, -q 7)",
                 os.path.getsize(out), stoi(reference, y, rate), seconds / t))
    for label, ext, codec in CANDIDATES:
        out = os.path.join(work, f"candidate.{ext}")
        t = timed(["ffmpeg", "-nostdin", "-loglevel", "error", "-threads", "1", "-y", "-i", call,
                   "-map_metadata", "-1", "-ac", "1", *codec, out], args.runs)
        y, _ = lined_up(reference, decoded(out, rate), rate)
        rows.append((label, os.path.getsize(out), stoi(reference, y, rate), seconds / t))

    print(f"{'format':<58} {'KB/min':>7} {'STOI':>6} {'x real time':>12}")
    for label, size, score, speed in rows:
        print(f"{label:<58} {size / 1000 / (seconds / 60):7.1f} {score:6.3f} {speed:12.0f}")


if __name__ == "__main__":
    main()
