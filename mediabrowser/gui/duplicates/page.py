"""The Duplicates tab's widgets: what to look for, the groups, one group side by side, and
the clean-up buttons. The work behind them is in controller.py."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QProgressBar,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mediabrowser.gui.duplicates.compare import CompareView
from mediabrowser.gui.duplicates.group_model import ICON, GroupListModel

TIER_CHOICES = (("Same content", "same"), ("Identical files only", "identical"),
                ("Same content and similar", "similar"))
SCOPE_CHOICES = (("In the whole library", "all"), ("In one folder…", "folder"),
                 ("One folder against the reference folders…", "against"))


class DuplicatesPage(QWidget):
    def __init__(self, store: Any, thumbs: Any, open_file: Any,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.find_button = QPushButton("Find Duplicates")
        self.find_button.setToolTip("Look through the whole library for copies (the files are "
                                    "only read)")
        self.tier_box = QComboBox()
        for label, value in TIER_CHOICES:
            self.tier_box.addItem(label, value)
        self.tier_box.setToolTip(
            "Identical: the same bytes.\nSame content: also resized, re-encoded, cropped, "
            "turned, mirrored or converted copies.\nSimilar: also burst shots and near takes.")
        self.scope_box = QComboBox()
        for label, value in SCOPE_CHOICES:
            self.scope_box.addItem(label, value)
        self.scope_box.setToolTip(
            "Where to look: everywhere; only groups holding a file of one folder; or the files "
            "of one folder (a new import) compared only against the reference folders")
        self.reference_button = QToolButton()
        self.reference_button.setText("Reference Folders")
        self.reference_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.reference_menu = QMenu(self)
        self.reference_button.setMenu(self.reference_menu)
        self.reference_button.setToolTip("Copies in a reference folder are always the ones kept")
        self.marked_button = QPushButton("Marked Not Duplicates…")
        self.marked_button.setToolTip("Files you marked as not duplicates: see them, and take "
                                      "a mark back")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(200)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.hide()
        self.summary = QLabel("Find copies of the same photo, video or recording, and keep one.")
        self.summary.setWordWrap(True)
        self.trash_all_button = QPushButton("Trash All Extra Copies…")
        self.trash_all_button.setToolTip("Move every copy but the keeper of each identical or "
                                         "same-content group to the trash (asks first; similar "
                                         "groups are left to you)")
        self.undo_button = QPushButton("Undo")
        self.undo_button.setToolTip("Put back the files of the last clean-up, or take back the "
                                    "last \"not duplicates\" (Ctrl+Z)")
        # Narrow windows (half a 1920 px screen): the boxes shrink to a short text and the
        # summary wraps on a line of its own, so no row is wider than the buttons it holds.
        for box in (self.tier_box, self.scope_box):
            box.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(12)
        head = QHBoxLayout()
        for w in (self.find_button, self.tier_box, self.scope_box, self.reference_button,
                  self.progress,
                  self.cancel_button):
            head.addWidget(w)
        head.addStretch(1)
        said = QHBoxLayout()  # what was found, and what to do with all of it
        said.addWidget(self.summary, 1)
        said.addWidget(self.undo_button)
        said.addWidget(self.trash_all_button)

        self.groups_model = GroupListModel(store, thumbs, self)
        self.groups = QListView()
        self.groups.setModel(self.groups_model)
        self.groups.setIconSize(_size(ICON))
        self.groups.setUniformItemSizes(True)
        self.groups.setSpacing(2)
        self.groups.setMinimumWidth(220)
        self.groups.setWordWrap(False)
        self.groups.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.groups.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.groups.setAccessibleName("Duplicate groups")

        self.group_title = QLabel()
        self.group_title.setWordWrap(True)
        self.compare = CompareView(thumbs, open_file)
        self.trash_button = QPushButton("Move Others to Trash…")
        self.move_button = QPushButton("Move Others to Folder…")
        self.not_dup_button = QPushButton("Not Duplicates")
        self.not_dup_button.setToolTip("These files are not copies: never group them again")
        self.skip_button = QPushButton("Leave as They Are")
        self.skip_button.setToolTip("Go on to the next group; nothing is changed")
        actions = QGridLayout()  # two by two: the four fit a narrow window
        actions.setColumnStretch(0, 1)
        for i, b in enumerate((self.skip_button, self.not_dup_button, self.move_button,
                               self.trash_button)):
            actions.addWidget(b, i // 2, 1 + i % 2)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.group_title)
        rl.addLayout(actions)
        rl.addWidget(self.compare, 1)

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.groups, 1)
        ll.addWidget(self.marked_button)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 3)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(head)
        lay.addLayout(said)
        lay.addWidget(self.splitter, 1)
        self.undo_shortcut = QShortcut(QKeySequence.StandardKey.Undo, self)
        self.set_group_buttons(False)

    def set_group_buttons(self, enabled: bool) -> None:
        for b in (self.trash_button, self.move_button, self.not_dup_button, self.skip_button):
            b.setEnabled(enabled)

    def set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        for w in (self.find_button, self.tier_box, self.scope_box, self.compare):
            w.setEnabled(not busy)
        if busy:  # the listing is being replaced: decide on it once it is there
            self.set_group_buttons(False)


def _size(px: int) -> Any:
    from PySide6.QtCore import QSize

    return QSize(px, px)
