"""Small value types shared by every part of the core."""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass, field


class MediaKind(enum.StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"


class UserError(Exception):
    """A failure worded for people: the message says what happened, the hint what to do.
    Whatever else stops a job is a bug: its traceback goes to the log (jobs/runner.py)."""

    def __init__(self, message: str = "", hint: str = "") -> None:
        super().__init__(message)
        self.message, self.hint = message, hint

    def __str__(self) -> str:
        return f"{self.message}; {self.hint}" if self.hint else self.message


class BadInput(UserError, ValueError):
    """Something the person gave cannot be used: a weights file, a device, a query."""


class MediaError(UserError):
    """A file could not be used; the message says why, in words a user understands."""


class Cancelled(Exception):
    """Raised inside a job when its cancel token is set: an outcome, not a failure."""


class CancelToken:
    """Thread-safe flag a job checks between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


@dataclass(frozen=True)
class FileProblem:
    path: str
    reason: str
    stage: str = ""


@dataclass
class Progress:
    """One step of a long job, as shown by a progress bar or the status bar."""

    stage: str  # "scan", "probe", "embed", "index", "done", "cancelled"
    done: int = 0
    total: int = 0
    current: str = ""
    rate: float = 0.0  # items per second over the stage so far
    errors: list[FileProblem] = field(default_factory=list)
    message: str = ""

    @property
    def eta(self) -> float | None:
        if self.rate <= 0 or self.total <= 0:
            return None
        return max(0.0, (self.total - self.done) / self.rate)

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


@dataclass(frozen=True)
class MediaItem:
    id: int
    path: str
    kind: MediaKind
    size: int
    mtime: float
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    status: str = "ok"
    error: str | None = None


@dataclass(frozen=True)
class Match:
    item: MediaItem
    score: float  # calibrated: means the same for every kind and model (core/calibration.py)
    cosine: float | None = None  # raw cosine in the model's space (several examples: their mean)
    start: float | None = None  # the best-matching moment of the file, seconds into it
    end: float | None = None  # (None: the file as a whole matched best)
    # every part of the file that matches about as well as the best one, in time order
    spans: tuple[tuple[float, float], ...] = ()
