"""A virtualised icon grid that accepts dropped files and folders."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QResizeEvent,
)
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from mediabrowser.gui.grid.delegate import TEXT_HEIGHT, TileDelegate
from mediabrowser.gui.grid.model import IdRole


def local_paths(event: QDropEvent | QDragEnterEvent | QDragMoveEvent) -> list[str]:
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    return [u.toLocalFile() for u in mime.urls() if u.isLocalFile() and u.toLocalFile()]


def current_id(view: QListView) -> int | None:
    """The file id of the view's current item (None: no current item)."""
    idx = view.currentIndex()
    return idx.data(IdRole) if idx.isValid() else None


def selected_ids(view: QListView) -> list[int]:
    """The selected items' ids; with none selected, the current item's."""
    ids = [i.data(IdRole) for i in view.selectionModel().selectedIndexes()]
    if not ids and (cur := current_id(view)) is not None:
        ids = [cur]
    return ids


class GridView(QListView):
    files_dropped = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.delegate = TileDelegate(self)
        self.setItemDelegate(self.delegate)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)  # one size for all: layout of 100k items stays cheap
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(500)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSpacing(4)
        self.setWrapping(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.viewport().setAcceptDrops(True)  # drops land on the viewport, not the view
        self.setDragEnabled(False)
        self.setDropIndicatorShown(False)
        self.empty_text = ""
        self._tile = 160
        self.set_tile_size(160)

    def set_empty_text(self, text: str) -> None:
        """What the grid says when it shows nothing (a filter that matches no item)."""
        self.empty_text = text
        self.viewport().update()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if self.empty_text and (model is None or model.rowCount() == 0):
            p = QPainter(self.viewport())
            p.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            p.drawText(self.viewport().rect().adjusted(24, 24, -24, -24),
                       int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                       self.empty_text)
            p.end()

    def set_tile_size(self, px: int) -> None:
        self.delegate.set_tile_size(px)
        self._tile = px
        self._fit_columns()
        self.verticalScrollBar().setSingleStep(max(20, px // 4))
        self.scheduleDelayedItemsLayout()

    def _fit_columns(self) -> None:
        """Cells share the width out: as many columns as fit, and what is left over spread
        between them rather than left as an empty strip on the right."""
        base = self._tile + 8
        width = self.viewport().width()
        cols = max(1, width // base)
        cell = max(base, width // cols) if width >= base else base
        size = QSize(cell, self._tile + TEXT_HEIGHT + 8)
        if size != self.gridSize():
            self.setGridSize(size)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_columns()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if local_paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = local_paths(event)
        if paths:
            event.acceptProposedAction()
            self.files_dropped.emit(paths)
        else:
            event.ignore()
