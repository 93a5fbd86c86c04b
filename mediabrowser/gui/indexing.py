"""The window's indexing room: importing folders, the one background indexing job at a time
(queued paths follow it), its progress, pause and cancel in the status bar, and resuming a run
that was cut short. Whatever else follows a run (the grid, the results) subscribes to
`progressed` and to the library owner's changes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QLabel, QProgressBar, QPushButton, QWidget

from mediabrowser.core.driver import progress_text
from mediabrowser.core.format import count
from mediabrowser.core.jobs.runner import Failure
from mediabrowser.core.types import Progress
from mediabrowser.gui.folder_watch import FolderWatch
from mediabrowser.gui.library_owner import Changes, LibraryOwner
from mediabrowser.gui.problems_dock import ProblemsDock
from mediabrowser.gui.workers import GeneratorWorker


def start_folder() -> str:
    """Where "Add Folder…" opens: the Pictures folder, else home (never the working folder)."""
    import os

    from PySide6.QtCore import QStandardPaths

    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    return pictures if pictures and os.path.isdir(pictures) else str(Path.home())


class IndexingRoom(QObject):
    """`started()`: a run began (the window shows its pages, not the welcome panel)."""

    progressed = Signal(object)  # Progress, as each report arrives
    finished = Signal(object)  # IndexReport, or None when the run failed

    def __init__(self, owner: LibraryOwner, status_text: QLabel, progress: QProgressBar,
                 pause_button: QPushButton, cancel_button: QPushButton,
                 problems: ProblemsDock, started: Callable[[], None], window: QWidget) -> None:
        super().__init__(window)
        self.owner = owner
        self.lib = owner.reader
        self.library_dir: Path = owner.folder
        self.status_text = status_text
        self.progress = progress
        self.pause_button = pause_button
        self._last_progress: Progress | None = None
        self.cancel_button = cancel_button
        self.problems = problems
        self.started = started
        self.window = window
        self.worker: GeneratorWorker | None = None
        self.pending_paths: list[str] = []
        self.pending_changed: set[str] = set()  # watched folders whose contents changed
        self._problems_seen = 0  # how many of the running job's problems are listed
        self.watch = FolderWatch(owner, self.index_changed, self)
        pause_button.clicked.connect(self.toggle_pause)
        cancel_button.clicked.connect(self.cancel_indexing)
        self._set_busy(False)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, "Add a folder to the library",
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

    def index_changed(self, folders: list[str]) -> None:
        """Folders inside the library whose contents changed (the folder watch): indexed
        again, quietly, after any run going on."""
        if self.worker is not None:
            self.pending_changed.update(folders)
            return
        self.start_indexing(folders, add_roots=False)

    def rescan(self) -> None:
        roots = self.lib.store.roots()
        if roots:
            self.add_paths(roots)

    def start_indexing(self, paths: list[str], add_roots: bool = True) -> None:
        from mediabrowser.core.jobs.runner import index_library_job

        folder = self.library_dir
        worker = GeneratorWorker(lambda token: index_library_job(folder, paths, token,
                                                                 add_roots=add_roots))
        worker.signals.progress.connect(self._on_progress)
        worker.signals.finished.connect(self._on_finished)
        worker.signals.failed.connect(self._on_failed)
        self.worker = worker
        self._problems_seen = 0  # the files listed already stay listed
        self._set_busy(True)
        self.status_text.setText("Looking for media…" if add_roots else
                                 f"Picking up changes in {count(len(paths), 'folder')}…")
        self.started()
        self.owner.jobs_pool.start(worker)

    def resume_interrupted(self) -> None:
        """A run that was cancelled or cut short (window closed, app killed) goes on."""
        self.watch.refresh()  # the window opens: its library folders are watched from now
        job = self.lib.store.last_job()
        roots = self.lib.store.roots()
        if job and job["state"] != "done" and roots:
            self.status_text.setText("Resuming the indexing that was interrupted…")
            QTimer.singleShot(0, lambda: self.add_paths(roots))

    def _on_progress(self, p: Progress) -> None:
        if self.owner.closing:
            return
        for prob in p.errors[self._problems_seen:]:
            self.problems.add(prob)
        self._problems_seen = max(self._problems_seen, len(p.errors))
        if p.stage == "scan":
            self.progress.setRange(0, 0)
            self.status_text.setText(progress_text(p))
        elif p.stage in ("probe", "embed"):
            self.progress.setRange(0, max(1, p.total))
            self.progress.setValue(p.done)
            paused = bool(self.worker and self.worker.paused)
            self.status_text.setText(progress_text(p, paused))
            self._last_progress = p
        self.progressed.emit(p)

    def _on_finished(self, report: Any) -> None:
        if self.owner.closing:
            return
        self.worker = None
        self._set_busy(False)
        changes = Changes(files=True, vectors=True)
        if report is not None:
            from mediabrowser.core.jobs.pipeline import summary

            self._problems_seen = 0
            text = summary(report)  # str.capitalize() would lower "ONNX Runtime" and names
            self.status_text.setText(text[:1].upper() + text[1:])
            changes = Changes(files=True, vectors=True,
                              pictures=bool(report.changed or report.moved),
                              problems=tuple(report.problems))
        self.owner.announce(changes)
        self.finished.emit(report)
        self.watch.refresh()  # folders added or made by the run
        self._next()

    def _next(self) -> None:
        """The queued work after a run: folders added, then folders the watch saw change."""
        if self.owner.closing or self.worker is not None:
            return
        if self.pending_paths:
            paths, self.pending_paths = self.pending_paths, []
            self.start_indexing(paths)
        elif self.pending_changed:
            changed, self.pending_changed = sorted(self.pending_changed), set()
            self.start_indexing(changed, add_roots=False)

    def _on_failed(self, reason: Failure) -> None:
        if self.owner.closing:
            return
        self.worker = None
        self._set_busy(False)
        self.status_text.setText(f"Indexing stopped: {reason}")
        self.owner.announce(Changes(files=True, vectors=True))
        self.finished.emit(None)
        if self.pending_paths:
            self.status_text.setText(f"Indexing stopped: {reason}; going on with the queued "
                                     f"{count(len(self.pending_paths), 'item')}")
        self._next()

    def toggle_pause(self) -> None:
        if self.worker is None:
            return
        if self.worker.paused:
            self.worker.resume()
            self.pause_button.setText("Pause")
        else:
            self.worker.pause()
            self.pause_button.setText("Resume")
            last = self._last_progress
            # paused: the counts stay, the rate and the time left go (nothing is moving)
            self.status_text.setText(progress_text(last, True) if last is not None
                                     else self.status_text.text() + " (paused)")

    def cancel_indexing(self) -> None:
        if self.worker is not None:
            self.pending_paths.clear()
            self.pending_changed.clear()
            self.worker.cancel()
            self.status_text.setText("Stopping… what was done is kept.")

    def _set_busy(self, busy: bool) -> None:
        for w in (self.progress, self.pause_button, self.cancel_button):
            w.setVisible(busy)
        self.pause_button.setText("Pause")
        if busy:
            self.progress.setRange(0, 0)
