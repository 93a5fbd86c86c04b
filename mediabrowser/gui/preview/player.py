"""Video and audio playback: one QMediaPlayer for the whole window (only one item plays at a
time), a QVideoWidget for video, a waveform with a play head for audio, a seek bar for both.
QtMultimedia is imported when the first video or sound is previewed, not at start-up."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QRectF, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from mediabrowser.core.format import format_duration
from mediabrowser.gui.preview.span_strip import SpanStrip


class WaveformView(QWidget):
    """Min/max envelope of a recording with the play head; a click seeks."""

    seek = Signal(float)  # fraction 0..1

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.envelope: np.ndarray | None = None
        self.position = 0.0
        self.marks: list[tuple[float, float]] = []  # parts that matched, as fractions
        self.setMinimumHeight(120)

    def set_envelope(self, env: np.ndarray | None) -> None:
        self.envelope = env
        self.update()

    def set_position(self, fraction: float) -> None:
        self.position = min(1.0, max(0.0, fraction))
        self.update()

    def set_marks(self, marks: list[tuple[float, float]]) -> None:
        self.marks = marks
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.seek.emit(event.position().x() / max(1, self.width()))

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(38, 42, 52))
        w, h = self.width(), self.height()
        mid = h / 2
        for a, b in self.marks:  # the part that matched the query, under the waveform
            p.fillRect(QRectF(a * w, 0, max(2.0, (b - a) * w), h), QColor(80, 70, 30))
        if self.envelope is not None and len(self.envelope):
            env = self.envelope
            head = int(self.position * w)
            for x in range(w):
                lo, hi = env[min(len(env) - 1, x * len(env) // max(1, w))]
                p.setPen(QColor(110, 190, 255) if x <= head else QColor(90, 120, 160))
                p.drawLine(x, int(mid - hi * (mid - 6)), x, int(mid - lo * (mid - 6)))
        else:
            p.setPen(QColor(150, 155, 165))
            p.drawText(QRectF(self.rect()), Qt.AlignmentFlag.AlignCenter, "reading waveform…")
        p.setPen(QColor(255, 210, 90))
        x = int(self.position * w)
        p.drawLine(x, 0, x, h)
        p.end()


class PlayerView(QWidget):
    """Video or audio with controls; `set_source` switches what plays."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.player: Any = None
        self.audio_out: Any = None
        self.video_widget: Any = None
        self.kind = ""
        self._start_ms = 0  # where the next source opens (a result's moment)
        self.screen_stack = QStackedWidget()
        self.waveform = WaveformView()
        self.waveform.seek.connect(self._seek_fraction)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setStyleSheet("color: #e8a33c; padding: 12px;")
        self.message.hide()
        self.play_button = QPushButton("Play")
        self.play_button.setObjectName("play")
        self.play_button.clicked.connect(self.toggle)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.sliderMoved.connect(self._seek_ms)
        self.time_label = QLabel("0:00 / 0:00")
        self.spans = SpanStrip()  # a video's matching parts, under its seek bar
        self.spans.seek.connect(self._seek_fraction)
        # The seek bar has a row of its own: a narrow preview pane must not squeeze it.
        seek_column = QVBoxLayout()
        seek_column.setSpacing(0)
        seek_column.addWidget(self.slider)
        seek_column.addWidget(self.spans)
        buttons = QHBoxLayout()
        buttons.addWidget(self.play_button)
        buttons.addStretch(1)
        buttons.addWidget(self.time_label)
        controls = QVBoxLayout()
        controls.setSpacing(2)
        controls.addLayout(seek_column)
        controls.addLayout(buttons)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.screen_stack, 1)
        lay.addWidget(self.message)
        lay.addLayout(controls)
        self.screen_stack.addWidget(self.waveform)
        # A video shows its poster frame before it plays and its last frame after, not black.
        self.poster = QLabel()
        self.poster.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.poster.setStyleSheet("background: black;")
        self.poster.setMinimumSize(1, 1)
        self._poster_image: QImage | None = None
        self.screen_stack.addWidget(self.poster)

    def _ensure_player(self) -> None:
        if self.player is not None:
            return
        from PySide6.QtCore import QLoggingCategory
        from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
        from PySide6.QtMultimediaWidgets import QVideoWidget

        # Qt's FFmpeg backend prints each file's streams ("Input #0, …") and its version on
        # stderr; the person's log needs neither. QT_LOGGING_RULES still turns them back on.
        QLoggingCategory.setFilterRules("qt.multimedia.ffmpeg*=false\n"
                                        "qt.multimedia.symbolsresolver=false")
        self.player = QMediaPlayer(self)
        self.audio_out = QAudioOutput(self)
        self.player.setAudioOutput(self.audio_out)
        self.video_widget = QVideoWidget()
        self.screen_stack.addWidget(self.video_widget)
        self.player.setVideoOutput(self.video_widget)
        self.player.positionChanged.connect(self._position)
        self.player.durationChanged.connect(self._duration)
        self.player.errorOccurred.connect(self._error)
        self.player.playbackStateChanged.connect(self._state)
        self.player.mediaStatusChanged.connect(self._media_status)

    @property
    def source(self) -> QUrl:
        return self.player.source() if self.player is not None else QUrl()

    def set_source(self, path: str, kind: str, envelope: np.ndarray | None = None,
                   moment: tuple[float, float] | None = None,
                   duration: float | None = None,
                   spans: list[tuple[float, float]] | None = None) -> None:
        """Play `path`; with `moment` (start, end in seconds) it opens at that part. Every
        part in `spans` (else the moment) is marked: on the waveform, or under a video's
        seek bar."""
        self._ensure_player()
        self.stop()
        self.kind = kind
        self._start_ms = int(moment[0] * 1000) if moment is not None else 0
        parts = list(spans or ([moment] if moment is not None else []))
        marks = [(a / duration, b / duration) for a, b in parts] if duration else []
        self.waveform.set_marks(marks)
        self.spans.set_marks(marks if kind == "video" else [])
        self.message.hide()
        self.slider.setRange(0, 0)
        self.time_label.setText("0:00 / 0:00")
        self._poster_image = None
        self.poster.clear()
        self.screen_stack.setCurrentWidget(self.poster if kind == "video" else self.waveform)
        self.waveform.set_envelope(envelope)
        self.waveform.set_position(0)
        self.player.setSource(QUrl.fromLocalFile(path))
        if not self.sound_output_available():
            self.message.setText("No sound output was found on this computer: this plays "
                                 "without sound.")
            self.message.show()

    @staticmethod
    def sound_output_available() -> bool:
        from PySide6.QtMultimedia import QMediaDevices

        return bool(QMediaDevices.audioOutputs())

    def set_poster(self, image: QImage) -> None:
        """The frame shown while the video is not playing."""
        self._poster_image = image
        self._show_poster_image()

    def _show_poster_image(self) -> None:
        if self._poster_image is None or self._poster_image.isNull():
            return
        pm = QPixmap.fromImage(self._poster_image).scaled(
            self.poster.size(), Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation)
        self.poster.setPixmap(pm)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._show_poster_image()

    def _media_status(self, status: Any) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

        if status == QMediaPlayer.MediaStatus.EndOfMedia and self.kind == "video":
            last = self.video_widget.videoSink().videoFrame().toImage()
            if not last.isNull():
                self._poster_image = last
            self._show_poster_image()
            self.screen_stack.setCurrentWidget(self.poster)

    def set_envelope(self, env: np.ndarray) -> None:
        self.waveform.set_envelope(env)

    def toggle(self) -> None:
        if self.player is None:
            return
        from PySide6.QtMultimedia import QMediaPlayer

        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
        else:
            self.player.play()

    def stop(self) -> None:
        if self.player is not None:
            self.player.stop()

    def clear(self) -> None:
        if self.player is not None:
            self.player.stop()
            self.player.setSource(QUrl())

    def _position(self, ms: int) -> None:
        if not self.slider.isSliderDown():
            self.slider.setValue(ms)
        dur = self.player.duration()
        self.time_label.setText(f"{format_duration(ms / 1000)} / {format_duration(dur / 1000)}")
        if dur > 0:
            self.waveform.set_position(ms / dur)

    def _duration(self, ms: int) -> None:
        self.slider.setRange(0, max(0, ms))
        self.time_label.setText(f"0:00 / {format_duration(ms / 1000)}")
        if self._start_ms and ms > 0 and self.player is not None:
            at = min(self._start_ms, ms)
            self._start_ms = 0
            self.player.setPosition(at)  # open at the part that matched
            self._position(at)  # shown at once: a stopped player may tell only when it plays

    def _seek_ms(self, ms: int) -> None:
        if self.player is not None:
            self.player.setPosition(ms)

    def _seek_fraction(self, fraction: float) -> None:
        if self.player is not None and self.player.duration() > 0:
            self.player.setPosition(int(fraction * self.player.duration()))

    def _state(self, state: Any) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

        playing = state == QMediaPlayer.PlaybackState.PlayingState
        self.play_button.setText("Pause" if playing else "Play")
        if playing and self.kind == "video":
            self.screen_stack.setCurrentWidget(self.video_widget)

    def _error(self, error: Any, text: str) -> None:
        if "Immediate exit requested" in text:
            return  # Qt cancelled opening the previous item because another was chosen
        reason = text or "unsupported format or missing codec"
        self.message.setText(f"This file can't be played here: {reason}")
        self.message.show()
