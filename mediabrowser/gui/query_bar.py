"""Above the results: what was asked, as chips (each example with its weight; "less like"
ones marked), words to add, and the filters, also as chips. Changing any of them asks again.

The bar holds values only; the search room turns them into a query."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from mediabrowser.core.examples import Example
from mediabrowser.core.filters import Filters
from mediabrowser.gui.filter_menu import FilterMenu

WEIGHTS = (0.5, 1.0, 2.0, 3.0)
MAX_CHIPS = 5  # examples shown as chips; the rest behind "+N more" (a map selection: 256)
MORE_STYLE = ("QToolButton { border: 1px solid #6a8fc7; border-radius: 9px; "
              "padding: 1px 14px 1px 6px; }")  # room on the right for the menu's arrow
LESS_STYLE = ("QToolButton { border: 1px dashed #c76a6a; border-radius: 9px; "
              "padding: 1px 14px 1px 6px; }")
FILTER_STYLE = "QToolButton { border: 1px solid #8a8a8a; border-radius: 9px; padding: 1px 6px; }"


def chip_text(e: Example, name: str | None = None) -> str:
    weight = "" if e.weight == 1.0 else f" ×{e.weight:g}"
    return f"{'− ' if e.negative else ''}{name or e.label()}{weight}"


class QueryBar(QWidget):
    examples_changed = Signal(list)  # list[Example]: the examples as the person left them
    filters_changed = Signal(object)  # Filters

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.examples: list[Example] = []
        self.filters = Filters()
        self.words_allowed = False
        self.filtering = True
        self.names: dict[int, str] = {}  # library id → file name, for the chips
        self._chips: list[QWidget] = []
        self.like_label = QLabel("Like:")
        self.words = QLineEdit()
        self.words.setPlaceholderText("+ words")
        self.words.setMaximumWidth(130)
        self.words.setToolTip("Add words to the query (a CLIP model reads them); write "
                              "“-words” for less like them")
        self.words.returnPressed.connect(self._add_words)
        self.filter_label = QLabel("Filters:")
        self.filter_menu = FilterMenu(self)
        self.filter_menu.changed.connect(self.set_filters_and_ask)
        self.add_filter = QToolButton()
        self.add_filter.setText("+ Filter")
        self.add_filter.setToolTip("Keep only results taken in a date range, in a folder, of "
                                   "a size, shape, length, camera or file type")
        self.add_filter.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.add_filter.setMenu(self.filter_menu)
        # the chips never make the window wider: what does not fit is cut at the right
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.setSpacing(4)
        self._redraw()

    # ---- what the search room sets ---------------------------------------------------------
    def show_query(self, examples: list[Example], words_allowed: bool,
                   names: dict[int, str], filtering: bool = True) -> None:
        """The chips of the query now shown (no signal); `names` of its library items;
        `filtering`: whether the filters apply (not to a set of items shown as it is)."""
        self.examples = list(examples)
        self.words_allowed = words_allowed
        self.names = names
        self.filtering = filtering
        self._redraw()

    def set_filters_and_ask(self, filters: Filters) -> None:
        self.filters = filters
        self._redraw()
        self.filters_changed.emit(filters)

    # ---- chips ------------------------------------------------------------------------------
    def _redraw(self) -> None:
        for w in self._chips:
            self.row.removeWidget(w)
            w.hide()  # at once: deleteLater waits for the event loop
            w.deleteLater()
        self._chips = []
        while self.row.count():
            self.row.takeAt(0)
        if self.examples:
            self.row.addWidget(self.like_label)
            for i, e in enumerate(self.examples[:MAX_CHIPS]):
                self._add_chip(self._example_chip(i, e))
            if len(self.examples) > MAX_CHIPS:
                self._add_chip(self._more_chip())
            self.row.addWidget(self.words)
        self.like_label.setVisible(bool(self.examples))
        self.words.setVisible(bool(self.examples) and self.words_allowed)
        self.row.addSpacing(8)
        self.row.addWidget(self.filter_label)
        self.row.addWidget(self.add_filter)  # first: never the one cut off at the right
        for text, cleared in self.filter_menu.chips(self.filters) if self.filtering else []:
            self._add_chip(self._filter_chip(text, cleared))
        self.row.addStretch(1)
        self.filter_label.setVisible(self.filtering)
        self.add_filter.setVisible(self.filtering)

    def _add_chip(self, chip: QWidget) -> None:
        self._chips.append(chip)
        self.row.addWidget(chip)

    def _example_chip(self, i: int, e: Example) -> QToolButton:
        b = QToolButton()
        name = self.names.get(e.file) if isinstance(e.file, int) else None
        b.setText(chip_text(e, name))
        b.setStyleSheet(LESS_STYLE if e.negative else MORE_STYLE)
        b.setToolTip(("Less like" if e.negative else "More like") + f" {name or e.label()}; "
                     "click to change its weight, turn it around or remove it")
        b.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(b)
        group = QActionGroup(menu)
        for w in WEIGHTS:
            a = QAction(f"Weight ×{w:g}", menu, checkable=True, checked=(w == e.weight))
            a.triggered.connect(lambda _c=False, w=w: self._change(i, replace(e, weight=w)))
            group.addAction(a)
            menu.addAction(a)
        menu.addSeparator()
        flip = menu.addAction("More Like This" if e.negative else "Less Like This")
        flip.triggered.connect(lambda: self._change(i, replace(e, negative=not e.negative)))
        gone = menu.addAction("Remove from the Query")
        gone.setEnabled(sum(not x.negative for x in self.examples) > 1 or e.negative)
        gone.triggered.connect(lambda: self._change(i, None))
        b.setMenu(menu)
        return b

    def _more_chip(self) -> QToolButton:
        """The examples past MAX_CHIPS, in a menu: each can be taken out of the query."""
        b = QToolButton()
        rest = self.examples[MAX_CHIPS:]
        b.setText(f"+{len(rest)} more")
        b.setStyleSheet(MORE_STYLE)
        b.setToolTip("The other examples of this query; choose one to take it out")
        b.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(b)
        for i, e in enumerate(rest[:200], start=MAX_CHIPS):
            name = self.names.get(e.file) if isinstance(e.file, int) else None
            menu.addAction(f"Remove {chip_text(e, name)}", partial(self._change, i, None))
        b.setMenu(menu)
        return b

    def _filter_chip(self, text: str, cleared: Filters) -> QToolButton:
        b = QToolButton()
        b.setText(f"{text}  ✕")
        b.setStyleSheet(FILTER_STYLE)
        b.setToolTip(f"Results {text}; click to remove this filter")
        b.clicked.connect(lambda: self.set_filters_and_ask(cleared))
        return b

    def _change(self, i: int, e: Example | None) -> None:
        examples = list(self.examples)
        if e is None:
            del examples[i]
        else:
            examples[i] = e
        if any(not x.negative for x in examples):
            self.examples_changed.emit(examples)

    def _add_words(self) -> None:
        text = self.words.text().strip()
        if not text or not self.examples:
            return
        negative = text.startswith("-")
        words = text.lstrip("-").strip()
        if words:
            self.words.clear()
            self.examples_changed.emit([*self.examples, Example(text=words,
                                                                negative=negative)])

    def add_example(self, e: Example) -> None:
        """Another example for the query shown ("Less Like This" on a result)."""
        if self.examples and e not in self.examples:
            self.examples_changed.emit([*self.examples, e])

    def clear_filters(self) -> None:
        if self.filters:
            self.set_filters_and_ask(Filters())
