"""The list of duplicate groups: ids only, read from the kept listing a page at a time as the
list scrolls (Qt's fetchMore), so a listing of a hundred thousand groups opens at once."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QPainter, QPixmap

from mediabrowser.core.dupes import decisions
from mediabrowser.core.filenames import display_name
from mediabrowser.core.format import format_size
from mediabrowser.core.store.repo import Store

PAGE = 200
ICON = 56  # px of a group's picture in the list
TIER_WORDS = {"identical": "Identical", "same": "Same content", "similar": "Similar"}
GroupRole = Qt.ItemDataRole.UserRole + 1

Index = QModelIndex | QPersistentModelIndex


class GroupListModel(QAbstractListModel):
    def __init__(self, store: Store, thumbs: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.thumbs = thumbs
        self.rows: list[decisions.GroupRow] = []
        self._keepers: dict[int, Any] = {}  # file id → row, for the rows loaded
        self._more = True
        self._small: dict[int, QPixmap] = {}  # keeper id → its icon
        thumbs.changed.connect(self._thumb_changed)

    # ---- loading ----------------------------------------------------------------------------
    def reload(self) -> None:
        self.beginResetModel()
        self.rows, self._keepers, self._more = [], {}, True
        self.rows = self._next_page()
        self.endResetModel()

    def _next_page(self) -> list[decisions.GroupRow]:
        after = self.rows[-1].id if self.rows else 0
        page = decisions.page_groups(self.store, after, PAGE)
        self._more = len(page) == PAGE
        self._keepers.update(self.store.files_by_ids([g.keeper for g in page]))
        return page

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or not self._more:
            return
        page = self._next_page()
        if not page:
            return
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(page) - 1)
        self.rows += page
        self.endInsertRows()

    def row_of(self, group_id: int) -> int | None:
        for i, g in enumerate(self.rows):
            if g.id == group_id:
                return i
        return None

    # ---- Qt ---------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        g = self.rows[index.row()]
        keeper = self._keepers.get(g.keeper)
        if role == GroupRole:
            return g
        if role == Qt.ItemDataRole.DisplayRole:
            name = display_name(keeper.path) if keeper else "?"
            return (f"{name}\n{g.n} files · {format_size(g.bytes)} to free · "
                    f"{TIER_WORDS.get(g.tier, g.tier).lower()}")
        if role == Qt.ItemDataRole.ToolTipRole and keeper is not None:
            return keeper.path
        if role == Qt.ItemDataRole.DecorationRole and keeper is not None:
            return self._icon(keeper)
        return None

    def _icon(self, keeper: Any) -> QPixmap:
        small = self._small.get(keeper.id)
        if small is not None:
            return small
        blank = QPixmap(ICON, ICON)
        blank.fill(Qt.GlobalColor.transparent)
        pix = self.thumbs.pixmap(keeper.id)
        if pix is None:
            if not self.thumbs.failed(keeper.id):
                self.thumbs.request(keeper.id, keeper.hash, keeper.path, keeper.item().kind)
            return blank
        scaled = pix.scaled(ICON, ICON, Qt.AspectRatioMode.KeepAspectRatio,
                            Qt.TransformationMode.SmoothTransformation)
        painter = QPainter(blank)  # centred in a square, so the names line up
        painter.drawPixmap((ICON - scaled.width()) // 2, (ICON - scaled.height()) // 2, scaled)
        painter.end()
        if len(self._small) > 2000:
            self._small.clear()
        self._small[keeper.id] = blank
        return blank

    def _thumb_changed(self, file_id: int) -> None:
        self._small.pop(file_id, None)
        for i, g in enumerate(self.rows):
            if g.keeper == file_id:
                idx = self.index(i)
                self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.DecorationRole])
