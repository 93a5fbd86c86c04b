"""Jobs that open their own connection to a library, for running on a worker thread.

SQLite connections and hnswlib indexes are not shared across threads: a worker opens the library
itself, takes the writer lock, runs the job and closes everything, even when cancelled.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from pathlib import Path

from mediabrowser.core.jobs.pipeline import IndexReport, index_job
from mediabrowser.core.library import Library
from mediabrowser.core.types import CancelToken, Progress


def index_library_job(folder: Path, paths: Sequence[str | Path], cancel: CancelToken,
                      device: str | None = None, wait: float = 0.0
                      ) -> Generator[Progress, None, IndexReport]:
    lib = Library(folder, device=device)
    try:
        lib.lock_for_writing(timeout=wait)
        report = yield from index_job(lib, paths, cancel)
        return report
    finally:
        lib.close()
