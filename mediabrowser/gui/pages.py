"""The window's pages (Library, Similar, Duplicates, Map) by name, never by tab position: which one
is in front decides what the item actions act on."""

from __future__ import annotations

import enum

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget, QWidget


class Page(enum.Enum):
    LIBRARY = "Library"
    SIMILAR = "Similar"
    DUPLICATES = "Duplicates"
    MAP = "Map"


class PageTabs(QTabWidget):
    page_changed = Signal(object)  # the Page now in front

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pages: dict[Page, QWidget] = {}
        self.currentChanged.connect(lambda _i: self.page_changed.emit(self.page()))

    def add(self, page: Page, widget: QWidget) -> None:
        self._pages[page] = widget
        self.addTab(widget, page.value)

    def page(self) -> Page:
        current = self.currentWidget()
        return next(p for p, w in self._pages.items() if w is current)

    def show_page(self, page: Page) -> None:
        self.setCurrentWidget(self._pages[page])
