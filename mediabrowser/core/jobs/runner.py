"""Jobs that open their own connection to a library, for running on a worker thread.

SQLite connections and hnswlib indexes are not shared across threads: a worker opens the library
itself, takes the writer lock, runs the job and closes everything, even when cancelled.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from pathlib import Path

from mediabrowser.core.jobs.pipeline import IndexReport, index_job
from mediabrowser.core.library import Library, LibraryFailure
from mediabrowser.core.quiet import log_file
from mediabrowser.core.types import Cancelled, CancelToken, Progress, UserError


def index_library_job(folder: Path, paths: Sequence[str | Path], cancel: CancelToken,
                      device: str | None = None, wait: float = 0.0, add_roots: bool = True
                      ) -> Generator[Progress, None, IndexReport]:
    lib = Library(folder, device=device)
    try:
        lib.lock_for_writing(timeout=wait)
        report = yield from index_job(lib, paths, cancel, add_roots)
        return report
    finally:
        lib.close()


@dataclass(frozen=True)
class Failure:
    """How a job or call ended when it did not finish: cancelled (an outcome, said calmly), a
    failure worded for people, or a bug (its traceback is in the log named in the message)."""

    message: str
    cancelled: bool = False
    bug: bool = False

    def __str__(self) -> str:
        return self.message


def failure_of(exc: BaseException) -> Failure:
    """What a person is told when a whole job stops, told apart by type, never by its text."""
    import sqlite3

    if isinstance(exc, Cancelled):
        return Failure("stopped; what was done is kept", cancelled=True)
    if isinstance(exc, UserError):
        return Failure(str(exc))
    if isinstance(exc, sqlite3.Error | OSError):
        return Failure(str(LibraryFailure.from_error(Path("the library folder"), exc)))
    if isinstance(exc, MemoryError):
        return Failure("the computer ran out of memory; what was done is kept — try again")
    # A programming error: the traceback goes to the log (fd 2 is captured there).
    traceback.print_exception(exc, file=sys.__stderr__)
    log = log_file()
    where = f"; the details are in {log}" if log is not None else ""
    return Failure(f"a bug in mediabrowser stopped this ({type(exc).__name__}); what was done "
                   f"is kept, and the next run carries on{where}", bug=True)
