"""If a native decoder crashes the whole process on a file, the next run knows which file.

Python cannot catch a segmentation fault inside FFmpeg, OpenCV or LibRaw. So the files being
read right now are written down (one small file in the library folder, rewritten as they
change), and faulthandler writes a crash report when a fatal signal hits. A run that starts and
finds both left over knows those files brought the last run down, records each as a problem
and does not open it again until it changes. A run that was only killed (SIGKILL, power cut)
leaves no crash report, so its files are simply read again.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

CRASH_REASON = ("the decoder crashed while reading this file (damaged, or a variant it cannot "
                "handle); it is skipped until the file changes")


class CrashGuard:
    def __init__(self, folder: Path) -> None:
        self.path = folder / "reading-now.txt"
        self.report = folder / "crash-report.txt"
        self._active: dict[str, int] = {}
        self._lock = threading.Lock()
        self._report_file: IO[str] | None = None
        self._faulthandler_was_on = False
        self.suspects: list[str] = []

    def __enter__(self) -> CrashGuard:
        """Read what the last run left, then arm the crash report for the length of a job."""
        self.suspects = self._leftover()
        try:
            self._report_file = open(self.report, "w")  # noqa: SIM115 - closed in __exit__
        except OSError:
            return self
        self._faulthandler_was_on = faulthandler.is_enabled()
        faulthandler.enable(self._report_file, all_threads=True)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._report_file is None:
            return
        faulthandler.disable()
        if self._faulthandler_was_on and sys.__stderr__ is not None:
            with contextlib.suppress(Exception):
                faulthandler.enable(sys.__stderr__)
        self._report_file.close()
        self._report_file = None
        with contextlib.suppress(OSError):
            self.report.unlink()

    def _leftover(self) -> list[str]:
        """Files that were being read when a decoder crashed the previous run; cleared after."""
        try:
            crashed = self.report.stat().st_size > 0
        except OSError:
            crashed = False
        try:
            lines = self.path.read_text("ascii").split()
        except (OSError, ValueError):
            lines = []
        for p in (self.path, self.report):
            with contextlib.suppress(OSError):
                p.unlink()
        if not crashed:
            return []
        out = []
        for line in lines:
            with contextlib.suppress(ValueError):
                out.append(os.fsdecode(bytes.fromhex(line)))
        return out

    @contextlib.contextmanager
    def reading(self, path: str) -> Iterator[None]:
        with self._lock:
            self._active[path] = self._active.get(path, 0) + 1
            self._write()
        try:
            yield
        finally:
            with self._lock:
                n = self._active.pop(path, 1) - 1
                if n > 0:
                    self._active[path] = n
                self._write()

    def _write(self) -> None:
        # Hex keeps any file name (newlines included) on one line; no fsync: a crash of the
        # process keeps what was written, only a power cut would lose it.
        text = "".join(os.fsencode(p).hex() + "\n" for p in self._active)
        tmp = self.path.with_suffix(".tmp")
        try:
            tmp.write_text(text, "ascii")
            os.replace(tmp, self.path)
        except OSError:
            pass
