"""The files marked "not duplicates", newest first, each marking on a row; selected rows can be
unmarked (the controller writes that on its work thread, then reloads this list)."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mediabrowser.core.dupes import decisions
from mediabrowser.core.filenames import display_name

SHOWN = 200  # markings listed (the newest)
NAMES = 3  # file names written out per marking


class MarkedDialog(QDialog):
    unmark = Signal(list)  # [(a, b), ...] pairs to unmark

    def __init__(self, store: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Marked as Not Duplicates")
        self.store = store
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.list = QListWidget()
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setAccessibleName("Files marked as not duplicates")
        self.unmark_button = QPushButton("Unmark")
        self.unmark_button.setToolTip("These files may be grouped again by the next search")
        self.unmark_button.setEnabled(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.unmark_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.unmark_button.clicked.connect(self._unmark)
        self.list.itemSelectionChanged.connect(
            lambda: self.unmark_button.setEnabled(bool(self.list.selectedItems())))
        lay = QVBoxLayout(self)
        lay.addWidget(self.note)
        lay.addWidget(self.list, 1)
        lay.addWidget(buttons)
        self.resize(620, 420)
        self.reload()

    def reload(self) -> None:
        self.list.clear()
        sets = decisions.not_duplicate_sets(self.store, SHOWN)
        rows = self.store.files_by_ids({f for s in sets for f in s.file_ids})
        for s in sets:
            names = [display_name(rows[f].path) for f in s.file_ids if f in rows]
            more = len(names) - NAMES
            text = ", ".join(names[:NAMES]) + (f" and {more} more" if more > 0 else "")
            when = time.strftime("%d %b %Y %H:%M", time.localtime(s.at))
            item = QListWidgetItem(f"{text}\nmarked {when}")
            item.setData(Qt.ItemDataRole.UserRole, s.pairs)
            item.setToolTip("\n".join(rows[f].path for f in s.file_ids if f in rows))
            self.list.addItem(item)
        self.note.setText(
            "These files were marked as not duplicates of one another and are never grouped "
            "together. Select a row and Unmark to let a search group them again."
            if sets else "No files are marked as not duplicates.")

    def _unmark(self) -> None:
        pairs = [p for item in self.list.selectedItems()
                 for p in item.data(Qt.ItemDataRole.UserRole)]
        if pairs:
            self.unmark_button.setEnabled(False)
            self.unmark.emit([tuple(p) for p in pairs])
