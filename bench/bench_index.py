"""Indexing speed with efficientnet-lite0 on real-size JPEGs, next to two references:
(a) the bare model forward on pre-decoded tensors (the ceiling), and
(b) the seed-style loop: open, preprocess and forward one file at a time.

    .venv/bin/python bench/bench_index.py [--count 500] [--write BENCHMARKS.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as the app sets it (mediabrowser/__init__)

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image, ImageEnhance, ImageOps  # noqa: E402

from mediabrowser import mediamaker  # noqa: E402
from mediabrowser.core.embed.registry import load_embedder  # noqa: E402
from mediabrowser.core.jobs.pipeline import index_paths  # noqa: E402
from mediabrowser.core.library import Library  # noqa: E402

SOURCES = ("astronaut", "coffee", "chelsea", "rocket", "motorcycle_left", "horse",
           "hubble_deep_field", "retina", "brick", "grass", "coffee", "page")


def make_photos(folder: Path, count: int, size: tuple[int, int] = (4000, 3000)) -> list[Path]:
    """Camera-sized JPEGs (12 MP): sample photographs upscaled, cropped, flipped, recoloured."""
    folder.mkdir(parents=True, exist_ok=True)
    existing = sorted(folder.glob("*.jpg"))
    if len(existing) >= count:
        return existing[:count]
    rng = random.Random(0)
    bases = [mediamaker.sample_photo(n) for n in SOURCES]
    out = []
    for i in range(count):
        path = folder / f"photo_{i:04d}.jpg"
        if not path.exists():
            im = bases[i % len(bases)]
            w, h = im.size
            cw, ch = int(w * rng.uniform(0.7, 1.0)), int(h * rng.uniform(0.7, 1.0))
            x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
            im = im.crop((x, y, x + cw, y + ch)).resize(size, Image.Resampling.BILINEAR)
            if rng.random() < 0.5:
                im = ImageOps.mirror(im)
            im = ImageEnhance.Color(im).enhance(rng.uniform(0.6, 1.4))
            im.save(path, quality=90)
        out.append(path)
    return out


def bare_forward(n_images: int, batch: int) -> float:
    """(a): images/s of the model alone on tensors decoded beforehand."""
    emb = load_embedder("efficientnet-lite0")
    x = torch.randn(batch, 3, 224, 224)
    emb.forward_tensors(x)  # warm-up
    t = time.perf_counter()
    done = 0
    while done < n_images:
        emb.forward_tensors(x)
        done += batch
    return done / (time.perf_counter() - t)


def seed_loop(paths: list[Path]) -> float:
    """(b): images/s of open → preprocess → forward, one file at a time."""
    emb = load_embedder("efficientnet-lite0")
    t = time.perf_counter()
    for p in paths:
        im = Image.open(p).convert("RGB")
        emb.forward_tensors(emb.transform(im)[None])
    return len(paths) / (time.perf_counter() - t)


def pipeline(paths: list[Path], folder: Path) -> tuple[float, float]:
    """images/s of `mediabrowser index` on the folder (wall time of the whole job), and of
    its embed stage alone."""
    libdir = Path(tempfile.mkdtemp(prefix="mb-bench-lib-"))
    try:
        lib = Library(libdir)
        load_embedder("efficientnet-lite0")  # model load is not part of the rate
        t = time.perf_counter()
        report = index_paths(lib, [folder])
        wall = time.perf_counter() - t
        lib.close()
        assert report.embedded == len(paths), report
        return len(paths) / wall, wall
    finally:
        shutil.rmtree(libdir, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=500)
    ap.add_argument("--seed-sample", type=int, default=60,
                    help="files timed for the one-at-a-time loop (its rate is steady)")
    ap.add_argument("--media", default=os.path.join(tempfile.gettempdir(), "mb-bench-photos"))
    ap.add_argument("--write", metavar="FILE", help="append the result to this markdown file")
    args = ap.parse_args()

    folder = Path(args.media)
    t = time.perf_counter()
    paths = make_photos(folder, args.count)
    for extra in sorted(folder.glob("*.jpg"))[args.count:]:
        extra.unlink()
    print(f"{len(paths)} JPEGs of 4000×3000 ready in {time.perf_counter() - t:.0f} s",
          file=sys.stderr)
    rate_pipe, wall = pipeline(paths, folder)
    rate_bare = bare_forward(len(paths), 16)
    rate_seed = seed_loop(paths[: args.seed_sample])
    lines = [
        f"### Indexing images — {time.strftime('%Y-%m-%d')}",
        "",
        f"`.venv/bin/python bench/bench_index.py --count {args.count}` on {platform.machine()}, "
        f"{os.cpu_count()} cores, torch {torch.__version__}, CPU, "
        f"{torch.get_num_threads()} torch threads.",
        "",
        "| what | images/s |",
        "|---|---|",
        f"| `mediabrowser index` on {len(paths)} JPEGs of 4000×3000 (whole job, {wall:.1f} s) "
        f"| {rate_pipe:.1f} |",
        f"| (a) bare model forward, pre-decoded 224×224 tensors, batch 16 | {rate_bare:.1f} |",
        f"| (b) seed-style loop, one file at a time ({args.seed_sample} files) "
        f"| {rate_seed:.1f} |",
        "",
        f"Ratios in this run: pipeline / (a) = **{rate_pipe / rate_bare:.2f}** (target ≥ 0.8), "
        f"pipeline / (b) = **{rate_pipe / rate_seed:.2f}** (target ≥ 3).",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        path = Path(args.write)
        head = "" if path.exists() else (
            "# Benchmarks\n\nEach section was produced by the command it names.\n\n")
        with open(path, "a") as f:
            f.write(head + text + "\n")
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
