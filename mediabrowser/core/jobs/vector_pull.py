"""Bringing a library's vectors back from Milvus into the embedded store, without computing
any again, so `vectors export --to embedded` moves a library off Milvus: the rows are taken
in as a follow does (core/jobs/vector_follow.py: every row the first time, else what changed
since the last follow, deletions included), then become this library's own."""

from __future__ import annotations

from collections.abc import Generator

from mediabrowser.core.index.milvus import VectorsUri, worded
from mediabrowser.core.jobs.vector_follow import FollowReport, follow_job
from mediabrowser.core.library import Library
from mediabrowser.core.types import CancelToken, Progress


def pull_job(lib: Library, uri: VectorsUri, cancel: CancelToken | None = None
             ) -> Generator[Progress, None, FollowReport]:
    report = yield from worded(follow_job(lib, uri, cancel), uri)
    with lib.store.transaction() as tx:
        lib.store.forget_shared(tx)
    return report
