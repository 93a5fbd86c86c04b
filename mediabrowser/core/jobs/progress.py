"""Rate and ETA bookkeeping for a job stage."""

from __future__ import annotations

import time

from mediabrowser.core.types import FileProblem, Progress


class Meter:
    def __init__(self, stage: str, total: int) -> None:
        self.stage = stage
        self.total = total
        self.done = 0
        self.start = time.monotonic()
        self._last_emit = 0.0

    def step(self, n: int = 1) -> None:
        self.done += n

    @property
    def rate(self) -> float:
        elapsed = time.monotonic() - self.start
        return self.done / elapsed if elapsed > 0 and self.done else 0.0

    message = ""  # what every step says besides its counts ("ONNX Runtime · CPU")

    def due(self, every: float = 0.2) -> bool:
        """True at most every `every` seconds, so a fast loop does not flood its listeners."""
        now = time.monotonic()
        if now - self._last_emit >= every:
            self._last_emit = now
            return True
        return False

    def progress(self, current: str = "", errors: list[FileProblem] | None = None,
                 message: str = "") -> Progress:
        return Progress(self.stage, self.done, self.total, current, self.rate,
                        list(errors or []), message or self.message)
