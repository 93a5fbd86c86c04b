"""The indexing job: scan → probe → decode (pool) → embed (batched) → store → index.

A generator that yields Progress and returns an IndexReport. It checks its cancel token between
steps; the database gets one transaction per batch and the index is saved atomically, so the job
can be cancelled or killed at any point and the next run carries on where this one stopped.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mediabrowser.core.driver import drive
from mediabrowser.core.embed.base import KeepsGrey, ReadsInWorkers
from mediabrowser.core.embed.device import batch_size_for
from mediabrowser.core.embed.engine import engine_words
from mediabrowser.core.embed.registry import get_spec
from mediabrowser.core.jobs.crash_guard import CrashGuard
from mediabrowser.core.jobs.decode_pool import DecoderPool, shared_pool
from mediabrowser.core.jobs.embed_batch import embed_batch, write_results
from mediabrowser.core.jobs.prefetch import prefetch_map
from mediabrowser.core.jobs.probe_stage import scan_and_probe
from mediabrowser.core.jobs.progress import Meter
from mediabrowser.core.jobs.ray_embed import end_ray, ray_embed, start_ray
from mediabrowser.core.jobs.report import IndexReport, Work, record_problem, summary
from mediabrowser.core.library import Library, LibraryFailure
from mediabrowser.core.media import reasons
from mediabrowser.core.types import Cancelled, CancelToken, MediaError, Progress

# The change log keeps what a kill interrupts, so saving the index (a GB at a million items)
# is only a shortcut for the next open.
SAVE_EVERY_SECONDS = 600.0
BATCH_BY_KIND = {"image": 16, "video": 2, "audio": 8}
__all__ = ["IndexReport", "index_job", "index_paths", "run_to_end", "summary"]


def index_job(
    lib: Library, paths: Sequence[str | Path], cancel: CancelToken | None = None,
    add_roots: bool = True, ray: str | None = None,
) -> Generator[Progress, None, IndexReport]:
    """Index files and folders into `lib`. The caller holds the library's writer lock.
    `add_roots`: folders given become library folders (not for folders inside them that a
    watch saw change). `ray`: decode and embed as a Ray Data job on the cluster at that
    address (`auto`: a local Ray for the run); RayError before anything is done when it
    cannot be joined."""
    stop_ray = start_ray(ray) if ray else False
    cancel = cancel or CancelToken()
    report = IndexReport()
    t0 = time.monotonic()
    job_id = lib.store.start_job("index")
    roots = [str(Path(p).expanduser().absolute()) for p in paths]
    known_roots = set(lib.store.roots())
    for r in roots if add_roots else []:
        if os.path.isdir(r) and r not in known_roots:
            # A folder added (again) by the user: items taken out with it come back.
            lib.restore_items([row.id for row in lib.store.files_under(r)
                               if row.status == "removed"])
    if add_roots:
        lib.store.add_roots(r for r in roots if os.path.isdir(r))
    lib.store.close_interrupted_jobs()
    state = "done"
    try:
        work: list[Work] = []
        # Workers start at the first decode and are kept for the next run; those still busy
        # when the job ends, however it ends, are stopped.
        pool = shared_pool(lib.config.decode_workers, lib.config.decode_time_limit,
                           preload=("mediabrowser.core.embed.file_inputs",
                                    "mediabrowser.core.media.probe"))
        with CrashGuard(lib.folder) as guard, contextlib.closing(_Busy(pool)):
            yield from scan_and_probe(lib, roots, cancel, report, work, job_id, guard, pool)
            if ray:
                yield from ray_embed(lib, work, cancel, report, job_id)
            else:
                yield from _embed_all(lib, work, cancel, report, job_id, Decoding(guard, pool))
            yield from lib.indexes.reduce(cancel)  # a space that outgrew full-size graphs
    except Cancelled:
        report.cancelled = True
        state = "cancelled"
    except (sqlite3.Error, OSError) as exc:
        # Every file's own trouble is caught where it happens; what reaches here is the
        # library's (disk full, folder read-only, database damaged): stop, and say what to do.
        state = "failed"
        raise LibraryFailure.from_error(lib.folder, exc) from exc
    except BaseException:
        state = "failed"
        raise
    finally:
        report.seconds = time.monotonic() - t0
        if ray:
            end_ray(stop_ray)
        try:
            lib.indexes.save()
            lib.store.finish_job(job_id, state, report.embedded, report.scanned,
                                 len(report.problems), report.device or None, report.rate or None)
        except (sqlite3.Error, OSError) as exc:
            if state != "failed":
                raise LibraryFailure.from_error(lib.folder, exc) from exc
    yield Progress("cancelled" if report.cancelled else "done", report.embedded, report.embedded,
                   errors=report.problems,
                   message=summary(report))
    return report


@dataclass(frozen=True)
class _Busy:
    pool: DecoderPool

    def close(self) -> None:
        self.pool.stop_busy()


@dataclass(frozen=True)
class Decoding:
    guard: CrashGuard  # for decodes in this process (models with no picklable file input)
    pool: DecoderPool  # for the rest: decodes in worker processes


def _embed_all(lib: Library, work: list[Work], cancel: CancelToken, report: IndexReport,
               job_id: int, decoding: Decoding) -> Generator[Progress, None, None]:
    by_model: dict[str, list[Work]] = {}
    for w in work:
        by_model.setdefault(w.model, []).append(w)
    meter = Meter("embed", len(work))
    yield meter.progress(errors=report.problems)
    last_save = time.monotonic()
    stage_start = time.monotonic()
    try:
        yield from _embed_models(lib, by_model, cancel, report, job_id, meter, last_save,
                                 decoding)
    finally:
        report.embed_seconds = time.monotonic() - stage_start


def _embed_models(lib: Library, by_model: dict[str, list[Work]], cancel: CancelToken,
                  report: IndexReport, job_id: int, meter: Meter, last_save: float,
                  decoding: Decoding) -> Generator[Progress, None, None]:
    for model, items in by_model.items():
        cancel.raise_if_cancelled()
        try:
            embedder = lib.embedder(model)
        except Exception as exc:  # noqa: BLE001 - missing, damaged or unloadable weights
            with lib.store.transaction() as c:
                for w in items:
                    # Not the file's fault: no error status, so a later run retries it.
                    record_problem(lib, c, job_id, report, w.path, "embed",
                                   f"model unavailable: {reasons.scrub(str(exc), 300)}")
            meter.step(len(items))
            continue
        spec = get_spec(model)
        meter.message = engine_words(embedder, lib.device)
        if meter.message not in report.device.split(", "):
            report.device = ", ".join(filter(None, [report.device, meter.message]))
        batch_size = max(1, BATCH_BY_KIND[spec.modality.value] if spec.modality.value != "image"
                         else batch_size_for(lib.device, lib.config.batch_size))
        ahead = batch_size * 3
        batch: list[tuple[Work, Any]] = []
        stream = _decode_stream(embedder, [w.path for w in items], lib.config.decode_workers,
                                ahead, decoding)
        try:
            for w, (_, prepared, failure) in zip(items, stream, strict=True):
                cancel.raise_if_cancelled()
                if isinstance(failure, Cancelled):
                    raise failure  # the decode workers were closed: the run is stopping
                if failure is not None:
                    reason = str(failure) if isinstance(failure, MediaError) else (
                    reasons.unexpected("decode", failure))
                    with lib.store.transaction() as c:
                        lib.store.set_error(c, w.file_id, reason)
                        record_problem(lib, c, job_id, report, w.path, "decode", reason)
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


def _decode_stream(embedder: Any, paths: list[str], workers: int, ahead: int,
                   decoding: Decoding
                   ) -> Generator[tuple[str, Any, BaseException | None], None, None]:
    """(path, (model input, grey picture or None), failure) in order. Decoded in the worker
    processes when the model's preprocessing can travel there (file_input), else in threads
    here, under the crash guard (only models that need PyTorch to preprocess)."""
    file_input = embedder.file_input() if isinstance(embedder, ReadsInWorkers) else None
    if file_input is not None:
        return prefetch_map(file_input, paths, ahead=ahead, executor=decoding.pool)

    # Photos: the grey picture for duplicates too. Chosen once, not per file.
    with_grey = embedder.prepare_with_grey if isinstance(embedder, KeepsGrey) else None

    def read(path: str) -> Any:
        return with_grey(path) if with_grey is not None else (embedder.prepare(path), None)

    def prepare(path: str) -> Any:
        with decoding.guard.reading(path):
            return read(path)

    return prefetch_map(prepare, paths, workers=workers, ahead=ahead)


def _flush(lib: Library, embedder: Any, spec: Any, batch: list[tuple[Work, Any]],
           report: IndexReport, job_id: int) -> None:
    """Embed one batch, write it in one transaction, then add it to the index. Each prepared
    item is (the model's input, a photo's grey picture or None)."""
    greys = {w.file_id: p[1] for w, p in batch if p[1] is not None}
    results, moments = embed_batch(embedder, [(w, p[0]) for w, p in batch])
    write_results(lib, spec, results, moments, greys, report, job_id)


run_to_end = drive  # the name scripts and tests know


def index_paths(lib: Library, paths: Iterable[str | Path]) -> IndexReport:
    """Convenience for scripts and tests: index without progress, under the writer lock."""
    lib.lock_for_writing(timeout=60)
    try:
        report: IndexReport = run_to_end(index_job(lib, list(paths)))
        return report
    finally:
        lib.unlock()
