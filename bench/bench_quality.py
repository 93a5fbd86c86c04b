"""Ranking quality on labelled sets made here (never downloaded), for the app's default models
next to trivial baselines, in one run — the measuring stick for issue 10.

Sets:
- photos: scikit-image's sample photographs, each in 7 variants (resized, cropped, recoloured,
  noisy, JPEG-recompressed, rotated 90°, mirrored); a variant's relevant items are the other
  variants of the same photograph.
- speakers: espeak-ng voices (each a "speaker") saying 6 different sentences, with noise,
  reverb or a speed change; relevant = the same voice.
- timbres: synthetic instruments (waveform × harmonics × envelope) playing 6 different notes;
  relevant = the same instrument.

Reports P@1, P@10 and mAP@10 per set and method, and for photos how a rotated / mirrored copy
scores against its original next to a resized copy.

    .venv/bin/python bench/bench_quality.py [--media DIR] [--write BENCHMARKS.md]
"""

from __future__ import annotations

import argparse
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
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


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-y", "-v", "error", *args], check=True)


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


def colour_histogram(paths: list[Path]) -> np.ndarray:
    """The trivial photo baseline: an 8×8×8 RGB histogram."""
    out = []
    for p in paths:
        a = np.asarray(Image.open(p).convert("RGB").resize((128, 128))) // 32
        h = np.bincount((a[..., 0] * 64 + a[..., 1] * 8 + a[..., 2]).ravel(), minlength=512)
        out.append(h.astype(np.float32))
    return np.stack(out)


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


def orientation_check(vecs: np.ndarray, paths: list[Path],
                      by_source: dict[str, dict[str, Path]]) -> dict[str, float]:
    """Mean cosine of each variant to its original, and how often a rotated / mirrored copy
    scores at least as high as the resized copy."""
    index = {p: i for i, p in enumerate(paths)}
    v = vecs / (np.linalg.norm(vecs, axis=1, keepdims=True) + 1e-12)
    cos: dict[str, list[float]] = {}
    at_least: dict[str, list[bool]] = {"rotated90": [], "mirrored": []}
    for variants in by_source.values():
        o = v[index[variants["original"]]]
        scores = {name: float(o @ v[index[p]]) for name, p in variants.items()
                  if name != "original"}
        for name, s in scores.items():
            cos.setdefault(name, []).append(s)
        for name in at_least:
            at_least[name].append(scores[name] >= scores["resized"])
    out = {f"cos {name}": float(np.mean(s)) for name, s in cos.items()}
    out.update({f"{name} ≥ resized": float(np.mean(b)) for name, b in at_least.items()})
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--media", default="/tmp/mb-bench-quality")
    ap.add_argument("--write", metavar="FILE")
    args = ap.parse_args()
    root = Path(args.media)
    t0 = time.monotonic()
    rows: list[str] = []
    photos, photo_labels, by_source = photo_set(root / "photos")
    photo_methods = {"efficientnet-lite0 (default)": model_vectors("efficientnet-lite0"),
                     "colour histogram (baseline)": colour_histogram}
    orientation: dict[str, dict[str, float]] = {}
    for name, method in photo_methods.items():
        vecs = method(photos)
        q = ranking_quality(vecs, photo_labels)
        rows.append(f"| photos ({len(photos)}: {len(by_source)} × 7 variants) | {name} | "
                    f"{q['P@1']:.3f} | {q['P@10']:.3f} | {q['mAP@10']:.3f} |")
        orientation[name] = orientation_check(vecs, photos, by_source)
        print(rows[-1], flush=True)
    for set_name, (paths, labels) in (("speakers", speaker_set(root / "speech")),
                                      ("timbres", timbre_set(root / "timbre"))):
        methods = {"mfcc (default)": model_vectors("mfcc"),
                   "standardised MFCC mean+std (baseline)": mfcc_standardised,
                   "voice-ge2e": model_vectors("voice-ge2e")}
        for name, method in methods.items():
            q = ranking_quality(method(paths), labels)
            rows.append(f"| {set_name} ({len(paths)}: {len(set(labels))} classes) | {name} | "
                        f"{q['P@1']:.3f} | {q['P@10']:.3f} | {q['mAP@10']:.3f} |")
            print(rows[-1], flush=True)
    orient_rows = [f"| {name} | " + " | ".join(f"{v:.3f}" for v in o.values()) + " |"
                   for name, o in orientation.items()]
    orient_head = next(iter(orientation.values())).keys()
    text = (f"\n### Ranking quality — {time.strftime('%Y-%m-%d')}\n\n"
            "`.venv/bin/python bench/bench_quality.py` (sets made here from scikit-image "
            f"photos, espeak-ng voices and synthetic instruments; {time.monotonic() - t0:.0f} s)."
            "\n\n| set | method | P@1 | P@10 | mAP@10 |\n|---|---|---|---|---|\n"
            + "\n".join(rows)
            + "\n\nPhotos: cosine of each variant to its original, and how often a rotated or "
              "mirrored copy scores at least as high as the resized one.\n\n| method | "
            + " | ".join(orient_head) + " |\n|" + "---|" * (len(orient_head) + 1) + "\n"
            + "\n".join(orient_rows) + "\n")
    print(text)
    if args.write:
        with open(args.write, "a") as f:
            f.write(text)


if __name__ == "__main__":
    main()
