"""A space's filterable facts as columns indexed by label, so a filter becomes a mask over a
million labels in a few milliseconds, and the index searches only what the mask keeps
(core/index/hnsw.py `query_among`).

Folders, cameras and file types are held as codes into short lists of names; a folder filter
picks the codes of that folder and those below it (a scan of the distinct folders, not of the
files). The columns follow the store's change log, like the graphs: a filter asked after an
import or a move sees it. At 1M items they take about 40 MB and load in a few seconds, once.
"""

from __future__ import annotations

import json
import math
import os
import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from mediabrowser.core.filenames import from_db
from mediabrowser.core.filters import Filters, extension
from mediabrowser.core.store.facets import FacetRow
from mediabrowser.core.store.repo import Store

KINDS = ("image", "video", "audio")
_MASKS_KEPT = 8
_COLUMNS = ("present", "kind", "size", "date", "width", "height", "duration", "camera", "ext",
            "folder")
SAVE_FROM = 20_000  # a space this large keeps its columns on disk (1M: 14 s to read again)


class _Names:
    """Distinct names and their codes (folders, cameras, file types)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.codes: dict[str, int] = {}

    def code(self, name: str) -> int:
        got = self.codes.get(name)
        if got is None:
            got = self.codes[name] = len(self.names)
            self.names.append(name)
        return got

    def lookup(self, matches: np.ndarray) -> np.ndarray:
        """A table from code to "kept", for `kept = table[codes]` (code -1: never kept)."""
        table = np.zeros(len(self.names) + 1, dtype=bool)
        table[:len(matches)] = matches
        return table


class Facets:
    """The columns of one vector space; `mask(filters)` gives the labels a filter keeps."""

    def __init__(self, space: str) -> None:
        self.space = space
        self.seq = 0  # the last change of the store's log applied
        self.present = np.zeros(0, dtype=bool)
        self.kind = np.zeros(0, dtype=np.int8)
        self.size = np.zeros(0, dtype=np.int64)
        self.date = np.zeros(0, dtype=np.float64)
        self.width = np.zeros(0, dtype=np.int32)
        self.height = np.zeros(0, dtype=np.int32)
        self.duration = np.zeros(0, dtype=np.float32)
        self.camera = np.zeros(0, dtype=np.int32)
        self.ext = np.zeros(0, dtype=np.int32)
        self.folder = np.zeros(0, dtype=np.int32)
        self.folders, self.cameras, self.exts = _Names(), _Names(), _Names()
        self._masks: dict[Filters, np.ndarray] = {}
        self.lock = threading.RLock()
        self._saved: tuple[Path, str] | None = None  # where it is kept, for which database
        self._real: list[str] = []  # the folders with links resolved, as asked

    # ---- loading and following the store ----------------------------------------------------
    @classmethod
    def load(cls, store: Store, space: str, saved: Path | None = None) -> Facets:
        """The columns saved at `saved` brought up to date, else read from the store (and
        saved there when the space is large)."""
        if saved is not None:
            got = cls.read(saved, space, store.library_id())
            if got is not None:
                got._saved = (saved, store.library_id())
                got.sync(store)
                return got
        self = cls(space)
        with self.lock:
            self.seq = store.last_change()
            for rows in store.facet_rows(space):
                self._put(rows)
            if saved is not None and int(self.present.sum()) >= SAVE_FROM:
                self._saved = (saved, store.library_id())
                self.write(*self._saved)
        return self

    def write(self, path: Path, library_id: str) -> None:
        """Saved aside and renamed (a kill leaves the old file or none); a folder that cannot
        be written only costs the next session the reading."""
        names = json.dumps({"folders": self.folders.names, "cameras": self.cameras.names,
                            "exts": self.exts.names, "seq": self.seq, "space": self.space,
                            "library_id": library_id})
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as f:
                np.savez(f, names=np.array(names), **{c: getattr(self, c) for c in _COLUMNS})
            os.replace(tmp, path)
        except OSError:
            tmp.unlink(missing_ok=True)

    @classmethod
    def read(cls, path: Path, space: str, library_id: str) -> Facets | None:
        try:
            with np.load(path) as data:
                meta = json.loads(str(data["names"]))
                if meta.get("space") != space or meta.get("library_id") != library_id:
                    return None
                self = cls(space)
                for c in _COLUMNS:
                    setattr(self, c, np.array(data[c], dtype=getattr(self, c).dtype))
        except (OSError, ValueError, KeyError, TypeError):
            return None  # missing or damaged: read again from the store
        if len({len(getattr(self, c)) for c in _COLUMNS}) != 1:
            return None
        self.seq = int(meta["seq"])
        for names, key in ((self.folders, "folders"), (self.cameras, "cameras"),
                           (self.exts, "exts")):
            names.names = [str(n) for n in meta[key]]
            names.codes = {n: i for i, n in enumerate(names.names)}
        return self

    def sync(self, store: Store) -> None:
        """Apply the store's changes logged since the last look (one query when none)."""
        applied = 0
        with self.lock:
            while True:
                labels, last = store.changes_since(self.seq)
                if not labels:
                    break
                self._forget(labels)
                self._put(store.facet_rows_of(self.space, labels))
                self.seq = last
                self._masks.clear()
                applied += len(labels)
            if applied >= SAVE_FROM and self._saved is not None:
                self.write(*self._saved)

    def _forget(self, labels: Iterable[int]) -> None:
        arr = np.asarray(list(labels), np.int64)
        arr = arr[arr < len(self.present)]
        self.present[arr] = False

    def _grow(self, top: int) -> None:
        if top < len(self.present):
            return
        n = max(top + 1, int(len(self.present) * 1.25) + 1024)
        for name in ("present", "kind", "size", "date", "width", "height", "duration",
                     "camera", "ext", "folder"):
            old = getattr(self, name)
            new = np.zeros(n, dtype=old.dtype)
            if name in ("camera", "ext", "folder"):
                new[:] = -1
            elif name == "duration":
                new[:] = np.nan
            new[:len(old)] = old
            setattr(self, name, new)

    def _put(self, rows: list[FacetRow]) -> None:
        if not rows:
            return
        labels, kinds, sizes, dates, widths, heights, durations, cameras, paths = zip(
            *rows, strict=True)
        lab = np.asarray(labels, np.int64)
        self._grow(int(lab.max()))
        kind_code = {k: i for i, k in enumerate(KINDS)}
        self.kind[lab] = [kind_code.get(k, -1) for k in kinds]
        self.size[lab] = sizes
        self.date[lab] = [d if d is not None else 0.0 for d in dates]
        self.width[lab] = [w or 0 for w in widths]
        self.height[lab] = [h or 0 for h in heights]
        self.duration[lab] = [d if d is not None else math.nan for d in durations]
        cam = self.cameras.code
        self.camera[lab] = [cam(c) if c else -1 for c in cameras]
        names = [from_db(p) for p in paths]
        folder, ext = self.folders.code, self.exts.code
        self.folder[lab] = [folder(n.rpartition(os.sep)[0]) for n in names]
        self.ext[lab] = [ext(extension(n)) for n in names]
        self.present[lab] = True

    # ---- masks ------------------------------------------------------------------------------
    def mask(self, filters: Filters) -> np.ndarray:
        """A bool per label: present and kept by every filter. Kept for the last few filters
        (the window asks with the same filters query after query)."""
        with self.lock:
            got = self._masks.get(filters)
            if got is None:
                got = self._compute(filters)
                self._masks[filters] = got
                while len(self._masks) > _MASKS_KEPT:
                    self._masks.pop(next(iter(self._masks)))
            return got

    def _compute(self, f: Filters) -> np.ndarray:
        keep = self.present.copy()
        if f.folder:
            # the folder as given and as it really is (a link to it, or a library indexed
            # through a link): files under either are under it
            tops = {os.path.abspath(f.folder).rstrip(os.sep) or os.sep,
                    os.path.realpath(f.folder).rstrip(os.sep) or os.sep}
            if os.sep in tops:
                hits = np.ones(len(self.folders.names), dtype=bool)
            else:
                real = self._real_folders()
                hits = np.array([any(n == t or n.startswith(t + os.sep) for t in tops)
                                 or any(r == t or r.startswith(t + os.sep) for t in tops)
                                 for n, r in zip(self.folders.names, real, strict=True)],
                                dtype=bool)
            keep &= self.folders.lookup(hits)[self.folder]
        if f.after is not None:
            keep &= self.date >= f.after
        if f.before is not None:
            keep &= self.date < f.before
        if f.min_size is not None:
            keep &= self.size >= f.min_size
        if f.max_size is not None:
            keep &= self.size <= f.max_size
        if f.min_width:
            keep &= self.width >= f.min_width
        if f.min_height:
            keep &= self.height >= f.min_height
        if f.orientation:
            w, h = self.width, self.height
            known = (w > 0) & (h > 0)
            if f.orientation == "landscape":
                keep &= known & (w > h)
            elif f.orientation == "portrait":
                keep &= known & (h > w)
            else:
                keep &= known & (np.abs(w - h) <= 0.02 * np.maximum(w, h))
        if f.min_duration is not None:
            keep &= self.duration >= f.min_duration  # NaN (a photo) compares False
        if f.max_duration is not None:
            keep &= self.duration <= f.max_duration
        if f.camera:
            needle = f.camera.lower()
            hits = np.array([needle in n.lower() for n in self.cameras.names], dtype=bool)
            keep &= self.cameras.lookup(hits)[self.camera]
        if f.types:
            wanted = set(f.types)
            hits = np.array([n in wanted for n in self.exts.names], dtype=bool)
            keep &= self.exts.lookup(hits)[self.ext]
        return keep

    def _real_folders(self) -> list[str]:
        """Each folder as it really is (links resolved), worked out once per folder."""
        names = self.folders.names
        while len(self._real) < len(names):
            n = names[len(self._real)]
            try:
                self._real.append(os.path.realpath(n) if n else n)
            except (OSError, ValueError):
                self._real.append(n)
        return self._real[:len(names)]

    def count(self, filters: Filters) -> int:
        return int(np.count_nonzero(self.mask(filters)))

    def camera_names(self) -> list[str]:
        """Cameras some present item was taken with, most items first (for the window)."""
        with self.lock:
            codes = self.camera[self.present]
            counts = np.bincount(codes[codes >= 0], minlength=len(self.cameras.names))
            return [self.cameras.names[i] for i in np.argsort(-counts) if counts[i] > 0]

    def type_names(self) -> list[str]:
        with self.lock:
            codes = self.ext[self.present]
            counts = np.bincount(codes[codes >= 0], minlength=len(self.exts.names))
            return [self.exts.names[i] for i in np.argsort(-counts) if counts[i] > 0 and
                    self.exts.names[i]]
