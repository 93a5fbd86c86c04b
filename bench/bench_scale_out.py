"""Issue 26's figures on this machine: a Ray job's throughput with 1 and 2 workers against a
plain run, and Milvus Lite's query time at 100k items with and without filters.

    .venv/bin/python bench/bench_scale_out.py ray --photos 240
    .venv/bin/python bench/bench_scale_out.py milvus --lib /tmp/mb-scale-100k

`ray` makes PHOTOS photos from the bundled samples (resized, cropped, toned: each a distinct
file), indexes them plainly, then with --ray auto and 1 and 2 embedding actors, each into a
fresh library. `milvus` sends a bench_scale library's vectors to Milvus Lite (sync_job, the
same as `vectors export`) and times 200 queries of its own items, with no filter and with
filters keeping about 10 % and 1 % (50 queries each: Milvus Lite is a Python
implementation and answers in about a second at this size).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def make_photos(folder: Path, n: int) -> None:
    from PIL import ImageEnhance

    from mediabrowser import mediamaker

    names = ["astronaut", "coffee", "chelsea", "rocket", "horse", "moon", "coins", "camera",
             "brick", "grass", "gravel", "page"]
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        im = mediamaker.sample_photo(names[i % len(names)]).convert("RGB")
        w, h = im.size
        cx, cy = int(rng.integers(0, w // 6)), int(rng.integers(0, h // 6))
        im = im.crop((cx, cy, w - cx, h - cy)).resize((1024, 768))
        im = ImageEnhance.Brightness(im).enhance(float(rng.uniform(0.7, 1.3)))
        im.save(folder / f"p{i:05d}.jpg", quality=90)


def index_seconds(media: Path, lib: Path, extra: list[str], env: dict[str, str]) -> float:
    shutil.rmtree(lib, ignore_errors=True)
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "mediabrowser", "index", str(media), "--library",
                        str(lib), "--json", *extra], capture_output=True, text=True,
                       env={**os.environ, **env}, timeout=3600)
    took = time.perf_counter() - t
    if r.returncode != 0:
        raise RuntimeError(r.stderr[-2000:])
    assert json.loads(r.stdout)["embedded"] > 0
    return took


def bench_ray(photos: int) -> dict[str, float]:
    work = Path(tempfile.mkdtemp(prefix="mb-ray-"))
    media = work / "media"
    make_photos(media, photos)
    out = {"photos": photos}
    out["plain_s"] = index_seconds(media, work / "plain", [], {})
    for actors in (1, 2):
        out[f"ray_{actors}_s"] = index_seconds(media, work / f"ray{actors}", ["--ray"],
                                               {"MEDIABROWSER_RAY_ACTORS": str(actors)})
    shutil.rmtree(work, ignore_errors=True)
    return out


def bench_milvus(lib_dir: Path, queries: int = 50, search: bool = True,
                 uri_text: str = "") -> dict[str, float]:
    from mediabrowser.core.driver import drive
    from mediabrowser.core.filters import Filters
    from mediabrowser.core.index.milvus import MilvusVectors, VectorsUri
    from mediabrowser.core.jobs.vector_sync import sync_job
    from mediabrowser.core.library import Library

    work = Path(tempfile.mkdtemp(prefix="mb-milvus-"))
    # a server's address gets a fresh database for the run; else Milvus Lite in a temp folder
    uri = VectorsUri.parse(f"{uri_text.rstrip('/')}/bench_{int(time.time())}" if uri_text
                           else str(work / "lite.db"))
    lib = Library(lib_dir)
    out: dict[str, float] = {}
    with lib.store.transaction() as tx:
        lib.store.set_meta(tx, "vectors_sent", "")  # send everything to this new database
    t = time.perf_counter()
    sent = drive(sync_job(lib, uri))
    out["send_s"] = time.perf_counter() - t
    out["items"] = float(sent.sent if sent else 0)
    out.update(bench_follow(uri, work))
    if not search:
        lib.close()
        shutil.rmtree(work, ignore_errors=True)
        return out
    mv = MilvusVectors(uri)
    space = lib.store.spaces()[0]
    rng = np.random.default_rng(5)
    ids = rng.choice(np.arange(1, lib.store.max_file_id() + 1), queries, replace=False)
    vecs = [lib.store.vector(int(i), space) for i in ids]
    for name, flt in (("nofilter", None), ("size_10pct", Filters(max_size=3_000_098)),
                      ("size_1pct", Filters(max_size=3_000_008))):
        mv.search(space, vecs[0], 10, filters=flt)  # the collection loaded
        times = []
        for v in vecs:
            t = time.perf_counter()
            mv.search(space, v, 10, filters=flt)
            times.append(time.perf_counter() - t)
        a = np.sort(np.asarray(times) * 1000)
        out[f"p50_ms_{name}"] = float(np.percentile(a, 50))
        out[f"p99_ms_{name}"] = float(np.percentile(a, 99))
    mv.close()
    lib.close()
    shutil.rmtree(work, ignore_errors=True)
    return out


def bench_follow(uri: object, work: Path) -> dict[str, float]:
    """Another machine's library taking in every row (its first look), then looking again
    with nothing new (a window's look each minute; rows sent in the last 10 minutes are read
    again and skipped by their stamp, so right after a bulk sending that is every row)."""
    from mediabrowser.core.driver import drive
    from mediabrowser.core.jobs.vector_follow import follow_job
    from mediabrowser.core.library import Library

    out: dict[str, float] = {}
    with Library(work / "machine-b") as other:
        t = time.perf_counter()
        got = drive(follow_job(other, uri))  # type: ignore[arg-type]
        out["follow_first_s"] = time.perf_counter() - t
        out["follow_first_items"] = float(got.new_files)
        t = time.perf_counter()
        again = drive(follow_job(other, uri))  # type: ignore[arg-type]
        out["follow_again_s"] = time.perf_counter() - t
        out["follow_again_taken"] = float(again.vectors)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("ray", "milvus"))
    ap.add_argument("--photos", type=int, default=240)
    ap.add_argument("--lib", type=Path, default=Path("/tmp/mb-scale-100k"))
    ap.add_argument("--no-search", action="store_true", help="milvus: sending and following")
    ap.add_argument("--uri", default="", help="milvus: a server (milvus://HOST:PORT), else "
                                              "Milvus Lite")
    args = ap.parse_args()
    res = bench_ray(args.photos) if args.what == "ray" else bench_milvus(
        args.lib, search=not args.no_search, uri_text=args.uri)
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
