"""The window's library room: the grid's listing for the toolbar's kind, order and name
filter (SQL pages, gui/grid/listing_model.py), kept in step while indexing and after every
change to the library, with the item count in the status bar."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QPoint, QTimer
from PySide6.QtWidgets import QLabel

from mediabrowser.core.format import count, plural
from mediabrowser.core.types import Progress
from mediabrowser.gui.browse_filters import BrowseFilters
from mediabrowser.gui.grid.listing_model import ListingModel
from mediabrowser.gui.grid.model import IdRole
from mediabrowser.gui.grid.thumb_loader import ThumbLoader
from mediabrowser.gui.grid.view import GridView, current_id
from mediabrowser.gui.library_owner import Changes, LibraryOwner

REFRESH_SECONDS = 1.5  # how often the grid looks for new items while indexing


class ListingRoom(QObject):
    """`show_library(has_items)`: the window shows the grid, or the welcome panel of an empty
    library."""

    def __init__(self, owner: LibraryOwner, model: ListingModel, grid: GridView,
                 thumbs: ThumbLoader, filters: BrowseFilters, count_text: QLabel,
                 show_library: Callable[[bool], None]) -> None:
        super().__init__(grid)
        self.owner = owner
        self.store = owner.reader.store
        self.model = model
        self.grid = grid
        self.thumbs = thumbs
        self.filters = filters
        self.count_text = count_text
        self.show_library = show_library
        self._keep_current: int | None = None
        self._keep_scroll = 0
        self._last_refresh = 0.0
        model.rows_arrived.connect(self._arrived)
        filters.kind_changed.connect(self.refresh)
        filters.sort_changed.connect(self.refresh)
        filters.name_changed.connect(self.refresh)
        owner.changed.connect(self._library_changed)

    def refresh(self, if_count_changed: bool = False) -> None:
        """Show the library grid for the toolbar's kind, order and name filter, from SQL pages.
        `if_count_changed`: the periodic look while indexing, which only slots in new items;
        otherwise the rows shown are read again (keeping the current item and the scroll)
        when the query is the same, or from the top when it changed."""
        model = self.model
        query: dict[str, Any] = {"kind": self.filters.kind(), "sort": self.filters.sort(),
                 "name_filter": self.filters.name()}
        if if_count_changed and query == model.query and not (
                model.exhausted() and not query["name_filter"].strip()
                and self.store.listing_count(query["kind"]) < model.rowCount()):
            anchor = self._anchor()
            if model.append_new():  # (items that left the listing make it read rows again)
                self._hold(anchor)  # rows slotted in above: the tiles in view stay put
            self._show_count()
            self._last_refresh = time.monotonic()
            return
        self._keep_current = current_id(self.grid)
        self._keep_scroll = self.grid.verticalScrollBar().value() if query == model.query else 0
        if query == model.query and model.rowCount():
            model.refresh()
        else:
            model.set_query(**query)
        self._last_refresh = time.monotonic()

    def _anchor(self) -> tuple[int, int] | None:
        """(id, y) of the first tile in view: what the person is looking at."""
        view = self.grid
        if view.verticalScrollBar().value() == 0:
            return None  # at the top new rows may push down: nothing was scrolled to
        for y in range(2, min(200, view.viewport().height()), 12):  # past gaps between tiles
            for x in range(2, view.viewport().width(), 24):
                idx = view.indexAt(QPoint(x, y))
                if idx.isValid():
                    return int(idx.data(IdRole)), view.visualRect(idx).y()
        return None

    def _hold(self, anchor: tuple[int, int] | None) -> None:
        """Scroll so that the anchor tile is where it was before rows were slotted in."""
        if anchor is None:
            return
        fid, y = anchor

        def settle(tries: int) -> None:
            row = self.model.row_of(fid)
            if row is None:
                return
            now = self.grid.visualRect(self.model.index(row)).y()
            bar = self.grid.verticalScrollBar()
            bar.setValue(bar.value() + now - y)
            # The grid lays rows out in batches: until it reaches these, the scroll range is
            # short and the value is clipped. Settle again a little later, a few times.
            if tries and abs(self.grid.visualRect(self.model.index(row)).y() - y) > 2:
                QTimer.singleShot(20, self, lambda: settle(tries - 1))

        settle(0)
        QTimer.singleShot(0, self, lambda: settle(25))  # again once the grid laid rows out

    def indexing_progressed(self, _p: Progress) -> None:
        """New items appear while a run goes on, every REFRESH_SECONDS at most (the grid's
        far rows wait for the run's end: every row would shift)."""
        self.model.far_allowed = False
        if time.monotonic() - self._last_refresh > REFRESH_SECONDS:
            self.refresh(if_count_changed=True)

    def _library_changed(self, changes: Changes) -> None:
        if self.owner.closing or not (changes.files or changes.vectors):
            return
        self.model.far_allowed = True
        self.thumbs.retry_failed()
        self.model.forget_rows()
        self.refresh()
        self.grid.viewport().update()

    def _arrived(self) -> None:
        current, self._keep_current = self._keep_current, None
        if current is not None and (row := self.model.row_of(current)) is not None:
            self.grid.setCurrentIndex(self.model.index(row))
        scroll, self._keep_scroll = self._keep_scroll, 0
        if scroll:
            # The grid lays items out in batches after a reset; scroll once that has happened.
            QTimer.singleShot(0, lambda: self.grid.verticalScrollBar().setValue(scroll))
        self._show_count()

    def _show_count(self) -> None:
        model = self.model
        if model.query["name_filter"].strip():
            n = model.rowCount()
            more = "" if model.exhausted() else "+"
            self.count_text.setText(f"{n:,}{more} {plural(2 if more else n, 'item')}")
        else:
            n = self.store.listing_count(model.query["kind"])
            # files that could not be used are shown (marked), but are not items to count
            bad = self.store.listing_count(model.query["kind"], ("error",))
            self.count_text.setText(count(n - bad, "item") + (f" · {bad} unusable (see "
                                                              "Problems)" if bad else ""))
        self.show_library(bool(n) or self.filters.any_set())
        self.grid.set_empty_text("" if n else self._why_empty())

    def _why_empty(self) -> str:
        """Why the grid shows nothing, in words (a blank grid says nothing)."""
        kinds = {"image": "photos", "video": "videos", "audio": "sounds"}
        what = kinds.get(self.model.query["kind"] or "", "items")
        needle = self.model.query["name_filter"].strip()
        if needle:
            return f"No {what} have “{needle}” in their name. Clear the name filter to see all."
        return f"No {what} in the library yet."
