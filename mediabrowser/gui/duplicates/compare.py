"""One group side by side: a card per file with its picture, score, dimensions, size, date
and folder, which copy is kept (and why), and a button to open it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from mediabrowser.core.filenames import display, display_name
from mediabrowser.core.format import format_duration, format_size

CARD = 220  # px of a card's picture


def describe(row: Any) -> str:
    parts = []
    if row.width and row.height:
        parts.append(f"{row.width} × {row.height}")
    if row.duration:
        m, s = divmod(int(round(row.duration)), 60)
        parts.append(f"{m}:{s:02d}")
    parts.append(format_size(row.size))
    parts.append(time.strftime("%Y-%m-%d %H:%M", time.localtime(row.mtime)))
    return " · ".join(parts)


class MemberCard(QFrame):
    def __init__(self, row: Any, score: float, keeper: bool, identical: bool,
                 buttons: QButtonGroup, open_file: Callable[[str], None],
                 reason: str = "", part: tuple[float, float] | None = None) -> None:
        super().__init__()
        self.row = row
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFixedWidth(CARD + 24)
        self.picture = QLabel()
        self.picture.setFixedSize(CARD, CARD)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setStyleSheet("background: palette(base);")
        name = QLabel(f"<b>{_html(display_name(row.path))}</b>")
        name.setToolTip(display(row.path))
        name.setWordWrap(True)
        if keeper:
            how = "<b>kept</b>" + (f" ({reason})" if reason else "")
        elif part is not None:  # a clip cut from the kept video: where
            how = (f"<b>contained in</b> the kept video at {format_duration(part[0])}–"
                   f"{format_duration(part[1])} · score {score:.3f}")
            self.setToolTip("A clip of the kept video; bulk clean-up leaves it alone (a cut is "
                            "often made on purpose)")
        else:
            how = "the same bytes" if identical else f"score {score:.3f}"
        details = QLabel(f"{how}<br>{describe(row)}")
        details.setWordWrap(True)
        folder = QLabel(_html(display(row.path.rsplit('/', 1)[0])))
        folder.setToolTip(display(row.path))
        folder.setStyleSheet("color: gray;")
        folder.setWordWrap(True)
        self.keep = QRadioButton("Keep this one")
        self.keep.setChecked(keeper)
        buttons.addButton(self.keep, row.id)
        open_button = QPushButton("Open")
        open_button.setToolTip("Open with the default app")
        open_button.clicked.connect(lambda: open_file(row.path))
        foot = QHBoxLayout()
        foot.addWidget(self.keep, 1)
        foot.addWidget(open_button)
        lay = QVBoxLayout(self)
        lay.addWidget(self.picture)
        lay.addWidget(name)
        lay.addWidget(details)
        lay.addWidget(folder)
        lay.addStretch(1)
        lay.addLayout(foot)
        self.set_keeper(keeper)

    def set_pixmap(self, pix: QPixmap | None, failed: bool = False) -> None:
        if pix is None:
            self.picture.setText("no preview" if failed else "…")
            return
        self.picture.setPixmap(pix.scaled(CARD, CARD, Qt.AspectRatioMode.KeepAspectRatio,
                                          Qt.TransformationMode.SmoothTransformation))

    def set_keeper(self, keeper: bool) -> None:
        self.setStyleSheet("MemberCard { border: 2px solid palette(highlight); }" if keeper
                           else "")


class CompareView(QScrollArea):
    """The cards of one group in a row (scrolls sideways when they do not fit)."""

    keeper_chosen = Signal(int)  # file id

    def __init__(self, thumbs: Any, open_file: Callable[[str], None]) -> None:
        super().__init__()
        self.thumbs = thumbs
        self.open_file = open_file
        self.setWidgetResizable(True)
        self.cards: list[MemberCard] = []
        self.buttons = QButtonGroup(self)
        self.buttons.idClicked.connect(self._clicked)
        self.empty = QLabel("Press “Find Duplicates” to look for copies; nothing is changed "
                            "until you choose what to do with them.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color: gray;")
        self.setWidget(self.empty)
        thumbs.changed.connect(self._thumb_changed)

    def show_group(self, members: list[tuple[Any, float, bool]], keeper: int,
                   reason: str = "", parts: dict[int, tuple[float, float]] | None = None
                   ) -> None:
        """members: (file row, score, same bytes as the keeper); `parts`: clips contained in
        the keeper, and where."""
        for b in self.buttons.buttons():
            self.buttons.removeButton(b)
        inner = QWidget()
        row = QHBoxLayout(inner)
        row.setAlignment(Qt.AlignmentFlag.AlignLeft)
        self.cards = []
        old = self.takeWidget()
        if old is not None:
            old.deleteLater()  # not at once: a click on one of its cards may be under way
        for r, score, identical in members:
            card = MemberCard(r, score, r.id == keeper, identical, self.buttons, self.open_file,
                              reason, (parts or {}).get(r.id))
            pix = self.thumbs.pixmap(r.id)
            if pix is None and not self.thumbs.failed(r.id):
                self.thumbs.request(r.id, r.hash, r.path, r.item().kind)
            card.set_pixmap(pix, self.thumbs.failed(r.id))
            row.addWidget(card)
            self.cards.append(card)
        self.setWidget(inner)

    def clear(self) -> None:
        self.cards = []
        old = self.takeWidget()
        if old is not None:
            old.deleteLater()
        self.empty = QLabel("No groups to show. Press “Find Duplicates” to look again.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWidget(self.empty)

    def _clicked(self, file_id: int) -> None:
        for c in self.cards:
            c.set_keeper(c.row.id == file_id)
        self.keeper_chosen.emit(file_id)

    def _thumb_changed(self, file_id: int) -> None:
        for c in self.cards:
            if c.row.id == file_id:
                c.set_pixmap(self.thumbs.pixmap(file_id), self.thumbs.failed(file_id))


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
