"""The Similar tab: what was asked, the threshold, how many results (and whether more exist)
over a grid of scored tiles."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from mediabrowser.gui.grid.model import ItemsModel
from mediabrowser.gui.grid.view import GridView
from mediabrowser.gui.query_bar import QueryBar


class ResultsPage(QWidget):
    def __init__(self, store: Any, thumbs: Any, page_size: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ItemsModel(store, thumbs, self)
        self.view = GridView()
        self.view.setModel(self.model)
        self.view.setToolTip("")
        self.title = QLabel("Right-click an item and choose “Find Similar”, or drop a file here "
                            "to search by it.")
        self.title.setWordWrap(True)
        self.threshold = QSlider(Qt.Orientation.Horizontal)
        self.threshold.setRange(0, 100)
        self.threshold.setValue(50)
        self.threshold.setMaximumWidth(200)
        self.threshold.setToolTip(
            "Hide results that score below this. Scores mean the same for photos, videos and "
            "sounds:\n0.9 and up: the same content (a copy, resized, re-encoded, turned)\n"
            "0.7: very similar\n0.5: similar — more alike than 99 in 100 unrelated pairs")
        self.threshold_label = QLabel()
        self.threshold_label.setMinimumWidth(  # the slider stays put as the number changes
            self.threshold_label.fontMetrics().horizontalAdvance("score ≥ 0.00 very similar")
            + 6)
        self.collapse = QCheckBox("Fold copies")
        self.collapse.setChecked(True)
        self.collapse.setToolTip("Show copies of one file (identical, or the same content "
                                 "found by Duplicates) as one tile with a count")
        self.count_label = QLabel()
        self.more_button = QPushButton("Load more")
        self.more_button.setToolTip(f"Show the next {page_size} most similar items")
        self.more_button.hide()
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.threshold_label)
        head.addWidget(self.threshold)
        head.addWidget(self.collapse)
        head.addWidget(self.count_label)
        head.addWidget(self.more_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(head)
        self.query_bar = QueryBar(self)
        lay.addWidget(self.query_bar)
        lay.addWidget(self.view, 1)
