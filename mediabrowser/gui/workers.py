"""Run core job generators on a QThreadPool and turn what they yield into Qt signals.

The generator runs entirely on the worker thread; each Progress it yields is emitted (queued to
the GUI thread). Pause holds the worker between two steps; cancel sets the job's token, which the
job notices at its next check and ends cleanly (writing what it has).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from mediabrowser.core.types import CancelToken


class WorkerSignals(QObject):
    progress = Signal(object)  # core.types.Progress
    finished = Signal(object)  # the generator's return value
    failed = Signal(object)  # core.jobs.runner.Failure: cancelled, worded, or a bug


class GeneratorWorker(QRunnable):
    def __init__(self, make_job: Callable[[CancelToken], Generator[Any, None, Any]]) -> None:
        super().__init__()
        self.setAutoDelete(False)  # we keep a reference and ask it about its state
        self.make_job = make_job
        self.signals = WorkerSignals()
        self.cancel_token = CancelToken()
        self._running = threading.Event()
        self._running.set()
        self.done = threading.Event()

    def run(self) -> None:
        from mediabrowser.core.driver import drive

        try:
            result = drive(self.make_job(self.cancel_token), self.signals.progress.emit,
                           before_step=self._running.wait)  # Pause holds the job here
            self.signals.finished.emit(result)
        except Exception as exc:  # noqa: BLE001 - reported in the window, never a crash
            from mediabrowser.core.jobs.runner import failure_of

            self.signals.failed.emit(failure_of(exc))
        finally:
            self.done.set()

    # ---- control, from the GUI thread --------------------------------------------------------
    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def cancel(self) -> None:
        self.cancel_token.cancel()
        self._running.set()  # a paused job must wake up to notice


def start(worker: GeneratorWorker, pool: QThreadPool | None = None) -> GeneratorWorker:
    (pool or QThreadPool.globalInstance()).start(worker)
    return worker


class _CallSignals(QObject):
    done = Signal(object)
    failed = Signal(str)


class CallWorker(QRunnable):
    """Run one function off the GUI thread; its result or error comes back as a signal."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.fn = fn
        self.signals = _CallSignals()

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # noqa: BLE001 - shown to the user by the receiver
            from mediabrowser.core.jobs.runner import failure_of

            self.signals.failed.emit(str(failure_of(exc)))
            return
        self.signals.done.emit(result)


# Workers whose answer has not been delivered yet: holding them keeps their signal object
# alive until the GUI thread has run the callback (Python would otherwise collect it first).
_in_flight: set[CallWorker] = set()


def call_later(pool: QThreadPool, fn: Callable[[], Any], on_done: Callable[[Any], None],
               on_failed: Callable[[str], None]) -> CallWorker:
    w = CallWorker(fn)
    w.setAutoDelete(False)

    def finish(callback: Callable[[Any], None], value: Any) -> None:
        _in_flight.discard(w)
        callback(value)

    w.signals.done.connect(lambda value: finish(on_done, value))
    w.signals.failed.connect(lambda reason: finish(on_failed, reason))
    _in_flight.add(w)
    pool.start(w)
    return w
