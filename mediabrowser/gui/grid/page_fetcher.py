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


class PageFetcher(QObject):
    page_ready = Signal(int, object)  # request generation, Page

    def __init__(self, db_path: Path, parent: Any = None) -> None:
        super().__init__(parent)
        self._path = db_path
        self._queue: queue.Queue[tuple[int, dict[str, Any]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def request(self, gen: int, **query: Any) -> None:
        """Read this page on the reader thread; `page_ready` brings it back."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="listing-pages", daemon=True)
            self._thread.start()
        self._queue.put((gen, query))

    def _run(self) -> None:
        store = Store(self._path)
        try:
            while True:
                job = self._queue.get()
                if job is None:
                    return
                while not self._queue.empty():  # only the newest request matters
                    newer = self._queue.get()
                    if newer is None:
                        return
                    job = newer
                gen, query = job
                try:
                    page: Page | None = store.listing_page(**query)
                except sqlite3.Error:
                    page = None
                self.page_ready.emit(gen, page)
        finally:
            store.close()

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)
            self._thread = None
