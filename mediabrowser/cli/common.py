"""What every command shares: the library of --library, and progress on the terminal."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from mediabrowser.paths import default_library_dir


def open_library(args: argparse.Namespace, queries: bool = False) -> Any:
    """The library of --library; `queries`: the command only searches (its indexes are
    mapped from disk, not loaded: a 1M-item library answers in well under 2 s)."""
    import sqlite3

    from mediabrowser.core.library import Library, LibraryFailure

    folder = Path(args.library).expanduser() if args.library else default_library_dir()
    try:
        lib = Library(folder, device=args.device, scan_index=queries)
    except (sqlite3.Error, OSError) as exc:
        raise LibraryFailure.from_error(folder.absolute(), exc) from exc
    lib.indexes.on_progress = IndexRebuildNote()
    return lib


class IndexRebuildNote:
    """Says once on stderr that a missing search index is being rebuilt (and kept)."""

    def __init__(self) -> None:
        self.printer = ProgressPrinter(sys.stderr)
        self.said = False

    def __call__(self, p: Any) -> None:
        if not self.said and p.total >= 20_000:
            self.said = True
            print(f"mediabrowser: building the search index of {p.total:,} items once "
                  "(it is saved for the next commands)…", file=sys.stderr)
        self.printer(p)
        if p.done >= p.total:
            self.printer.finish()


class ProgressPrinter:
    """One self-rewriting line on a terminal; nothing when the stream is not a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.active = stream.isatty()
        self._width = 0

    def __call__(self, p: Any) -> None:
        if not self.active or p.stage in ("done", "cancelled", "verify"):
            return
        from mediabrowser.core.driver import progress_text

        if p.stage == "scan":
            line = progress_text(p)
        else:
            filled = int(24 * p.done / max(p.total, 1))
            line = "█" * filled + "·" * (24 - filled) + " " + progress_text(p)
        cols = columns()
        line = line[: cols - 1]
        self.stream.write("\r" + line.ljust(self._width))
        self.stream.flush()
        self._width = len(line)

    def finish(self) -> None:
        if self.active and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()


def columns() -> int:
    try:
        return os.get_terminal_size(sys.stderr.fileno()).columns
    except OSError:
        return 100
