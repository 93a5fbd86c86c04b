"""Thumbnails made off the GUI thread, newest request first, cached on disk and in memory.

Tiles ask for their picture while painting; requests go on a LIFO stack so that what scrolled
into view last is made first, and old requests are dropped when the stack grows long (those
tiles have scrolled away and will ask again if they come back).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QImage, QPixmap

from mediabrowser.core.media import reasons
from mediabrowser.core.media.thumbs import cached_thumbnail
from mediabrowser.core.types import MediaError, MediaKind

MAX_PENDING = 400


class _Signals(QObject):
    ready = Signal(int, QImage)
    # Paths travel as Python objects: Qt's strings would drop the bytes of a non-UTF-8 name.
    failed = Signal(int, object, str)  # file id, path, reason


class _Drain(QRunnable):
    """Takes requests from the loader's stack until it is empty."""

    def __init__(self, loader: ThumbLoader) -> None:
        super().__init__()
        self.loader = loader

    def run(self) -> None:
        while True:
            req = self.loader._take()
            if req is None:
                return
            file_id, content_hash, path, kind = req
            try:
                thumb = cached_thumbnail(self.loader.folder, file_id, content_hash, path, kind)
                image = QImage(str(thumb))
                if image.isNull():
                    raise ValueError("thumbnail could not be read back")
                self.loader.signals.ready.emit(file_id, image)
            except MediaError as exc:  # the tile shows a "no preview" sign
                self.loader.signals.failed.emit(file_id, path, str(exc))
            except Exception as exc:  # noqa: BLE001 - one odd file, said in words
                self.loader.signals.failed.emit(
                    file_id, path, reasons.unexpected("make a thumbnail of", exc))


class ThumbLoader(QObject):
    changed = Signal(int)  # a file id whose thumbnail (or failure) is now known
    problem = Signal(object, str)  # path, reason: a file whose thumbnail could not be made

    def __init__(self, folder: Path, workers: int = 2, memory_items: int = 3000) -> None:
        super().__init__()
        self.folder = folder
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(workers)
        self.signals = _Signals()
        self.signals.ready.connect(self._on_ready)
        self.signals.failed.connect(self._on_failed)
        self._cache: OrderedDict[int, QPixmap] = OrderedDict()
        self._failed: set[int] = set()
        self._limit = memory_items
        self._stack: list[tuple[int, str | None, str, MediaKind]] = []
        self._queued: set[int] = set()
        self._lock = threading.Lock()
        self._drains = 0
        self._workers = workers
        self._closed = False

    def pixmap(self, file_id: int) -> QPixmap | None:
        pm = self._cache.get(file_id)
        if pm is not None:
            self._cache.move_to_end(file_id)
        return pm

    def failed(self, file_id: int) -> bool:
        return file_id in self._failed

    def request(self, file_id: int, content_hash: str | None, path: str, kind: MediaKind) -> None:
        if self._closed or file_id in self._cache or file_id in self._failed:
            return
        with self._lock:
            if file_id in self._queued:
                return
            self._queued.add(file_id)
            self._stack.append((file_id, content_hash, path, kind))
            if len(self._stack) > MAX_PENDING:
                dropped = self._stack[: len(self._stack) - MAX_PENDING]
                del self._stack[: len(dropped)]
                for d in dropped:
                    self._queued.discard(d[0])
            start = self._drains < self._workers
            if start:
                self._drains += 1
        if start:
            self.pool.start(_Drain(self))

    def _take(self) -> tuple[int, str | None, str, MediaKind] | None:
        with self._lock:
            if self._stack and not self._closed:
                req = self._stack.pop()
                return req
            self._drains -= 1
            return None

    def _on_ready(self, file_id: int, image: QImage) -> None:
        with self._lock:
            self._queued.discard(file_id)
        self._cache[file_id] = QPixmap.fromImage(image)
        while len(self._cache) > self._limit:
            self._cache.popitem(last=False)
        self.changed.emit(file_id)

    def _on_failed(self, file_id: int, path: str, reason: str) -> None:
        with self._lock:
            self._queued.discard(file_id)
        self._failed.add(file_id)
        self.changed.emit(file_id)
        self.problem.emit(path, reason)

    def forget_all(self) -> None:
        """Drop the pictures held in memory (the disk cache is keyed by content)."""
        self._cache.clear()

    def retry_failed(self) -> None:
        """Files that could not be shown may be readable now (after a rescan)."""
        self._failed.clear()

    def close(self) -> None:
        """Stop taking requests and wait for the thumbnails being made."""
        with self._lock:
            self._closed = True
            self._stack.clear()
            self._queued.clear()
        self.pool.waitForDone()
