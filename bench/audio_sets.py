"""Audio sets for choosing (A) and confirming (B)."""
from __future__ import annotations
import struct, subprocess
from pathlib import Path
from mediabrowser import mediamaker

SF2 = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
S_A = ("The quick brown fox jumps over the lazy dog.", "Please call me back when you get home tonight.",
       "Numbers like seven, twelve and forty two are easy.", "The weather will be cold and windy tomorrow.",
       "I would like a cup of tea with milk.", "Open the window, it is very warm in here.")
S_B = ("My sister moved to a small town near the sea.", "Turn left at the second traffic light.",
       "We found an old map in the attic last summer.", "Could you bring the red chair from the kitchen?",
       "The train was late again this morning.", "Music sounds better with friends around.")
V_A = ("en+Adam", "en+Alicia", "en+Andy", "en+Annie", "en+belinda", "en+boris", "en+caleb", "en+david",
       "en+edward", "en+linda")
V_B = ("en-us+john", "en-us+Mario", "en-gb+max", "en+Michael", "en-gb+iven", "en+Andrea", "en-us+Gene",
       "en+aunty", "en-gb+Jacky", "en+Lee")
FX_A = ("", "noise:0.03", "aecho=0.8:0.7:40:0.4", "atempo=1.15", "noise:0.06", "highpass=f=300,lowpass=f=3400")
FX_B = ("aecho=0.8:0.8:60|90:0.5|0.3", "noise:0.05", "", "atempo=0.9", "lowpass=f=4000,volume=0.5", "noise:0.02,aecho=0.7:0.6:30:0.3")

def ff(*a):
    subprocess.run(["ffmpeg", "-y", "-v", "error", *a], check=True)

def apply_fx(src: Path, out: Path, fx: str, seed: int) -> Path:
    if not fx:
        return src
    if out.exists():
        return out
    parts = fx.split(",")
    noise = [p for p in parts if p.startswith("noise:")]
    other = [p for p in parts if not p.startswith("noise:")]
    cur = src
    if other:
        tmp = out.with_suffix(".o.wav") if noise else out
        ff("-i", str(cur), "-af", ",".join(other), str(tmp)); cur = tmp
    if noise:
        amp = noise[0].split(":")[1]
        ff("-i", str(cur), "-f", "lavfi", "-i", f"anoisesrc=color=pink:amplitude={amp}:seed={seed}",
           "-filter_complex", "[0][1]amix=inputs=2:duration=first:normalize=0", str(out))
    return out

def speakers(folder: Path, which: str):
    voices, sents, fxs = (V_A, S_A, FX_A) if which == "A" else (V_B, S_B, FX_B)
    folder.mkdir(parents=True, exist_ok=True)
    paths, labels = [], []
    for vi, v in enumerate(voices):
        for si, text in enumerate(sents):
            clean = folder / f"{v}__{si}.wav"
            if not clean.exists():
                mediamaker.speech(text, clean, voice=v, speed=150 + 7 * ((vi + si) % 4))
            fx = fxs[(si + vi) % len(fxs)]
            out = apply_fx(clean, folder / f"{v}__{si}_fx.wav", fx, vi * 10 + si)
            paths.append(out); labels.append(v)
    return paths, labels

def midi_note(out: Path, program: int, note: int, vel: int, dur: float = 1.6):
    tpq = 480  # 120 bpm → 960 ticks/s
    def vlq(n):
        b = [n & 0x7F]; n >>= 7
        while n: b.insert(0, (n & 0x7F) | 0x80); n >>= 7
        return bytes(b)
    ch = 9 if program >= 128 else 0
    ev = vlq(0) + bytes([0xC0 | ch, program % 128]) + vlq(0) + bytes([0x90 | ch, note, vel])
    ev += vlq(int(dur * 960)) + bytes([0x80 | ch, note, 0]) + vlq(960) + b"\xff\x2f\x00"
    out.write_bytes(b"MThd" + struct.pack(">IHHH", 6, 0, 1, tpq) + b"MTrk" + struct.pack(">I", len(ev)) + ev)

GM_A = {"piano": 0, "marimba": 12, "organ": 19, "nylon guitar": 24, "violin": 40, "trumpet": 56,
        "alto sax": 65, "flute": 73, "sitar": 104, "steel drums": 114}
GM_B = {"electric piano": 4, "vibraphone": 11, "accordion": 21, "jazz guitar": 26, "cello": 42,
        "trombone": 57, "oboe": 68, "pan flute": 75, "banjo": 105, "bagpipe": 109, "harp": 46,
        "synth lead": 81}
NOTES_A = (48, 55, 60, 64, 67, 72)
NOTES_B = (50, 53, 57, 62, 69, 74)

def instruments(folder: Path, which: str):
    gm, notes, fxs = (GM_A, NOTES_A, FX_A) if which == "A" else (GM_B, NOTES_B, FX_B)
    folder.mkdir(parents=True, exist_ok=True)
    paths, labels = [], []
    for gi, (name, prog) in enumerate(gm.items()):
        for ni, note in enumerate(notes):
            base = folder / f"{prog}_{note}.wav"
            if not base.exists():
                mid = base.with_suffix(".mid")
                midi_note(mid, prog, note, 70 + 10 * (ni % 4))
                subprocess.run(["fluidsynth", "-ni", "-q", "-r", "16000", "-g", "2.0", "-F", str(base), SF2, str(mid)],
                               check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            fx = fxs[(ni + gi) % len(fxs)]
            if fx.startswith("atempo"):
                fx = ""
            out = apply_fx(base, folder / f"{prog}_{note}_fx.wav", fx, gi * 10 + ni)
            paths.append(out); labels.append(name)
    return paths, labels
