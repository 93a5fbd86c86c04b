"""What an empty library shows: where to drop a folder, and a button to choose one."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


class WelcomePanel(QWidget):
    def __init__(self, add_folder: Callable[[], object], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        wl = QVBoxLayout(self)
        big = QLabel("Drop a folder here")
        big.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = big.font()
        font.setPointSizeF(font.pointSizeF() * 2.2)
        big.setFont(font)
        hint = QLabel("Photos, videos and sound files are indexed on this computer, offline.\n"
                      "Then right-click anything and choose “Find Similar”.")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setStyleSheet("color: gray;")
        add = QPushButton("Add Folder…")
        add.clicked.connect(lambda: add_folder())
        wl.addStretch(1)
        wl.addWidget(big)
        wl.addWidget(hint)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(add)
        row.addStretch(1)
        wl.addLayout(row)
        wl.addStretch(2)
