"""The window's indexing room: importing folders, the one background indexing job at a time
(queued paths follow it), its progress, pause and cancel in the status bar, and resuming a run
that was cut short. A mixin over the main window's state."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog

from mediabrowser.core.driver import progress_text
from mediabrowser.core.format import count
from mediabrowser.core.jobs.runner import Failure
from mediabrowser.core.types import Progress
from mediabrowser.gui.library_owner import Changes
from mediabrowser.gui.window_parts import WindowParts
from mediabrowser.gui.workers import GeneratorWorker

REFRESH_SECONDS = 1.5  # how often the grid looks for new items while indexing


def start_folder() -> str:
    """Where "Add Folder…" opens: the Pictures folder, else home (never the working folder)."""
    import os
    from pathlib import Path

    from PySide6.QtCore import QStandardPaths

    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    return pictures if pictures and os.path.isdir(pictures) else str(Path.home())


class IndexingController(WindowParts):
    """Indexing, for MainWindow (which provides the widgets and the library it uses)."""

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder to the library",
                                                  start_folder())
        if folder:
            self.add_paths([folder])

    def add_paths(self, paths: list[str]) -> None:
        paths = [p for p in paths if p]
        if not paths:
            return
        if self.worker is not None:
            self.pending_paths.extend(paths)
            self.status_text.setText(f"Queued {count(len(paths), 'item')}; they follow the "
                                     "current work.")
            return
        self.start_indexing(paths)

    def rescan(self) -> None:
        roots = self.lib.store.roots()
        if roots:
            self.add_paths(roots)

    def start_indexing(self, paths: list[str]) -> None:
        from mediabrowser.core.jobs.runner import index_library_job

        folder = self.library_dir
        worker = GeneratorWorker(lambda token: index_library_job(folder, paths, token))
        worker.signals.progress.connect(self._on_progress)
        worker.signals.finished.connect(self._on_finished)
        worker.signals.failed.connect(self._on_failed)
        self.worker = worker
        self._job_problems_seen = 0  # the files listed already stay listed
        self._set_busy(True)
        self.status_text.setText("Looking for media…")
        self.center.setCurrentWidget(self.tabs)
        self.jobs_pool.start(worker)

    def _maybe_resume(self) -> None:
        """A run that was cancelled or cut short (window closed, app killed) goes on."""
        job = self.lib.store.last_job()
        roots = self.lib.store.roots()
        if job and job["state"] != "done" and roots:
            self.status_text.setText("Resuming the indexing that was interrupted…")
            QTimer.singleShot(0, lambda: self.add_paths(roots))

    def _on_progress(self, p: Progress) -> None:
        if self._closing:
            return
        for prob in p.errors[self._job_problems_seen:]:
            self.problems_dock.add(prob)
        self._job_problems_seen = max(self._job_problems_seen, len(p.errors))
        if p.stage == "scan":
            self.progress.setRange(0, 0)
            self.status_text.setText(progress_text(p))
        elif p.stage in ("probe", "embed"):
            self.progress.setRange(0, max(1, p.total))
            self.progress.setValue(p.done)
            paused = bool(self.worker and self.worker.paused)
            self.status_text.setText(progress_text(p, paused))
        now = time.monotonic()
        if now - self._last_refresh > REFRESH_SECONDS:
            self.refresh_listing(if_count_changed=True)
        if (p.stage == "embed" and self.history_pos >= 0
                and now - self._last_results_refresh > 3 * REFRESH_SECONDS):
            self._last_results_refresh = now
            self.rerun_query(keep_position=True)

    def _on_finished(self, report: Any) -> None:
        if self._closing:
            return
        self.worker = None
        self._set_busy(False)
        changes = Changes(files=True, vectors=True)
        if report is not None:
            from mediabrowser.core.jobs.pipeline import summary

            self._job_problems_seen = 0
            text = summary(report)  # str.capitalize() would lower "ONNX Runtime" and names
            self.status_text.setText(text[:1].upper() + text[1:])
            changes = Changes(files=True, vectors=True,
                              pictures=bool(report.changed or report.moved),
                              problems=tuple(report.problems))
        self.owner.announce(changes)
        self.indexing_finished.emit(report)
        if self.pending_paths and not self._closing:
            paths, self.pending_paths = self.pending_paths, []
            self.start_indexing(paths)

    def _on_failed(self, reason: Failure) -> None:
        if self._closing:
            return
        self.worker = None
        self._set_busy(False)
        self.status_text.setText(f"Indexing stopped: {reason}")
        self.owner.announce(Changes(files=True, vectors=True))
        self.indexing_finished.emit(None)
        if self.pending_paths:
            paths, self.pending_paths = self.pending_paths, []
            self.status_text.setText(f"Indexing stopped: {reason}; going on with the queued "
                                     f"{count(len(paths), 'item')}")
            self.start_indexing(paths)

    def toggle_pause(self) -> None:
        if self.worker is None:
            return
        if self.worker.paused:
            self.worker.resume()
            self.pause_button.setText("Pause")
        else:
            self.worker.pause()
            self.pause_button.setText("Resume")
            self.status_text.setText(self.status_text.text() + " (paused)")

    def cancel_indexing(self) -> None:
        if self.worker is not None:
            self.pending_paths.clear()
            self.worker.cancel()
            self.status_text.setText("Stopping… what was done is kept.")

    def _set_busy(self, busy: bool) -> None:
        for w in (self.progress, self.pause_button, self.cancel_button):
            w.setVisible(busy)
        self.pause_button.setText("Pause")
        if busy:
            self.progress.setRange(0, 0)
