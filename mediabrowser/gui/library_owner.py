"""The one owner of the library in the window (after Anki's collection and its OpChanges).

It holds the Library each thread works with: the GUI thread's (listing, item details), the
search thread's and the writer thread's (the duplicates' decisions, moves and undo; indexing
runs there too, with a Library of its own opened from the same folder), those threads, and
the settings they share. Nothing else in the window opens a Library.

Whatever changes the library says so with a Changes record; the views subscribe to `changed`
and redraw what they show, so an operation never has to know which views show its data.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal

from mediabrowser.core.library import Library, LibraryConfig
from mediabrowser.core.search_service import SearchService, run
from mediabrowser.gui.workers import call_later

# From this many items the window searches in a process of its own: loading a saved graph
# holds Python's GIL (0.16 s at 100k, 1–2 s at 1M), which would freeze the window.
SEARCH_PROCESS_FROM = 50_000


@dataclass(frozen=True)
class Changes:
    """What an operation changed (each view redraws only for what it shows)."""

    files: bool = False  # items added, removed, moved or changed: grids, results, problems
    vectors: bool = False  # new vectors: result sets, text search
    pictures: bool = False  # files changed in place: their thumbnails are made again
    duplicates: bool = False  # the kept groups of duplicates
    config: bool = False  # models or device: searches, duplicates, text search
    problems: tuple[Any, ...] = ()  # the problems a run found (the panel lists them)


class LibraryOwner(QObject):
    changed = Signal(object)  # Changes

    def __init__(self, folder: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.folder = folder
        self.closing = False  # the window is closing: answers that arrive now are dropped
        self.reader = Library(folder)  # the GUI thread's
        # A large missing index is rebuilt in the background while searches answer exactly.
        self.searcher = Library(folder, background_index=True)  # the search thread's
        self.writer = Library(folder)  # the writer thread's
        self._mapper: Library | None = None  # the map thread's, opened when first needed
        self.search_pool = self._thread()
        self.jobs_pool = self._thread()  # indexing: one run at a time
        self.write_pool = self._thread()  # duplicates: finding, decisions, moves, undo
        self.map_pool = self._thread()  # laying out and updating maps
        # MEDIABROWSER_SEARCH_PROCESS: 1 always, 0 never, else from SEARCH_PROCESS_FROM items
        mode = os.environ.get("MEDIABROWSER_SEARCH_PROCESS", "auto")
        self.search_service: SearchService | None = None
        if mode == "1" or (mode != "0" and
                           self.reader.store.listing_count() >= SEARCH_PROCESS_FROM):
            self.search_service = SearchService(folder, self.reader.models_dir,
                                                self.reader.device_override)

    def search(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """A search (core/search_service.py CALLS), on the search thread: in the search
        process when there is one, else with the search thread's Library."""
        if self.search_service is not None:
            return self.search_service.call(name, *args, **kwargs)
        return run(self.searcher, name, *args, **kwargs)

    def _thread(self) -> QThreadPool:
        pool = QThreadPool(self)
        pool.setMaxThreadCount(1)
        return pool

    @property
    def mapper(self) -> Library:
        """The map thread's Library: reads vectors, writes the maps/ files."""
        if self._mapper is None:
            self._mapper = Library(self.folder)
        return self._mapper

    # ---- operations -------------------------------------------------------------------------
    def apply_config(self, config: LibraryConfig) -> None:
        """New settings (already saved by the GUI thread's Library) reach every thread's
        Library, each between two of its own tasks; an indexing run opens them from disk."""
        self.reader.config = config
        others = [(self.searcher, self.search_pool), (self.writer, self.write_pool)]
        if self._mapper is not None:
            others.append((self._mapper, self.map_pool))
        for lib, pool in others:
            mine = copy.deepcopy(config)

            def apply(lib: Library = lib, mine: LibraryConfig = mine) -> None:
                lib.config = mine
                lib.forget_embedders()

            call_later(pool, apply, lambda _r: None, lambda _e: None)
        if self.search_service is not None:
            call_later(self.search_pool, lambda: self.search("config"), lambda _r: None,
                       lambda _e: None)
        self.announce(Changes(config=True))

    def write(self, fn: Callable[[Library], Any], then: Callable[[Any], None],
              failed: Callable[[str], None]) -> None:
        """Run `fn(writer)` on the writer thread, then `then(result)` on the GUI thread."""
        writer = self.writer
        call_later(self.write_pool, lambda: fn(writer), then, failed)

    def announce(self, changes: Changes) -> None:
        self.changed.emit(changes)

    # ---- the end ----------------------------------------------------------------------------
    def stop(self, timeout_ms: int) -> bool:
        """Wait for the threads; False when some work did not stop in time."""
        self.search_pool.clear()  # queued searches are not needed any more
        stopped = self.write_pool.waitForDone(timeout_ms)
        stopped = self.jobs_pool.waitForDone(timeout_ms) and stopped
        stopped = self.map_pool.waitForDone(timeout_ms) and stopped
        stopped = self.search_pool.waitForDone(max(1000, timeout_ms // 2)) and stopped
        if self.search_service is not None:
            self.search_service.close()
        return stopped

    def close(self) -> None:
        from mediabrowser.core.jobs.decode_pool import close_shared_pools

        close_shared_pools()  # the decode workers kept between indexing runs
        for lib in (self.reader, self.searcher, self.writer, self._mapper):
            if lib is None:
                continue
            lib.close()
