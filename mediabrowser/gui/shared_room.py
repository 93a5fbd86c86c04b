"""The window on a shared library (its vectors in Milvus, core/index/milvus.py): when the
window opens, after each indexing run and every minute while nothing else runs, what this
machine indexed is sent and what the other machines sent is taken into this library's own
store (core/jobs/vector_share.py). The grid, Find Similar, filters, duplicates and the map
then show it like anything indexed here, and the views redraw from the owner's changes."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QLabel

from mediabrowser.core.index.milvus import VectorsUri
from mediabrowser.core.jobs.runner import Failure
from mediabrowser.gui.indexing import IndexingRoom
from mediabrowser.gui.library_owner import Changes, LibraryOwner
from mediabrowser.gui.workers import GeneratorWorker

LOOK_EVERY_MS = 60_000


class SharedLibraryRoom(QObject):
    def __init__(self, owner: LibraryOwner, indexing: IndexingRoom, say: Callable[[str], None],
                 badge: QLabel, parent: QObject) -> None:
        super().__init__(parent)
        self.owner = owner
        self.badge = badge  # in the status bar: "Shared · up to date 14:05"
        badge.setVisible(False)
        self.indexing = indexing
        self.say = say
        self.worker: GeneratorWorker | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(LOOK_EVERY_MS)
        self.timer.timeout.connect(self.look)
        indexing.finished.connect(lambda _report: self.look())

    def shared_at(self) -> str:
        """The shared store's address ("" for a library of its own)."""
        uri = VectorsUri.parse(self.owner.reader.config.vectors)
        return "" if uri.kind == "embedded" else str(uri)

    def start(self) -> None:
        """The window opened: look now, then every minute."""
        where = self.shared_at()
        if where:
            self.badge.setText("Shared · looking…")
            self.badge.setVisible(True)
            self.timer.start()
            self.look()

    def look(self) -> None:
        if self.owner.closing or self.worker is not None or self.indexing.worker is not None \
                or not self.shared_at():
            return  # an indexing run going on looks when it ends
        from mediabrowser.core.jobs.vector_share import share_library_job

        folder = self.owner.folder
        worker = GeneratorWorker(lambda token: share_library_job(folder, token, wait=5.0))
        worker.signals.finished.connect(self._finished)
        worker.signals.failed.connect(self._failed)
        self.worker = worker
        self.timer.start()  # a minute from this look
        self.owner.jobs_pool.start(worker)

    def _finished(self, report: Any) -> None:
        self.worker = None
        if self.owner.closing or report is None:
            return
        if report.changed_here:
            self.owner.announce(Changes(files=True, vectors=True))
        self._badge(f"Shared · up to date {time.strftime('%H:%M')}",
                    f"This library is shared through {report.uri}; it was last brought up to "
                    "date with it at " + time.strftime("%H:%M:%S"))
        text = report.summary()
        if text:
            self.say(f"Shared library: {text}")

    def _failed(self, reason: Failure) -> None:
        self.worker = None
        if self.owner.closing or reason.cancelled:
            return
        # Short on the status bar (a long reason is cut there); the whole of it in the tooltip.
        self.say(f"The shared library at {self.shared_at()} cannot be used now; what is here "
                 "is kept, and it is tried again in a minute (the reason: point at "
                 "\"Shared\" on the right).")
        self._badge("Shared · not reachable", f"{self.shared_at()}: {reason}")

    def _badge(self, text: str, tip: str) -> None:
        self.badge.setText(text)
        self.badge.setToolTip(tip)
        self.badge.setVisible(True)

    def cancel(self) -> None:
        self.timer.stop()
        if self.worker is not None:
            self.worker.cancel()
