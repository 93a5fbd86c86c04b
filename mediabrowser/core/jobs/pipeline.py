"""The indexing job: scan → probe → decode (pool) → embed (batched) → store → index.

A generator that yields Progress and returns an IndexReport. It checks its cancel token between
steps; the database gets one transaction per batch and the index is saved atomically, so the job
can be cancelled or killed at any point and the next run carries on where this one stopped.
"""

from __future__ import annotations

import os
import time
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mediabrowser.core.embed.device import batch_size_for
from mediabrowser.core.embed.registry import get_spec
from mediabrowser.core.jobs.prefetch import prefetch_map
from mediabrowser.core.jobs.progress import Meter
from mediabrowser.core.library import Library
from mediabrowser.core.media.hashing import full_hash
from mediabrowser.core.media.probe import ProbeResult, probe
from mediabrowser.core.media.scan import iter_media_files
from mediabrowser.core.store.repo import FileRow
from mediabrowser.core.types import Cancelled, CancelToken, FileProblem, MediaError, Progress

SAVE_EVERY_SECONDS = 30.0
# Errors that may go away without the file changing: such files are tried again on each run.
TRANSIENT_ERRORS = ("cannot read file", "model failed on this file")
PROBE_BATCH = 200
BATCH_BY_KIND = {"image": 16, "video": 2, "audio": 8}


@dataclass
class IndexReport:
    scanned: int = 0
    new: int = 0
    changed: int = 0
    moved: int = 0
    unchanged: int = 0
    missing: int = 0
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
class _Work:
    file_id: int
    path: str
    model: str


def index_job(
    lib: Library, paths: Sequence[str | Path], cancel: CancelToken | None = None
) -> Generator[Progress, None, IndexReport]:
    """Index files and folders into `lib`. The caller holds the library's writer lock."""
    cancel = cancel or CancelToken()
    report = IndexReport()
    t0 = time.monotonic()
    job_id = lib.store.start_job("index")
    roots = [str(Path(p).expanduser().absolute()) for p in paths]
    known_roots = set(lib.store.roots())
    for r in roots:
        if os.path.isdir(r) and r not in known_roots:
            # A folder added (again) by the user: items taken out with it come back.
            lib.restore_items([row.id for row in lib.store.files_under(r)
                               if row.status == "removed"])
    lib.store.add_roots(r for r in roots if os.path.isdir(r))
    lib.store.close_interrupted_jobs()
    state = "done"
    try:
        work: list[_Work] = []
        yield from _scan_and_probe(lib, roots, cancel, report, work, job_id)
        yield from _embed_all(lib, work, cancel, report, job_id)
    except Cancelled:
        report.cancelled = True
        state = "cancelled"
    except BaseException:
        state = "failed"
        raise
    finally:
        lib.indexes.save()
        report.seconds = time.monotonic() - t0
        lib.store.finish_job(job_id, state, report.embedded, report.scanned, len(report.problems),
                             report.device or None, report.rate or None)
    yield Progress("cancelled" if report.cancelled else "done", report.embedded, report.embedded,
                   errors=report.problems,
                   message=summary(report))
    return report


def summary(r: IndexReport) -> str:
    parts = [f"{r.scanned} files seen", f"{r.new} new", f"{r.changed} changed", f"{r.moved} moved",
             f"{r.missing} gone", f"{r.embedded} embedded", f"{len(r.problems)} problems"]
    speed = f" ({r.rate:.1f}/s on {r.device})" if r.embedded and r.device else ""
    return (("cancelled: " if r.cancelled else "") + ", ".join(parts)
            + f" in {r.seconds:.1f} s{speed}")


def _problem(lib: Library, conn: Any, job_id: int, report: IndexReport, path: str, stage: str,
             reason: str) -> None:
    report.problems.append(FileProblem(path, reason, stage))
    lib.store.add_problem(conn, job_id, path, stage, reason)


def _scan_and_probe(lib: Library, roots: list[str], cancel: CancelToken, report: IndexReport,
                    work: list[_Work], job_id: int) -> Generator[Progress, None, None]:
    store = lib.store
    meter = Meter("scan", 0)
    found: list[str] = []
    for p in iter_media_files(roots, cancel, skip=lib.folder):
        found.append(str(p))
        meter.step()
        if meter.due():
            yield meter.progress(current=str(p))
    for r in roots:
        if not os.path.exists(r):
            with store.transaction() as c:
                _problem(lib, c, job_id, report, r, "scan", "no such file or folder")
    report.scanned = len(found)
    seen = set(found)

    meter = Meter("probe", len(found))
    yield meter.progress()
    for start in range(0, len(found), PROBE_BATCH):
        cancel.raise_if_cancelled()
        chunk = found[start:start + PROBE_BATCH]
        # Probing reads files (slow); do it before the write transaction opens.
        planned = [(p, *_probe_one(store.file_by_path(p), p)) for p in chunk]
        removed: list[int] = []
        restored: list[int] = []
        with store.transaction() as c:
            for path, row, result, error in planned:
                _apply_probe(lib, c, job_id, report, work, removed, restored, path, row, result,
                             error)
        if removed:
            lib.indexes.remove(removed)
        if restored:
            _reindex(lib, restored)
        meter.step(len(chunk))
        yield meter.progress(current=chunk[-1], errors=report.problems)

    # Files that were under a scanned folder and are gone now leave the results.
    gone: list[int] = []
    for r in roots:
        if not os.path.isdir(r):
            continue
        for row in store.files_under(r):
            if (row.path not in seen and row.status not in ("missing", "removed")
                    and not os.path.exists(row.path)):
                gone.append(row.id)
    for r in roots:  # a single file given by path that is gone now
        row = store.file_by_path(r)
        if (row is not None and not os.path.exists(r)
                and row.status not in ("missing", "removed")):
            gone.append(row.id)
    if gone:
        with store.transaction() as c:
            for fid in gone:
                store.update_file(c, fid, status="missing")
        lib.indexes.remove(gone)
        report.missing = len(gone)


def _probe_one(row: FileRow | None, path: str
               ) -> tuple[FileRow | None, ProbeResult | None, str | None]:
    """(row, probe result or None, error or None); no probe when size and mtime are unchanged."""
    if row is not None and row.status == "removed":
        return row, None, None  # the user took it out of the library; a rescan leaves it out
    try:
        st = os.stat(path)
    except OSError as exc:
        return row, None, f"cannot read file: {exc.strerror or exc}"
    transient = row is not None and row.status == "error" and (row.error or "").startswith(
        TRANSIENT_ERRORS)
    if (row and row.status != "missing" and not transient and row.size == st.st_size
            and row.mtime == st.st_mtime):
        return row, None, None
    try:
        result = probe(path)
    except MediaError as exc:
        return row, None, str(exc)
    except Exception as exc:  # noqa: BLE001 - one odd file must not stop the run
        return row, None, f"unexpected error while probing: {type(exc).__name__}: {exc}"
    if result is None:
        return row, None, "not a media file"
    return row, result, None


def _reindex(lib: Library, ids: list[int]) -> None:
    """Put back into the indexes the stored vectors of files that are present again."""
    for space in lib.store.spaces():
        got, mat = lib.store.space_vectors(space, ids)
        if len(got):
            lib.indexes.add(space, got.tolist(), mat)


def _apply_probe(lib: Library, c: Any, job_id: int, report: IndexReport, work: list[_Work],
                 removed: list[int], restored: list[int], path: str, row: FileRow | None,
                 result: ProbeResult | None, error: str | None) -> None:
    store = lib.store
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
        _problem(lib, c, job_id, report, path, "probe", error)
        return
    if result is None:  # unchanged since the last run, or removed by the user
        assert row is not None
        if row.status == "removed":
            return
        if row.status == "error":
            report.problems.append(FileProblem(path, row.error or "failed before", "earlier run"))
            return
        report.unchanged += 1
        model = lib.model_for(row.kind)
        if not store.has_vector(row.id, model):
            work.append(_Work(row.id, path, model))
        return

    fields = dict(kind=result.kind.value, size=result.size, mtime=result.mtime, hash=result.hash,
                  full_hash=None, width=result.width, height=result.height,
                  duration=result.duration, sample_rate=result.sample_rate, status="ok",
                  error=None)
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
        file_id = _new_or_moved(lib, c, report, path, result, fields)
        restored.append(file_id)  # a moved file or a copy may bring vectors along
    if not store.has_vector(file_id, model):
        work.append(_Work(file_id, path, model))


def _new_or_moved(lib: Library, c: Any, report: IndexReport, path: str, result: ProbeResult,
                  fields: dict[str, Any]) -> int:
    store = lib.store
    same = [r for r in store.files_by_hash(result.hash)
            if r.path != path and r.size == result.size and r.status != "removed"
            and _same_shape(r, result)]
    for old in same:
        if old.status == "missing" or not os.path.exists(old.path):
            # Moved or renamed: the row (id, vectors, index labels) follows the file.
            store.update_file(c, old.id, path=path, **fields)
            report.moved += 1
            return old.id
    new_id = store.insert_file(c, path=path, **fields)
    report.new += 1
    for twin in same:
        if twin.status != "ok":
            continue
        # A copy of a file we know: confirm with full hashes, then reuse its vectors.
        try:
            twin_full = twin.full_hash or full_hash(twin.path)
            mine = full_hash(path)
        except OSError:
            continue
        store.update_file(c, twin.id, full_hash=twin_full)
        store.update_file(c, new_id, full_hash=mine)
        if twin_full == mine:
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
    from mediabrowser.core.media.sniff import kind_from_extension

    kind = kind_from_extension(path)
    return kind.value if kind else "image"


def _embed_all(lib: Library, work: list[_Work], cancel: CancelToken, report: IndexReport,
               job_id: int) -> Generator[Progress, None, None]:
    by_model: dict[str, list[_Work]] = {}
    for w in work:
        by_model.setdefault(w.model, []).append(w)
    meter = Meter("embed", len(work))
    yield meter.progress(errors=report.problems)
    last_save = time.monotonic()
    if work:
        report.device = lib.device
    stage_start = time.monotonic()
    try:
        yield from _embed_models(lib, by_model, cancel, report, job_id, meter, last_save)
    finally:
        report.embed_seconds = time.monotonic() - stage_start


def _embed_models(lib: Library, by_model: dict[str, list[_Work]], cancel: CancelToken,
                  report: IndexReport, job_id: int, meter: Meter, last_save: float
                  ) -> Generator[Progress, None, None]:
    for model, items in by_model.items():
        cancel.raise_if_cancelled()
        try:
            embedder = lib.embedder(model)
        except Exception as exc:  # noqa: BLE001 - missing, damaged or unloadable weights
            with lib.store.transaction() as c:
                for w in items:
                    # Not the file's fault: no error status, so a later run retries it.
                    _problem(lib, c, job_id, report, w.path, "embed", f"model unavailable: {exc}")
            meter.step(len(items))
            continue
        spec = get_spec(model)
        batch_size = max(1, BATCH_BY_KIND[spec.modality.value] if spec.modality.value != "image"
                         else batch_size_for(lib.device, lib.config.batch_size))
        ahead = batch_size * 3
        batch: list[tuple[_Work, Any]] = []
        stream = prefetch_map(lambda w: embedder.prepare(w.path), items,  # noqa: B023
                              workers=lib.config.decode_workers, ahead=ahead)
        try:
            for w, prepared, failure in stream:
                cancel.raise_if_cancelled()
                if failure is not None:
                    reason = str(failure) if isinstance(failure, MediaError) else (
                        f"could not decode: {type(failure).__name__}: {failure}")
                    with lib.store.transaction() as c:
                        lib.store.set_error(c, w.file_id, reason)
                        _problem(lib, c, job_id, report, w.path, "decode", reason)
                    meter.step()
                    continue
                batch.append((w, prepared))
                if len(batch) >= batch_size:
                    _flush(lib, embedder, spec, batch, report, job_id)
                    meter.step(len(batch))
                    batch = []
                    yield meter.progress(current=w.path, errors=report.problems)
                    if time.monotonic() - last_save > SAVE_EVERY_SECONDS:
                        lib.indexes.save()
                        last_save = time.monotonic()
            if batch:
                _flush(lib, embedder, spec, batch, report, job_id)
                meter.step(len(batch))
                yield meter.progress(current=batch[-1][0].path, errors=report.problems)
        finally:
            stream.close()


def _flush(lib: Library, embedder: Any, spec: Any, batch: list[tuple[_Work, Any]],
           report: IndexReport, job_id: int) -> None:
    """Embed one batch, write it in one transaction, then add it to the index."""
    try:
        vectors = _embed_splitting(embedder, [p for _, p in batch])
        results: list[tuple[_Work, Any, str | None]] = [
            (w, vectors[i], None) for i, (w, _) in enumerate(batch)]
    except Exception:  # noqa: BLE001 - find the one input that breaks the batch
        results = []
        for w, p in batch:
            try:
                results.append((w, embedder.embed([p])[0], None))
            except Exception as exc:  # noqa: BLE001
                results.append((w, None, f"model failed on this file: {type(exc).__name__}: {exc}"))
    ok_ids: list[int] = []
    ok_vecs: list[Any] = []
    with lib.store.transaction() as c:
        for w, vec, err in results:
            if err is not None:
                lib.store.set_error(c, w.file_id, err)
                _problem(lib, c, job_id, report, w.path, "embed", err)
                continue
            lib.store.put_vector(c, w.file_id, spec.name, spec.index_space, vec)
            ok_ids.append(w.file_id)
            ok_vecs.append(vec)
    if ok_ids:
        import numpy as np

        lib.indexes.add(spec.index_space, ok_ids, np.stack(ok_vecs))
        report.embedded += len(ok_ids)


def _embed_splitting(embedder: Any, prepared: list[Any]) -> Any:
    """Embed a batch; when the GPU runs out of memory, embed it in halves instead."""
    import numpy as np

    try:
        return embedder.embed(prepared)
    except RuntimeError as exc:
        if "out of memory" not in str(exc).lower() or len(prepared) == 1:
            raise
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        half = len(prepared) // 2
        return np.concatenate([_embed_splitting(embedder, prepared[:half]),
                               _embed_splitting(embedder, prepared[half:])])


def run_to_end(job: Generator[Progress, None, Any], on_progress: Any = None) -> Any:
    """Drive a job generator to completion; returns its result."""
    while True:
        try:
            p = next(job)
        except StopIteration as stop:
            return stop.value
        if on_progress is not None:
            on_progress(p)


def index_paths(lib: Library, paths: Iterable[str | Path]) -> IndexReport:
    """Convenience for scripts and tests: index without progress, under the writer lock."""
    lib.lock_for_writing(timeout=60)
    try:
        report: IndexReport = run_to_end(index_job(lib, list(paths)))
        return report
    finally:
        lib.unlock()
