"""The map's drawing surface: pan (drag), zoom (wheel, about the mouse), hover, rectangle and
lasso selection, cluster names to click, thumbnails once few enough points are in view.
It holds the map's arrays only; what a row is (file, path) the page asks the store for."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
    QWheelEvent,
)
from PySide6.QtWidgets import QWidget

from mediabrowser.gui.map import raster

THUMBS_AT = 400  # thumbnails once at most this many points are in view
ROUND_DOTS = 1500  # round dots drawn one by one when at most this many are in view
THUMB = 64
HOVER_PX = 8
SELECTED = np.uint32(0xFFFFFFFF)
LINKED = np.uint32(0xFFFFD400)


@dataclass
class Label:
    """A cluster's name where it is drawn (data coordinates of its representative)."""

    cluster: int
    name: str
    x: float
    y: float
    size: int


class MapCanvas(QWidget):
    hovered = Signal(int)  # the row under the mouse, -1 for none
    activated = Signal(int)  # a row double-clicked
    selection_changed = Signal()
    context_requested = Signal(object)  # a global QPoint

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setMinimumSize(320, 240)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.xy = np.zeros((0, 2), np.float32)
        self.cluster = np.zeros(0, np.int32)
        self.colour = np.zeros(0, np.uint32)
        self.labels: list[Label] = []
        self.selected = np.zeros(0, bool)
        self.linked = np.zeros(0, bool)  # selected in the grid or the results
        self.grid = raster.PointGrid(self.xy)
        self._overview: QImage | None = None
        self._overviews: dict[int, QImage] = {}
        self._ov_box = (np.zeros(2), np.ones(2))
        self.cx = self.cy = 0.0
        self.scale = 1.0  # pixels per map unit
        self.tool = "pan"  # "pan", "rect" or "lasso"
        self.thumb: Callable[[int], QPixmap | None] = lambda _row: None
        self._drag: QPointF | None = None
        self._path: list[QPointF] = []
        self._hover = -1
        self._label_rects: list[tuple[QRectF, int]] = []
        self.last_paint_ms = 0.0
        self.visible_count = 0

    # ---- what is shown ----------------------------------------------------------------------
    def set_points(self, xy: np.ndarray | raster.Prepared, cluster: np.ndarray | None = None,
                   labels: list[Label] | None = None, keep_view: bool = False) -> None:
        """Show a map: its points and clusters, or what raster.Prepared made of them on
        another thread (then nothing heavy runs here)."""
        ready = xy if isinstance(xy, raster.Prepared) else raster.Prepared(
            xy, cluster if cluster is not None else np.full(len(xy), -1, np.int32))
        keep_view = keep_view and len(self.xy) > 0  # the same map, updated: stay where it is
        self.xy = ready.xy
        self.cluster = ready.cluster
        self.colour = ready.colour
        self.labels = sorted(labels or [], key=lambda label: -label.size)
        self.selected = np.zeros(len(self.xy), bool)
        self.linked = np.zeros(len(self.xy), bool)
        self.grid = ready.grid
        self._ov_box = ready.box
        self._overviews = {size: QImage(img.data, size, size, 4 * size,
                                        QImage.Format.Format_ARGB32).copy()
                           for size, img in ready.overviews.items()}
        self._overview = self._overviews[raster.OVERVIEW]
        self._hover = -1
        if not keep_view:
            self.fit()
        self.update()

    def fit(self, rows: np.ndarray | None = None) -> None:
        """Show every point (or these rows) with a margin."""
        pts = self.xy if rows is None or not len(rows) else self.xy[rows]
        if not len(pts):
            self.cx = self.cy = 0.0
            self.scale = 1.0
            return
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        self.cx, self.cy = float(lo[0] + hi[0]) / 2, float(lo[1] + hi[1]) / 2
        room = 2 * THUMB  # thumbnails stand out half their size around the points
        self.scale = min(max(self.width() - room, 40) / max(float(hi[0] - lo[0]), 1e-3),
                         max(self.height() - room, 40) / max(float(hi[1] - lo[1]), 1e-3))
        if len(pts) == 1:
            self.scale = 40.0
        self.update()

    def set_selected(self, mask: np.ndarray) -> None:
        self.selected = mask
        self.update()
        self.selection_changed.emit()

    def set_linked(self, rows: np.ndarray) -> None:
        self.linked = np.zeros(len(self.xy), bool)
        self.linked[rows] = True
        self.update()

    def selected_rows(self) -> np.ndarray:
        return np.flatnonzero(self.selected)

    # ---- coordinates ------------------------------------------------------------------------
    def to_screen(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        px = (x - self.cx) * self.scale + self.width() / 2
        py = self.height() / 2 - (y - self.cy) * self.scale
        return px, py

    def to_map(self, p: QPointF) -> tuple[float, float]:
        return (self.cx + (p.x() - self.width() / 2) / self.scale,
                self.cy - (p.y() - self.height() / 2) / self.scale)

    def view_box(self) -> tuple[float, float, float, float]:
        x0, y1 = self.to_map(QPointF(0, 0))
        x1, y0 = self.to_map(QPointF(self.width(), self.height()))
        return x0, y0, x1, y1

    def zoom_by(self, factor: float, about: QPointF | None = None) -> None:
        about = about or QPointF(self.width() / 2, self.height() / 2)
        mx, my = self.to_map(about)
        self.scale = float(np.clip(self.scale * factor, 1e-4, 1e7))
        nx, ny = self.to_map(about)
        self.cx += mx - nx
        self.cy += my - ny
        self.update()

    def pan_by(self, dx: float, dy: float) -> None:
        self.cx -= dx / self.scale
        self.cy += dy / self.scale
        self.update()

    # ---- drawing ----------------------------------------------------------------------------
    def paintEvent(self, _event: object) -> None:
        t0 = time.perf_counter()
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(24, 26, 30))
        if len(self.xy) and self._overview is not None:
            self._draw_points(p)
            self._draw_labels(p)
        self._draw_tool(p)
        p.end()
        self.last_paint_ms = (time.perf_counter() - t0) * 1000

    def _draw_points(self, p: QPainter) -> None:
        w, h = self.width(), self.height()
        overview = self._overview
        assert overview is not None
        lo, hi = self._ov_box
        texel = float(max(hi[0] - lo[0], hi[1] - lo[1])) / raster.OVERVIEW
        rows = self.grid.rows_in(*self.view_box())
        self.visible_count = len(rows)
        if self.scale * texel <= 1.5 and len(rows) > THUMBS_AT:
            # an overview picture is sharp enough: the part in view of the one whose pixels
            # are about the screen's (finer ones would lose points when scaled down)
            size = next((s for s in raster.LEVELS
                         if self.scale * texel * raster.OVERVIEW / s >= 0.75), raster.LEVELS[-1])
            overview = self._overviews[size]
            sx = (self.cx - w / 2 / self.scale - lo[0]) / (hi[0] - lo[0]) * size
            sy = (hi[1] - (self.cy + h / 2 / self.scale)) / (hi[1] - lo[1]) * size
            sw = w / self.scale / (hi[0] - lo[0]) * size
            sh = h / self.scale / (hi[1] - lo[1]) * size
            p.drawImage(QRectF(0, 0, w, h), overview, QRectF(sx, sy, sw, sh))
            marks = self._marked(rows)
        else:
            marks = rows
        if len(marks):
            px, py = self.to_screen(self.xy[marks, 0], self.xy[marks, 1])
            colour = self.colour[marks]
            colour = np.where(self.linked[marks], LINKED, colour)
            colour = np.where(self.selected[marks], SELECTED, colour)
            if len(marks) <= ROUND_DOTS:
                self._draw_round(p, px, py, colour)
            else:
                img = raster.points(px.astype(np.int64), py.astype(np.int64), colour, w, h, 3)
                ih, iw = img.shape
                p.drawImage(QRectF(0, 0, iw * 3, ih * 3),
                            QImage(img.data, iw, ih, 4 * iw, QImage.Format.Format_ARGB32))
        if len(rows) <= THUMBS_AT:
            self._draw_thumbs(p, rows)
        if self._hover >= 0:
            hx, hy = self.to_screen(self.xy[self._hover, 0], self.xy[self._hover, 1])
            p.setPen(QPen(QColor("white"), 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawEllipse(QPointF(float(hx), float(hy)), 7, 7)

    def _draw_round(self, p: QPainter, px: np.ndarray, py: np.ndarray,
                    colour: np.ndarray) -> None:
        """Few points: each a round dot, drawn one by one."""
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(QPen(QColor(0, 0, 0, 160), 1))
        for x, y, c in zip(px.tolist(), py.tolist(), colour.tolist(), strict=True):
            p.setBrush(QColor.fromRgba(int(c)))
            p.drawEllipse(QPointF(x, y), 4.0, 4.0)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)

    def _marked(self, rows: np.ndarray) -> np.ndarray:
        """Of the rows in view, those drawn over the overview (selected or linked)."""
        if not self.selected.any() and not self.linked.any():
            return np.zeros(0, np.int64)
        return rows[self.selected[rows] | self.linked[rows]]

    def _draw_thumbs(self, p: QPainter, rows: np.ndarray) -> None:
        """A thumbnail per point in view where it does not cover one already drawn."""
        px, py = self.to_screen(self.xy[rows, 0], self.xy[rows, 1])
        taken: set[tuple[int, int]] = set()
        cell = THUMB // 2
        for row, x, y in zip(rows.tolist(), px.tolist(), py.tolist(), strict=True):
            key = (int(x) // cell, int(y) // cell)
            if key in taken or not (0 <= x < self.width() and 0 <= y < self.height()):
                continue
            pm = self.thumb(row)
            if pm is None or pm.isNull():
                continue
            taken.update({(key[0] + a, key[1] + b) for a in (-1, 0, 1) for b in (-1, 0, 1)})
            fitted = pm.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                               Qt.TransformationMode.SmoothTransformation)
            r = QRect(int(x - fitted.width() / 2), int(y - fitted.height() / 2),
                      fitted.width(), fitted.height())
            p.drawPixmap(r, fitted)
            ring = QColor.fromRgba(int(SELECTED if self.selected[row] else self.colour[row]))
            p.setPen(QPen(ring, 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(r)

    def _draw_labels(self, p: QPainter) -> None:
        self._label_rects = []
        fm = p.fontMetrics()
        placed: list[QRectF] = []
        for lab in self.labels:
            x, y = self.to_screen(np.array(lab.x), np.array(lab.y))
            text = f"{lab.name} ({lab.size:,})"
            r = QRectF(float(x) - fm.horizontalAdvance(text) / 2 - 5, float(y) - 26,
                       fm.horizontalAdvance(text) + 10, fm.height() + 6)
            if not QRectF(self.rect()).contains(r) or any(r.intersects(o) for o in placed):
                continue
            placed.append(r)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(0, 0, 0, 170))
            p.drawRoundedRect(r, 4, 4)
            p.setPen(QColor.fromRgba(int(raster.PALETTE[lab.cluster % len(raster.PALETTE)])))
            p.drawText(r, Qt.AlignmentFlag.AlignCenter, text)
            self._label_rects.append((r, lab.cluster))

    def _draw_tool(self, p: QPainter) -> None:
        if len(self._path) < 2:
            return
        p.setPen(QPen(QColor(255, 255, 255, 220), 1, Qt.PenStyle.DashLine))
        p.setBrush(QColor(255, 255, 255, 30))
        if self.tool == "rect":
            p.drawRect(QRectF(self._path[0], self._path[-1]).normalized())
        else:
            p.drawPolygon(QPolygonF(self._path))

    # ---- the mouse --------------------------------------------------------------------------
    def label_at(self, pos: QPointF) -> int:
        return next((c for r, c in self._label_rects if r.contains(pos)), -1)

    def mousePressEvent(self, e: QMouseEvent) -> None:
        if e.button() == Qt.MouseButton.RightButton:
            self.context_requested.emit(e.globalPosition().toPoint())
            return
        if e.button() != Qt.MouseButton.LeftButton:
            return
        cluster = self.label_at(e.position())
        if cluster >= 0:  # a cluster's name: select the cluster
            self.set_selected(self._combine(self.cluster == cluster, e))
            return
        tool = "pan" if e.modifiers() & Qt.KeyboardModifier.AltModifier else self.tool
        if tool == "pan":
            self._drag = e.position()
        else:
            self._path = [e.position()]

    def mouseMoveEvent(self, e: QMouseEvent) -> None:
        if self._drag is not None:
            d = e.position() - self._drag
            self._drag = e.position()
            self.pan_by(d.x(), d.y())
            return
        if self._path:
            if self.tool == "rect":
                self._path = [self._path[0], e.position()]
            else:
                self._path.append(e.position())
            self.update()
            return
        x, y = self.to_map(e.position())
        row = self.grid.nearest(x, y, HOVER_PX / self.scale)
        if row != self._hover:
            self._hover = row
            self.update()
            self.hovered.emit(row)

    def mouseReleaseEvent(self, e: QMouseEvent) -> None:
        if self._drag is not None:
            self._drag = None
            return
        if not self._path:
            return
        path, self._path = self._path, []
        if len(path) >= 2:
            self.set_selected(self._combine(self._inside(path), e))
        elif self._hover >= 0:  # a click on a point selects it
            one = np.zeros(len(self.xy), bool)
            one[self._hover] = True
            self.set_selected(self._combine(one, e))
        self.update()

    def mouseDoubleClickEvent(self, e: QMouseEvent) -> None:
        if self._hover >= 0:
            self.activated.emit(self._hover)

    def leaveEvent(self, _e: object) -> None:
        if self._hover >= 0:
            self._hover = -1
            self.update()
            self.hovered.emit(-1)

    def wheelEvent(self, e: QWheelEvent) -> None:
        steps = e.angleDelta().y() / 120
        self.zoom_by(1.25 ** steps, e.position())

    def _combine(self, mask: np.ndarray, e: QMouseEvent) -> np.ndarray:
        """Shift adds to the selection, Ctrl takes away, else it is replaced."""
        mods = e.modifiers()
        if mods & Qt.KeyboardModifier.ShiftModifier and len(self.selected) == len(mask):
            return self.selected | mask
        if mods & Qt.KeyboardModifier.ControlModifier and len(self.selected) == len(mask):
            return self.selected & ~mask
        return mask

    def _inside(self, path: list[QPointF]) -> np.ndarray:
        """The points inside a dragged rectangle or lasso (in view)."""
        mask = np.zeros(len(self.xy), bool)
        rows = self.grid.rows_in(*self.view_box())
        if not len(rows):
            return mask
        px, py = self.to_screen(self.xy[rows, 0], self.xy[rows, 1])
        if self.tool == "rect":
            r = QRectF(path[0], path[-1]).normalized()
            hit = (px >= r.left()) & (px <= r.right()) & (py >= r.top()) & (py <= r.bottom())
        else:  # the lasso filled into a mask the size of the view, looked up per point
            w, h = self.width(), self.height()
            img = QImage(w, h, QImage.Format.Format_Grayscale8)
            img.fill(0)
            qp = QPainter(img)
            poly = QPainterPath()
            poly.addPolygon(QPolygonF(path))
            qp.fillPath(poly, QColor(255, 255, 255))
            qp.end()
            bits = np.frombuffer(img.constBits(), np.uint8).reshape(h, img.bytesPerLine())[:, :w]
            ix, iy = px.astype(np.int64), py.astype(np.int64)
            ok = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
            hit = np.zeros(len(rows), bool)
            hit[ok] = bits[iy[ok], ix[ok]] > 0
        mask[rows[hit]] = True
        return mask
