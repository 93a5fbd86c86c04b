"""If a native decoder crashes the whole process on a file, the next run knows which file.

Indexing decodes in worker processes (decode_pool.py), where a crash fails only the file; this
guard covers what is still read in the indexing process itself: the hashes and headers when no
worker is given, and models whose preprocessing needs PyTorch.

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
import re
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
        self._active: dict[tuple[str, int], int] = {}  # (path, thread) → depth
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
            lines = self.path.read_text("ascii").splitlines()
            report = self.report.read_text("utf-8", "replace") if crashed else ""
        except (OSError, ValueError):
            lines, report = [], ""
        for p in (self.path, self.report):
            with contextlib.suppress(OSError):
                p.unlink()
        # faulthandler names the thread that crashed: only the file it was reading is blamed
        # (not one another decode thread had open, nor any when the model or Qt crashed).
        current = re.search(r"Current thread (0x[0-9a-f]+)", report)
        if not crashed or current is None:
            return []
        crashed_thread = int(current.group(1), 16)
        out = []
        for line in lines:
            with contextlib.suppress(ValueError):
                hexpath, thread = line.split()
                if int(thread, 16) == crashed_thread:
                    out.append(os.fsdecode(bytes.fromhex(hexpath)))
        return out

    @contextlib.contextmanager
    def reading(self, path: str) -> Iterator[None]:
        key = (path, threading.get_ident())
        with self._lock:
            self._active[key] = self._active.get(key, 0) + 1
            self._write()
        try:
            yield
        finally:
            with self._lock:
                n = self._active.pop(key, 1) - 1
                if n > 0:
                    self._active[key] = n
                self._write()

    def _write(self) -> None:
        # Hex keeps any file name (newlines included) on one line; no fsync: a crash of the
        # process keeps what was written, only a power cut would lose it.
        text = "".join(f"{os.fsencode(p).hex()} {t:#x}\n" for p, t in self._active)
        tmp = self.path.with_suffix(".tmp")
        try:
            tmp.write_text(text, "ascii")
            os.replace(tmp, self.path)
        except OSError:
            pass
