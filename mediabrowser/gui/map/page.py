"""The Map page's widgets: which map, the tools, the selection's actions, progress, and the
card that follows the mouse (thumbnail and name; a sound plays on an audio map)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mediabrowser.gui.map.canvas import MapCanvas

TOOLS = (("pan", "Move", "Drag to move the map, wheel to zoom (Alt+drag moves with any tool)"),
         ("rect", "Rectangle", "Drag a rectangle to select (Shift adds, Ctrl takes away)"),
         ("lasso", "Lasso", "Draw around items to select them (Shift adds, Ctrl takes away)"))

HINT = "Select with Rectangle or Lasso, or click a group's name"


class HoverCard(QFrame):
    """The item under the mouse: its thumbnail and name, beside the pointer."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setStyleSheet("HoverCard { background: rgba(20, 20, 24, 230); border: 1px solid "
                           "#666; border-radius: 6px; } QLabel { color: white; }")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setFixedSize(160, 120)
        self.name = QLabel()
        self.name.setFixedWidth(200)
        self.name.setWordWrap(True)
        lay.addWidget(self.picture)
        lay.addWidget(self.name)
        self.hide()

    def show_item(self, name: str, detail: str, picture: QPixmap | None, at: QPoint,
                  no_picture: bool = False) -> None:
        self.name.setText(f"<b>{name}</b><br><span style='color:#bbb'>{detail}</span>")
        self.name.setToolTip(name)
        if picture is not None and not picture.isNull():
            self.picture.setPixmap(picture.scaled(160, 120, Qt.AspectRatioMode.KeepAspectRatio,
                                                  Qt.TransformationMode.SmoothTransformation))
        else:
            self.picture.setText("no preview" if no_picture else "…")
        self.adjustSize()
        parent = self.parentWidget()
        x, y = at.x() + 18, at.y() + 18
        if parent is not None:  # stay inside the map
            x = min(x, parent.width() - self.width() - 4)
            y = min(y, parent.height() - self.height() - 4)
            if x < at.x() < x + self.width() and y < at.y() < y + self.height():
                x = at.x() - self.width() - 18
        self.move(max(4, x), max(4, y))
        self.show()
        self.raise_()


class MapPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.space_box = QComboBox()
        self.space_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.space_box.setMinimumContentsLength(14)
        self.space_box.setToolTip("Which map: each kind of model has its own")
        self.tool_group = QButtonGroup(self)
        self.tool_buttons: dict[str, QToolButton] = {}
        self.fit_button = QPushButton("Fit")
        self.fit_button.setToolTip("Show the whole map")
        self.recompute_button = QPushButton("Recompute")
        self.recompute_button.setToolTip("Lay the map out afresh (new items are added to the "
                                         "saved map without this)")
        self.summary = QLabel()
        self.summary.setMinimumWidth(40)  # elided by the layout, never widening the window
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(160)
        self.cancel_button = QPushButton("Stop")
        self.cancel_button.setToolTip("Stop laying out; it resumes from here next time")
        top = QHBoxLayout()
        top.addWidget(self.space_box)
        for name, text, tip in TOOLS:
            b = QToolButton()
            b.setText(text)
            b.setCheckable(True)
            b.setToolTip(tip)
            self.tool_group.addButton(b)
            self.tool_buttons[name] = b
            top.addWidget(b)
        self.tool_buttons["pan"].setChecked(True)
        top.addWidget(self.fit_button)
        top.addWidget(self.summary, 1)
        top.addWidget(self.progress)
        top.addWidget(self.cancel_button)
        top.addWidget(self.recompute_button)

        self.selection_label = QLabel(HINT)
        self.selection_label.setSizePolicy(QSizePolicy.Policy.Ignored,
                                           QSizePolicy.Policy.Preferred)
        self.similar_button = QPushButton("Find Similar")
        self.similar_button.setToolTip("Items like the selected ones")
        self.show_button = QPushButton("As List")
        self.show_button.setToolTip("The selected items as tiles, on the Similar page")
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save the selected files' list: CSV with their place and "
                                      "group, one path a line, or an M3U playlist")
        self.copy_button = QPushButton("Copy…")
        self.copy_button.setToolTip("Copy the selected files into a folder (they stay here too)")
        self.move_button = QPushButton("Move…")
        self.move_button.setToolTip("Move the selected files into a folder (the library follows)")
        self.trash_button = QPushButton("Trash…")
        self.trash_button.setToolTip("Move the selected files to the trash (asks first)")
        self.clear_button = QPushButton("Clear")
        bottom = QHBoxLayout()
        bottom.addWidget(self.selection_label, 1)
        for button in (self.similar_button, self.show_button, self.export_button,
                       self.copy_button, self.move_button, self.trash_button,
                       self.clear_button):
            bottom.addWidget(button)
        self.set_selection_count(0)

        self.canvas = MapCanvas()
        self.card = HoverCard(self.canvas)
        self.message = QLabel(self.canvas)  # "No map yet…" over an empty canvas
        self.message.setStyleSheet("color: #ccc; font-size: 14px;")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(self.canvas, 1)
        lay.addLayout(bottom)
        self.set_busy(False)
        for name, b in self.tool_buttons.items():
            b.toggled.connect(lambda on, n=name: self._tool(n) if on else None)
        self.fit_button.clicked.connect(lambda: self.canvas.fit())

    def _tool(self, name: str) -> None:
        self.canvas.tool = name
        cursor = Qt.CursorShape.OpenHandCursor if name == "pan" else Qt.CursorShape.CrossCursor
        self.canvas.setCursor(cursor)

    def set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.recompute_button.setEnabled(not busy)

    def set_selection_count(self, n: int) -> None:
        self.selection_label.setText(f"{n:,} selected" if n else HINT)
        for b in (self.similar_button, self.show_button, self.export_button, self.copy_button,
                  self.move_button, self.trash_button, self.clear_button):
            b.setEnabled(n > 0)

    def say(self, text: str) -> None:
        """A sentence over the map (why there is none yet); empty hides it."""
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self.message.setGeometry(self.canvas.rect().adjusted(40, 40, -40, -40))

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self.message.setGeometry(self.canvas.rect().adjusted(40, 40, -40, -40))
