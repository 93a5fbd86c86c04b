"""The first half of indexing: find the files, probe what changed, and plan the embedding.

Reading files (probing, hashing) happens before each write transaction, never inside it, so
the database is locked only for quick writes. A library folder that is not there (an unmounted
drive, a renamed folder) puts its files "offline": kept with their vectors, out of results,
back as soon as the folder is.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Generator
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import partial
from typing import Any

from mediabrowser.core.jobs.crash_guard import CRASH_REASON, CrashGuard
from mediabrowser.core.jobs.progress import Meter
from mediabrowser.core.jobs.report import IndexReport, Work, record_problem
from mediabrowser.core.library import Library
from mediabrowser.core.media import reasons
from mediabrowser.core.media.hashing import full_hash
from mediabrowser.core.media.probe import ProbeResult, probe
from mediabrowser.core.media.scan import iter_media_files
from mediabrowser.core.media.sniff import kind_from_extension
from mediabrowser.core.store.repo import FileRow
from mediabrowser.core.types import Cancelled, CancelToken, MediaError, Progress

PROBE_BATCH = 200
# Errors that may go away without the file changing: such files are tried again on each run.
TRANSIENT_ERRORS = ("cannot read file", "model failed on this file", "file not found")


@dataclass
class _Plan:
    path: str
    row: FileRow | None
    result: ProbeResult | None
    error: str | None
    full_hashes: dict[str, str]  # path → full content hash, for confirming copies


def scan_and_probe(lib: Library, roots: list[str], cancel: CancelToken, report: IndexReport,
                   work: list[Work], job_id: int, guard: CrashGuard,
                   decoders: Executor | None = None) -> Generator[Progress, None, None]:
    """`decoders`: the worker processes that read headers (where a damaged file can crash
    or hang a native decoder too); without it, headers are read here."""
    store = lib.store
    read = probe if decoders is None else partial(_probe_in, decoders)
    _skip_crashers(lib, guard, job_id, report)
    away = _set_offline(lib, roots, report)
    live_roots = [r for r in roots if r not in away]
    meter = Meter("scan", 0)
    found: list[str] = []
    for p in iter_media_files(live_roots, cancel, skip=lib.folder):
        found.append(str(p))
        meter.step()
        if meter.due():
            yield meter.progress(current=str(p))
    for r in live_roots:
        if not os.path.lexists(r):
            with store.transaction() as c:
                record_problem(lib, c, job_id, report, r, "scan", "no such file or folder")
    report.scanned = len(found)
    seen = set(found)

    meter = Meter("probe", len(found))
    yield meter.progress()
    for start in range(0, len(found), PROBE_BATCH):
        cancel.raise_if_cancelled()
        chunk = found[start:start + PROBE_BATCH]
        # Reads files: outside the transaction.
        plans = [_plan(lib, p, guard if decoders is None else None, read) for p in chunk]
        removed: list[int] = []
        restored: list[int] = []
        with store.transaction() as c:
            for plan in plans:
                _apply(lib, c, job_id, report, work, removed, restored, plan)
        if removed or restored:
            lib.indexes.sync()  # the store's change log says what moved
        meter.step(len(chunk))
        yield meter.progress(current=chunk[-1], errors=report.problems)
    _mark_gone(lib, live_roots, seen, report)


def _set_offline(lib: Library, roots: list[str], report: IndexReport) -> set[str]:
    """Library folders that are away now: their files go offline, nothing is deleted."""
    store = lib.store
    known = set(store.roots())
    away: set[str] = set()
    report.offline = 0
    for r in roots:
        if r not in known:
            continue
        rows = [row for row in store.files_under(r)
                if row.status in ("ok", "error", "offline")]
        if os.path.isdir(r) and not (rows and _unmounted(r, rows)):
            continue
        away.add(r)  # gone, or an empty mount point where a drive used to be
        report.offline += len(rows)
        ids = [row.id for row in rows if row.status != "offline"]
        if ids:
            with store.transaction() as c:
                for fid in ids:
                    store.update_file(c, fid, status="offline")
            lib.indexes.sync()
    report.offline_roots = sorted(away)
    return away


def _empty_folder(path: str) -> bool:
    try:
        with os.scandir(path) as it:
            return next(it, None) is None
    except OSError:
        return True


def _unmounted(folder: str, rows: list[FileRow]) -> bool:
    """An empty folder that held these files is a mount point whose drive is away — unless it
    was changed after the files were last seen, which is a person emptying it (deleting files
    touches the folder; unmounting shows the old, untouched mount point)."""
    if not _empty_folder(folder):
        return False
    try:
        changed = os.stat(folder).st_mtime
    except OSError:
        return True
    return changed <= max(row.seen_at for row in rows)


def _mark_gone(lib: Library, roots: list[str], seen: set[str], report: IndexReport) -> None:
    """Files deleted inside a folder that is present leave the results (vectors kept). Files
    under an empty mount point inside a library folder (a drive mounted there is away) go
    offline instead."""
    store = lib.store
    candidates: list[FileRow] = []
    for r in roots:
        if os.path.isdir(r):
            rows = store.files_under(r)
        else:  # a single file given by path
            row = store.file_by_path(r)
            rows = [row] if row is not None else []
        candidates += [row for row in rows
                       if row.path not in seen and row.status in ("ok", "error")
                       and not os.path.lexists(row.path)]
    # Group by the nearest folder that still exists above each file.
    by_anchor: dict[str, list[FileRow]] = {}
    for row in candidates:
        anchor = os.path.dirname(row.path)
        while anchor and not os.path.isdir(anchor):
            anchor = os.path.dirname(anchor)
        by_anchor.setdefault(anchor, []).append(row)
    gone: list[int] = []
    away: list[int] = []
    for anchor, rows in by_anchor.items():
        target = away if anchor and _unmounted(anchor, rows) else gone
        target.extend(row.id for row in rows)
    for ids, status in ((gone, "missing"), (away, "offline")):
        if ids:
            with store.transaction() as c:
                for fid in ids:
                    store.update_file(c, fid, status=status)
            lib.indexes.sync()
    report.missing = len(gone)
    report.offline += len(away)


def _skip_crashers(lib: Library, guard: CrashGuard, job_id: int, report: IndexReport) -> None:
    """Files that took the previous run down with them are not opened again until changed."""
    store = lib.store
    for path in guard.suspects:
        st = _stat_or_none(path)
        if st is None:
            continue
        row = store.file_by_path(path)
        with store.transaction() as c:
            if row is None:
                store.insert_file(c, path=path, kind=_guess_kind(path), size=st[0], mtime=st[1],
                                  status="error", error=CRASH_REASON)
            else:
                store.update_file(c, row.id, status="error", error=CRASH_REASON, size=st[0],
                                  mtime=st[1])
        if row is not None:
            lib.indexes.sync()


def _probe_in(decoders: Executor, path: str) -> ProbeResult | None:
    result: ProbeResult | None = decoders.submit(probe, path).result()
    return result


def _plan(lib: Library, path: str, guard: CrashGuard | None,
          read: Callable[[str], ProbeResult | None]) -> _Plan:
    """`guard`: None when `read` probes in a worker process, where a crash fails this file
    alone."""
    row = lib.store.file_by_path(path)
    with guard.reading(path) if guard is not None else contextlib.nullcontext():
        row, result, error = _probe_one(row, path, read)
    fulls: dict[str, str] = {}
    if result is not None and row is None:
        twins = _twins(lib, path, result)
        if twins and not any(_moved_from(t) for t in twins):
            # A copy of a file we know: full hashes confirm it (read here, not under the lock).
            for twin in twins:
                if twin.status != "ok":
                    continue
                try:
                    fulls[twin.path] = twin.full_hash or full_hash(twin.path)
                    fulls.setdefault(path, full_hash(path))
                except OSError:
                    continue
    return _Plan(path, row, result, error, fulls)


def _probe_one(row: FileRow | None, path: str, read: Callable[[str], ProbeResult | None]
               ) -> tuple[FileRow | None, ProbeResult | None, str | None]:
    """(row, probe result or None, error or None); no probe when size and mtime are unchanged."""
    if row is not None and row.status == "removed":
        return row, None, None  # the user took it out of the library; a rescan leaves it out
    try:
        st = os.stat(path)
    except OSError as exc:
        return row, None, reasons.from_os_error(exc)
    transient = row is not None and row.status in ("error", "offline") and (
        row.error or "").startswith(TRANSIENT_ERRORS)
    if (row and row.status not in ("missing", "trashed") and not transient
            and row.size == st.st_size
            and row.mtime == st.st_mtime):
        return row, None, None
    try:
        result = read(path)
    except Cancelled:
        raise  # the run is stopping (its decode workers are closed): not this file's fault
    except MediaError as exc:
        return row, None, str(exc)
    except Exception as exc:  # noqa: BLE001 - one odd file must not stop the run
        return row, None, reasons.unexpected("read", exc)
    if result is None:
        return row, None, "not a media file"
    return row, result, None


def _apply(lib: Library, c: Any, job_id: int, report: IndexReport, work: list[Work],
           removed: list[int], restored: list[int], plan: _Plan) -> None:
    store = lib.store
    path, row, result, error = plan.path, plan.row, plan.result, plan.error
    if error == "not a media file" and row is None:
        return  # a file with no extension that turned out not to be media: not ours
    if error is not None:
        st = _stat_or_none(path)
        if row is None:
            store.insert_file(c, path=path, kind=_guess_kind(path), size=st[0] if st else 0,
                              mtime=st[1] if st else 0.0, status="error", error=error)
        else:
            store.update_file(c, row.id, status="error", error=error,
                              size=st[0] if st else row.size, mtime=st[1] if st else row.mtime)
            removed.append(row.id)
        record_problem(lib, c, job_id, report, path, "probe", error)
        return
    if result is None:  # unchanged since the last run, or removed by the user
        assert row is not None
        if row.status == "removed":
            return
        if row.status == "error":
            record_problem(lib, c, job_id, report, path, "earlier run",
                           row.error or "could not be used in an earlier run")
            return
        if row.status == "offline":  # its drive is back, the file unchanged
            if row.error:  # it could not be used before its drive went away
                store.update_file(c, row.id, status="error")
                record_problem(lib, c, job_id, report, path, "earlier run", row.error)
                return
            store.update_file(c, row.id, status="ok")
            restored.append(row.id)
        report.unchanged += 1
        model = lib.model_for(row.kind)
        if not store.has_vector(row.id, model):
            work.append(Work(row.id, path, model))
        return

    fields = dict(kind=result.kind.value, size=result.size, mtime=result.mtime, hash=result.hash,
                  full_hash=None, width=result.width, height=result.height,
                  duration=result.duration, sample_rate=result.sample_rate, status="ok",
                  error=None, taken=result.taken, camera=result.camera)
    model = lib.model_for(result.kind)
    if row is not None and row.hash == result.hash and _same_shape(row, result):
        # Touched, or back after going missing, with the same content: keep the vectors.
        store.update_file(c, row.id, **fields)
        if row.status != "ok":
            restored.append(row.id)
        report.unchanged += 1
        file_id = row.id
    elif row is not None:
        store.update_file(c, row.id, **fields)
        store.delete_vectors(c, row.id)
        removed.append(row.id)
        report.changed += 1
        file_id = row.id
    else:
        file_id = _new_or_moved(lib, c, report, plan, fields)
        restored.append(file_id)  # a moved file or a copy may bring vectors along
    if not store.has_vector(file_id, model):
        work.append(Work(file_id, path, model))


def _twins(lib: Library, path: str, result: ProbeResult) -> list[FileRow]:
    return [r for r in lib.store.files_by_hash(result.hash)
            if r.path != path and r.size == result.size and r.status != "removed"
            and _same_shape(r, result)]


def _moved_from(twin: FileRow) -> bool:
    """A known file with the same content that is gone from its place: this one is it, moved.
    An offline twin is not: its drive is away, and this is a copy (a backup, say)."""
    return twin.status == "missing" or (twin.status == "ok" and not os.path.lexists(twin.path))


def _new_or_moved(lib: Library, c: Any, report: IndexReport, plan: _Plan,
                  fields: dict[str, Any]) -> int:
    store = lib.store
    assert plan.result is not None
    same = _twins(lib, plan.path, plan.result)
    for old in same:
        if _moved_from(old):
            # Moved or renamed: the row (id, vectors, index labels) follows the file.
            store.update_file(c, old.id, path=plan.path, **fields)
            report.moved += 1
            return old.id
    new_id = store.insert_file(c, path=plan.path, **fields)
    report.new += 1
    mine = plan.full_hashes.get(plan.path)
    for twin in same:
        twin_full = plan.full_hashes.get(twin.path)
        if twin.status != "ok" or mine is None or twin_full is None:
            continue
        store.update_file(c, twin.id, full_hash=twin_full)
        store.update_file(c, new_id, full_hash=mine)
        if twin_full == mine:  # a copy of a file we know: reuse its vectors
            store.copy_vectors(c, twin.id, new_id)
            break
    return new_id


def _same_shape(row: FileRow, result: ProbeResult) -> bool:
    """The fast hash samples three blocks; an edit elsewhere that kept the size must at least
    keep the picture's dimensions and the duration for the file to count as the same."""
    if (row.width, row.height) != (result.width, result.height):
        return False
    if row.duration is None or result.duration is None:
        return row.duration == result.duration
    return abs(row.duration - result.duration) < 0.05


def _stat_or_none(path: str) -> tuple[int, float] | None:
    try:
        st = os.stat(path)
        return st.st_size, st.st_mtime
    except OSError:
        return None


def _guess_kind(path: str) -> str:
    kind = kind_from_extension(path)
    return kind.value if kind else "image"
