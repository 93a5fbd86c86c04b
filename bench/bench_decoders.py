"""Indexing a folder three times in one process, each time into a fresh library: the first run
pays for starting the decode workers (and their imports of the decoders), later runs reuse them.
The media are bench_engines.py's (run it once to make them).

    .venv/bin/python bench/bench_decoders.py [--media DIR] [--only audio] [--workers 1] [--runs 4]

To compare with the code before decoders ran in worker processes, run the same file with that
checkout first on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from mediabrowser.core.jobs.pipeline import index_paths
from mediabrowser.core.library import Library

KINDS = (("photos", "image"), ("videos", "video"), ("audio", "audio"))


def runs(folder: Path, kind: str, n: int = 3, workers: int | None = None) -> list[float]:
    rates = []
    for _ in range(n):
        tmp = Path(tempfile.mkdtemp())
        try:
            with Library(tmp / "lib") as lib:
                lib.embedder(lib.config.models[kind])  # model load excluded, as bench_engines
                if workers is not None:
                    lib.config.decode_workers = workers
                t = time.perf_counter()
                report = index_paths(lib, [folder])
                rates.append(report.embedded / (time.perf_counter() - t))
        finally:
            shutil.rmtree(tmp)
    return rates


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--media", default=os.path.join(tempfile.gettempdir(), "mb-bench-engines"))
    ap.add_argument("--only", choices=[sub for sub, _k in KINDS])
    ap.add_argument("--workers", type=int, help="decode workers (default: the library's)")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    print("| files | " + " | ".join(f"run {i + 1}" for i in range(a.runs)) + " |")
    print("|---|" + "---|" * a.runs)
    for sub, kind in KINDS:
        if a.only and sub != a.only:
            continue
        rates = runs(Path(a.media) / sub, kind, a.runs, a.workers)
        print(f"| {sub} | " + " | ".join(f"{r:.1f}/s" for r in rates) + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
