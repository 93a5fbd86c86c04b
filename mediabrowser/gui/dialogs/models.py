"""Models: what each one is good for, whether its weights are here, and getting them —
download (asks first, with the size), import a file you have (offline), or remove."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QThreadPool, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mediabrowser.core.driver import progress_text
from mediabrowser.core.embed import manager
from mediabrowser.core.embed.base import ModelSpec
from mediabrowser.core.embed.registry import all_specs
from mediabrowser.core.format import format_size
from mediabrowser.core.jobs.runner import Failure
from mediabrowser.gui.workers import GeneratorWorker, call_later

COLUMNS = ("Model", "Kind", "Size of vector", "State", "Runs on", "Licence", "Good for")


def _runs_on(spec: ModelSpec, ready: bool) -> str:
    """"ONNX Runtime · CPU" for a ready model; the engines it can use otherwise."""
    from mediabrowser.core.embed.device import pick_device
    from mediabrowser.core.embed.engine import ENGINE_NAMES, engines_of, planned

    if ready:
        try:
            where = pick_device()
        except ValueError:  # a device asked for that is not here: the CPU runs it
            where = "cpu"
        engine, device = planned(spec, where)
        if engine:
            return f"{ENGINE_NAMES[engine]} · {device}"
    return " or ".join(ENGINE_NAMES[e] for e in engines_of(spec))


def _obtainable(spec: ModelSpec) -> bool:
    """Whether fetching something makes the model run here: its weights need PyTorch, unless
    its ONNX graphs can be downloaded instead."""
    from mediabrowser.core.embed.engine import has_torch
    from mediabrowser.core.embed.graph_download import downloadable

    return has_torch() or downloadable(spec)


class ModelsDialog(QDialog):
    changed = Signal()  # weights appeared or went away

    def __init__(self, models_dir: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Models")
        self.models_dir = models_dir
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.worker: GeneratorWorker | None = None
        self.specs = [s for s in all_specs() if s.weights.kind != "none"
                      or not s.options.get("image_model")]
        self.table = QTableWidget(len(self.specs), len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.download_button = QPushButton("Download…")
        # A lambda: clicked(checked=False) would otherwise arrive as confirm=False.
        self.download_button.clicked.connect(lambda: self.download_selected())
        self.import_button = QPushButton("Import File…")
        self.import_button.clicked.connect(self.import_selected)
        self.remove_button = QPushButton("Remove Weights")
        self.remove_button.clicked.connect(self.remove_selected)
        self.cancel_button = QPushButton("Stop Download")
        self.cancel_button.clicked.connect(self.cancel_download)
        self.progress = QProgressBar()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setMinimumHeight(self.message.fontMetrics().lineSpacing() * 4)
        self.message.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QHBoxLayout()
        for b in (self.download_button, self.import_button, self.remove_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.progress)
        buttons.addWidget(self.cancel_button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table, 1)
        lay.addLayout(buttons)
        lay.addWidget(self.message)
        lay.addWidget(close)
        self.resize(1000, 560)
        self.refresh()
        self._set_downloading(False)

    def refresh(self) -> None:
        for row, spec in enumerate(self.specs):
            st = manager.status(spec, self.models_dir)
            values = (spec.name, spec.modality.value, str(spec.dim), st.state.value,
                      _runs_on(spec, st.state == manager.ModelState.READY), spec.licence,
                      spec.good_for)
            for col, text in enumerate(values):
                item = QTableWidgetItem(text)
                if col == 3:
                    item.setToolTip(st.detail)
                self.table.setItem(row, col, item)
        self._selection_changed()

    def selected(self) -> ModelSpec | None:
        rows = self.table.selectionModel().selectedRows()
        return self.specs[rows[0].row()] if rows else None

    def _selection_changed(self) -> None:
        spec = self.selected()
        st = manager.status(spec, self.models_dir) if spec else None
        is_file = bool(spec and spec.weights.kind == "file" and _obtainable(spec))
        ready = bool(st and st.state == manager.ModelState.READY)
        busy = self.worker is not None
        self.download_button.setEnabled(is_file and not ready and not busy)
        self.import_button.setEnabled(is_file and not busy)
        self.remove_button.setEnabled(is_file and ready and not busy)
        if spec and st:
            self.message.setText(f"<b>{spec.name}</b> — {spec.family}<br>{st.detail}")

    def select(self, name: str) -> None:
        for row, spec in enumerate(self.specs):
            if spec.name == name:
                self.table.selectRow(row)

    # ---- actions ----------------------------------------------------------------------------
    def download_selected(self, confirm: bool = True) -> None:
        """Asks once, with the size (from the server when the registry has none)."""
        spec = self.selected()
        if spec is None:
            return
        if not confirm:
            self._start_download(spec)
            return
        if spec.weights.size:
            self._ask_then_download(spec, spec.weights.size)
            return
        self.message.setText(f"Asking {spec.weights.url.split('/')[2]} for the size…")
        self.download_button.setEnabled(False)
        call_later(self.pool, lambda: manager.remote_size(spec),
                   lambda size: self._ask_then_download(spec, size),
                   lambda _err: self._ask_then_download(spec, None))

    def _ask_then_download(self, spec: ModelSpec, size: int | None) -> None:
        self._selection_changed()
        what = format_size(size) if size else "size not known: the server did not say; offline?"
        answer = QMessageBox.question(
            self, "Download model weights",
            f"Download the weights of {spec.name} ({what}) from\n{spec.weights.url}?\n\n"
            f"Licence: {spec.licence}")
        if answer == QMessageBox.StandardButton.Yes:
            self._start_download(spec)

    def _start_download(self, spec: ModelSpec) -> None:
        models_dir = self.models_dir
        worker = GeneratorWorker(lambda token: manager.download_job(spec, models_dir, token))
        worker.signals.progress.connect(self._progress)
        worker.signals.finished.connect(lambda _path: self._download_done(spec, None))
        worker.signals.failed.connect(lambda failure: self._download_done(spec, failure))
        self.worker = worker
        self._set_downloading(True)
        self.message.setText(f"Downloading {spec.name}…")
        self.pool.start(worker)

    def _progress(self, p: Any) -> None:
        if p.stage == "download":
            self.progress.setRange(0, max(1, p.total))
            self.progress.setValue(p.done)
            self.message.setText(progress_text(p))
        elif p.stage == "verify":
            self.message.setText("Checking the downloaded file…")

    def _download_done(self, spec: ModelSpec, failure: Failure | None) -> None:
        self.worker = None
        self._set_downloading(False)
        self.refresh()  # first: the table's states; then the message says what happened
        if failure is None:
            self.message.setText(f"{spec.name} is ready.")
            self.changed.emit()
        elif failure.cancelled:
            self.message.setText(f"The download of {spec.name} was cancelled.")
        else:
            self.message.setText(
                f"The download of {spec.name} stopped: {html.escape(str(failure))}.<br>"
                f"Offline? Get "
                f"<code>{spec.weights.url}</code> on another computer and use Import File…, "
                f"or put <code>{spec.weights.filename}</code> in the models folder.")

    def cancel_download(self) -> None:
        if self.worker is not None:
            self.worker.cancel()

    def import_selected(self) -> None:
        spec = self.selected()
        if spec is None:
            return
        path, _ = QFileDialog.getOpenFileName(self, f"Weights file for {spec.name}")
        if path:
            self.import_file(spec, Path(path))

    def import_file(self, spec: ModelSpec, path: Path, check_checksum: bool = True) -> bool:
        try:
            manager.import_weights(spec, path, self.models_dir, check_checksum=check_checksum)
        except Exception as exc:  # noqa: BLE001 - shown in the dialog
            self.message.setText(f"Could not import {html.escape(path.name)}: "
                                 f"{html.escape(str(exc))}")
            return False
        self.message.setText(f"{spec.name} is ready.")
        self.refresh()
        self.changed.emit()
        return True

    def remove_selected(self) -> None:
        spec = self.selected()
        if spec is None:
            return
        answer = QMessageBox.question(self, "Remove model weights",
                                      f"Delete the weights file of {spec.name}? Vectors already "
                                      "computed with it stay in your libraries.")
        if answer == QMessageBox.StandardButton.Yes:
            manager.remove_weights(spec, self.models_dir)
            self.refresh()
            self.changed.emit()

    def _set_downloading(self, on: bool) -> None:
        self.progress.setVisible(on)
        self.cancel_button.setVisible(on)
        self._selection_changed()

    def done(self, result: int) -> None:
        self.cancel_download()
        self.pool.waitForDone()
        super().done(result)
