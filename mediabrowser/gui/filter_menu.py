"""The "+ Filter" menu of the query bar: a folder, a date range, a size, an orientation, a
length, a camera, a file type; and each filter set as a chip's text with the filters left
when it is removed."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QInputDialog,
    QMenu,
    QWidget,
)

from mediabrowser.core.filters import ORIENTATIONS, FilterError, Filters, parse_date

ASK_CAMERAS = 12  # cameras listed in the menu; others are typed


class FilterMenu(QMenu):
    changed = Signal(object)  # the new Filters

    def __init__(self, bar: Any) -> None:
        super().__init__(bar)
        self.bar = bar  # .filters: the filters now set
        self.cameras: list[str] = []
        self.types: list[str] = []
        self.aboutToShow.connect(self._fill)

    def set_choices(self, cameras: list[str], types: list[str]) -> None:
        """The cameras and file types the library holds, most items first."""
        self.cameras, self.types = cameras, types

    @property
    def now(self) -> Filters:
        return self.bar.filters

    def _fill(self) -> None:
        self.clear()
        self.addAction("Folder…", self._ask_folder)
        self.addAction("Date Taken…", self._ask_dates)
        self.addAction("File Size…", self._ask_size)
        shape = self.addMenu("Orientation")
        for o in ORIENTATIONS:
            a = shape.addAction(o.capitalize(), partial(self.set, orientation=o))
            a.setCheckable(True)
            a.setChecked(self.now.orientation == o)
        self.addAction("Length…", self._ask_length)
        cams = self.addMenu("Camera")
        for name in self.cameras[:ASK_CAMERAS]:
            a = cams.addAction(name, partial(self.set, camera=name))
            a.setCheckable(True)
            a.setChecked(self.now.camera == name)
        if not self.cameras:
            cams.addAction("(no camera named in this library's photos)").setEnabled(False)
        cams.addSeparator()
        cams.addAction("Other…", self._ask_camera)
        kinds = self.addMenu("File Type")
        for ext in self.types[:20]:
            a = kinds.addAction(ext.upper(), partial(self._toggle_type, ext))
            a.setCheckable(True)
            a.setChecked(ext in self.now.types)
        self.addSeparator()
        clear = self.addAction("Clear All Filters", lambda: self.changed.emit(Filters()))
        clear.setEnabled(bool(self.now))

    def set(self, **changes: Any) -> None:
        self.changed.emit(replace(self.now, **changes))

    def _toggle_type(self, ext: str) -> None:
        types = [t for t in self.now.types if t != ext] if ext in self.now.types else \
            [*self.now.types, ext]
        self.set(types=tuple(types))

    # ---- questions ----------------------------------------------------------------------------
    def _ask_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.parentWidget(), "Only results in")
        if folder:
            self.set(folder=folder)

    def _ask_camera(self) -> None:
        text, ok = QInputDialog.getText(self.parentWidget(), "Camera",
                                        "Part of the camera's make or model:")
        if ok and text.strip():
            self.set(camera=text.strip())

    def _ask_dates(self) -> None:
        d = _RangeDialog(self.parentWidget(), "Date taken", self.now)
        if d.exec() == QDialog.DialogCode.Accepted:
            self.set(after=d.after(), before=d.before())

    def _ask_size(self) -> None:
        got = _ask_numbers(self.parentWidget(), "File size", "MB", self.now.min_size,
                           self.now.max_size, 1e6, 100_000)
        if got is not None:
            lo, hi = got
            self.set(min_size=int(lo) if lo is not None else None,
                     max_size=int(hi) if hi is not None else None)

    def _ask_length(self) -> None:
        got = _ask_numbers(self.parentWidget(), "Length (videos and sounds)", "s",
                           self.now.min_duration, self.now.max_duration, 1.0, 86_400)
        if got is not None:
            self.set(min_duration=got[0], max_duration=got[1])

    # ---- chips ------------------------------------------------------------------------------
    @staticmethod
    def chips(f: Filters) -> list[tuple[str, Filters]]:
        """(text, the filters without this one) for each filter set."""
        out: list[tuple[str, Filters]] = []
        day = "%Y-%m-%d"
        if f.folder:
            out.append((f"in {f.folder.rstrip('/').rpartition('/')[2] or f.folder}",
                        replace(f, folder=None)))
        if f.after is not None or f.before is not None:
            lo = time.strftime(day, time.localtime(f.after)) if f.after is not None else "…"
            hi = time.strftime(day, time.localtime(f.before - 1)) if f.before is not None \
                else "…"
            out.append((f"taken {lo} – {hi}", replace(f, after=None, before=None)))
        if f.min_size is not None or f.max_size is not None:
            out.append((_span(f.min_size, f.max_size, lambda n: f"{n / 1e6:g} MB"),
                        replace(f, min_size=None, max_size=None)))
        if f.min_width or f.min_height:
            out.append((f"≥ {f.min_width or 0}×{f.min_height or 0}",
                        replace(f, min_width=None, min_height=None)))
        if f.orientation:
            out.append((f.orientation, replace(f, orientation=None)))
        if f.min_duration is not None or f.max_duration is not None:
            out.append((_span(f.min_duration, f.max_duration, lambda s: f"{s:g} s"),
                        replace(f, min_duration=None, max_duration=None)))
        if f.camera:
            out.append((f"camera “{f.camera}”", replace(f, camera=None)))
        if f.types:
            shown = [t for t in f.types if not (t == "jpeg" and "jpg" in f.types)
                     and not (t == "tiff" and "tif" in f.types)]
            out.append((", ".join(t.upper() for t in shown), replace(f, types=())))
        return out


def _span(lo: float | None, hi: float | None, fmt: Callable[[float], str]) -> str:
    if lo is not None and hi is not None:
        return f"{fmt(lo)} – {fmt(hi)}"
    return f"≥ {fmt(lo)}" if lo is not None else f"≤ {fmt(hi)}"  # type: ignore[arg-type]


class _RangeDialog(QDialog):
    """From and to dates, each optional."""

    def __init__(self, parent: QWidget | None, title: str, now: Filters) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        form = QFormLayout(self)
        self.use_from, self.use_to = QCheckBox("From"), QCheckBox("Up to and including")
        self.from_edit, self.to_edit = QDateEdit(), QDateEdit()
        today = QDate.currentDate()
        for use, edit, value, back in ((self.use_from, self.from_edit, now.after, 365),
                                       (self.use_to, self.to_edit, now.before, 0)):
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setCalendarPopup(True)
            use.setChecked(value is not None)
            if value is not None:
                t = time.localtime(value - (1 if edit is self.to_edit else 0))
                edit.setDate(QDate(t.tm_year, t.tm_mon, t.tm_mday))
            else:
                edit.setDate(today.addDays(-back))
            form.addRow(use, edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def after(self) -> float | None:
        return _day(self.from_edit) if self.use_from.isChecked() else None

    def before(self) -> float | None:
        return _day(self.to_edit, end=True) if self.use_to.isChecked() else None


def _day(edit: QDateEdit, end: bool = False) -> float | None:
    try:
        return parse_date(edit.date().toString("yyyy-MM-dd"), end=end)
    except FilterError:
        return None


def _ask_numbers(parent: QWidget | None, title: str, unit: str, lo: float | None,
                 hi: float | None, scale: float, top: float
                 ) -> tuple[float | None, float | None] | None:
    """At least / at most, each optional, in `unit` (values are × scale)."""
    d = QDialog(parent)
    d.setWindowTitle(title)
    form = QFormLayout(d)
    rows = []
    for label, value in (("At least", lo), ("At most", hi)):
        use = QCheckBox(label)
        spin = QDoubleSpinBox()
        spin.setRange(0, top)
        spin.setDecimals(1)
        spin.setSuffix(f" {unit}")
        use.setChecked(value is not None)
        spin.setValue((value or 0) / scale)
        form.addRow(use, spin)
        rows.append((use, spin))
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                               | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(d.accept)
    buttons.rejected.connect(d.reject)
    form.addRow(buttons)
    if d.exec() != QDialog.DialogCode.Accepted:
        return None
    lo_v, hi_v = (spin.value() * scale if use.isChecked() else None for use, spin in rows)
    return lo_v, hi_v
