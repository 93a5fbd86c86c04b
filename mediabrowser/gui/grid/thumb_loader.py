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
# A file's thumbnail, or a video's frame at a second (a result that is a moment of it).
ThumbKey = int | tuple[int, float]


def file_of(key: ThumbKey) -> int:
    return key[0] if isinstance(key, tuple) else key


class _Signals(QObject):
    ready = Signal(object, QImage)  # ThumbKey
    # Paths travel as Python objects: Qt's strings would drop the bytes of a non-UTF-8 name.
    failed = Signal(object, object, str)  # ThumbKey, path, reason


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
            key, content_hash, path, kind = req
            at = key[1] if isinstance(key, tuple) else None
            try:
                thumb = cached_thumbnail(self.loader.folder, file_of(key), content_hash, path,
                                         kind, at)
                image = QImage(str(thumb))
                if image.isNull():
                    raise ValueError("thumbnail could not be read back")
                self.loader.signals.ready.emit(key, image)
            except MediaError as exc:  # the tile shows a "no preview" sign
                self.loader.signals.failed.emit(key, path, str(exc))
            except Exception as exc:  # noqa: BLE001 - one odd file, said in words
                self.loader.signals.failed.emit(
                    key, path, reasons.unexpected("make a thumbnail of", exc))


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
        self._cache: OrderedDict[ThumbKey, QPixmap] = OrderedDict()
        self._failed: set[ThumbKey] = set()
        self._limit = memory_items
        self._stack: list[tuple[ThumbKey, str | None, str, MediaKind]] = []
        self._queued: set[ThumbKey] = set()
        self._lock = threading.Lock()
        self._drains = 0
        self._workers = workers
        self._closed = False

    def pixmap(self, key: ThumbKey) -> QPixmap | None:
        pm = self._cache.get(key)
        if pm is not None:
            self._cache.move_to_end(key)
        return pm

    def failed(self, key: ThumbKey) -> bool:
        return key in self._failed

    def request(self, key: ThumbKey, content_hash: str | None, path: str, kind: MediaKind) -> None:
        if self._closed or key in self._cache or key in self._failed:
            return
        with self._lock:
            if key in self._queued:
                return
            self._queued.add(key)
            self._stack.append((key, content_hash, path, kind))
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

    def _take(self) -> tuple[ThumbKey, str | None, str, MediaKind] | None:
        with self._lock:
            if self._stack and not self._closed:
                req = self._stack.pop()
                return req
            self._drains -= 1
            return None

    def _on_ready(self, key: ThumbKey, image: QImage) -> None:
        with self._lock:
            self._queued.discard(key)
        self._cache[key] = QPixmap.fromImage(image)
        while len(self._cache) > self._limit:
            self._cache.popitem(last=False)
        self.changed.emit(file_of(key))

    def _on_failed(self, key: ThumbKey, path: str, reason: str) -> None:
        with self._lock:
            self._queued.discard(key)
        self._failed.add(key)
        self.changed.emit(file_of(key))
        if not isinstance(key, tuple):  # a moment's frame: the tile falls back to the poster
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
