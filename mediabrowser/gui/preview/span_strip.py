"""A thin strip under a video's seek bar marking every part that matched the query; a click
seeks there."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

MARK = QColor(255, 196, 64)
TRACK = QColor(70, 76, 90)


class SpanStrip(QWidget):
    seek = Signal(float)  # a fraction of the duration

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.marks: list[tuple[float, float]] = []  # fractions of the duration
        self.setFixedHeight(6)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip("Where this video matches the query; click to go there")
        self.hide()

    def set_marks(self, marks: list[tuple[float, float]]) -> None:
        self.marks = marks
        self.setVisible(bool(marks))
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        x = event.position().x() / max(1, self.width())
        inside = [a for a, b in self.marks if a - 0.02 <= x <= b + 0.02]
        self.seek.emit(inside[0] if inside else x)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        w, h = self.width(), self.height()
        p.fillRect(0, 2, w, h - 4, TRACK)
        for a, b in self.marks:
            left = max(0.0, a) * w
            p.fillRect(QRectF(left, 0, max(3.0, (min(1.0, b) - max(0.0, a)) * w), h), MARK)
        p.end()
