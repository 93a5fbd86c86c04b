"""One batch of model inputs to vectors, and those vectors into the library: apart, so the
vectors can be computed where the work runs (this process, or a Ray actor elsewhere) and
written by the library's one writer."""

from __future__ import annotations

from typing import Any

from mediabrowser.core.embed.base import EmbedsMoments, Moment
from mediabrowser.core.jobs.report import IndexReport, Work, record_problem
from mediabrowser.core.library import Library
from mediabrowser.core.media import reasons
from mediabrowser.core.media.grey import store_grey
from mediabrowser.core.types import MediaError

Result = tuple[Work, Any, str | None]  # (work, vector or None, why it failed or None)


def embed_batch(embedder: Any, batch: list[tuple[Work, Any]]
                ) -> tuple[list[Result], dict[int, list[Moment]]]:
    """The vectors of a batch of (work, model input); an input that breaks the batch is found
    and failed alone. A model that finds moments gives them too."""
    with_moments = isinstance(embedder, EmbedsMoments)
    moments: dict[int, list[Moment]] = {}

    def embed(items: list[tuple[Work, Any]]) -> Any:
        prepared = [p for _, p in items]
        if not with_moments:
            return embed_splitting(embedder, prepared)
        vectors, found = embedder.embed_with_moments(prepared)
        moments.update((w.file_id, f) for (w, _), f in zip(items, found, strict=True))
        return vectors

    try:
        vectors = embed(batch)
        return [(w, vectors[i], None) for i, (w, _) in enumerate(batch)], moments
    except Exception:  # noqa: BLE001 - find the one input that breaks the batch
        results: list[Result] = []
        for w, p in batch:
            try:
                results.append((w, embed([(w, p)])[0], None))
            except MediaError as exc:
                results.append((w, None, str(exc)))
            except Exception as exc:  # noqa: BLE001
                detail = "out of memory" if "out of memory" in str(exc).lower() else (
                    reasons.from_message(str(exc), "unexpected data"))
                results.append((w, None, f"model failed on this file ({detail}); "
                                         "it is tried again on the next run"))
        return results, moments


def write_results(lib: Library, spec: Any, results: list[Result],
                  moments: dict[int, list[Moment]], greys: dict[int, Any],
                  report: IndexReport, job_id: int) -> None:
    """Write a batch's vectors (and moments, grey pictures) in one transaction, then add
    them to the index."""
    rows = lib.store.files_by_ids(greys) if greys else {}
    ok_ids: list[int] = []
    with lib.store.transaction() as c:
        for w, vec, err in results:
            if err is not None:
                lib.store.set_error(c, w.file_id, err)
                record_problem(lib, c, job_id, report, w.path, "embed", err)
                continue
            lib.store.put_vector(c, w.file_id, spec.name, spec.index_space, vec)
            if w.file_id in moments:
                found_here = moments[w.file_id]
                for n, m in enumerate(found_here, start=1):
                    lib.store.put_vector(c, w.file_id, spec.name, spec.moments_space,
                                         m.vector, segment=n, start_s=m.start, end_s=m.end)
                lib.store.drop_segments_from(c, w.file_id, spec.name, len(found_here) + 1)
            if w.file_id in rows:
                row = rows[w.file_id]
                store_grey(c, w.file_id, row.size, row.mtime, greys[w.file_id])
            ok_ids.append(w.file_id)
    if ok_ids:
        lib.indexes.sync()  # the new vectors, from the store's change log
        lib.indexes.get(spec.index_space)  # the first vectors of a space start its index
        if any(moments.values()):
            lib.indexes.get(spec.moments_space)
        report.embedded += len(ok_ids)


def embed_splitting(embedder: Any, prepared: list[Any]) -> Any:
    """Embed a batch; when the GPU runs out of memory, embed it in halves instead."""
    import numpy as np

    try:
        return embedder.embed(prepared)
    except Exception as exc:  # noqa: BLE001 - ONNX Runtime's errors are not RuntimeErrors
        words = str(exc).lower()
        if ("out of memory" not in words and "failed to allocate" not in words
                or len(prepared) == 1):
            raise
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except ImportError:  # ONNX Runtime frees its arena itself
            pass
        half = len(prepared) // 2
        return np.concatenate([embed_splitting(embedder, prepared[:half]),
                               embed_splitting(embedder, prepared[half:])])
