"""Indexing throughput per engine, against this machine's limit, in one run.

For 12 MP photos with the default model, measured in the same run:
- decode-only: the app's decode and preprocessing (`prepare`) in the decode pool at full
  parallelism (one worker per core), no model;
- forward-only: the model on pre-decoded batches, every core;
- the limit when both share the cores: 1 / (1/decode + 1/forward);
- `mediabrowser index` (the whole job) on ONNX Runtime and on PyTorch;
- the seed loop: open, preprocess and forward one file at a time (eager PyTorch).
Then videos and recordings: the whole job per engine, with their decode-only and forward-only
rates.

    .venv/bin/python bench/bench_engines.py [--photos 300] [--write BENCHMARKS.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as the app sets it (mediabrowser/__init__)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from bench.bench_index import make_photos  # noqa: E402
from mediabrowser import mediamaker  # noqa: E402
from mediabrowser.core.embed.registry import forget_loaded, load_embedder  # noqa: E402
from mediabrowser.core.jobs.pipeline import index_paths  # noqa: E402
from mediabrowser.core.jobs.prefetch import prefetch_map  # noqa: E402
from mediabrowser.core.library import Library  # noqa: E402

CORES = os.cpu_count() or 1


def use_engine(name: str) -> Any:
    os.environ["MEDIABROWSER_ENGINE"] = name
    forget_loaded()


def decode_rate(prepare: Callable[[Path], Any], paths: list[Path]) -> tuple[float, list[Any]]:
    """Files/s of `prepare` in a pool of one worker per core (the app's decode pool)."""
    t = time.perf_counter()
    out = [r for _, r, e in prefetch_map(prepare, paths, workers=CORES, ahead=4 * CORES)
           if e is None]
    return len(paths) / (time.perf_counter() - t), out


def forward_rate(embed: Callable[[list[Any]], Any], prepared: list[Any], batch: int,
                 seconds: float = 8.0) -> float:
    """Files/s of the model alone on inputs decoded beforehand."""
    embed(prepared[:batch])  # warm-up
    t, done = time.perf_counter(), 0
    while time.perf_counter() - t < seconds:
        for i in range(0, len(prepared), batch):
            embed(prepared[i:i + batch])
            done += len(prepared[i:i + batch])
    return done / (time.perf_counter() - t)


def job_rate(folder: Path, expected: int) -> tuple[float, str]:
    """Files/s of `mediabrowser index` on the folder (the whole job, model load excluded)."""
    libdir = Path(tempfile.mkdtemp(prefix="mb-bench-lib-"))
    try:
        lib = Library(libdir)
        for name in lib.config.models.values():
            lib.embedder(name)  # loading the model is not part of the rate
        t = time.perf_counter()
        report = index_paths(lib, [folder])
        wall = time.perf_counter() - t
        lib.close()
        assert report.embedded == expected, (report.embedded, expected, report.problems[:3])
        return expected / wall, report.device
    finally:
        shutil.rmtree(libdir, ignore_errors=True)


def seed_loop(paths: list[Path]) -> float:
    """The seed documents' loop: open, preprocess and forward one file at a time, eager."""
    use_engine("pytorch")
    emb = load_embedder("efficientnet-lite0")
    t = time.perf_counter()
    for p in paths:
        im = Image.open(p).convert("RGB")
        emb.embed([emb.prepare_image(im)])  # type: ignore[attr-defined]
    return len(paths) / (time.perf_counter() - t)


def make_videos(folder: Path, count: int) -> list[Path]:
    """Phone-like clips: 1280×720, 6 s, H.264, from the sample photos with a slow zoom."""
    folder.mkdir(parents=True, exist_ok=True)
    names = ("astronaut", "coffee", "chelsea", "rocket", "horse", "motorcycle_left")
    out = []
    for i in range(count):
        path = folder / f"clip_{i:03d}.mp4"
        if not path.exists():
            still = folder / f".still_{i}.jpg"
            mediamaker.sample_photo(names[i % len(names)]).resize((1280, 720)).rotate(
                i * 7).save(still)
            mediamaker.video_from_photo(still, path, seconds=6)
            still.unlink()
        out.append(path)
    return out


def make_recordings(folder: Path, count: int) -> list[Path]:
    """Speech (espeak-ng) and tones, 10–20 s, as MP3 and WAV."""
    folder.mkdir(parents=True, exist_ok=True)
    words = ("The quick brown fox jumps over the lazy dog near the river bank. " * 3)
    out = []
    for i in range(count):
        path = folder / (f"rec_{i:03d}.mp3" if i % 2 else f"rec_{i:03d}.wav")
        if not path.exists():
            if i % 3:
                wav = mediamaker.speech(words, folder / f".s{i}.wav", speed=140 + 5 * i)
            else:
                wav = mediamaker.tone(folder / f".s{i}.wav", f"sine=frequency={200 + 30 * i}",
                                      seconds=10 + i % 10)
            mediamaker.convert_audio(wav, path) if path.suffix == ".mp3" else wav.rename(path)
            wav.unlink(missing_ok=True)
        out.append(path)
    return out


def kind_rows(label: str, model: str, paths: list[Path], folder: Path) -> list[str]:
    rows = []
    for engine in ("onnxruntime", "pytorch"):
        use_engine(engine)
        emb = load_embedder(model)
        dec, prepared = decode_rate(emb.prepare, paths)
        fwd = forward_rate(emb.embed, prepared, 8, seconds=5.0)
        job, device = job_rate(folder, len(paths))
        limit = 1 / (1 / dec + 1 / fwd)
        rows.append(f"| {label} ({len(paths)}) | {device} | {dec:.1f} | {fwd:.1f} | {limit:.1f} "
                    f"| {job:.1f} | {job / limit:.2f} |")
    return rows


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--photos", type=int, default=300)
    ap.add_argument("--videos", type=int, default=24)
    ap.add_argument("--recordings", type=int, default=40)
    ap.add_argument("--seed-sample", type=int, default=40)
    ap.add_argument("--media", default=os.path.join(tempfile.gettempdir(), "mb-bench-engines"))
    ap.add_argument("--write", metavar="FILE", help="append the result to this markdown file")
    args = ap.parse_args()

    root = Path(args.media)
    photos = make_photos(root / "photos", args.photos)
    for extra in sorted((root / "photos").glob("*.jpg"))[args.photos:]:
        extra.unlink()
    videos = make_videos(root / "videos", args.videos)
    recordings = make_recordings(root / "audio", args.recordings)
    print("media ready", file=sys.stderr)

    rows = []
    rates: dict[str, float] = {}
    for engine in ("onnxruntime", "pytorch"):
        use_engine(engine)
        emb = load_embedder("efficientnet-lite0")
        dec, prepared = decode_rate(emb.prepare, photos)
        fwd = forward_rate(emb.embed, prepared[:64], 32)
        job, device = job_rate(root / "photos", len(photos))
        limit = 1 / (1 / dec + 1 / fwd)
        rates[engine] = job
        rates[f"{engine}-limit"] = limit
        rows.append(f"| 12 MP photos ({len(photos)}) | {device} | {dec:.1f} | {fwd:.1f} "
                    f"| {limit:.1f} | {job:.1f} | {job / limit:.2f} |")
    seed = seed_loop(photos[: args.seed_sample])
    rows += kind_rows("videos, 720p 6 s", "frames:efficientnet-lite0", videos, root / "videos")
    rows += kind_rows("recordings, 10–20 s", "voice-timbre", recordings, root / "audio")

    import onnxruntime
    import torch

    lines = [
        f"### Indexing throughput per engine — {time.strftime('%Y-%m-%d')}",
        "",
        f"`.venv/bin/python bench/bench_engines.py --photos {args.photos} --videos "
        f"{args.videos} --recordings {args.recordings}` on {platform.machine()}, {CORES} cores, "
        f"ONNX Runtime {onnxruntime.__version__}, torch {torch.__version__}; default models. "
        "Decode-only: the app's decode and preprocessing in a pool of one worker per core. "
        "Forward-only: the model alone on those inputs, every core. Limit = "
        "1 / (1/decode + 1/forward), both sharing the cores. Job: `mediabrowser index`, "
        "the whole run (model load excluded). Files per second.",
        "",
        "| files | engine · device | decode-only | forward-only | limit | job | job / limit |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"Seed loop (one 12 MP file at a time: open, preprocess, forward, eager PyTorch; "
        f"{args.seed_sample} files): {seed:.1f}/s. Photos on ONNX Runtime: job / seed loop = "
        f"**{rates['onnxruntime'] / seed:.1f}×** (target ≥ 5), job / limit = "
        f"**{rates['onnxruntime'] / rates['onnxruntime-limit']:.2f}** (target ≥ 0.8); "
        f"ONNX Runtime / PyTorch job = {rates['onnxruntime'] / rates['pytorch']:.2f}×.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        with open(args.write, "a") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
