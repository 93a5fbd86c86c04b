"""The toolbar's filters: which kind, in which order, and a file-name filter. The library grid
and the results both follow them; each room subscribes to what it needs."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QLineEdit

KIND_FILTERS = (("All kinds", None), ("Photos", "image"), ("Videos", "video"), ("Audio", "audio"))
SORTS = (("Name", "name"), ("Date", "date"), ("Folder", "folder"))
NAME_DELAY_MS = 200  # typing settles before the grid is asked again


class BrowseFilters(QObject):
    kind_changed = Signal()
    sort_changed = Signal()
    name_changed = Signal()  # once typing has paused

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.kind_box = QComboBox()
        for label, value in KIND_FILTERS:
            self.kind_box.addItem(label, value)
        self.kind_box.setToolTip("Show only photos, videos or sounds — in the library and in "
                                 "results")
        self.kind_box.currentIndexChanged.connect(lambda _i: self.kind_changed.emit())
        self.sort_box = QComboBox()
        for label, value in SORTS:
            self.sort_box.addItem(f"Sort by {label.lower()}", value)
        self.sort_box.setToolTip("Order of the library grid")
        self.sort_box.currentIndexChanged.connect(lambda _i: self.sort_changed.emit())
        self.name_filter = QLineEdit()
        self.name_filter.setPlaceholderText("Filter by file name")
        self.name_filter.setClearButtonEnabled(True)
        self.name_filter.setMaximumWidth(240)
        self.name_filter.setToolTip("Show only items whose file name contains this — in the "
                                    "library and in results")
        self._timer = QTimer(self, singleShot=True, interval=NAME_DELAY_MS)
        self._timer.timeout.connect(self.name_changed.emit)
        self.name_filter.textChanged.connect(lambda _t: self._timer.start())

    def kind(self) -> str | None:
        return self.kind_box.currentData()

    def sort(self) -> str:
        return str(self.sort_box.currentData())

    def name(self) -> str:
        return self.name_filter.text()

    def any_set(self) -> bool:
        """Whether a filter hides items (an empty grid then is not an empty library)."""
        return bool(self.name_filter.text()) or self.kind_box.currentIndex() > 0
