"""The Problems panel: each file that could not be used, by name (the full path on hover),
with the reason in plain words; and the status-bar button that shows how many there are."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from mediabrowser.core.filenames import display, display_name
from mediabrowser.core.format import count
from mediabrowser.core.types import FileProblem


class ProblemsDock(QDockWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Problems", parent)
        self.setObjectName("problems-dock")
        self.problems: list[FileProblem] = []
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["File", "Why it could not be used"])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.setWidget(self.table)
        self.button = QPushButton()
        self.button.setFlat(True)
        self.button.setToolTip("Show the files that could not be used, and why")
        self.button.clicked.connect(self.toggle)
        self.hide()
        self._update()

    def add(self, prob: FileProblem) -> None:
        """List a file's problem; a file listed already gets the newer reason."""
        for r, known in enumerate(self.problems):
            if known.path == prob.path:
                self.problems[r] = prob
                cell = self.table.item(r, 1)
                if cell is not None:
                    cell.setText(prob.reason)
                    cell.setToolTip(prob.reason)
                return
        self.problems.append(prob)
        r = self.table.rowCount()
        self.table.insertRow(r)
        name = QTableWidgetItem(display_name(prob.path))
        name.setToolTip(display(prob.path))  # the full name on hover
        reason = QTableWidgetItem(prob.reason)
        reason.setToolTip(prob.reason)
        self.table.setItem(r, 0, name)
        self.table.setItem(r, 1, reason)
        self._update()

    def add_thumbnail_problem(self, path: str, reason: str) -> None:
        # A file whose drive is away has no problem of its own (it shows ⏏ in the grid).
        if os.path.lexists(path) and not any(p.path == path for p in self.problems):
            self.add(FileProblem(path, reason, "thumbnail"))

    def show_library(self, store: Any, also: Sequence[FileProblem] = ()) -> None:
        """Every file of the library that cannot be used now (not only the last run's), and
        `also` (a run's problems that are not about one file's content, e.g. a missing
        folder or a model without weights)."""
        self.clear()
        for row in store.problem_files():
            self.add(FileProblem(row.path, row.error or "could not be used", "earlier run"))
        for prob in also:
            self.add(prob)

    def clear(self) -> None:
        self.problems.clear()
        self.table.setRowCount(0)
        self._update()

    def toggle(self) -> None:
        self.setVisible(not self.isVisible())

    def _update(self) -> None:
        n = len(self.problems)
        if n and n <= 2000:  # names whole, up to half the panel (the full path on hover)
            self.table.resizeColumnToContents(0)
            most = max(200, self.table.viewport().width() // 2)
            self.table.setColumnWidth(0, min(self.table.columnWidth(0) + 12, most))
        self.button.setVisible(n > 0)
        self.button.setText(f"⚠ {count(n, 'problem')}")
        self.setWindowTitle(f"Problems ({n})")
        self.table.setAccessibleName(f"{n} files could not be used")
