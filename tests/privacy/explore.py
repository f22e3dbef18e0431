#!/usr/bin/env python3
"""Candidate voice disguises, written in numpy/scipy, measured like callqa's own (measure.py).

    OMP_NUM_THREADS=1 ~/.cache/callqa-privacy-neural/bin/python tests/privacy/explore.py \
        --corpus telephone --work ~/.cache/callqa-privacy-corpus [--only NAME,NAME] [--list]

Every candidate draws its parameters afresh per call (seeded by the call, as `--seed` does in
callqa), the attacker knows the method and trains on its own speakers disguised with its own
draws, and the reviewer copy is the MP3 callqa writes (16 kHz mono, CBR 16 kbit/s, LAME -q 7;
ffmpeg's libmp3lame here), decoded and lined up. Same attackers, recognisers and STOI as
measure.py.

The building blocks, all at the call's rate (8 kHz here) and all kept simple enough for a
streaming Rust implementation well above 300x real time on one core:

  * envelope warp (formants moved, pitch kept): STFT with a 256-sample Hann window (32 ms at
    8 kHz) and a 64-sample hop (75 % overlap, overlap-add with a Hann synthesis window, gain
    2/3 to undo the window product). Per frame: log-magnitude spectrum -> real cepstrum ->
    lifter (keep quefrencies 0..19, i.e. < 2.4 ms, the envelope) -> smooth log envelope E(k).
    The warped envelope reads E at the source frequency of each bin: linear warp
    E'(k) = E(k / beta) (beta > 1 raises every formant by the factor beta), or bilinear
    (all-pass, VTLN) warp E'(w) = E(w - 2 atan(a sin w / (1 + a cos w))), a in about +-0.1..0.18.
    Each bin's magnitude is multiplied by exp(E'(k) - E(k)), clipped to +-12 dB, phase kept.
    Cost per hop: three real FFTs of 256 plus O(256) work.
  * pitch shift by r(t), duration and alignment kept (same family as pitch.rs): WSOLA
    time-stretch by r(t) (30 ms Hann grains, 15 ms synthesis hop, +-7.5 ms similarity search
    by cross-correlation on the overlap), then resampling back to the original duration by an
    8-tap windowed-sinc (Kaiser-like) interpolator whose read pointer advances r(t) per output
    sample. This moves pitch *and* formants by r; the envelope warp above with beta = phi / r
    then sets the formants to phi independently (phi = 1: pitch alone, formants kept).
  * pitch contour: an F0 track (normalised autocorrelation, 40 ms window, 10 ms hop,
    60-400 Hz, voiced if the peak > 0.45 and not at either end of the lag range, 5-frame
    median over voiced frames), its median m over the call; flattening sets
    log f0' = m + gamma (log f0 - m) (gamma < 1 flattens), i.e. r(t) = exp((gamma - 1)(log f0 -
    m)), interpolated over unvoiced frames and smoothed over 50 ms; randomisation multiplies
    r(t) by 2^(A sin(2 pi f t + phase) / 12), a slow random vibrato.
  * speaking rate: WSOLA by rho (output rho times as long). It breaks the sample alignment
    that redactions and the transcript's word times rely on; listed for comparison only.
"""

import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import measure as M  # noqa: E402

# ---------------------------------------------------------------------------------------------
# building blocks


def frames_of(x, n, hop):
    pad = np.concatenate([np.zeros(n), x, np.zeros(n)])
    count = 1 + (len(pad) - n) // hop
    idx = np.arange(n)[None, :] + hop * np.arange(count)[:, None]
    return pad[idx], count


def overlap_add(frames, n, hop, length):
    out = np.zeros(hop * (len(frames) - 1) + n)
    for i, f in enumerate(frames):
        out[i * hop:i * hop + n] += f
    return out[n:n + length]


def source_bins(k, n, kind, amount):
    """For each output bin k, the (fractional) bin whose envelope value it takes."""
    if kind == "linear":  # amount = beta: formants x beta
        return k / amount
    w = 2 * np.pi * k / n  # bilinear: amount = a; a > 0 raises the formants
    a = -amount
    return (w + 2 * np.arctan(a * np.sin(w) / (1 - a * np.cos(w)))) * n / (2 * np.pi)


def envelope_warp(x, rate, amount_at, kind="linear", n=256, hop=64, lifter=20,
                  limit_db=12.0):
    """Formant warp with the fine structure (pitch) kept; amount_at(t seconds) -> warp."""
    win = np.hanning(n + 1)[:n]
    frames, count = frames_of(x, n, hop)
    k = np.arange(n // 2 + 1)
    spec = np.fft.rfft(frames * win, axis=1)
    logmag = np.log(np.abs(spec) + 1e-7)
    cep = np.fft.irfft(logmag, n, axis=1)
    cep[:, lifter:n - lifter + 1] = 0
    env = np.fft.rfft(cep, axis=1).real
    t = (np.arange(count) * hop - n + n / 2) / rate
    amounts = np.array([amount_at(tt) for tt in t])
    limit = limit_db / 20 * np.log(10)
    out = np.empty_like(spec)
    for i in range(count):
        src = np.clip(source_bins(k, n, kind, amounts[i]), 0, n // 2)
        warped = np.interp(src, k, env[i])
        out[i] = spec[i] * np.exp(np.clip(warped - env[i], -limit, limit))
    y = np.fft.irfft(out, n, axis=1) * win
    return overlap_add(y, n, hop, len(x)) / 1.5  # sum of hann^2 at 75 % overlap = 1.5


def wsola(x, position_of, out_len, n=240, tol=60):
    """Time-scale modification: output grain j (hop n/2) is taken from the input near
    position_of(j * n/2) (an input sample index), within +-tol samples, where it best continues
    the previous grain."""
    hop = n // 2
    win = np.hanning(n + 1)[:n]
    xp = np.concatenate([np.zeros(n + tol), x, np.zeros(2 * n + tol)])
    off = n + tol
    out = np.zeros(out_len + 2 * n)
    norm = np.zeros(out_len + 2 * n)
    prev = None
    for j in range(0, out_len // hop + 2):
        target = int(round(position_of(j * hop))) - n // 2 + off
        if prev is None:
            best = target
        else:
            natural = xp[prev + hop:prev + hop + n]
            lo = max(target - tol, 0)
            seg = xp[lo:target + tol + n]
            # correlate the natural continuation with every candidate start
            cc = np.correlate(seg, natural[:hop] * win[:hop], "valid")
            best = lo + int(np.argmax(cc[:2 * tol + 1]))
        out[j * hop:j * hop + n] += xp[best:best + n] * win
        norm[j * hop:j * hop + n] += win
        prev = best
    out = out[n // 2:n // 2 + out_len]
    norm = norm[n // 2:n // 2 + out_len]
    return out / np.maximum(norm, 1e-3)


def sinc_read(y, positions, taps=8):
    """y read at fractional positions by a Hann-windowed sinc with `taps` taps."""
    base = np.floor(positions).astype(int)
    frac = positions - base
    half = taps // 2
    offs = np.arange(-half + 1, half + 1)
    d = offs[None, :] - frac[:, None]
    w = np.sinc(d) * (0.5 + 0.5 * np.cos(np.pi * d / (half + 0.5)))
    idx = np.clip(base[:, None] + offs[None, :], 0, len(y) - 1)
    return (y[idx] * w).sum(1)


def pitch_shift(x, rate, ratio_at):
    """Pitch and formants times r(t), duration and timing kept: WSOLA stretch by r(t), then read
    back at r(t) per sample."""
    t = np.arange(len(x)) / rate
    r = np.array([ratio_at(tt) for tt in t[::40]])
    r = np.interp(np.arange(len(x)), np.arange(0, len(x), 40), r)
    p = np.concatenate([[0], np.cumsum(r)])[:len(x)]  # stretched position of input sample n
    stretched_len = int(p[-1] + r[-1]) + 1
    inv = lambda q: np.interp(q, p, np.arange(len(x)))
    y = wsola(x, inv, stretched_len)
    return sinc_read(y, p)


def f0_track(x, rate, hop_s=0.01, win_s=0.04, lo=60, hi=400, threshold=0.45):
    hop, n = int(hop_s * rate), int(win_s * rate)
    frames, count = frames_of(x, n, hop)
    frames = frames - frames.mean(1, keepdims=True)
    spec = np.fft.rfft(frames * np.hanning(n), 2 * n, axis=1)
    ac = np.fft.irfft(np.abs(spec) ** 2, axis=1)[:, :n]
    lag_lo, lag_hi = int(rate / hi), int(rate / lo)
    seg = ac[:, lag_lo:lag_hi]
    lag = lag_lo + np.argmax(seg, axis=1)
    peak = seg.max(1) / (ac[:, 0] + 1e-12)
    energy = ac[:, 0]
    at_edge = (lag <= lag_lo) | (lag >= lag_hi - 1)
    voiced = (peak > threshold) & (energy > 1e-4 * energy.max()) & ~at_edge
    f0 = rate / lag
    # 5-frame median over voiced frames removes isolated octave jumps
    lf = np.log(f0)
    for i in np.flatnonzero(voiced):
        near = voiced[max(0, i - 2):i + 3]
        lf[i] = np.median(np.log(f0[max(0, i - 2):i + 3])[near])
    f0 = np.exp(lf)
    t = (np.arange(count) * hop - n + n / 2) / rate
    return t, f0, voiced


def contour_ratio(x, rate, gamma=1.0, lfo=None, smooth_s=0.05):
    """r(t) for flattening (gamma) and/or a random vibrato lfo=(A semitones, f Hz, phase)."""
    t, f0, voiced = f0_track(x, rate)
    logr = np.zeros(len(t))
    if gamma != 1.0 and voiced.sum() >= 3:
        lf = np.log(f0)
        m = np.median(lf[voiced])
        lr = (gamma - 1) * (lf - m)
        logr = np.interp(t, t[voiced], lr[voiced])
        k = max(1, int(smooth_s / 0.01))
        logr = np.convolve(logr, np.ones(k) / k, "same")
    if lfo is not None:
        a, f, ph = lfo
        logr = logr + a / 12 * np.log(2) * np.sin(2 * np.pi * f * t + ph)
    return t, np.exp(logr)


def disguise(x, rate, p):
    """One cascade: contour (flatten/vibrato) and constant pitch shift, formants set to phi
    independently, optional speaking rate. p: dict of drawn parameters."""
    semis = p.get("semitones", 0.0)
    phi = p.get("phi", 1.0)          # total formant factor (linear warp)
    alpha = p.get("alpha", 0.0)      # bilinear warp instead of a linear phi
    gamma = p.get("gamma", 1.0)
    lfo = p.get("lfo")
    y = x
    const_r = 2 ** (semis / 12)
    shifted = abs(semis) > 1e-3 or gamma != 1.0 or lfo is not None
    if shifted:
        tc, rc = contour_ratio(x, rate, gamma, lfo)
        ratio_at = lambda tt: const_r * float(np.interp(tt, tc, rc))
        y = pitch_shift(y, rate, ratio_at)
    else:
        ratio_at = lambda tt: 1.0
    if p.get("keep_formants", True) or phi != 1.0 or alpha != 0.0:
        if alpha != 0.0:
            # undo the resampling's formant scaling linearly first, then bilinear warp
            if shifted:
                y = envelope_warp(y, rate, lambda tt: 1 / ratio_at(tt), "linear")
            y = envelope_warp(y, rate, lambda tt: alpha, "bilinear")
        elif shifted or phi != 1.0:
            y = envelope_warp(y, rate, lambda tt: phi / ratio_at(tt), "linear")
    if p.get("rho", 1.0) != 1.0:
        rho = p["rho"]
        y = wsola(y, lambda q: q / rho, int(len(y) * rho))
    peak = np.abs(y).max()
    if peak > 0.99:
        y = y * 0.99 / peak
    return y


# ---------------------------------------------------------------------------------------------
# candidates: name -> function(rng) -> parameters of one call


def signed(rng, lo, hi):
    return rng.uniform(lo, hi) * rng.choice([-1, 1])


def factor(rng, lo, hi):
    """A factor whose log2 magnitude is uniform in [log2 lo, log2 hi], up or down at random."""
    return 2 ** signed(rng, np.log2(lo), np.log2(hi))


CANDIDATES = {
    "identity": lambda r: {"keep_formants": False},
    # formants only (pitch kept)
    "formant x/÷1.08-1.15": lambda r: {"phi": factor(r, 1.08, 1.15)},
    "formant x/÷1.12-1.22": lambda r: {"phi": factor(r, 1.12, 1.22)},
    "formant x/÷1.18-1.30": lambda r: {"phi": factor(r, 1.18, 1.30)},
    "vtln bilinear ±0.06-0.12": lambda r: {"alpha": signed(r, 0.06, 0.12)},
    "vtln bilinear ±0.10-0.18": lambda r: {"alpha": signed(r, 0.10, 0.18)},
    # pitch only (formants kept)
    "pitch ±2.5-4.5 st, formants kept": lambda r: {"semitones": signed(r, 2.5, 4.5)},
    "pitch ±4-7 st, formants kept": lambda r: {"semitones": signed(r, 4, 7)},
    # pitch shift with formants following (like pitch.rs), for reference
    "pitch ±2.5-4.5 st, formants follow": lambda r: (lambda s: {"semitones": s,
                                                             "phi": 2 ** (s / 12)})(
        signed(r, 2.5, 4.5)),
    # pitch.rs-like shift (formants follow) plus an independent formant warp on top
    "pitch ±2.5-4.5 st follow + extra formant x/÷1.06-1.12": lambda r: (
        lambda s: {"semitones": s, "phi": 2 ** (s / 12) * factor(r, 1.06, 1.12)})(
        signed(r, 2.5, 4.5)),
    # independent pitch and formant draws
    "pitch ±2-4 + formant x/÷1.08-1.15": lambda r: {"semitones": signed(r, 2, 4),
                                                    "phi": factor(r, 1.08, 1.15)},
    "pitch ±3-6 + formant x/÷1.12-1.22": lambda r: {"semitones": signed(r, 3, 6),
                                                    "phi": factor(r, 1.12, 1.22)},
    # contour
    "flatten γ 0.3-0.7": lambda r: {"gamma": r.uniform(0.3, 0.7)},
    "vibrato 1-2 st, 0.5-2 Hz": lambda r: {"lfo": (r.uniform(1, 2), r.uniform(0.5, 2),
                                                   r.uniform(0, 2 * np.pi))},
    # speaking rate
    "rate x/÷1.06-1.15": lambda r: {"rho": factor(r, 1.06, 1.15), "keep_formants": False},
    # cascades
    "cascade: flatten + pitch ±2-4 + formant x/÷1.08-1.15": lambda r: {
        "gamma": r.uniform(0.4, 0.8), "semitones": signed(r, 2, 4),
        "phi": factor(r, 1.08, 1.15)},
    "cascade: flatten + pitch ±3-6 + formant x/÷1.12-1.22": lambda r: {
        "gamma": r.uniform(0.3, 0.7), "semitones": signed(r, 3, 6),
        "phi": factor(r, 1.12, 1.22)},
    "cascade: flatten + pitch + formant + rate": lambda r: {
        "gamma": r.uniform(0.4, 0.8), "semitones": signed(r, 2, 4),
        "phi": factor(r, 1.08, 1.15), "rho": factor(r, 1.04, 1.10)},
}


def python_disguiser(name, draw, fmt, stats, tag):
    def run(s, u, path, seed):
        base = path.replace(".wav", f".py-{tag}.{seed}.out")
        if not os.path.exists(base + ".wav"):
            x, rate = M.read_wav(path)
            rng = np.random.default_rng(seed)
            y = disguise(x, rate, draw(rng))
            M.write_wav(base + ".tmp.wav", y, rate)
            os.replace(base + ".tmp.wav", base + ".wav")
        if fmt == "wav":
            return base + ".wav"
        if not os.path.exists(base + ".mp3"):
            M.encode_mp3(base + ".wav", base + ".mp3")
        return M.mp3_copy(base + ".wav", base + ".mp3", stats)
    return run


def speed(draw, items, rate=8000, calls=6):
    """Real-time factor of this Python implementation (for orientation only; Rust differs)."""
    total_audio = total_time = 0.0
    for i, (_, _, path) in enumerate(items[:calls]):
        x, rate = M.read_wav(path)
        t0 = time.perf_counter()
        disguise(x, rate, draw(np.random.default_rng(i)))
        total_time += time.perf_counter() - t0
        total_audio += len(x) / rate
    return total_audio / total_time


def main():
    ap = argparse.ArgumentParser()
    M.common_arguments(ap, None)
    ap.add_argument("--formats", default="mp3")
    ap.add_argument("--only", default=None, help="comma-separated candidate names (substrings)")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--json", default=None, help="append each row as JSON to this file")
    args = ap.parse_args()
    if args.list:
        print("\n".join(CANDIDATES))
        return
    names = list(CANDIDATES)
    if args.only:
        wanted = args.only.split(",")
        names = [n for n in names if any(w in n for w in wanted)]
    spks, items, work, m = M.setup(args)
    stats = {"bytes": 0, "seconds": 0.0, "lags": []}
    print(M.header(56), flush=True)
    for fmt in args.formats.split(","):
        for name in names:
            draw = CANDIDATES[name]
            tag = hashlib.sha1(name.encode()).hexdigest()[:8]
            run = python_disguiser(name, draw, fmt, stats, tag)
            t0 = time.time()
            test_items = M.apply(run, items, M.PER_CALL)
            train_items = M.apply(run, items, M.PER_CALL_ATTACKER)
            fig = m.score(test_items, train_items)
            print(M.row(f"{name}, {fmt}", fig, 56), flush=True)
            if args.json:
                with open(args.json, "a") as f:
                    f.write(json.dumps({"name": name, "format": fmt, "corpus": args.corpus,
                                        **fig}) + "\n")
            print(f"  ({time.time() - t0:.0f} s)", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
