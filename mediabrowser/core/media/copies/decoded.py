"""Decoded files kept for a run of closer looks: at most `size` of them (a new dict when full,
so a thread reading the old one is not disturbed), and every file that could not be decoded,
so it is not tried again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from mediabrowser.core.types import MediaError

T = TypeVar("T")


class Decoded(Generic[T]):
    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: dict[int, T] = {}
        self._unreadable: set[int] = set()

    def get(self, key: int, decode: Callable[[], T | None]) -> T | None:
        got = self._kept.get(key)
        if got is not None or key in self._unreadable:
            return got
        try:
            got = decode()
        except (MediaError, OSError, ValueError):
            got = None
        if got is None:
            self._unreadable.add(key)
            return None
        if len(self._kept) >= self.size:
            self._kept = {}
        self._kept[key] = got
        return got
