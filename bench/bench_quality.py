"""Ranking quality on labelled sets made here (never downloaded), for the app's default models
next to trivial baselines, in one run — the measuring stick for issue 10.

Sets (set A chooses methods and fits parameters — bench/fit_audio_reference.py,
bench/fit_calibration.py — and set B, which shares no source with A, confirms):
- photos A / B: scikit-image's sample photographs (12 each), each in 11 versions (resized,
  two crops, recoloured, noisy JPEG, turned 90/180/270°, mirrored, transposed); relevant = the
  other versions of the same photograph.
- speakers A / B: espeak-ng voice variants saying 6 sentences with noise, reverb, speed or a
  telephone band (bench/audio_sets.py); relevant = the same voice.
- instruments A / B: General MIDI instruments (FluidR3 through fluidsynth) playing 6 notes over
  two octaves with the same effects; relevant = the same instrument.
- two older confirming sets: espeak languages as speakers, synthetic timbres.

Reports P@1, P@10 and mAP@10 per set and method, with the trivial baselines (colour histogram,
standardised MFCC statistics) in the same run; then, through the real pipeline and search on
set B, how copies, turned copies and unrelated items score (calibrated) for each kind.

    .venv/bin/python bench/bench_quality.py [--media DIR] [--write BENCHMARKS.md]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from audio_sets import (
    ffmpeg,
    flite_speakers,
    have_instruments,
    instruments,
    melodies,
    speakers,
)
from audio_sets import have_set_c as audio_sets_made_another_way
from PIL import Image, ImageEnhance, ImageFilter

from mediabrowser import mediamaker

PHOTOS = {  # scikit-image's sample photographs, split so no photograph is in both sets
    "A": ("astronaut", "coffee", "chelsea", "rocket", "horse", "hubble_deep_field", "brick",
          "coins", "page", "gravel", "color", "cell"),
    "B": ("motorcycle_left", "motorcycle_right", "retina", "grass", "camera", "ihc", "moon",
          "logo", "clock_motion", "microaneurysms", "phantom", "text"),
}
TURN_VARIANTS = ("rotated90", "rotated180", "rotated270", "mirrored", "transposed")
VOICES = ("en", "en-us", "en-gb-scotland", "de", "fr", "es", "it", "pt", "nl", "pl")
SENTENCES = ("The quick brown fox jumps over the lazy dog.",
             "Please call me back when you get home tonight.",
             "Numbers like seven, twelve and forty two are easy.",
             "The weather will be cold and windy tomorrow.",
             "I would like a cup of tea with milk.",
             "Open the window, it is very warm in here.")
NOTES = (220.0, 262.0, 330.0, 392.0, 440.0, 523.0)
INSTRUMENTS = {  # waveform as an ffmpeg expression of t and f, and an envelope
    "flute": ("sin(2*PI*F*t)+0.2*sin(4*PI*F*t)", "exp(-0.5*t)"),
    "clarinet": ("sin(2*PI*F*t)+0.5*sin(6*PI*F*t)+0.3*sin(10*PI*F*t)", "exp(-0.3*t)"),
    "brass": ("sin(2*PI*F*t)+0.8*sin(4*PI*F*t)+0.6*sin(6*PI*F*t)+0.4*sin(8*PI*F*t)", "1"),
    "pluck": ("sin(2*PI*F*t)+0.6*sin(4*PI*F*t)+0.3*sin(6*PI*F*t)", "exp(-4*t)"),
    "organ": ("sin(2*PI*F*t)+sin(4*PI*F*t)+sin(8*PI*F*t)", "1"),
    "bell": ("sin(2*PI*F*t)+0.7*sin(2*PI*2.76*F*t)+0.5*sin(2*PI*5.4*F*t)", "exp(-2*t)"),
    "buzz": ("2*(F*t-floor(F*t+0.5))", "1"),
    "square": ("sin(2*PI*F*t)+sin(6*PI*F*t)/3+sin(10*PI*F*t)/5+sin(14*PI*F*t)/7",
               "exp(-0.8*t)"),
}


# ---- sets ------------------------------------------------------------------------------------
def photo_set(folder: Path, which: str = "A"
              ) -> tuple[list[Path], list[str], dict[str, dict[str, Path]]]:
    """Each photograph in 11 versions: resized, two crops, recoloured, noisy JPEG, turned by
    90°, 180° and 270°, mirrored, transposed. (The two motorcycle photographs of set B are a
    stereo pair: look-alikes that are not the same photograph.)"""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    paths, labels = [], []
    by_source: dict[str, dict[str, Path]] = {}
    T = Image.Transpose
    for name in PHOTOS[which]:
        try:
            src = mediamaker.sample_photo(name).convert("RGB")
        except Exception:  # noqa: BLE001 - a sample missing from this scikit-image
            continue
        w, h = src.size
        arr = np.asarray(src, np.float32)
        variants: dict[str, Image.Image] = {
            "original": src,
            "resized": src.resize((max(16, w // 3), max(16, h // 3))),
            "cropped": src.crop((w // 10, h // 10, w - w // 10, h - h // 10)),
            "cropped hard": src.crop((w // 5, h // 8, w - w // 8, h - h // 5)),
            "recoloured": ImageEnhance.Color(ImageEnhance.Brightness(src).enhance(1.25))
            .enhance(0.6),
            "noisy": Image.fromarray(np.clip(arr + rng.normal(0, 18, arr.shape), 0, 255)
                                     .astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.6)),
            "rotated90": src.transpose(T.ROTATE_90),
            "rotated180": src.transpose(T.ROTATE_180),
            "rotated270": src.transpose(T.ROTATE_270),
            "mirrored": src.transpose(T.FLIP_LEFT_RIGHT),
            "transposed": src.transpose(T.TRANSPOSE),
        }
        by_source[name] = {}
        for v, im in variants.items():
            p = folder / f"{name}__{v.replace(' ', '_')}.jpg"
            if not p.exists():
                im.save(p, quality=40 if v == "noisy" else 90)
            paths.append(p)
            labels.append(name)
            by_source[name][v] = p
    return paths, labels, by_source


def speaker_set(folder: Path) -> tuple[list[Path], list[str]]:
    folder.mkdir(parents=True, exist_ok=True)
    effects = ("", "anoisesrc", "aecho=0.8:0.7:40:0.4", "atempo=1.15")
    paths, labels = [], []
    for vi, voice in enumerate(VOICES):
        for si, text in enumerate(SENTENCES):
            clean = folder / f"{voice}__{si}.wav"
            if not clean.exists():
                mediamaker.speech(text, clean, voice=voice, pitch=40 + 5 * vi)
            effect = effects[si % len(effects)]
            out = clean
            if effect == "anoisesrc":
                out = folder / f"{voice}__{si}_noise.wav"
                if not out.exists():
                    ffmpeg("-i", str(clean), "-f", "lavfi", "-i",
                           "anoisesrc=color=pink:amplitude=0.03", "-filter_complex",
                           "[0][1]amix=inputs=2:duration=first", str(out))
            elif effect:
                out = folder / f"{voice}__{si}_fx.wav"
                if not out.exists():
                    mediamaker.convert_audio(clean, out, effect)
            paths.append(out)
            labels.append(voice)
    return paths, labels


def timbre_set(folder: Path) -> tuple[list[Path], list[str]]:
    folder.mkdir(parents=True, exist_ok=True)
    paths, labels = [], []
    for name, (wave, env) in INSTRUMENTS.items():
        for f in NOTES:
            out = folder / f"{name}__{int(f)}.wav"
            if not out.exists():
                expr = f"0.3*({wave.replace('F', str(f))})*{env}"
                ffmpeg("-f", "lavfi", "-i", f"aevalsrc={expr}:s=16000:d=2.0", str(out))
            paths.append(out)
            labels.append(name)
    return paths, labels


# ---- methods ---------------------------------------------------------------------------------
def model_vectors(name: str) -> Callable[[list[Path]], np.ndarray]:
    from mediabrowser.core.embed.registry import load_embedder

    def run(paths: list[Path]) -> np.ndarray:
        emb = load_embedder(name, "cpu")
        out = []
        for start in range(0, len(paths), 16):
            out.append(emb.embed([emb.prepare(str(p)) for p in paths[start:start + 16]]))
        return np.concatenate(out)

    return run


def lite0_mirror_mean(paths: list[Path]) -> np.ndarray:
    """Candidate: the mean of a photo's and its mirror image's vectors."""
    from mediabrowser.core.embed.registry import load_embedder
    from mediabrowser.core.media.decode import load_image

    emb = load_embedder("efficientnet-lite0", "cpu")
    out = []
    for p in paths:
        im = load_image(p, min_side=224)
        v = emb.embed([emb.prepare_image(im),  # type: ignore[attr-defined]
                       emb.prepare_image(im.transpose(Image.Transpose.FLIP_LEFT_RIGHT))])
        out.append(v.mean(axis=0))
    return np.stack(out)


def lite0_gem(paths: list[Path], p: float = 3.0) -> np.ndarray:
    """Candidate: generalized-mean (p = 3) pooling of the last feature map, not the plain mean."""
    import torch

    from mediabrowser.core.embed.registry import load_embedder

    emb = load_embedder("efficientnet-lite0", "cpu")
    out = []
    with torch.inference_mode():
        for start in range(0, len(paths), 16):
            x = torch.stack([emb.prepare(str(q)) for q in paths[start:start + 16]])
            fmap = emb.model.forward_features(x).clamp_min(1e-6)  # type: ignore[attr-defined]
            out.append(fmap.pow(p).mean(dim=(2, 3)).pow(1 / p).numpy())
    return np.concatenate(out)


def fused(*methods: Callable[[list[Path]], np.ndarray]) -> Callable[[list[Path]], np.ndarray]:
    """Candidate: unit vectors of several models side by side."""
    def run(paths: list[Path]) -> np.ndarray:
        parts = [m(paths) for m in methods]
        return np.concatenate([v / np.linalg.norm(v, axis=1, keepdims=True) for v in parts], 1)

    return run


def colour_histogram(paths: list[Path]) -> np.ndarray:
    """The trivial photo baseline: an 8×8×8 RGB histogram."""
    out = []
    for p in paths:
        a = np.asarray(Image.open(p).convert("RGB").resize((128, 128))) // 32
        h = np.bincount((a[..., 0] * 64 + a[..., 1] * 8 + a[..., 2]).ravel(), minlength=512)
        out.append(h.astype(np.float32))
    return np.stack(out)


def aisfx_alone(paths: list[Path]) -> np.ndarray:
    """The default audio model's sounds half for every recording (no VAD gate, no centring)."""
    from mediabrowser.core.embed.registry import load_embedder
    from mediabrowser.core.embed.sound_inputs import SoundVoiceInput

    emb = load_embedder("sounds-voices")
    read = SoundVoiceInput(emb.vad_graph, voice_from=2.0, sounds_until=2.0)
    return np.stack(emb.sound_parts([read(str(p))[0].blocks for p in paths]))


def mfcc_standardised(paths: list[Path]) -> np.ndarray:
    """The trivial audio baseline: 20 MFCCs' mean and std, standardised over the set."""
    vecs = model_vectors("mfcc")(paths)
    return (vecs - vecs.mean(axis=0)) / (vecs.std(axis=0) + 1e-6)


# ---- scoring ---------------------------------------------------------------------------------
def ranking_quality(vecs: np.ndarray, labels: list[str], k: int = 10) -> dict[str, float]:
    v = vecs / (np.linalg.norm(vecs, axis=1, keepdims=True) + 1e-12)
    sims = v @ v.T
    np.fill_diagonal(sims, -np.inf)
    lab = np.array(labels)
    p1, p10, ap = [], [], []
    for i in range(len(lab)):
        order = np.argsort(-sims[i])[:k]
        rel = lab[order] == lab[i]
        n_rel = int((lab == lab[i]).sum()) - 1
        p1.append(float(rel[0]))
        p10.append(float(rel.mean()))
        hits = np.cumsum(rel)
        prec = hits / np.arange(1, k + 1)
        ap.append(float((prec * rel).sum() / max(1, min(n_rel, k))))
    return {"P@1": float(np.mean(p1)), "P@10": float(np.mean(p10)),
            "mAP@10": float(np.mean(ap))}


def through_the_app(root: Path) -> list[str]:
    """Build a library of set B (photos, clips, sounds and copies) with the real pipeline and
    ask find_similar for each original: how copies, turned copies and unrelated items score."""
    import tempfile

    from fit_calibration import audio_copies

    from mediabrowser.core.jobs.pipeline import index_paths
    from mediabrowser.core.library import Library
    from mediabrowser.core.search import find_similar
    from mediabrowser.core.tiers import tier

    photos, _, by_source = photo_set(root / "photos-B", "B")
    clips = root / "clips-B"
    clips.mkdir(parents=True, exist_ok=True)
    clip_sources = ["camera", "moon", "grass", "retina"]
    for name in clip_sources:
        base = clips / f"{name}.mp4"
        if not base.exists():
            mediamaker.video_from_photo(by_source[name]["original"], base, seconds=2)
        for label, vf in (("small", "scale=160:120"), ("rotated90", "transpose=1"),
                          ("mirrored", "hflip")):
            out = clips / f"{name}__{label}.mp4"
            if not out.exists():
                ffmpeg("-i", str(base), "-vf", vf, "-c:v", "libx264", "-preset", "veryfast",
                       "-crf", "28", str(out))
    sp, sl = speakers(root / "speech-B", "B")
    mp, ml = (instruments(root / "music-B", "B") if have_instruments() else ([], []))
    clean = [p for p in sp if not p.stem.endswith("_fx")][:20] + mp[:20]
    pairs = audio_copies(clean, root / "audio-copies-B")
    label_of = dict(zip(sp + mp, sl + ml, strict=True))
    with tempfile.TemporaryDirectory() as tmp:
        lib = Library(Path(tmp) / "lib")
        index_paths(lib, [root / "photos-B", clips, root / "speech-B", root / "audio-copies-B"]
                    + ([root / "music-B"] if mp else []))
        rows: dict[str, list[float]] = {}

        def note(key: str, value: float) -> None:
            rows.setdefault(key, []).append(value)

        for name, variants in by_source.items():
            got = {m.item.path: m.score for m in find_similar(lib, variants["original"], k=40,
                                                              kind="image")}
            for v, p in variants.items():
                if v != "original":
                    note(f"photo {v}", got.get(str(p), 0.0))
            for v in TURN_VARIANTS:
                note("photo turned ≥ resized", float(got.get(str(variants[v]), 0) >=
                                                     got.get(str(variants["resized"]), 0)))
            others = [s for p, s in got.items() if Path(p).name.split("__")[0] != name]
            note("photo unrelated in the top 40 ≥ 0.5", float(np.mean([s >= 0.5 for s in others])))
        for name in clip_sources:
            got = {m.item.path: m.score for m in find_similar(lib, clips / f"{name}.mp4", k=40)}
            for label in ("small", "rotated90", "mirrored"):
                note(f"video {label}", got.get(str(clips / f"{name}__{label}.mp4"), 0.0))
            note("video turned ≥ rescaled", float(min(
                got.get(str(clips / f"{name}__{v}.mp4"), 0) for v in ("rotated90", "mirrored"))
                >= got.get(str(clips / f"{name}__small.mp4"), 0)))
        for original, copy in pairs:
            got = {m.item.path: m.score for m in find_similar(lib, original, k=200)}
            kind = "speech" if original in sp else "music"
            note(f"{kind} re-encoded copy", got.get(str(copy), 0.0))
            same_label = [s for p, s in got.items() if label_of.get(Path(p)) ==
                          label_of[original] and Path(p) != copy]
            unrelated = [s for p, s in got.items() if Path(p) in label_of
                         and label_of[Path(p)] != label_of[original]]
            note(f"{kind} same {'voice' if kind == 'speech' else 'instrument'}",
                 float(np.mean(same_label)))
            note(f"{kind} unrelated ≥ 0.5", float(np.mean([s >= 0.5 for s in unrelated])))
        lib.close()
    out = []
    for key, vals in rows.items():
        mean = float(np.mean(vals))
        word = "" if "≥" in key else tier(mean) or "—"
        out.append(f"| {key} | {mean:.3f} | {word} | {len(vals)} |")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--media", default="/tmp/mb-bench-quality")
    ap.add_argument("--write", metavar="FILE")
    ap.add_argument("--only", choices=["audio"], help="audio sets only (no photos, no app run)")
    args = ap.parse_args()
    root = Path(args.media)
    t0 = time.monotonic()
    rows: list[str] = []

    def report(set_name: str, role: str, name: str, vecs: np.ndarray, labels: list[str]) -> None:
        q = ranking_quality(vecs, labels)
        rows.append(f"| {set_name} | {role} | {name} | {q['P@1']:.3f} | {q['P@10']:.3f} | "
                    f"{q['mAP@10']:.3f} |")
        print(rows[-1], flush=True)

    if args.only != "audio":
        lite0 = model_vectors("efficientnet-lite0")
        photo_methods = {"efficientnet-lite0 (default)": lite0,
                         "lite0, mirror-averaged": lite0_mirror_mean,
                         "lite0, GeM pooling": lite0_gem,
                         "efficientnet-lite2": model_vectors("efficientnet-lite2"),
                         "lite0 + lite2 fused": fused(lite0, model_vectors("efficientnet-lite2")),
                         "colour histogram (baseline)": colour_histogram}
        for which, role in (("A", "choose"), ("B", "confirm")):
            photos, labels, by_source = photo_set(root / f"photos-{which}", which)
            for name, method in photo_methods.items():
                report(f"photos {which} ({len(photos)}: {len(by_source)} × 11)", role, name,
                       method(photos), labels)
    audio_methods = {"sounds-voices (default)": model_vectors("sounds-voices"),
                     "aisfx alone (sounds half)": aisfx_alone,
                     "voice-timbre (old default)": model_vectors("voice-timbre"),
                     "mfcc (old default)": model_vectors("mfcc"),
                     "standardised MFCC mean+std (baseline)": mfcc_standardised,
                     "voice-ge2e": model_vectors("voice-ge2e")}
    audio_sets: list[tuple[str, str, list[Path], list[str]]] = []
    for which, role in (("A", "choose"), ("B", "confirm")):
        sp, sl = speakers(root / f"speech-{which}", which)
        audio_sets.append((f"speakers {which}", role, sp, sl))
        if have_instruments():
            mp, ml = instruments(root / f"music-{which}", which)
            audio_sets.append((f"instruments {which}", role, mp, ml))
            if which == "B":
                audio_sets.append(("speech + music B", role, sp + mp, sl + ml))
    if audio_sets_made_another_way():
        cp, cl = flite_speakers(root / "speech-C")
        mp, ml = melodies(root / "music-C")
        audio_sets += [("flite voices C", "confirm", cp, cl),
                       ("TimGM6mb melodies C", "confirm", mp, ml),
                       ("speech + music C", "confirm", cp + mp, cl + ml)]
    audio_sets.append(("espeak languages", "confirm", *speaker_set(root / "speech")))
    audio_sets.append(("synthetic timbres", "confirm", *timbre_set(root / "timbre")))
    for set_name, role, paths, labels in audio_sets:
        for name, method in audio_methods.items():
            report(f"{set_name} ({len(paths)}: {len(set(labels))} classes)", role, name,
                   method(paths), labels)
    app_rows = through_the_app(root) if args.only != "audio" else []
    text = (f"\n### Ranking quality — {time.strftime('%Y-%m-%d')}\n\n"
            "`.venv/bin/python bench/bench_quality.py` (sets made here: scikit-image photos, "
            "espeak-ng voices, FluidR3 General MIDI instruments through fluidsynth, synthetic "
            f"tones; {time.monotonic() - t0:.0f} s).\n\n"
            "| set | role | method | P@1 | P@10 | mAP@10 |\n|---|---|---|---|---|---|\n"
            + "\n".join(rows)
            + "\n\nThrough the app (set B indexed by the real pipeline, `find_similar` for each "
              "original): mean calibrated score, its tier, and how many queries.\n\n"
              "| what | mean | tier | n |\n|---|---|---|---|\n" + "\n".join(app_rows) + "\n")
    print(text)
    if args.write:
        with open(args.write, "a") as f:
            f.write(text)


if __name__ == "__main__":
    main()
