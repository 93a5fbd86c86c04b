"""What an indexing run did, told in words that add up, and how a problem is recorded."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mediabrowser.core.types import FileProblem


@dataclass
class IndexReport:
    scanned: int = 0
    new: int = 0
    changed: int = 0
    moved: int = 0
    unchanged: int = 0
    missing: int = 0
    offline: int = 0  # files kept while their folder (a drive) is away
    offline_roots: list[str] = field(default_factory=list)
    embedded: int = 0
    problems: list[FileProblem] = field(default_factory=list)
    cancelled: bool = False
    seconds: float = 0.0
    embed_seconds: float = 0.0  # time spent in the decode → embed → store stage
    device: str = ""

    @property
    def rate(self) -> float:
        """Items embedded per second during the embed stage."""
        return self.embedded / self.embed_seconds if self.embed_seconds > 0 else 0.0


@dataclass
class Work:
    file_id: int
    path: str
    model: str


def record_problem(lib: Any, conn: Any, job_id: int, report: IndexReport, path: str, stage: str,
                   reason: str) -> None:
    report.problems.append(FileProblem(path, reason, stage))
    lib.store.add_problem(conn, job_id, path, stage, reason)


def summary(r: IndexReport) -> str:
    parts = [f"{r.scanned} files seen", f"{r.new} new", f"{r.changed} changed", f"{r.moved} moved",
             f"{r.missing} gone", f"{r.embedded} embedded", f"{len(r.problems)} problems"]
    if r.offline:
        parts.append(f"{r.offline} offline (folder not found, kept)")
    speed = f" ({r.rate:.1f}/s on {r.device})" if r.embedded and r.device else ""
    return (("cancelled: " if r.cancelled else "") + ", ".join(parts)
            + f" in {r.seconds:.1f} s{speed}")
