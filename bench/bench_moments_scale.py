"""Queries over video moments at scale: N videos of M moments each (100k × 30 = 3M vectors).

    .venv/bin/python bench/bench_moments_scale.py [--videos 100000] [--per-video 30]
                                                  [--dir DIR] [--queries 200]

Builds a library through the Store API (bench_scale's 1280-d clustered vectors: each video is
an event, its moments neighbours along a path through it), builds the moments' index the way
the app does (core/index/build.py, reduced dimensions past its threshold), then times what a
query clip costs: `moments.aligned` with 5 frames taken from a random video's moments (with
noise), p50/p99 over the queries, and how often the right video comes first with the right
start. `--dir` keeps the library for another run.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scale import DIM, SPACE, vectors  # noqa: E402

MOMENTS = SPACE + "@moments"


def build(folder: Path, videos: int, per: int) -> float:
    from mediabrowser.core.store.repo import Store

    folder.mkdir(parents=True, exist_ok=True)
    store = Store(folder / "library.db")
    rng = np.random.default_rng(0)
    mean = (0.35 * np.random.default_rng(1).normal(size=DIM) / np.sqrt(DIM) * 6).astype(
        np.float32)
    t0 = time.perf_counter()
    batch = 500
    for start in range(0, videos, batch):
        ids = np.arange(start, min(videos, start + batch))
        # each video an event: its moments are that event's items
        mat = vectors(rng, np.repeat(ids, per), mean).reshape(len(ids), per, DIM)
        with store.transaction() as c:
            for i, ms in zip(ids.tolist(), mat, strict=True):
                fid = store.insert_file(c, path=f"/videos/{i // 1000:03d}/VID_{i:07d}.MP4",
                                        kind="video", size=30_000_000 + i, mtime=1.7e9 + i,
                                        hash=f"h{i}", width=1920, height=1080, status="ok")
                store.put_vector(c, fid, "frames:" + SPACE, SPACE, ms.mean(axis=0))
                for n, v in enumerate(ms, start=1):
                    store.put_vector(c, fid, "frames:" + SPACE, MOMENTS, v, segment=n,
                                     start_s=2.0 * (n - 1), end_s=2.0 * n)
        if start % 10_000 == 0:
            print(f"  built {start + len(ids):,} videos", file=sys.stderr, flush=True)
    store.checkpoint()
    store.close()
    return time.perf_counter() - t0


def index(folder: Path) -> float:
    from mediabrowser.core.driver import drive
    from mediabrowser.core.index.build import build_space
    from mediabrowser.core.index.manager import _save
    from mediabrowser.core.store.repo import Store

    store = Store(folder / "library.db")
    t0 = time.perf_counter()
    for space in (SPACE, MOMENTS):
        idx = drive(build_space(store, space))
        assert idx is not None
        _save(folder / "index", space, idx)
    store.close()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--videos", type=int, default=100_000)
    ap.add_argument("--per-video", type=int, default=30)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--dir", type=Path)
    args = ap.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="mb-moments-scale-"))
    try:
        from mediabrowser.core.library import Library
        from mediabrowser.core.moments import aligned

        if not (folder / "library.db").exists():
            print(f"store built in {build(folder, args.videos, args.per_video):.0f} s",
                  flush=True)
            print(f"indexes built in {index(folder):.0f} s", flush=True)
        t0 = time.perf_counter()
        lib = Library(folder)
        lib.indexes.get(MOMENTS)
        print(f"library + moments' index opened in {time.perf_counter() - t0:.2f} s; "
              f"{lib.store.space_size(MOMENTS):,} moments", flush=True)
        rng = np.random.default_rng(7)
        times, hits, placed = [], 0, 0
        for q in range(args.queries + 5):
            vid = int(rng.integers(args.videos))
            fid = lib.store.file_by_path(f"/videos/{vid // 1000:03d}/VID_{vid:07d}.MP4").id  # type: ignore[union-attr]
            starts, _ends, mats = lib.store.moments_of([fid], MOMENTS)[fid]
            first = int(rng.integers(len(starts) - 3))
            frames = mats[first:first + 3].repeat(2, axis=0)[:5]
            frames = frames + 0.02 * rng.normal(size=frames.shape).astype(np.float32)
            frames /= np.linalg.norm(frames, axis=1, keepdims=True)
            q_times = np.arange(5) * 1.0 + 0.5
            t = time.perf_counter()
            found = aligned(lib, SPACE, q_times, frames, 10, None, None)
            if q >= 5:  # the first few warm the caches
                times.append(1000 * (time.perf_counter() - t))
                if found and found[0].item.id == fid:
                    hits += 1
                    placed += found[0].start is not None and abs(found[0].start
                                                                 - starts[first]) <= 2.0
        p50, p99 = np.percentile(times, [50, 99])
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"aligned clip query: p50 {p50:.1f} ms, p99 {p99:.1f} ms over {len(times)}; "
              f"right video first {hits}/{len(times)}, start within 2 s {placed}/{len(times)}; "
              f"peak RSS {rss:.0f} MB")
        lib.close()
    finally:
        if args.dir is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
