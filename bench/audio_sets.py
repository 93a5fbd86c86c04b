"""Labelled audio sets made here: set A to choose methods and fit parameters, set B to confirm.

The sets share no voice, sentence, instrument, note or effect setting.
- speakers: espeak-ng voice variants (each a "speaker") saying 6 sentences, with pink noise,
  reverb, a speed change or a telephone band.
- instruments: General MIDI instruments rendered by fluidsynth from FluidR3_GM (real sampled
  instruments), 6 notes over two octaves at several velocities, with the same effects.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

from mediabrowser import mediamaker

SF2 = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
SENTENCES = {
    "A": ("The quick brown fox jumps over the lazy dog.",
          "Please call me back when you get home tonight.",
          "Numbers like seven, twelve and forty two are easy.",
          "The weather will be cold and windy tomorrow.",
          "I would like a cup of tea with milk.",
          "Open the window, it is very warm in here."),
    "B": ("My sister moved to a small town near the sea.",
          "Turn left at the second traffic light.",
          "We found an old map in the attic last summer.",
          "Could you bring the red chair from the kitchen?",
          "The train was late again this morning.",
          "Music sounds better with friends around."),
}
VOICES = {
    "A": ("en+Adam", "en+Alicia", "en+Andy", "en+Annie", "en+belinda", "en+boris", "en+caleb",
          "en+david", "en+edward", "en+linda"),
    "B": ("en-us+john", "en-us+Mario", "en-gb+max", "en+Michael", "en-gb+iven", "en+Andrea",
          "en-us+Gene", "en+aunty", "en-gb+Jacky", "en+Lee"),
}
EFFECTS = {
    "A": ("", "noise:0.03", "aecho=0.8:0.7:40:0.4", "atempo=1.15", "noise:0.06",
          "highpass=f=300,lowpass=f=3400"),
    "B": ("aecho=0.8:0.8:60|90:0.5|0.3", "noise:0.05", "", "atempo=0.9",
          "lowpass=f=4000,volume=0.5", "noise:0.02,aecho=0.7:0.6:30:0.3"),
}
INSTRUMENTS = {
    "A": {"piano": 0, "marimba": 12, "organ": 19, "nylon guitar": 24, "violin": 40,
          "trumpet": 56, "alto sax": 65, "flute": 73, "sitar": 104, "steel drums": 114},
    "B": {"electric piano": 4, "vibraphone": 11, "accordion": 21, "jazz guitar": 26,
          "cello": 42, "trombone": 57, "oboe": 68, "pan flute": 75, "banjo": 105,
          "bagpipe": 109, "harp": 46, "synth lead": 81},
}
NOTES = {"A": (48, 55, 60, 64, 67, 72), "B": (50, 53, 57, 62, 69, 74)}


def have_instruments() -> bool:
    return shutil.which("fluidsynth") is not None and Path(SF2).is_file()


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-y", "-v", "error", *args], check=True)


def apply_effect(src: Path, out: Path, effect: str, seed: int) -> Path:
    """`effect`: ffmpeg audio filters, with "noise:AMP" meaning pink noise mixed in."""
    if not effect:
        return src
    if out.exists():
        return out
    parts = effect.split(",")
    noise = [p for p in parts if p.startswith("noise:")]
    filters = [p for p in parts if not p.startswith("noise:")]
    current = src
    if filters:
        step = out.with_suffix(".filtered.wav") if noise else out
        ffmpeg("-i", str(current), "-af", ",".join(filters), str(step))
        current = step
    if noise:
        amp = noise[0].split(":")[1]
        ffmpeg("-i", str(current), "-f", "lavfi", "-i",
                f"anoisesrc=color=pink:amplitude={amp}:seed={seed}", "-filter_complex",
                "[0][1]amix=inputs=2:duration=first:normalize=0", str(out))
    return out


def speakers(folder: Path, which: str) -> tuple[list[Path], list[str]]:
    folder.mkdir(parents=True, exist_ok=True)
    effects = EFFECTS[which]
    paths, labels = [], []
    for vi, voice in enumerate(VOICES[which]):
        for si, text in enumerate(SENTENCES[which]):
            clean = folder / f"{voice}__{si}.wav"
            if not clean.exists():
                mediamaker.speech(text, clean, voice=voice, speed=150 + 7 * ((vi + si) % 4))
            effect = effects[(si + vi) % len(effects)]
            paths.append(apply_effect(clean, folder / f"{voice}__{si}_fx.wav", effect,
                                      vi * 10 + si))
            labels.append(voice)
    return paths, labels


def midi_note(out: Path, program: int, note: int, velocity: int, seconds: float = 1.6) -> None:
    """A one-note Standard MIDI File (format 0, 480 ticks per beat at 120 bpm)."""
    midi_melody(out, program, (note,), seconds, velocity)


def instruments(folder: Path, which: str) -> tuple[list[Path], list[str]]:
    folder.mkdir(parents=True, exist_ok=True)
    effects = EFFECTS[which]
    paths, labels = [], []
    for gi, (name, program) in enumerate(INSTRUMENTS[which].items()):
        for ni, note in enumerate(NOTES[which]):
            base = folder / f"{program}_{note}.wav"
            if not base.exists():
                mid = base.with_suffix(".mid")
                midi_note(mid, program, note, 70 + 10 * (ni % 4))
                subprocess.run(["fluidsynth", "-ni", "-q", "-r", "16000", "-g", "2.0", "-F",
                                str(base), SF2, str(mid)], check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            effect = effects[(ni + gi) % len(effects)]
            if effect.startswith("atempo"):  # a speed change would change the note
                effect = ""
            paths.append(apply_effect(base, folder / f"{program}_{note}_fx.wav", effect,
                                      gi * 10 + ni))
            labels.append(name)
    return paths, labels


# ---- set C: made another way, to confirm only ------------------------------------------------
# Another speech synthesiser (flite's diphone and cluster-unit voices, not espeak-ng's formant
# voices) and another soundfont (TimGM6mb) playing melodies, not single notes, at 44.1 kHz.
SF2_C = "/usr/share/sounds/sf2/TimGM6mb.sf2"
FLITE_VOICES = {"kal": "kal", "kal16": "kal", "awb": "awb", "rms": "rms", "slt": "slt"}
SENTENCES_C = ("Leave the keys on the table by the door.",
               "The library closes at six on Sundays.",
               "Nobody expected the river to rise so fast.",
               "She painted the fence a bright shade of green.",
               "Two coffees and a slice of lemon cake, please.",
               "The meeting has been moved to Thursday afternoon.")
EFFECTS_C = ("", "noise:0.04", "aecho=0.8:0.75:50:0.35", "lowpass=f=5000",
             "volume=0.4,noise:0.02", "highpass=f=200")
INSTRUMENTS_C = {"harpsichord": 6, "glockenspiel": 9, "tubular bells": 14,
                 "distortion guitar": 30, "acoustic bass": 32, "viola": 41, "french horn": 60,
                 "clarinet": 71, "piccolo": 72, "ocarina": 79, "shamisen": 106, "kalimba": 108}
MELODIES_C = ((60, 62, 64, 65, 67), (67, 64, 60, 64, 67, 72), (57, 60, 64, 62, 60),
              (65, 69, 72, 69, 65, 64), (55, 59, 62, 67), (62, 64, 66, 67, 69, 71))


def have_set_c() -> bool:
    return (shutil.which("fluidsynth") is not None and Path(SF2_C).is_file()
            and shutil.which("flite") is not None)


def flite_speakers(folder: Path) -> tuple[list[Path], list[str]]:
    """flite's voices (kal and kal16 are one speaker) saying six sentences, two speeds each."""
    folder.mkdir(parents=True, exist_ok=True)
    paths, labels = [], []
    for vi, (voice, speaker) in enumerate(FLITE_VOICES.items()):
        for si, text in enumerate(SENTENCES_C):
            for stretch in ((1.0, 1.2) if voice != "kal16" else (0.9,)):
                clean = folder / f"{voice}__{si}_{stretch}.wav"
                if not clean.exists():
                    subprocess.run(["flite", "-voice", voice, "--setf",
                                    f"duration_stretch={stretch}", "-t", text, "-o",
                                    str(clean)], check=True)
                effect = EFFECTS_C[(si + vi + int(stretch * 10)) % len(EFFECTS_C)]
                out = apply_effect(clean, folder / f"{voice}__{si}_{stretch}_fx.wav", effect,
                                   vi * 100 + si)
                if si % 3 == 1:  # some as MP3, as recordings are kept
                    mp3 = out.with_suffix(".mp3")
                    if not mp3.exists():
                        ffmpeg("-i", str(out), "-b:a", "96k", str(mp3))
                    out = mp3
                paths.append(out)
                labels.append(speaker)
    return paths, labels


def midi_melody(out: Path, program: int, notes: tuple[int, ...], beat: float,
                velocity: int) -> None:
    """A Standard MIDI File (format 0, 480 ticks per beat at 120 bpm) playing `notes` one
    after another, `beat` seconds each."""
    def vlq(n: int) -> bytes:
        b = [n & 0x7F]
        n >>= 7
        while n:
            b.insert(0, (n & 0x7F) | 0x80)
            n >>= 7
        return bytes(b)

    ticks = int(beat * 960)
    events = vlq(0) + bytes([0xC0, program])
    for note in notes:
        events += vlq(0) + bytes([0x90, note, velocity]) + vlq(ticks) + bytes([0x80, note, 0])
    events += vlq(960) + b"\xff\x2f\x00"
    out.write_bytes(b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480)
                    + b"MTrk" + struct.pack(">I", len(events)) + events)


def melodies(folder: Path) -> tuple[list[Path], list[str]]:
    """Twelve General MIDI instruments from TimGM6mb playing six short melodies at 44.1 kHz."""
    folder.mkdir(parents=True, exist_ok=True)
    paths, labels = [], []
    for gi, (name, program) in enumerate(INSTRUMENTS_C.items()):
        for mi, notes in enumerate(MELODIES_C):
            base = folder / f"{program}_{mi}.wav"
            if not base.exists():
                mid = base.with_suffix(".mid")
                midi_melody(mid, program, notes, 0.35 + 0.1 * (mi % 3), 70 + 12 * (mi % 3))
                subprocess.run(["fluidsynth", "-ni", "-q", "-r", "44100", "-g", "1.0", "-F",
                                str(base), SF2_C, str(mid)], check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            effect = EFFECTS_C[(mi + gi) % len(EFFECTS_C)]
            paths.append(apply_effect(base, folder / f"{program}_{mi}_fx.wav", effect,
                                      gi * 10 + mi))
            labels.append(name)
    return paths, labels
