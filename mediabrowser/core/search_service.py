"""Searches answered in a process of their own, for the window on a large library.

hnswlib's `load_index` holds Python's GIL while it reads a graph: about 1–2 s for a million
items, during which the window's GUI thread cannot run (it froze on the first Find Similar,
BENCHMARKS.md). Here the graphs are loaded, and searches run, in another interpreter; the
window's search thread only waits on a pipe, which releases the GIL. The process opens the
library read-only for searching and follows the store's change log before each call, so what
the window's indexing adds is found.

`run()` is the one dispatcher, used in the service process and in the window's own search
thread alike (small libraries, where a graph loads in well under 0.1 s, search in-process).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import pickle
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from mediabrowser.core.examples import find_like
from mediabrowser.core.library import Library, LibraryConfig
from mediabrowser.core.search import find_similar, search_text

_IN_SERVICE = False  # this interpreter is the search process (no window to freeze here)


def _prepare(lib: Library) -> bool:
    """Ready every space's index (small saved ones load, missing ones rebuild in the
    background; in the search process large saved ones load too, so the first search is
    quick); whether a rebuild is still going on."""
    for space in lib.store.spaces():
        lib.indexes.prepare(space)
        if _IN_SERVICE:
            lib.indexes.get(space)
    return lib.indexes.building()


def _config(lib: Library) -> None:
    """The library's settings changed on disk (models, device): read them again."""
    lib.config = LibraryConfig.load(lib.folder / "config.json")
    lib.forget_embedders()


CALLS: dict[str, Callable[..., Any]] = {
    "find_similar": find_similar,
    "search_text": search_text,
    "find_like": find_like,
    "prepare": _prepare,
    "building": lambda lib: lib.indexes.building(),
    "failure": lambda lib: lib.indexes.failure(),
    "config": _config,
}


def run(lib: Library, name: str, *args: Any, **kwargs: Any) -> Any:
    """Call a search by name, after taking in the library's latest changes."""
    lib.indexes.sync()
    if name in ("find_similar", "search_text", "find_like"):
        lib.indexes.reduce_in_background()  # a space that outgrew its graphs
    return CALLS[name](lib, *args, **kwargs)


class ServiceDied(RuntimeError):
    """The search process ended (a crash, or killed); the next call starts a new one."""


def serve(conn: Connection, folder: str, models_dir: str | None,
          device: str | None) -> None:
    """The service process: answer calls until the pipe closes or None arrives."""
    global _IN_SERVICE
    _IN_SERVICE = True
    lib = Library(folder, models_dir=Path(models_dir) if models_dir else None, device=device,
                  background_index=True)
    try:
        while True:
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                break
            if msg is None:
                break
            name, args, kwargs = msg
            try:
                reply: tuple[str, Any] = ("ok", run(lib, name, *args, **kwargs))
            except BaseException as exc:  # noqa: BLE001 - sent back, raised in the window
                reply = ("error", exc)
            try:
                conn.send(reply)
            except (pickle.PicklingError, TypeError, AttributeError):
                text = "".join(traceback.format_exception(reply[1])) if reply[0] == "error" \
                    else "a search result could not be sent back"
                conn.send(("error", RuntimeError(text)))
    finally:
        lib.close()


class SearchService:
    """The window's handle on the search process (started on the first call). Calls come
    from one thread at a time (the window's search thread)."""

    def __init__(self, folder: Path, models_dir: Path | None = None,
                 device: str | None = None) -> None:
        self.folder = folder
        self.models_dir = models_dir
        self.device = device
        self._proc: Any = None
        self._conn: Connection | None = None
        self._lock = threading.Lock()

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            if self._proc is None or not self._proc.is_alive():
                self._start()
            assert self._conn is not None
            try:
                self._conn.send((name, args, kwargs))
                status, value = self._conn.recv()
            except (EOFError, OSError, BrokenPipeError):
                self._stop(kill=True)
                raise ServiceDied("the search process ended unexpectedly; the next search "
                                  "starts it again") from None
        if status == "error":
            raise value
        return value

    def _start(self) -> None:
        ctx = multiprocessing.get_context("spawn")  # no threads copied (see decode_pool)
        mine, theirs = ctx.Pipe()
        self._proc = ctx.Process(
            target=serve, name="search-service", daemon=True,
            args=(theirs, str(self.folder),
                  str(self.models_dir) if self.models_dir else None, self.device))
        self._proc.start()
        theirs.close()
        self._conn = mine

    def _stop(self, kill: bool = False) -> None:
        proc, conn = self._proc, self._conn
        self._proc = self._conn = None
        if conn is not None:
            if not kill:
                with contextlib.suppress(OSError):
                    conn.send(None)
            conn.close()
        if proc is not None:
            proc.join(timeout=0 if kill else 5)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=5)

    def close(self) -> None:
        """End the process (waits for a search in flight to finish)."""
        with self._lock:
            self._stop()
