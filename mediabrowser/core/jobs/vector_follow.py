"""Following a shared library: what other machines sent to its Milvus since this one last
looked comes into this library's own store (records and vectors), so the window's grid,
Find Similar, filters, duplicates and map work on it as on any library, at local speed.

Rows carry the stamp of their sending and rows deleted leave a stamp in `mb_gone`
(core/index/milvus.py): a follow asks for both after its last stamp, less a look back for
machines whose clocks run behind (a row seen already is skipped by its stamp). Deletions go
first, so a file deleted and indexed again stays. What comes in is marked as pulled and is
never sent back (core/store/shared.py). The item's own mtime and content hash come with it:
this machine indexing the same shared file finds its vector there and does not embed again.
`vectors export --to embedded` brings a whole library back the same way, then drops the marks.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np

from mediabrowser.core.index.milvus import MilvusVectors, VectorsUri
from mediabrowser.core.library import Library
from mediabrowser.core.store.tx import Tx
from mediabrowser.core.types import CancelToken, Progress

FOLLOWED = "vectors_followed"  # meta: "<uri> <stamp>" — the newest row taken in, and where
LOOK_BACK_MS = 2 * 60 * 1000  # clocks of machines sending may run this far behind ours (NTP)


@dataclass
class FollowReport:
    vectors: int = 0  # vectors taken in
    new_files: int = 0
    removed: int = 0  # vectors gone from the shared store, so from here
    uri: str = ""


def follow_job(lib: Library, uri: VectorsUri, cancel: CancelToken | None = None
               ) -> Generator[Progress, None, FollowReport]:
    """Take in what the shared store at `uri` gained and lost since the last follow (all of
    it the first time)."""
    cancel = cancel or CancelToken()
    report = FollowReport(uri=str(uri))
    store = lib.store
    seen = (store.meta_value(FOLLOWED) or "").rsplit(" ", 1)
    newest = int(seen[1]) if len(seen) == 2 and seen[0] == str(uri) else -1
    since = newest - LOOK_BACK_MS if newest >= 0 else -1
    mv = MilvusVectors(uri)
    try:
        mv.check(store.space_dims())  # nothing taken from collections this library can't use
        spaces = mv.spaces()
        if since >= 0:  # a first follow has nothing here to delete
            for gone in mv.gone_since(since):
                cancel.raise_if_cancelled()
                by_space: dict[str, list[str]] = {}
                for g in gone:
                    by_space.setdefault(str(g["space"]), []).append(str(g["key"]))
                    newest = max(newest, int(g["stamp"]))
                with store.transaction() as tx:
                    for space, keys in by_space.items():
                        report.removed += store.drop_pulled(tx, space, keys)
        for space, info in spaces.items():
            for stamps in mv.stamps(space, since=since if since >= 0 else None):
                cancel.raise_if_cancelled()
                newest = max([newest, *(st for _k, st in stamps)])
                # Rows this library sent, or took in at that stamp already, are not asked
                # for again: a look right after a bulk sending reads keys, not vectors.
                known = store.key_stamps(space, [k for k, _st in stamps])
                need = [k for k, st in stamps
                        if k not in known or (known[k][0] and known[k][1] < st)]
                rows = mv.rows_by_keys(space, need) if need else []
                with store.transaction() as tx:
                    for r in rows:
                        _take(lib, tx, space, str(info.get("model", "")), r, report)
                yield Progress("vectors", report.vectors, 0,
                               message=f"took in {report.vectors:,} from {uri}")
        with store.transaction() as tx:
            store.set_meta(tx, FOLLOWED, f"{uri} {newest}")
    finally:
        mv.close()
    return report


def _take(lib: Library, tx: Tx, space: str, model: str, r: dict[str, Any],
          report: FollowReport) -> None:
    store = lib.store
    path = str(r["path"])
    model = str(r.get("model") or model)
    segment = int(r["segment"])
    stamp = int(r.get("stamp") or 0)
    row = store.file_by_path(path)
    duration = float(r.get("duration") or -1)
    mtime = float(r.get("mtime") or 0.0)
    date = float(r.get("date") or 0.0)
    facts = dict(kind=str(r["kind"]), size=int(r["size"] or 0), mtime=mtime or date,
                 hash=str(r.get("hash") or "") or None,
                 taken=date if mtime and abs(date - mtime) > 1.0 else None,
                 width=int(r["width"]) or None, height=int(r["height"]) or None,
                 duration=duration if duration >= 0 else None,
                 camera=str(r.get("camera_name") or "") or None)
    if row is None:
        fid = store.insert_file(tx, path=path, status="ok", **facts)
        report.new_files += 1
    else:
        fid = row.id
        mine = store.local_vector(fid, model, segment)
        if mine is not None and not mine[1]:
            return  # this machine's own vector of the file (it indexed it itself)
        # The file as the machine that sent it saw it (changed since, say): this machine's
        # scan of the same shared file then finds it unchanged, and embeds nothing again.
        store.update_file(tx, fid, **facts)
    start, end = float(r["start"]), float(r["end"])
    store.put_vector(tx, fid, model, space, np.asarray(r["vector"], np.float32), segment,
                     start if start >= 0 else None, end if end >= 0 else None)
    got = store.local_vector(fid, model, segment)
    if got is not None:
        store.remember_keys(tx, [(got[0], space, str(r["key"]))], pulled=True, stamp=stamp)
    report.vectors += 1

