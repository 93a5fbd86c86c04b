"""Clips found inside longer videos, and where.

    .venv/bin/python bench/bench_video_moments.py [--root /tmp/mb-video-moments] [--seed 0]
                                                  [--set A|B]

Indexes the long and look-alike videos of bench/video_sets.py into a fresh library, then asks
`find_similar` with each clip (5 s cut at a random time, resized, mirrored, cropped or
recompressed; outside the library). hit@1: the clip's source video comes first; located: its
start is within 2 s of where the clip was cut. "Whole-video vectors only" ranks the same
library by the pooled vectors alone, as before moments. Then indexing speed on the long
videos (times real time) and on short clips (files/s).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import video_sets  # noqa: E402

from mediabrowser.core.jobs.pipeline import index_paths  # noqa: E402
from mediabrowser.core.library import Library  # noqa: E402
from mediabrowser.core.ranking import ranked  # noqa: E402
from mediabrowser.core.search import find_similar, query_vector  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", type=Path, default=Path("/tmp/mb-video-moments"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--set", choices=["A", "B"], default="A",
                    help="A: pans and moving sources (chosen on); B: slideshows with "
                         "cross-fades and other sources, other transforms (to confirm)")
    args = ap.parse_args()
    longs, alikes = video_sets.library_videos(args.root)
    if args.set == "A":
        clips = video_sets.clips(args.root, longs, seed=args.seed)
    else:  # a library of set B's videos alone (set A reuses its photographs)
        longs, alikes = video_sets.confirm_videos(args.root), []
        clips = video_sets.confirm_clips(args.root, longs, seed=args.seed + 1)
    tmp = Path(tempfile.mkdtemp())
    try:
        with Library(tmp / "lib") as lib:
            lib.embedder(lib.config.models["video"])
            t = time.perf_counter()
            report = index_paths(lib, [*longs, *alikes])
            wall = time.perf_counter() - t
            seconds = sum(_duration(p) for p in [*longs, *alikes])
            print(f"indexed {report.embedded} videos ({seconds:.0f} s of video) in {wall:.1f} s:"
                  f" {seconds / wall:.1f}x real time; problems: {len(report.problems)}")
            hits = located = whole_hits = 0
            per_how: dict[str, list[int]] = {}
            errors = []
            for clip, src, start, how in clips:
                found = find_similar(lib, clip, k=5, kind="video")
                first = found[0] if found else None
                hit = first is not None and first.item.path == str(src)
                near = hit and first is not None and first.start is not None and \
                    abs(first.start - start) <= 2.0
                hits += hit
                located += near
                per_how.setdefault(how, []).append(int(hit))
                if hit and first is not None and first.start is not None:
                    errors.append(abs(first.start - start))
                vec, space, _ = query_vector(lib, clip)
                whole = ranked(lib, space, vec, 1, ["video"])
                whole_hits += bool(whole) and whole[0].item.path == str(src)
                print(f"  {clip.name:28} {'hit ' if hit else 'MISS'} "
                      f"{'located' if near else '       '} truth {start:5.1f} s; got "
                      f"{Path(first.item.path).name if first else '-'} "
                      f"{first.start if first and first.start is not None else float('nan'):5.1f}"
                      f"–{first.end if first and first.end is not None else float('nan'):5.1f} "
                      f"score {first.score if first else 0:.2f}")
            n = len(clips)
            print(f"hit@1 {hits}/{n}, located within 2 s {located}/{n}, "
                  f"median error {np.median(errors) if errors else float('nan'):.2f} s; "
                  f"whole-video vectors only: hit@1 {whole_hits}/{n}")
            print("by transform: " + ", ".join(f"{h} {sum(v)}/{len(v)}"
                                                for h, v in per_how.items()))
        short = tmp / "short"
        short.mkdir()
        for clip, _, _, _ in clips:
            shutil.copyfile(clip, short / clip.name)
        with Library(tmp / "lib2") as lib:
            lib.embedder(lib.config.models["video"])
            t = time.perf_counter()
            report = index_paths(lib, [short])
            print(f"short clips: {report.embedded / (time.perf_counter() - t):.1f} files/s")
    finally:
        shutil.rmtree(tmp)


def _duration(path: Path) -> float:
    from mediabrowser.core.media.frames import video_duration

    return video_duration(path)


if __name__ == "__main__":
    main()
