"""Reads listing pages for the grid: at once on the GUI thread when the query answers within
a few milliseconds (the usual case), else on a reader thread with its own connection, so a
rare name filter scanning a million rows never freezes the window."""

from __future__ import annotations

import queue
import sqlite3
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from mediabrowser.core.store.listing import Page
from mediabrowser.core.store.repo import Store

GUI_BUDGET_S = 0.02  # a page query on the GUI thread gives up after this


class NewestReader(QObject):
    """Reads for the grid on a thread of its own with its own connection; of the requests
    waiting, only the newest is read (the order or the filter changed: older ones are moot).
    `read(store, **args)` is the reading; `ready` brings (request generation, its result)."""

    ready = Signal(int, object)

    def __init__(self, db_path: Path, name: str, parent: Any = None) -> None:
        super().__init__(parent)
        self._path = db_path
        self._name = name
        self._queue: queue.Queue[tuple[int, dict[str, Any]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def read(self, store: Store, **args: Any) -> Any:
        raise NotImplementedError

    def request(self, gen: int, **args: Any) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
            self._thread.start()
        self._queue.put((gen, args))

    def _run(self) -> None:
        store = Store(self._path)
        try:
            while True:
                job = self._queue.get()
                while job is not None and not self._queue.empty():
                    job = self._queue.get()  # only the newest request matters
                if job is None:
                    return
                gen, args = job
                self.ready.emit(gen, self.read(store, **args))
        finally:
            store.close()

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None


class PageFetcher(NewestReader):
    """A listing page (None when the database could not answer)."""

    def __init__(self, db_path: Path, parent: Any = None) -> None:
        super().__init__(db_path, "listing-pages", parent)

    def read(self, store: Store, **query: Any) -> Page | None:
        try:
            return store.listing_page(**query)
        except sqlite3.Error:
            return None
