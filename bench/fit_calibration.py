"""Fit each offline model's score calibration (core/calibration.py) on the *choosing* sets
(set A) and write it into mediabrowser/core/embed/models.json (options.calibration):

- "unrelated": median and 99th percentile of cosine between items with different labels
  (photos of different scenes; different voices or instruments, speech against music);
- "same": the 10th percentile of cosine between a file and its copies (photos: resized,
  cropped, recoloured, noisy JPEG; sounds: MP3 at 96 kbit/s, Ogg, a resampled quieter WAV,
  AAC at 32 kbit/s), so that nine copies in ten reach the "same" tier.

    .venv/bin/python bench/fit_calibration.py [--media DIR]

bench_quality.py then checks the tiers on set B.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from audio_sets import ffmpeg, instruments, speakers
from bench_quality import model_vectors, photo_set

from mediabrowser.core.embed.registry import MANIFEST

COPY_VARIANTS = ("resized", "cropped", "recoloured", "noisy")


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


def unrelated(vecs: np.ndarray, labels: list[str]) -> list[float]:
    v = unit(vecs)
    sims = v @ v.T
    lab = np.array(labels)
    mask = (lab[:, None] != lab[None, :]) & np.triu(np.ones_like(sims, bool), 1)
    return [float(np.quantile(sims[mask], 0.5)), float(np.quantile(sims[mask], 0.99))]


def audio_copies(paths: list[Path], folder: Path) -> list[tuple[Path, Path]]:
    folder.mkdir(parents=True, exist_ok=True)
    pairs = []
    kinds = ((".mp3", ["-b:a", "96k"]), (".ogg", ["-q:a", "3"]),
             (".wav", ["-ar", "22050", "-af", "volume=0.5"]), (".m4a", ["-b:a", "32k"]))
    for i, p in enumerate(paths):
        suffix, args = kinds[i % len(kinds)]
        out = folder / f"{p.stem}{suffix}"
        if not out.exists():
            ffmpeg("-i", str(p), *args, str(out))
        pairs.append((p, out))
    return pairs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--media", default="/tmp/mb-bench-quality")
    ap.add_argument("--models", nargs="*", help="fit only these (default: every offline model)")
    args = ap.parse_args()
    root = Path(args.media)
    chosen = set(args.models or [])

    def wanted(names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(n for n in names if not chosen or n in chosen)

    fitted: dict[str, dict[str, list[float] | float]] = {}
    photo_models = wanted(("efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2"))
    photos, labels, by_source = photo_set(root / "photos-A", "A") if photo_models else ([], [], {})
    for name in photo_models:
        vecs = unit(model_vectors(name)(photos))
        index = {p: i for i, p in enumerate(photos)}
        copies = [float(vecs[index[v["original"]]] @ vecs[index[v[c]]])
                  for v in by_source.values() for c in COPY_VARIANTS]
        fitted[name] = {"unrelated": unrelated(vecs, labels),
                        "same": float(np.quantile(copies, 0.1))}
    sp, sl = speakers(root / "speech-A", "A")
    mp, ml = instruments(root / "music-A", "A")
    clean = [p for p in sp if not p.stem.endswith("_fx")][:30] + mp[:30]
    pairs = audio_copies(clean, root / "audio-copies-A")
    for name in wanted(("sounds-voices", "voice-timbre", "mfcc", "melspec", "voice-ge2e")):
        run = model_vectors(name)
        vecs = run(sp + mp)
        a, b = unit(run([p for p, _ in pairs])), unit(run([q for _, q in pairs]))
        fitted[name] = {"unrelated": unrelated(vecs, sl + ml),
                        "same": float(np.quantile((a * b).sum(axis=1), 0.1))}
    data = json.loads(MANIFEST.read_text(encoding="utf-8"))
    for m in data["models"]:
        if m["name"] in fitted:
            c = fitted[m["name"]]
            m.setdefault("options", {})["calibration"] = {
                "unrelated": [round(x, 4) for x in c["unrelated"]],  # type: ignore[union-attr]
                "same": round(float(c["same"]), 4)}  # type: ignore[arg-type]
            print(m["name"], m["options"]["calibration"])
    MANIFEST.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
