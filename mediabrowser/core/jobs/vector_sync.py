"""Sending a library's vectors to its shared vector store (Milvus): after each run, every
vector the store's change log says changed since the last sending is upserted there, and
every one gone is deleted; the first sending sends them all. Rows are keyed by path and
segment (core/index/milvus.py), so sending again, from any machine, never doubles a row;
a sending cut short resumes where the log says. A bulk sending holds the shared library's
lease (core/index/milvus_lease.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Generator
from dataclasses import dataclass

from mediabrowser.core.index.milvus import MilvusVectors, VectorRow, VectorsUri, row_key
from mediabrowser.core.index.milvus_lease import Lease
from mediabrowser.core.jobs.vector_follow import FOLLOWED
from mediabrowser.core.library import Library
from mediabrowser.core.store.shared import SharedRow
from mediabrowser.core.types import CancelToken, Progress

BATCH = 2000
SENT = "vectors_sent"  # meta: "<uri> <seq>" — the last change sent, and where


@dataclass
class SyncReport:
    sent: int = 0
    deleted: int = 0
    kept_newer: int = 0  # rows newer there than here, left as they were
    uri: str = ""


def vector_row(r: SharedRow) -> VectorRow:
    return VectorRow(r.path, r.segment, r.kind, r.vector, size=r.size, date=r.date,
                     width=r.width or 0, height=r.height or 0,
                     duration=r.duration if r.duration is not None else -1.0,
                     camera=r.camera or "", start=r.start if r.start is not None else -1.0,
                     end=r.end if r.end is not None else -1.0, model=r.model, mtime=r.mtime,
                     hash=r.hash)


def sync_job(lib: Library, uri: VectorsUri, cancel: CancelToken | None = None
             ) -> Generator[Progress, None, SyncReport]:
    """Bring the Milvus collections at `uri` up to this library's store."""
    cancel = cancel or CancelToken()
    report = SyncReport(uri=str(uri))
    store = lib.store
    mv = MilvusVectors(uri)
    lease = Lease(mv)
    try:
        # Rows taken in from this very store are never sent back to it; to another, all are.
        followed = (store.meta_value(FOLLOWED) or "").rsplit(" ", 1)[0]
        mine_only = followed == str(uri)
        sent = (store.meta_value(SENT) or "").rsplit(" ", 1)
        seq = int(sent[1]) if len(sent) == 2 and sent[0] == str(uri) else -1
        if seq < 0:  # the first sending (or to another address): every vector, a bulk job
            lease.acquire(f"sending a whole library ({store.vector_total():,} vectors)")
            seq = store.last_change()
            label = 0
            while True:
                cancel.raise_if_cancelled()
                lease.renew()
                rows = store.shared_rows_after(label, BATCH)
                if not rows:
                    break
                label = rows[-1].label
                _send(lib, mv, rows, [], report, mine_only)
                yield Progress("vectors", report.sent, 0, message=f"sent {report.sent:,}")
        else:
            lease.check()  # a bulk job going on: this sending waits for the next run
            while True:
                cancel.raise_if_cancelled()
                labels, last = store.changes_since(seq, BATCH)
                if not labels:
                    break
                if len(labels) == BATCH and not lease.held:  # many changes: a bulk job too
                    lease.acquire("sending the changes of a large run")
                lease.renew()
                rows = store.shared_rows(labels)
                have = {r.label for r in rows}
                _send(lib, mv, rows, [x for x in labels if x not in have], report, mine_only)
                seq = last
                with store.transaction() as tx:
                    store.set_meta(tx, SENT, f"{uri} {seq}")
                yield Progress("vectors", report.sent, 0, message=f"sent {report.sent:,}")
            seq = max(seq, store.last_change())
        with store.transaction() as tx:
            store.set_meta(tx, SENT, f"{uri} {seq}")
        if report.sent or report.deleted:
            for space in set(store.spaces()) | set(mv.spaces()):
                mv.flush(space)
    finally:
        lease.release()
        mv.close()
    return report


def _send(lib: Library, mv: MilvusVectors, rows: list[SharedRow], gone: list[int],
          report: SyncReport, mine_only: bool) -> None:
    store = lib.store
    if not mine_only:
        rows = [dataclasses.replace(r, pulled=False) if r.pulled else r for r in rows]
    mine = [r for r in rows if not r.pulled]
    present = [r for r in mine if r.present]
    removed = [r.label for r in mine if not r.present] + gone
    before = store.keys_of([r.label for r in present] + removed)  # as last sent from here
    by_space: dict[str, list[SharedRow]] = {}
    for r in present:
        by_space.setdefault(r.space, []).append(r)
    written: set[tuple[str, str]] = set()
    sent: list[tuple[int, list[tuple[int, str, str]]]] = []  # (stamp, rows) per space
    for space, group in by_space.items():
        keys = [row_key(r.path, r.segment) for r in group]
        written.update((space, k) for k in keys)
        mv.open_space(space, group[0].model, len(group[0].vector))
        # A row another machine sent, or deleted, after this vector was made and last sent
        # from here is newer there: kept (a library out of date never writes over it).
        there = mv.stamps_there(space, keys)
        fresh = [(r, k) for r, k in zip(group, keys, strict=True)
                 if there.get(k, 0) <= max(int(r.created * 1000),
                                           before.get(r.label, ("", "", 0))[2])]
        report.kept_newer += len(group) - len(fresh)
        stamp = mv.upsert(space, [vector_row(r) for r, _k in fresh])
        report.sent += len(fresh)
        sent.append((stamp, [(r.label, space, k) for r, k in fresh]))
    # Rows of files gone here, and a moved or renamed file's row under its old path (its
    # labels follow the file): deleted there.
    stale: dict[str, list[str]] = {}
    for space, key, _stamp in before.values():
        if (space, key) not in written:
            stale.setdefault(space, []).append(key)
    for space, keys in stale.items():
        mv.delete(space, keys)
        report.deleted += len(keys)
    with store.transaction() as tx:
        for stamp, rows_sent in sent:
            store.remember_keys(tx, rows_sent, stamp=stamp)
        store.forget_keys(tx, removed)
