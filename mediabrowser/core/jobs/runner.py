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


def failure_message(exc: BaseException) -> str:
    """What a person is told when a whole job stops: the library's own failures say what to
    do; anything else is named in words, never as a raw exception."""
    import sqlite3

    from mediabrowser.core.library import LibraryBusy, LibraryFailure
    from mediabrowser.core.media.reasons import worded
    from mediabrowser.core.types import MediaError

    if isinstance(exc, LibraryBusy | LibraryFailure | MediaError) or (worded(exc) and str(exc)):
        return str(exc)  # our own exceptions are worded for people
    if isinstance(exc, sqlite3.Error | OSError):
        return str(LibraryFailure.from_error(Path("the library folder"), exc))
    if isinstance(exc, MemoryError):
        return "the computer ran out of memory; what was done is kept — try again"
    return (f"something unexpected went wrong ({type(exc).__name__}); what was done is kept, "
            "and the next run carries on")
