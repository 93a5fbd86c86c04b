"""Keeping a library and its shared vector store (Milvus) in step, after each indexing run and
when the window opens or looks again: what this machine indexed is sent
(core/jobs/vector_sync.py), then what the others sent is taken in
(core/jobs/vector_follow.py)."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from mediabrowser.core.index.milvus import VectorsUri, worded
from mediabrowser.core.jobs.vector_follow import follow_job
from mediabrowser.core.jobs.vector_sync import sync_job
from mediabrowser.core.library import Library
from mediabrowser.core.types import CancelToken, Progress


@dataclass
class ShareReport:
    uri: str = ""
    sent: int = 0
    deleted: int = 0  # rows of files gone here, deleted there
    taken: int = 0  # vectors other machines sent, taken in here
    new_files: int = 0
    removed: int = 0  # vectors others deleted, gone from here
    kept_newer: int = 0  # rows newer there than here, not written over

    @property
    def changed_here(self) -> bool:
        return bool(self.taken or self.removed)

    def summary(self) -> str:
        parts = []
        if self.sent or self.deleted:
            parts.append(f"{self.sent:,} vectors sent to {self.uri}"
                         + (f", {self.deleted:,} removed there" if self.deleted else ""))
        if self.kept_newer:
            parts.append(f"{self.kept_newer:,} rows there are newer than here and were kept "
                         "(another machine indexed or removed those files since)")
        if self.taken or self.removed:
            parts.append(f"{self.new_files:,} items from other machines"
                         + (f", {self.removed:,} vectors they removed" if self.removed else ""))
        return "; ".join(parts)


def share_job(lib: Library, uri: VectorsUri, cancel: CancelToken | None = None
              ) -> Generator[Progress, None, ShareReport]:
    cancel = cancel or CancelToken()
    sent = yield from worded(sync_job(lib, uri, cancel), uri)
    got = yield from worded(follow_job(lib, uri, cancel), uri)
    return ShareReport(str(uri), sent.sent, sent.deleted, got.vectors, got.new_files,
                       got.removed, sent.kept_newer)


def share_library_job(folder: Path, cancel: CancelToken, wait: float = 0.0
                      ) -> Generator[Progress, None, ShareReport | None]:
    """The window's: open the library, and share it when its settings name a vector store
    (None when they do not)."""
    lib = Library(folder)
    try:
        uri = VectorsUri.parse(lib.config.vectors)
        if uri.kind == "embedded":
            return None
        lib.lock_for_writing(timeout=wait)
        return (yield from share_job(lib, uri, cancel))
    finally:
        lib.close()
