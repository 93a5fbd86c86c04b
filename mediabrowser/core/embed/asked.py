"""What a query file gave, kept for the file as it is (path, size, mtime): a query asked
again — Back, a rerun while indexing — is not decoded again. Thread-safe: the search and the
writer threads share models."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")


class AskedFiles(Generic[T]):
    def __init__(self, most: int) -> None:
        self.most = most
        self._kept: OrderedDict[tuple[str, int, int], T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, path: str | Path, compute: Callable[[], T]) -> T:
        st = os.stat(path)
        key = (os.fspath(path), st.st_size, st.st_mtime_ns)
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]
        value = compute()  # outside the lock: decoding a file takes a while
        with self._lock:
            self._kept[key] = value
            while len(self._kept) > self.most:
                self._kept.popitem(last=False)
        return value
