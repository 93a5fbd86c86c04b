"""The one way to run a long job. Jobs are generators that yield Progress and return a result;
the CLI, the window's worker threads, downloads and scripts all drive them through `drive`,
and all say where a job is with `progress_text`."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any, TypeVar

from mediabrowser.core.filenames import display_name
from mediabrowser.core.format import count, format_duration, format_size
from mediabrowser.core.types import CancelToken, Progress

T = TypeVar("T")

VERBS = {"scan": "Looking for media", "probe": "Reading", "embed": "Analysing",
         "download": "Downloading", "verify": "Checking", "index": "Building the search index",
         "compare": "Comparing", "group": "Grouping"}


def drive(job: Generator[Progress, None, T], on_progress: Callable[[Progress], Any] | None = None,
          *, before_step: Callable[[], Any] | None = None) -> T:
    """Run `job` to its end and return its result. `on_progress` sees each Progress;
    `before_step` runs before each step (the window's pause waits there)."""
    while True:
        if before_step is not None:
            before_step()
        try:
            p = next(job)
        except StopIteration as stop:
            return stop.value
        if on_progress is not None:
            on_progress(p)


def drive_until_interrupted(job: Generator[Progress, None, T], cancel: CancelToken,
                            on_progress: Callable[[Progress], Any] | None = None
                            ) -> tuple[T | None, bool]:
    """As `drive`; on Ctrl+C the job is cancelled and let run to its clean end (it writes what
    it has). Returns (result, interrupted)."""
    try:
        return drive(job, on_progress), False
    except KeyboardInterrupt:
        cancel.cancel()
        try:
            return drive(job), True
        except Exception:  # noqa: BLE001 - a job may end its cancel by raising Cancelled
            return None, True


def progress_text(p: Progress, paused: bool = False) -> str:
    """"Analysing 120 of 300 · 31.2/s · about 0:06 left · 2 problems — IMG_0042.jpg"."""
    verb = VERBS.get(p.stage, p.stage.capitalize())
    if p.stage == "scan":
        return f"{verb}… {p.done} files found"
    if p.stage == "map":  # "Map: laying out 40 of 200 · about 0:30 left"
        step = f"Map: {p.message or 'working'}"
        if not p.total:
            return step + "…"
        left = f" · about {format_duration(p.eta)} left" if p.eta is not None else ""
        return f"{step} {p.done:,} of {p.total:,}{left}"
    if p.stage in ("compare", "group") and not p.total:
        return f"{verb} {p.message}…" if p.message else f"{verb}…"
    if p.stage == "download":
        total = format_size(p.total) if p.total else "?"
        parts = [f"{verb} {format_size(p.done)} of {total}"]
        if p.rate and not paused:
            parts.append(f"{format_size(int(p.rate))}/s")
    else:
        parts = [f"{verb} {p.done} of {p.total}"]
        if p.rate and not paused:
            parts.append(f"{p.rate:.1f}/s")
    if p.eta is not None and not paused:  # a paused run has no rate and nothing left to wait
        parts.append(f"about {format_duration(p.eta)} left")
    if p.stage in ("compare", "verify") and p.message:
        parts.append(p.message)
    if p.stage == "embed" and p.message:
        parts.append(f"on {p.message}")  # the engine and device: "on ONNX Runtime · CPU"
    if p.errors:
        parts.append(count(len(p.errors), "problem"))
    text = " · ".join(parts) + (" (paused)" if paused else "")
    return text + (f" — {display_name(p.current)}" if p.current and p.stage != "download" else "")
