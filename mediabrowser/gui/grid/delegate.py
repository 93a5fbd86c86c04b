"""Paints one tile: thumbnail (or a placeholder until it arrives), a kind badge with duration,
the score for results, and the file name."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from mediabrowser.core.format import format_duration, format_score
from mediabrowser.gui.grid.model import CopiesRole, MomentRole, RowRole, ScoreRole, ThumbRole

KIND_LABEL = {"image": "PHOTO", "video": "VIDEO", "audio": "AUDIO"}
KIND_COLOUR = {"image": QColor(70, 130, 90), "video": QColor(170, 80, 60),
               "audio": QColor(70, 100, 170)}
KIND_GLYPH = {"image": "▧", "video": "▶", "audio": "♪"}
TEXT_HEIGHT = 20
PAD = 6


def elide_name(fm: QFontMetrics, name: str, width: int) -> str:
    """Shorten a file name to `width`, keeping its extension and, of the rest, as much of the
    start as of the end: "img0081.jpg" → "i…1.jpg", "chelsea_zoom.mp4" → "ch…m.mp4" — both
    the series number and the subject survive, which Qt's middle elision cuts away."""
    if fm.horizontalAdvance(name) <= width:
        return name
    stem, dot, ext = name.rpartition(".")
    ext = dot + ext if stem and len(ext) <= 5 else ""
    stem = name[: len(name) - len(ext)]
    best = "…"
    lo, hi = 1, len(stem) - 1
    while lo <= hi:  # the most characters of the stem that fit beside the extension
        n = (lo + hi) // 2
        head = (n + 1) // 2
        text = stem[:head] + "…" + stem[len(stem) - (n - head):] + ext
        if fm.horizontalAdvance(text) <= width:
            best, lo = text, n + 1
        else:
            hi = n - 1
    if best == "…" and fm.horizontalAdvance("…" + ext) <= width:
        best = "…" + ext
    return best

class TileDelegate(QStyledItemDelegate):
    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.tile = 160
        self._small = QFont()
        self._small.setPointSizeF(max(6.5, self._small.pointSizeF() * 0.75))
        self._small.setBold(True)

    def set_tile_size(self, px: int) -> None:
        self.tile = px

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        return QSize(self.tile, self.tile + TEXT_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        r: QRect = option.rect
        pal: QPalette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(pal.color(QPalette.ColorRole.Highlight))
            painter.drawRoundedRect(QRectF(r.adjusted(1, 1, -1, -1)), 6, 6)
        thumb = QRect(r.x() + PAD, r.y() + PAD, r.width() - 2 * PAD,
                      r.height() - 2 * PAD - TEXT_HEIGHT)
        row = index.data(RowRole)
        kind = row.kind if row is not None else "image"
        pm = index.data(ThumbRole)
        if isinstance(pm, QPixmap) and not pm.isNull():
            scaled = pm.scaled(thumb.size(), Qt.AspectRatioMode.KeepAspectRatio,
                               Qt.TransformationMode.SmoothTransformation)
            x = thumb.x() + (thumb.width() - scaled.width()) // 2
            y = thumb.y() + (thumb.height() - scaled.height()) // 2
            painter.drawPixmap(x, y, scaled)
            if row is not None and row.status == "offline":  # kept, but its drive is away
                painter.fillRect(QRect(x, y, scaled.width(), scaled.height()),
                                 QColor(30, 30, 36, 150))
                f = QFont(painter.font())
                f.setPointSizeF(max(10.0, thumb.height() / 5))
                painter.setFont(f)
                painter.setPen(QColor(235, 235, 240))
                painter.drawText(thumb, Qt.AlignmentFlag.AlignCenter, "⏏")
        else:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(60, 64, 72) if pm != "" else QColor(90, 60, 60))
            painter.drawRoundedRect(QRectF(thumb), 4, 4)
            painter.setPen(QColor(150, 155, 165))
            offline = row is not None and row.status == "offline"
            glyph = "⏏" if offline else ("⚠" if pm == "" else KIND_GLYPH.get(kind, "?"))
            f = QFont(painter.font())
            f.setPointSizeF(max(10.0, thumb.height() / 5))
            painter.setFont(f)
            painter.drawText(thumb, Qt.AlignmentFlag.AlignCenter, glyph)
        if row is not None:
            self._badge(painter, thumb, kind, row.duration, index.data(MomentRole))
        score = index.data(ScoreRole)
        if score is not None:
            self._score(painter, thumb, float(score))
        copies = index.data(CopiesRole)
        if copies:
            self._copies(painter, thumb, int(copies))
        painter.setFont(option.font)
        painter.setPen(pal.color(QPalette.ColorRole.HighlightedText if selected
                                 else QPalette.ColorRole.Text))
        text_rect = QRect(r.x() + PAD, r.bottom() - TEXT_HEIGHT - 2, r.width() - 2 * PAD,
                          TEXT_HEIGHT)
        name = index.data(Qt.ItemDataRole.DisplayRole) or ""
        elided = elide_name(painter.fontMetrics(), name, text_rect.width())
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignCenter, elided)
        painter.restore()

    def _badge(self, painter: QPainter, thumb: QRect, kind: str, duration: float | None,
               moment: tuple[float, float] | None = None) -> None:
        text = KIND_LABEL.get(kind, kind.upper())
        if moment is not None:  # a result that matched a part of its file: where
            text += f" {format_duration(moment[0])}–{format_duration(moment[1])}"
        elif kind != "image" and duration:
            text += " " + format_duration(duration)
        painter.setFont(self._small)
        fm = painter.fontMetrics()
        w, h = fm.horizontalAdvance(text) + 10, fm.height() + 2
        rect = QRectF(thumb.x() + 4, thumb.bottom() - h - 3, w, h)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(KIND_COLOUR.get(kind, QColor(90, 90, 90)))
        painter.drawRoundedRect(rect, 4, 4)
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    def _copies(self, painter: QPainter, thumb: QRect, n: int) -> None:
        """The copies a result tile stands for, top left: "+2 copies"."""
        text = f"+{n} cop{'y' if n == 1 else 'ies'}"
        painter.setFont(self._small)
        fm = painter.fontMetrics()
        w, h = fm.horizontalAdvance(text) + 10, fm.height() + 2
        rect = QRectF(thumb.x() + 3, thumb.y() + 3, w, h)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(40, 90, 160, 220))
        painter.drawRoundedRect(rect, 4, 4)
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    def _score(self, painter: QPainter, thumb: QRect, score: float) -> None:
        text = format_score(score)
        painter.setFont(self._small)
        fm = painter.fontMetrics()
        w, h = fm.horizontalAdvance(text) + 10, fm.height() + 2
        rect = QRectF(thumb.right() - w - 3, thumb.y() + 3, w, h)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(20, 20, 20, 200))
        painter.drawRoundedRect(rect, 4, 4)
        painter.setPen(QColor(255, 230, 120))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
