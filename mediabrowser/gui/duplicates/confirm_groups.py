"""The question before a bulk clean-up, showing what it will touch: the count and bytes in
words, and a strip of the groups (each copy to be moved, with the picture it is a copy of), so
that nobody confirms a number alone. Cancel is the default."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mediabrowser.core.dupes import decisions
from mediabrowser.core.filenames import display_name
from mediabrowser.core.format import plural

STRIP = 48  # groups shown (the largest first; the text gives the total)
ICON = 72


class GroupsConfirm(QDialog):
    def __init__(self, title: str, text: str, groups: list[decisions.GroupRow], store: Any,
                 thumbs: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.thumbs = thumbs
        label = QLabel(text)
        label.setWordWrap(True)
        self.strip = QListWidget()
        self.strip.setViewMode(QListView.ViewMode.IconMode)
        self.strip.setFlow(QListView.Flow.LeftToRight)
        self.strip.setWrapping(True)
        self.strip.setResizeMode(QListView.ResizeMode.Adjust)
        self.strip.setMovement(QListView.Movement.Static)
        self.strip.setIconSize(QSize(ICON, ICON))
        self.strip.setGridSize(QSize(ICON + 64, ICON + 44))
        self.strip.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.strip.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.strip.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.strip.setWordWrap(False)
        self.strip.setAccessibleName("The groups this clean-up touches")
        self.items: dict[int, QListWidgetItem] = {}
        rows = store.files_by_ids([g.keeper for g in groups[:STRIP]])
        for g in groups[:STRIP]:
            r = rows.get(g.keeper)
            if r is None:
                continue
            word = "identical " if g.tier == "identical" else ""  # else the same content
            item = QListWidgetItem(f"{display_name(r.path)}\n{g.n - 1} "
                                   f"{word}{plural(g.n - 1, 'copy')}")
            item.setToolTip(f"Keeping {display_name(r.path)}; moving {g.n - 1} other "
                            f"{plural(g.n - 1, 'file')} of this group")
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
            self.strip.addItem(item)
            self.items[r.id] = item
            pix = thumbs.pixmap(r.id)
            if pix is None and not thumbs.failed(r.id):
                thumbs.request(r.id, r.hash, r.path, r.item().kind)
            elif pix is not None:
                item.setIcon(QIcon(pix))
        thumbs.changed.connect(self._thumb)
        more = len(groups) - STRIP
        tail = QLabel(f"… and {more} more {plural(more, 'group')}" if more > 0 else "")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Yes
                                   | QDialogButtonBox.StandardButton.Cancel)
        yes = buttons.button(QDialogButtonBox.StandardButton.Yes)
        yes.setText("Move to Trash")
        yes.setAutoDefault(False)
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setDefault(True)  # Enter does not move files
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(label)
        lay.addWidget(self.strip, 1)
        lay.addWidget(tail)
        lay.addWidget(buttons)
        self.resize(720, 460)
        cancel.setFocus()

    def _thumb(self, file_id: int) -> None:
        item = self.items.get(file_id)
        pix = self.thumbs.pixmap(file_id)
        if item is not None and pix is not None:
            item.setIcon(QIcon(pix))

    def done(self, result: int) -> None:
        self.thumbs.changed.disconnect(self._thumb)
        super().done(result)
