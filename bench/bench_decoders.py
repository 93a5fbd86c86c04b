"""Indexing a folder three times in one process, each time into a fresh library: the first run
pays for starting the decode workers (and their imports of the decoders), later runs reuse them.
The media are bench_engines.py's (run it once to make them).

    .venv/bin/python bench/bench_decoders.py [--media DIR]

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


def runs(folder: Path, kind: str, n: int = 3) -> list[float]:
    rates = []
    for _ in range(n):
        tmp = Path(tempfile.mkdtemp())
        try:
            with Library(tmp / "lib") as lib:
                lib.embedder(lib.config.models[kind])  # model load excluded, as bench_engines
                t = time.perf_counter()
                report = index_paths(lib, [folder])
                rates.append(report.embedded / (time.perf_counter() - t))
        finally:
            shutil.rmtree(tmp)
    return rates


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--media", default=os.path.join(tempfile.gettempdir(), "mb-bench-engines"))
    a = ap.parse_args()
    print("| files | first run | second | third |")
    print("|---|---|---|---|")
    for sub, kind in KINDS:
        rates = runs(Path(a.media) / sub, kind)
        print(f"| {sub} | " + " | ".join(f"{r:.1f}/s" for r in rates) + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
