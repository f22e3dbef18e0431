#!/usr/bin/env python3
"""Privacy and intelligibility of callqa's voice disguise, measured on a synthetic corpus.

    python3 -m venv ~/.cache/callqa-privacy && ~/.cache/callqa-privacy/bin/pip install \
        -r tests/privacy/requirements.txt            # or requirements-neural.txt, see below
    ~/.cache/callqa-privacy/bin/python tests/privacy/measure.py [--callqa PATH] [--speakers 20]

Everything runs offline: the packages come from PyPI and the only model weights used are the
ones shipped inside them (PocketSphinx's en-us model; Resemblyzer's speaker encoder).

Corpus: espeak-ng "speakers" (voice x variant x pitch x speed x word gap), each reading the same
ten call-centre sentences, at 8 kHz like a phone call. Half the speakers belong to the attacker
(training data), the other half are scored.

Conditions: every utterance goes through `callqa anonymize` with `--voice off`, `pitch` or
`mcadams`, and is written both as the MP3 reviewers get and as a mono WAV PCM16 at the source's
rate (what earlier versions served), so each figure can be read before/after the MP3.
  * fixed: every call disguised with the same parameters (`--seed 1` on every call); the
    attacker disguises its own speakers exactly that way. This is what a fixed setting leaks.
  * random: every call gets its own draw, as in production; the attacker knows the method and
    disguises its own speakers with it (its own fresh draws), but cannot know a call's draw.

Linkability (EER over all same- vs different-speaker pairs of the scored speakers' disguised
utterances; 0 % = fully linkable, 50 % = chance), by two attackers, each trained on the
attacker's speakers processed by the same condition:
  * mfcc: per-utterance MFCC (+delta) statistics and log-F0 statistics, LDA, cosine.
  * resemblyzer (if the package is installed): a pretrained neural speaker encoder (d-vector);
    scored both by plain cosine and after an LDA trained on the attacker's speakers; the lower
    EER of the two is reported.

Intelligibility:
  * WER: PocketSphinx (en-us acoustic model shipped in the package) with a unigram language
    model over the corpus vocabulary, audio upsampled to 16 kHz. PocketSphinx recognises
    espeak-ng's synthetic 8 kHz speech poorly, so its WER is high even on the originals: read
    the change from `off`, not the absolute figure.
  * STOI (if pystoi is installed): short-time objective intelligibility of the disguised signal
    against the original (0..1). It punishes any spectral change, a pitch shift included, so it
    is a conservative, recogniser-independent companion to the WER.

MP3 copies are decoded with ffmpeg back to the corpus rate (8 kHz) and shifted by the encoder's
delay, found per utterance as the lag that best lines the MP3 up with the WAV copy of the same
call and draw; every measure then reads them like the WAV copies.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import wave

import numpy as np
from scipy.fft import dct
from scipy.signal import resample_poly

SENTENCES = [
    "good morning thank you for calling how can I help you",
    "I would like to order a new kettle for my kitchen",
    "the delivery will take two days to your address",
    "can you tell me the price of the blue one",
    "we have a discount on all orders this week",
    "please hold the line while I check the stock",
    "my friend told me about your shop last month",
    "I will transfer you to the sales manager now",
    "do you want to pay by card or in cash",
    "thank you very much and have a nice day",
]

VOICES = ["en-us", "en-gb", "en-gb-scotland", "en-029", "en-gb-x-rp", "en-gb-x-gbcwmd"]
VARIANTS = ["m1", "m2", "m3", "m4", "m7", "f1", "f2", "f3", "f4", "f5"]


def speakers(n, rng):
    out = []
    for i in range(n):
        out.append(
            dict(
                voice=VOICES[i % len(VOICES)],
                variant=VARIANTS[(i * 7) % len(VARIANTS)],
                pitch=int(rng.integers(25, 75)),
                speed=int(rng.integers(140, 185)),
                gap=int(rng.integers(0, 4)),
            )
        )
    return out


def say(spk, text, path):
    subprocess.run(
        ["espeak-ng", "-v", f"{spk['voice']}+{spk['variant']}", "-p", str(spk["pitch"]),
         "-s", str(spk["speed"]), "-g", str(spk["gap"]), "-w", path + ".raw.wav", text],
        check=True)
    subprocess.run(["sox", path + ".raw.wav", "-r", "8000", "-c", "1", "-b", "16", path, "gain", "-n", "-3"],
                   check=True)
    os.remove(path + ".raw.wav")


def decode_mp3(path, rate):
    """An MP3 as 16-bit mono WAV at `rate`, next to it."""
    out = path + f".{rate}.wav"
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", path,
                    "-ar", str(rate), "-ac", "1", "-c:a", "pcm_s16le", out], check=True)
    return out


def align(reference, shifted, max_lag):
    """`shifted` moved earlier by the lag (0..max_lag samples) that best matches `reference`,
    cut to the reference's length (zero-padded at the end if shorter)."""
    n = len(reference)
    best, best_lag = -np.inf, 0
    for lag in range(max_lag + 1):
        m = min(n, len(shifted) - lag)
        if m <= 0:
            break
        score = float(np.dot(reference[:m], shifted[lag:lag + m]))
        if score > best:
            best, best_lag = score, lag
    out = shifted[best_lag:best_lag + n]
    return np.pad(out, (0, n - len(out))), best_lag


def write_wav(path, x, rate):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(x, -1, 32767 / 32768) * 32768).astype(np.int16).tobytes())


def read_wav(path):
    with wave.open(path) as w:
        rate = w.getframerate()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
        ch = w.getnchannels()
    x = data.reshape(-1, ch)[:, 0].astype(np.float64) / 32768.0
    return x, rate


def mel_filterbank(rate, nfft, bands=24, lo=100.0, hi=3800.0):
    mel = lambda f: 2595 * np.log10(1 + f / 700)
    inv = lambda m: 700 * (10 ** (m / 2595) - 1)
    pts = inv(np.linspace(mel(lo), mel(hi), bands + 2))
    bins = np.floor((nfft + 1) * pts / rate).astype(int)
    fb = np.zeros((bands, nfft // 2 + 1))
    for b in range(bands):
        l, c, r = bins[b], bins[b + 1], bins[b + 2]
        fb[b, l:c] = (np.arange(l, c) - l) / max(c - l, 1)
        fb[b, c:r] = (r - np.arange(c, r)) / max(r - c, 1)
    return fb


def embedding(x, rate):
    """MFCC (+deltas) mean/std over speech frames, plus log-F0 mean/std."""
    win, hop, nfft = int(0.025 * rate), int(0.010 * rate), 256
    frames = np.lib.stride_tricks.sliding_window_view(x, win)[::hop] * np.hamming(win)
    spec = np.abs(np.fft.rfft(frames, nfft)) ** 2
    energy = np.log(spec.sum(axis=1) + 1e-10)
    speech = energy > energy.max() - 6  # ~26 dB below the loudest frame
    raw = dct(np.log(spec @ mel_filterbank(rate, nfft).T + 1e-10), norm="ortho", axis=1)[:, 1:20]
    delta = np.gradient(raw, axis=0)
    f0 = []
    lo, hi = int(rate / 400), int(rate / 60)
    for fr, sp in zip(frames, speech):
        if not sp:
            continue
        ac = np.correlate(fr, fr, "full")[win - 1:]
        if ac[0] <= 0:
            continue
        lag = lo + int(np.argmax(ac[lo:hi]))
        if ac[lag] / ac[0] > 0.4:
            f0.append(np.log(rate / lag))
    f0 = np.array(f0) if f0 else np.array([0.0])
    s = speech
    return np.concatenate([raw[s].mean(0), raw[s].std(0), delta[s].std(0),
                           [f0.mean(), f0.std()]])


def lda(train_x, train_y, dims):
    mu = train_x.mean(0)
    xs = (train_x - mu)
    sw = np.zeros((xs.shape[1],) * 2)
    sb = np.zeros_like(sw)
    for c in np.unique(train_y):
        xc = xs[train_y == c]
        mc = xc.mean(0)
        sw += (xc - mc).T @ (xc - mc)
        sb += len(xc) * np.outer(mc, mc)
    sw += 1e-3 * np.trace(sw) / len(sw) * np.eye(len(sw))
    vals, vecs = np.linalg.eig(np.linalg.solve(sw, sb))
    order = np.argsort(-vals.real)[:dims]
    w = vecs[:, order].real
    return lambda x: (x - mu) @ w


def eer(scores, labels):
    order = np.argsort(-scores)
    labels = labels[order]
    pos, neg = labels.sum(), (1 - labels).sum()
    far = np.cumsum(1 - labels) / neg
    frr = 1 - np.cumsum(labels) / pos
    i = np.argmin(np.abs(far - frr))
    return 100 * (far[i] + frr[i]) / 2


def verification_eer(train, test):
    (tx, ty), (ex, ey) = train, test
    scale = tx.std(0) + 1e-9
    project = lda(tx / scale, ty, dims=min(len(np.unique(ty)) - 1, tx.shape[1]))
    e = project(ex / scale)
    e /= np.linalg.norm(e, axis=1, keepdims=True)
    sims = e @ e.T
    iu = np.triu_indices(len(e), 1)
    return eer(sims[iu], (ey[:, None] == ey[None, :])[iu].astype(float))


def cosine_eer(e, labels):
    """EER of plain cosine scoring, no training at all."""
    e = e / np.linalg.norm(e, axis=1, keepdims=True)
    sims = e @ e.T
    iu = np.triu_indices(len(e), 1)
    return eer(sims[iu], (labels[:, None] == labels[None, :])[iu].astype(float))


def words(s):
    return s.lower().split()


def wer(refs, hyps):
    errors = total = 0
    for r, h in zip(refs, hyps):
        r, h = words(r), words(h)
        d = np.arange(len(h) + 1)
        for i, rw in enumerate(r, 1):
            prev, d[0] = d[0], i
            for j, hw in enumerate(h, 1):
                cur = min(d[j] + 1, d[j - 1] + 1, prev + (rw != hw))
                prev, d[j] = d[j], cur
        errors += d[len(h)]
        total += len(r)
    return 100 * errors / max(total, 1)


def vocabulary_lm(path):
    """A unigram ARPA language model giving every corpus word the same probability."""
    vocab = sorted({w for s in SENTENCES for w in words(s)})
    logp = np.log10(1 / (len(vocab) + 1))
    with open(path, "w") as f:
        f.write(f"\\data\\\nngram 1={len(vocab) + 2}\n\n\\1-grams:\n")
        f.write(f"{logp:.4f} </s>\n-99 <s>\n")
        for w in vocab:
            f.write(f"{logp:.4f} {w}\n")
        f.write("\n\\end\\\n")


def recognise(decoder, path):
    x, rate = read_wav(path)
    y = resample_poly(x, 16000, rate)
    pcm = (np.clip(y, -1, 1) * 32767).astype(np.int16).tobytes()
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return hyp.hypstr if hyp else ""


def main():
    ap = argparse.ArgumentParser()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(root, "target"))
    ap.add_argument("--callqa", default=os.path.join(target, "release", "callqa"))
    ap.add_argument("--speakers", type=int, default=20)
    ap.add_argument("--utterances", type=int, default=len(SENTENCES))
    ap.add_argument("--no-asr", action="store_true")
    ap.add_argument("--no-neural", action="store_true", help="skip the Resemblyzer attacker")
    ap.add_argument("--formats", default="wav,mp3",
                    help="reviewer copies to measure: wav (earlier versions), mp3 (served now)")
    args = ap.parse_args()
    if args.speakers < 6:
        ap.error("--speakers must be at least 6 (half train the attacker, half are scored)")

    rng = np.random.default_rng(7)
    spks = speakers(args.speakers, rng)
    work = tempfile.mkdtemp(prefix="privacy-")
    items = []  # (speaker, sentence index, path)
    for s, spk in enumerate(spks):
        for u in range(args.utterances):
            path = os.path.join(work, f"s{s:02d}_u{u:02d}.wav")
            say(spk, SENTENCES[u], path)
            items.append((s, u, path))
    print(f"corpus: {len(spks)} speakers x {args.utterances} utterances, 8 kHz, in {work}",
          file=sys.stderr)

    mp3_bytes, mp3_seconds, lags = [0], [0.0], []

    def disguise(mode, seed_of, fmt):
        """Every utterance through `callqa anonymize`; returns (speaker, sentence, WAV path). An
        MP3 copy is decoded and lined up with the WAV copy of the same draw first."""
        out = []
        for s, u, path in items:
            seed = seed_of(s, u)
            base = path.replace(".wav", f".{mode}.{seed}.out")
            for ext in ["wav"] + (["mp3"] if fmt == "mp3" else []):
                if not os.path.exists(f"{base}.{ext}"):
                    cmd = [args.callqa, "anonymize", path, f"{base}.{ext}", "--voice", mode,
                           "--peaks", f"{base}.{ext}.json", "--seed", str(seed)]
                    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            if fmt == "wav":
                out.append((s, u, base + ".wav"))
                continue
            mp3 = base + ".mp3"
            copy, rate = read_wav(base + ".wav")
            decoded, _ = read_wav(decode_mp3(mp3, rate))
            lined_up, lag = align(copy, decoded, rate // 5)
            lags.append(lag / rate)
            write_wav(base + ".mp3.aligned.wav", lined_up, rate)
            mp3_bytes[0] += os.path.getsize(mp3)
            mp3_seconds[0] += len(copy) / rate
            out.append((s, u, base + ".mp3.aligned.wav"))
        return out

    fixed = lambda s, u: 1
    per_call = lambda s, u: 1000 + 37 * s + u
    per_call_attacker = lambda s, u: 50_000 + 37 * s + u
    conditions = []
    for fmt in args.formats.split(","):
        conditions.append((f"off, {fmt}", "off", fixed, fixed, fmt))
        for mode in ["pitch", "mcadams"]:
            conditions.append((f"{mode}, fixed, {fmt}", mode, fixed, fixed, fmt))
            conditions.append(
                (f"{mode}, random per call, {fmt}", mode, per_call, per_call_attacker, fmt))

    decoder = None
    if not args.no_asr:
        from pocketsphinx import Decoder
        lm = os.path.join(work, "vocabulary.arpa")
        vocabulary_lm(lm)
        decoder = Decoder(samprate=16000, lm=lm, logfn=os.devnull)
    try:
        from pystoi import stoi
    except ImportError:
        stoi = None
    encoder = None
    if not args.no_neural:
        try:
            from resemblyzer import VoiceEncoder, preprocess_wav
            encoder = VoiceEncoder("cpu", verbose=False)
        except ImportError:
            print("resemblyzer not installed: neural attacker skipped", file=sys.stderr)

    def neural(path):
        x, rate = read_wav(path)
        return encoder.embed_utterance(preprocess_wav(x, source_sr=rate))

    half = len(spks) // 2
    originals = {(s, u): p for s, u, p in items}
    header = f"{'condition':<31} {'EER mfcc':>9} {'EER neural':>11} {'WER %':>7} {'STOI':>6}"
    print(header)
    print("-" * len(header))
    for name, mode, seed_test, seed_train, fmt in conditions:
        test_items = disguise(mode, seed_test, fmt)
        train_items = test_items if seed_train is seed_test else disguise(mode, seed_train, fmt)
        train_items = [(s, u, p) for s, u, p in train_items if s < half]
        test_items = [(s, u, p) for s, u, p in test_items if s >= half]

        def eer_with(embed, plain_cosine):
            tr = np.array([embed(p) for _, _, p in train_items])
            te = np.array([embed(p) for _, _, p in test_items])
            ty = np.array([s for s, _, _ in train_items])
            ey = np.array([s for s, _, _ in test_items])
            best = verification_eer((tr, ty), (te, ey))
            if plain_cosine:
                best = min(best, cosine_eer(te, ey))
            return best

        e_mfcc = eer_with(lambda p: embedding(*read_wav(p)), False)
        e_neural = eer_with(neural, True) if encoder is not None else float("nan")
        w = float("nan")
        if decoder is not None:
            refs = [SENTENCES[u] for s, u, p in test_items]
            hyps = [recognise(decoder, p) for s, u, p in test_items]
            w = wer(refs, hyps)
        q = float("nan")
        if stoi is not None:
            scores = []
            for s, u, p in test_items:
                clean, rate = read_wav(originals[(s, u)])
                processed, _ = read_wav(p)
                n = min(len(clean), len(processed))
                scores.append(stoi(clean[:n], processed[:n], rate, extended=False))
            q = float(np.mean(scores))
        print(f"{name:<31} {e_mfcc:9.1f} {e_neural:11.1f} {w:7.1f} {q:6.3f}", flush=True)
    if mp3_seconds[0] > 0:
        print(f"MP3 copies: {mp3_bytes[0] * 60 / mp3_seconds[0] / 1000:.1f} KB per minute of call; "
              f"encoder delay {1000 * min(lags):.0f}-{1000 * max(lags):.0f} ms", file=sys.stderr)


if __name__ == "__main__":
    main()
