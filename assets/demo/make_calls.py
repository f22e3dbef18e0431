#!/usr/bin/env python3
"""Builds the demo calls in this folder from calls.txt with espeak-ng and sox.

Every spoken line is synthesized on its own (`espeak-ng -v VOICE -s SPEED -w line.wav TEXT`),
the lines are laid end to end with short pauses (operator on the left channel and the
customer and seller on the right for stereo calls, all mixed for mono ones), the call's
sound is applied with sox (noise, low volume or a telephone band) and the result is
encoded as 8 kHz MP3 with sox. The start of every line is written to timings.txt.

Run from this folder: python3 make_calls.py
"""

import array
import os
import shlex
import subprocess
import sys
import tempfile
import wave

RATE = 22050  # espeak-ng's output rate
SPEED = {"ru": "150", "en": "160"}
PAUSE_S = 0.45  # between turns
HOLD_S = 1.5  # the customer on hold before the seller answers
BITRATE_KBPS = {"mono": "16", "stereo": "24"}
EFFECTS = {
    "clean": [],
    "quiet": ["vol", "0.2"],
    "phone": ["sinc", "300-3400", "vol", "0.9"],
}


def run(command):
    print("$", " ".join(shlex.quote(part) for part in command))
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def read_calls(path):
    calls = []
    for raw in open(path, encoding="utf-8"):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("=="):
            name, lang, layout, sound, op, cust, seller = line[2:].split()
            voices = {"O": op, "C": cust, "S": seller}
            calls.append(dict(name=name, lang=lang, layout=layout, sound=sound,
                              voices=voices, lines=[]))
        else:
            who, text = line.split(":", 1)
            calls[-1]["lines"].append((who.strip(), text.strip()))
    return calls


def samples(path):
    with wave.open(path) as w:
        assert w.getframerate() == RATE and w.getnchannels() == 1
        data = array.array("h", w.readframes(w.getnframes()))
    return data


def build(call, work):
    left, right = array.array("h"), array.array("h")
    starts = []
    previous = None
    for index, (who, text) in enumerate(call["lines"]):
        line_wav = os.path.join(work, f"line{index}.wav")
        run(["espeak-ng", "-v", call["voices"][who], "-s", SPEED[call["lang"]],
             "-w", line_wav, text])
        voice = samples(line_wav)
        gap = HOLD_S if who == "S" else (PAUSE_S if previous is not None else 0.3)
        silence = array.array("h", bytes(2 * int(gap * RATE)))
        left.extend(silence)
        right.extend(silence)
        starts.append((len(left) * 1000 // RATE, who, text))
        quiet = array.array("h", bytes(2 * len(voice)))
        if who == "O":
            left.extend(voice)
            right.extend(quiet)
        else:
            left.extend(quiet)
            right.extend(voice)
        previous = who
    tail = array.array("h", bytes(2 * int(0.5 * RATE)))
    left.extend(tail)
    right.extend(tail)
    dialogue = os.path.join(work, "dialogue.wav")
    with wave.open(dialogue, "wb") as out:
        if call["layout"] == "stereo":
            out.setnchannels(2)
            frames = array.array("h", bytes(4 * len(left)))
            frames[0::2] = left
            frames[1::2] = right
        else:
            out.setnchannels(1)
            frames = array.array("h", (max(-32768, min(32767, a + b))
                                      for a, b in zip(left, right)))
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(frames.tobytes())
    return dialogue, starts, len(left) / RATE


def main():
    calls = read_calls("calls.txt")
    timings = []
    with tempfile.TemporaryDirectory() as work:
        for call in calls:
            dialogue, starts, seconds = build(call, work)
            channels = "2" if call["layout"] == "stereo" else "1"
            shaped = os.path.join(work, "shaped.wav")
            if call["sound"] == "noisy":
                noise = os.path.join(work, "noise.wav")
                run(["sox", "-n", "-r", str(RATE), "-c", channels, noise,
                     "synth", f"{seconds:.2f}", "brownnoise", "vol", "0.12"])
                run(["sox", "-m", dialogue, noise, shaped])
            else:
                run(["sox", dialogue, shaped] + EFFECTS[call["sound"]])
            run(["sox", shaped, "-r", "8000", "-C", BITRATE_KBPS[call["layout"]],
                 call["name"]])
            timings.append(f"{call['name']} ({seconds:.1f} s)")
            timings.extend(f"  {ms:>6} ms  {who}: {text}" for ms, who, text in starts)
    with open("timings.txt", "w", encoding="utf-8") as out:
        out.write("\n".join(timings) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
