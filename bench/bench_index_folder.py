"""Index one folder into a fresh library three times, in one process; files/s per run.

    .venv/bin/python bench/bench_index_folder.py FOLDER [LABEL]

Used for before/after figures: run it on an older commit by putting that tree first on the
path through a sitecustomize that drops the editable install, so the decode workers import the
old code too (BENCHMARKS.md, "Moments in videos").
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from mediabrowser.core.jobs.pipeline import index_paths
from mediabrowser.core.library import Library

if __name__ == "__main__":
    src = Path(sys.argv[1])
    label = sys.argv[2] if len(sys.argv) > 2 else "now"
    for run in range(3):
        tmp = Path(tempfile.mkdtemp())
        try:
            with Library(tmp / "lib") as lib:
                lib.embedder(lib.config.models["video"])  # loading the model is not counted
                t = time.perf_counter()
                r = index_paths(lib, [src])
                wall = time.perf_counter() - t
                print(f"{label} run {run + 1}: {r.embedded / wall:.1f} files/s "
                      f"({r.embedded} files, {len(r.problems)} problems)", flush=True)
        finally:
            shutil.rmtree(tmp)
