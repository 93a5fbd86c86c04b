"""The window's library room: the grid's listing for the toolbar's kind, order and name
filter (SQL pages, gui/grid/listing_model.py), kept in step while indexing, with the item count
in the status bar. A mixin over the main window's state."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer

from mediabrowser.core.format import count, plural
from mediabrowser.gui.window_parts import WindowParts


class LibraryListing(WindowParts):
    """The library grid's contents, for MainWindow."""

    def refresh_listing(self, if_count_changed: bool = False) -> None:
        """Show the library grid for the toolbar's kind, order and name filter, from SQL pages.
        `if_count_changed`: the periodic look while indexing, which only slots in new items;
        otherwise the rows shown are read again (keeping the current item and the scroll)
        when the query is the same, or from the top when it changed."""
        model = self.library_model
        query = {"kind": self.kind_box.currentData(), "sort": self.sort_box.currentData(),
                 "name_filter": self.name_filter.text()}
        if if_count_changed and query == model.query and not (
                model.exhausted() and not query["name_filter"].strip()
                and self.lib.store.listing_count(query["kind"]) < model.rowCount()):
            model.append_new()  # (items that left the listing make it read the rows again)
            self._show_count()
            self._last_refresh = time.monotonic()
            return
        self._keep_current = self._current_id(self.grid)
        self._keep_scroll = self.grid.verticalScrollBar().value() if query == model.query else 0
        if query == model.query and model.rowCount():
            model.refresh()
        else:
            model.set_query(**query)
        self._last_refresh = time.monotonic()

    def _listing_arrived(self) -> None:
        current, self._keep_current = getattr(self, "_keep_current", None), None
        if current is not None and (row := self.library_model.row_of(current)) is not None:
            self.grid.setCurrentIndex(self.library_model.index(row))
        scroll, self._keep_scroll = getattr(self, "_keep_scroll", 0), 0
        if scroll:
            # The grid lays items out in batches after a reset; scroll once that has happened.
            QTimer.singleShot(0, lambda: self.grid.verticalScrollBar().setValue(scroll))
        self._show_count()

    def _show_count(self) -> None:
        model = self.library_model
        if model.query["name_filter"].strip():
            n = model.rowCount()
            more = "" if model.exhausted() else "+"
            self.count_text.setText(f"{n:,}{more} {plural(2 if more else n, 'item')}")
        else:
            n = self.lib.store.listing_count(model.query["kind"])
            self.count_text.setText(f"{count(n, 'item')}")
        has_any = bool(n) or bool(self.name_filter.text()) or self.kind_box.currentIndex() > 0
        self.center.setCurrentWidget(self.tabs if has_any or self.worker else self.welcome)
