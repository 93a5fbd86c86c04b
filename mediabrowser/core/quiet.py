"""Keep native libraries off the user's terminal.

FFmpeg, OpenCV, libjpeg, mpg123 and Qt write their warnings straight to file descriptor 2,
around Python. `capture_native_output()` points descriptor 2 at a pipe drained into a log file
(a few hundred kB at most) and gives Python's own sys.stderr — progress bars, our messages — a
copy of the real terminal. Each file's problem is reported in words by the decoders themselves.
Called once by the CLI and the window; tests and library users keep their stderr as it is.
"""

from __future__ import annotations

import io
import os
import sys
import threading
import warnings
from pathlib import Path

LOG_LIMIT = 512 * 1024  # bytes kept in the decoders' log before it starts over

_installed = False
_log_path: Path | None = None


def quiet_env() -> None:
    """Log levels for libraries that read them at import (set before they are imported)."""
    os.environ.setdefault("OPENCV_LOG_LEVEL", "OFF")
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET
    os.environ.setdefault("OPENCV_VIDEOIO_DEBUG", "0")


def log_file() -> Path | None:
    """Where this process's stderr (native messages, tracebacks of bugs) is kept, if anywhere."""
    return _log_path


def capture_native_output(log_path: Path | None) -> None:
    """Send what native code prints on stderr to `log_path` (or nowhere), once per process."""
    global _installed
    quiet_env()
    if not os.environ.get("MEDIABROWSER_DEBUG"):
        warnings.simplefilter("ignore")  # library deprecation notes are not the user's business
    if _installed or os.environ.get("MEDIABROWSER_DEBUG") or not hasattr(os, "dup2"):
        return
    try:
        sys.stderr.flush()
        real = os.dup(2)
        read_end, write_end = os.pipe()
        os.dup2(write_end, 2)
        os.close(write_end)
    except OSError:
        return
    sys.stderr = io.TextIOWrapper(io.FileIO(real, "w"), encoding="utf-8",
                                  errors="surrogateescape", line_buffering=True)
    _installed = True
    global _log_path
    _log_path = log_path
    threading.Thread(target=_drain, args=(read_end, log_path), name="native-stderr",
                     daemon=True).start()


def _drain(fd: int, log_path: Path | None) -> None:
    """Read forever (a full pipe would block the decoder that writes to it)."""
    log = None
    written = 0
    if log_path is not None:
        try:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            log = open(log_path, "ab")  # noqa: SIM115 - lives as long as the process
            written = log.tell()
        except OSError:
            log = None
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return
        if not chunk:
            return
        if log is None:
            continue
        try:
            if written > LOG_LIMIT:
                log.seek(0)
                log.truncate()
                written = 0
            log.write(chunk)
            log.flush()
            written += len(chunk)
        except OSError:
            log = None
