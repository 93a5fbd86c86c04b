"""Bringing a library's vectors back from Milvus into the embedded store, without computing
any again: every row becomes the vector of its file (made in this library when it is not
there yet, from the fields the row carries), so `vectors export --to embedded` moves a
library off Milvus, and a machine joining a shared library gets its own copy."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import numpy as np

from mediabrowser.core.index.milvus import MilvusVectors, VectorsUri
from mediabrowser.core.library import Library
from mediabrowser.core.types import CancelToken, Progress


@dataclass
class PullReport:
    vectors: int = 0
    new_files: int = 0


def pull_job(lib: Library, uri: VectorsUri, cancel: CancelToken | None = None
             ) -> Generator[Progress, None, PullReport]:
    cancel = cancel or CancelToken()
    report = PullReport()
    store = lib.store
    mv = MilvusVectors(uri)
    try:
        for space, info in mv.spaces().items():
            model = str(info.get("model", ""))
            for rows in mv.rows(space):
                cancel.raise_if_cancelled()
                with store.transaction() as tx:
                    for r in rows:
                        path = str(r["path"])
                        row = store.file_by_path(path)
                        if row is None:
                            duration = float(r.get("duration") or -1)
                            fid = store.insert_file(
                                tx, path=path, kind=str(r["kind"]), size=int(r["size"] or 0),
                                mtime=float(r["date"] or 0.0), width=int(r["width"]) or None,
                                height=int(r["height"]) or None,
                                duration=duration if duration >= 0 else None,
                                camera=str(r.get("camera") or "") or None, status="ok")
                            report.new_files += 1
                        else:
                            fid = row.id
                        start, end = float(r["start"]), float(r["end"])
                        store.put_vector(tx, fid, str(r.get("model") or model), space,
                                         np.asarray(r["vector"], np.float32),
                                         int(r["segment"]), start if start >= 0 else None,
                                         end if end >= 0 else None)
                        report.vectors += 1
                yield Progress("vectors", report.vectors, 0,
                               message=f"brought back {report.vectors:,}")
    finally:
        mv.close()
    return report
