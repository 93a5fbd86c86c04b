"""The library grid's far rows: the scrollbar spans the whole listing (a million rows), and a
block of rows is read where the person jumps to, not every page before it.

The listing is read a page at a time from its start (listing_model.py). Once the reader
thread has found the sort key at every BLOCK-th row (`Store.listing_marks`, one pass over the
order's index), the model counts every row; a row past those read shows an empty tile until
its block is read, starting after the mark before it (a seek by key: a few milliseconds).
While an import slots new rows in, the far rows are dropped (they would all shift), and
marked again once it is over."""

from __future__ import annotations

import queue
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from mediabrowser.core.store.repo import Store

BLOCK = 512


class MarksReader(QObject):
    """Reads the listing's marks on a thread of its own (seconds at a million rows); only the
    newest request is read (the order or the kind changed meanwhile: the older is moot)."""

    ready = Signal(int, object, int)  # request generation, marks, row count

    def __init__(self, db_path: Path, parent: Any = None) -> None:
        super().__init__(parent)
        self._path = db_path
        self._queue: queue.Queue[tuple[int, str | None, str] | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def request(self, gen: int, kind: str | None, sort: str) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="listing-marks",
                                            daemon=True)
            self._thread.start()
        self._queue.put((gen, kind, sort))

    def _run(self) -> None:
        store = Store(self._path)
        try:
            while True:
                job = self._queue.get()
                while job is not None and not self._queue.empty():
                    job = self._queue.get()  # only the newest request matters
                if job is None:
                    return
                gen, kind, sort = job
                try:
                    marks = store.listing_marks(kind, sort, BLOCK)
                    total = store.listing_count(kind)
                except Exception:  # noqa: BLE001 - a busy or damaged database: no far rows
                    marks, total = [], 0
                self.ready.emit(gen, marks, total)
        finally:
            store.close()

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None
