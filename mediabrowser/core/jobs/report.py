"""What an indexing run did, told in words that add up, and how a problem is recorded."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mediabrowser.core.filenames import display
from mediabrowser.core.format import count
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
    """One sentence whose numbers add up: every file found is either ready to search or could
    not be used; then what changed, what is gone and what is offline."""
    bad = len({p.path for p in r.problems if p.stage != "scan"})
    if r.scanned == 0 and r.offline_roots and not r.cancelled:
        folders = ", ".join(display(f) for f in r.offline_roots)
        return (f"Not found: {folders} (a drive unplugged, or the folder renamed?) — its "
                f"{r.offline} files are kept offline and come back when it does")
    ready = max(0, r.scanned - bad)
    head = f"{count(r.scanned, 'file')} found: "
    if r.cancelled:
        head = f"Cancelled — {r.embedded} analysed before stopping; {r.scanned} files found: "
    parts = [f"{ready} ready to search", f"{bad} could not be used"]
    details = [f"{n} {word}" for n, word in ((r.embedded, "analysed now"), (r.new, "new"),
                                               (r.moved, "moved or renamed"),
                                               (r.changed, "changed")) if n]
    text = head + ", ".join(parts)
    if details:
        text += f" ({', '.join(details)})"
    tail = []
    if r.missing:
        tail.append(f"{r.missing} no longer on disk")
    if r.offline:
        where = f" — not found: {', '.join(display(f) for f in r.offline_roots)}" \
            if r.offline_roots else ""
        tail.append(f"{r.offline} offline, kept until their folder is back{where}")
    if tail:
        text += "; " + ", ".join(tail)
    speed = f", {r.rate:.1f}/s on {r.device}" if r.embedded and r.device else ""
    return f"{text} — {r.seconds:.1f} s{speed}"
