"""If a native decoder crashes the whole process on a file, the next run knows which file.

Python cannot catch a segmentation fault inside FFmpeg, OpenCV or LibRaw. So the files being
read right now are written down (one small file in the library folder, rewritten as they
change); a run that starts and finds the list left over knows those files brought the last run
down, records each as a problem and never opens it again until it changes.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

CRASH_REASON = ("the decoder crashed while reading this file (damaged, or a variant it cannot "
                "handle); it is skipped until the file changes")


class CrashGuard:
    def __init__(self, folder: Path) -> None:
        self.path = folder / "reading-now.txt"
        self._active: dict[str, int] = {}
        self._lock = threading.Lock()

    def leftover(self) -> list[str]:
        """Files that were being read when the previous run died; the list is then cleared."""
        try:
            lines = self.path.read_text("ascii").split()
        except (OSError, ValueError):
            return []
        with contextlib.suppress(OSError):
            self.path.unlink()
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
