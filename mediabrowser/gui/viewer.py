"""The full-screen viewer: one item at a time, filling the screen. Enter or double-click opens
it on the current item of the grid or the results; ← and → step through that view; Space plays
or pauses a video or a sound; Esc returns to the window at the item last shown."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from mediabrowser.core.filenames import display_name
from mediabrowser.gui.grid.model import IdRole, ItemsModel, MomentRole, ScoreRole, SpansRole
from mediabrowser.gui.preview.panel import PreviewPanel


class FullScreenViewer(QWidget):
    closed = Signal(int)  # the row shown last, for the window to select

    def __init__(self, model: ItemsModel, row: int, model_name: Callable[[str], str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("mediabrowser — viewer")
        self.setObjectName("viewer")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        # Dark around the picture; controls (seek bar, buttons) keep their own style.
        self.setStyleSheet("#viewer { background: #111; } QLabel { color: #ddd; }")
        self.model = model
        self.row = row
        self.model_name = model_name
        self.panel = PreviewPanel()
        self.hint = QLabel("← → previous / next · Space play / pause · Esc back")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setStyleSheet("color: #888; padding: 4px;")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.panel, 1)
        lay.addWidget(self.hint)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.show_row(row)

    def show_row(self, row: int) -> None:
        if not 0 <= row < self.model.rowCount():
            return
        self.row = row
        index: QModelIndex = self.model.index(row)
        item = self.model.file_row(index.data(IdRole))
        if item is None:
            return
        self.panel.show_item(item, index.data(ScoreRole), self.model_name(item.kind),
                             index.data(MomentRole), index.data(SpansRole))
        self.setWindowTitle(f"{display_name(item.path)} — {row + 1} of {self.model.rowCount()}")
        plays = "" if item.kind == "image" else " · Space play / pause"  # a photo does not play
        self.hint.setText(f"← → previous / next{plays} · Esc back")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_PageDown):
            self.show_row(self.row + 1)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Up, Qt.Key.Key_PageUp):
            self.show_row(self.row - 1)
        elif key == Qt.Key.Key_Home:
            self.show_row(0)
        elif key == Qt.Key.Key_End:
            self.show_row(self.model.rowCount() - 1)
        elif key == Qt.Key.Key_Space:
            if self.panel.current is not None and self.panel.current.kind != "image":
                self.panel.player.toggle()
        elif key in (Qt.Key.Key_Escape, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.close()
        else:
            super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.panel.shutdown()
        self.closed.emit(self.row)
        event.accept()

    def mouseDoubleClickEvent(self, event: Any) -> None:
        self.close()
