"""Collections: a result set or a selection kept under a name, opened later, written out as a
list (CSV, JSON, an M3U playlist, plain paths). The names and items live in the library's
database (store/collections.py); copying the files to a folder is core/dupes/selected.py's."""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mediabrowser.core.library import Library
from mediabrowser.core.store.collections import CollectionRow
from mediabrowser.core.store.listing import SHOWN
from mediabrowser.core.store.repo import FileRow
from mediabrowser.core.types import BadInput

MAX_NAME = 120
FORMATS = ("csv", "json", "m3u", "txt")


class CollectionError(BadInput):
    """A collection that cannot be saved, found or written; the message says why."""


def clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise CollectionError("a collection needs a name")
    if len(name) > MAX_NAME:
        raise CollectionError(f"a collection's name is at most {MAX_NAME} characters")
    return name


def save(lib: Library, name: str, items: Iterable[tuple[int, float | None]],
         query: str = "") -> CollectionRow:
    """Keep these library items (with their scores, when they are results) under `name`;
    a collection of that name is replaced."""
    name = clean_name(name)
    items = list(items)
    if not items:
        raise CollectionError(f"“{name}”: nothing to keep (no items)")
    with lib.store.transaction() as tx:
        lib.store.save_collection(tx, name, items, query)
    found = lib.store.collection_by_name(name)
    assert found is not None
    return found


def find(lib: Library, name: str) -> CollectionRow:
    found = lib.store.collection_by_name(" ".join(name.split()))
    if found is None:
        names = ", ".join(c.name for c in lib.store.collections()) or "none yet"
        raise CollectionError(f"no collection named “{name}” (collections: {names})")
    return found


def rows(lib: Library, collection: CollectionRow) -> list[tuple[FileRow, float | None]]:
    """The collection's files still in the library, in order, with their scores (a file
    gone from its folder, or taken out of the library, is left out; it comes back with
    its file)."""
    items = lib.store.collection_items(collection.id)
    files = lib.store.files_by_ids([fid for fid, _ in items])
    return [(files[fid], score) for fid, score in items
            if fid in files and files[fid].status in SHOWN]


def delete(lib: Library, name: str) -> None:
    found = find(lib, name)
    with lib.store.transaction() as tx:
        lib.store.delete_collection(tx, found.id)


def as_json(row: FileRow, score: float | None) -> dict[str, Any]:
    d: dict[str, Any] = {"path": row.path, "kind": row.kind, "size": row.size}
    if score is not None:
        d["score"] = round(float(score), 6)
    if row.width:
        d["width"], d["height"] = row.width, row.height
    if row.duration:
        d["duration"] = round(row.duration, 3)
    return d


def write(target: Path, items: list[tuple[FileRow, float | None]], fmt: str | None = None
          ) -> None:
    """The items as a list at `target`, in `fmt` (by default from the name's suffix; CSV
    when it says nothing): CSV and JSON with kind, size, score, dimensions and length; an M3U
    playlist a player opens; plain paths, one a line."""
    fmt = (fmt or target.suffix.lstrip(".").lower()).replace("m3u8", "m3u")
    if fmt not in FORMATS:
        fmt = "csv"
    opts: dict[str, Any] = {"encoding": "utf-8", "errors": "surrogateescape"}
    if fmt == "json":
        target.write_text(json.dumps([as_json(r, s) for r, s in items], indent=2) + "\n",
                          **opts)
    elif fmt == "m3u":
        lines = ["#EXTM3U"]
        for r, _s in items:
            lines += [f"#EXTINF:{round(r.duration or -1)},{Path(r.path).stem}", r.path]
        target.write_text("\n".join(lines) + "\n", **opts)
    elif fmt == "txt":
        target.write_text("".join(f"{r.path}\n" for r, _s in items), **opts)
    else:
        with open(target, "w", newline="", **opts) as f:
            out = csv.writer(f)
            out.writerow(["path", "kind", "score", "size", "width", "height", "duration",
                          "modified"])
            for r, s in items:
                out.writerow([r.path, r.kind, "" if s is None else f"{s:.4f}", r.size,
                              r.width or "", r.height or "",
                              "" if r.duration is None else f"{r.duration:.3f}",
                              time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(r.mtime))])
