"""The preview pane: a photo, a playing video or sound, and what we know about the item."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from mediabrowser.core.filenames import display, display_name, openable_alias
from mediabrowser.core.format import format_duration, format_score, format_size
from mediabrowser.core.store.repo import FileRow
from mediabrowser.gui.preview.image import ImageView
from mediabrowser.gui.preview.player import PlayerView
from mediabrowser.gui.workers import call_later

PREVIEW_SIDE = 2048  # decode photos only as large as a screen can show


def _load_preview_image(path: str) -> QImage:
    from mediabrowser.core.media.decode import load_image

    im = load_image(path, min_side=PREVIEW_SIDE)
    im.thumbnail((PREVIEW_SIDE * 2, PREVIEW_SIDE * 2))
    data = im.tobytes("raw", "RGB")
    return QImage(data, im.width, im.height, im.width * 3, QImage.Format.Format_RGB888).copy()


def _load_envelope(path: str, duration: float | None) -> Any:
    from mediabrowser.core.media.thumbs import waveform_overview

    return waveform_overview(path, 1200, duration)


def _load_poster(path: str, at: float | None = None) -> QImage:
    """The video's poster frame, or its frame at `at` seconds (where a moment opens)."""
    from mediabrowser.core.media.decode import video_poster

    if at is not None:
        from mediabrowser.core.media.frames import frame_at

        im = frame_at(path, at, PREVIEW_SIDE)
    else:
        im = video_poster(path, PREVIEW_SIDE // 2)
    data = im.tobytes("raw", "RGB")
    return QImage(data, im.width, im.height, im.width * 3, QImage.Format.Format_RGB888).copy()


class PreviewPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.stack = QStackedWidget()
        self.empty = QLabel("Select an item to preview it.\nSpace opens the preview.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color: gray;")
        self.image = ImageView()
        self.player = PlayerView()
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.problem.setStyleSheet("color: #e8a33c; padding: 12px;")
        for w in (self.empty, self.image, self.player, self.problem):
            self.stack.addWidget(w)
        self.meta = QLabel()
        self.meta.setWordWrap(True)
        self.meta.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.meta.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        lay = QVBoxLayout(self)
        lay.addWidget(self.stack, 1)
        lay.addWidget(self.meta)
        self.current: FileRow | None = None
        self._ticket = 0

    def show_item(self, row: FileRow | None, score: float | None = None,
                  model: str | None = None, moment: tuple[float, float] | None = None,
                  spans: list[tuple[float, float]] | None = None) -> None:
        """Show a file; `moment` (start, end): the part of it that matched, where it opens;
        `spans`: every part that matches about as well (marked under the seek bar)."""
        self._ticket += 1
        ticket = self._ticket
        self.player.stop()
        self.current = row
        if row is None:
            self.stack.setCurrentWidget(self.empty)
            self.meta.clear()
            return
        self.meta.setText(self._describe(row, score, model))
        if moment is not None:
            self.meta.setText(self.meta.text() + f"<br>matched from {format_duration(moment[0])}"
                              f" to {format_duration(moment[1])} (it opens there)")
        if row.status == "offline":
            self._show_problem("its folder is not found (a drive unplugged?); it comes back "
                               "when the folder does")
            return
        if row.status == "error":
            self._show_problem(row.error or "this file could not be read")
            return
        if row.kind == "image":
            self.image.clear()
            self.stack.setCurrentWidget(self.image)
            call_later(self.pool, lambda: _load_preview_image(row.path),
                       lambda img: self._image_ready(ticket, img, row.path),
                       lambda err: self._failed(ticket, err))
        else:
            self.stack.setCurrentWidget(self.player)
            self.player.set_source(openable_alias(row.path), row.kind, moment=moment,
                                   duration=row.duration, spans=spans)
            if row.kind == "audio":
                call_later(self.pool, lambda: _load_envelope(row.path, row.duration),
                           lambda env: self._envelope_ready(ticket, env),
                           lambda err: None)
            else:
                at = moment[0] if moment is not None else None
                call_later(self.pool, lambda: _load_poster(row.path, at),
                           lambda img: self._poster_ready(ticket, img),
                           lambda err: None)

    def update_details(self, score: float | None, model: str | None) -> None:
        """The same item seen in another view: its score and model as that view has them."""
        if self.current is not None:
            self.meta.setText(self._describe(self.current, score, model))

    def _image_ready(self, ticket: int, img: QImage, path: str) -> None:
        if ticket == self._ticket:
            self.image.set_image(img, path)

    def _poster_ready(self, ticket: int, img: QImage) -> None:
        if ticket == self._ticket:
            self.player.set_poster(img)

    def _envelope_ready(self, ticket: int, env: Any) -> None:
        if ticket == self._ticket:
            self.player.set_envelope(env)

    def _failed(self, ticket: int, reason: str) -> None:
        if ticket == self._ticket:
            self._show_problem(reason)

    def _show_problem(self, reason: str) -> None:
        self.problem.setText(f"Can't show this file: {reason}")
        self.stack.setCurrentWidget(self.problem)

    @staticmethod
    def _describe(row: FileRow, score: float | None, model: str | None) -> str:
        parts = [f"<b>{html.escape(display_name(row.path))}</b>", html.escape(display(row.path)),
                 format_size(row.size)]
        if row.width and row.height:
            parts.append(f"{row.width} × {row.height}")
        if row.duration:
            parts.append(f"duration {format_duration(row.duration)}")
        if model:
            parts.append(f"model {model}")
        if score is not None:
            parts.append(f"score {format_score(score, tile=False)}")
        if row.status == "error":
            parts.append(f"<span style='color:#e8a33c'>⚠ {row.error}</span>")
        return "<br>".join(parts)

    def shutdown(self) -> None:
        self.player.clear()
        self.pool.clear()
        self.pool.waitForDone()
