"""Keeps one SpaceIndex per vector space in step with the store, shared by every Library of
the same folder in this process (the indexing and the search threads use the same graphs).

Opening loads the saved generation and applies the store's changes logged after it; a missing
or damaged index is rebuilt from the store: at once when the space is small, on a background
thread when it is large (`background=True`, the window) while searches answer exactly from the
store. `sync()` costs one query when nothing changed: it follows the change log by sequence
number, whoever wrote (another thread, another process).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path

from mediabrowser.core.driver import drive
from mediabrowser.core.index.build import build_space, catch_up
from mediabrowser.core.index.scan import ScanIndex
from mediabrowser.core.index.space import (
    ANN_DIM,
    FORMAT,
    PROJECT_FROM,
    SpaceIndex,
    read_meta,
    safe_name,
)
from mediabrowser.core.store.repo import Store
from mediabrowser.core.types import CancelToken, Progress

Index = SpaceIndex | ScanIndex

BACKGROUND_FROM = 20_000  # a missing index this large is rebuilt on a background thread
LOAD_AT_OPEN = 50_000  # a saved index this small loads while the window opens (< 0.1 s)
REDUCE_AT = 2 * PROJECT_FROM  # full-dimension graphs this large are rebuilt reduced


@dataclass
class _Shared:
    """The indexes of one library folder in this process."""

    spaces: dict[str, Index] = field(default_factory=dict)
    building: dict[str, threading.Thread] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # space → why its rebuild failed
    dirty: set[str] = field(default_factory=set)
    actions: dict[str, str] = field(default_factory=dict)  # "loaded" | "reconciled" | "rebuilt"
    lock: threading.RLock = field(default_factory=threading.RLock)
    cancel: CancelToken = field(default_factory=CancelToken)
    users: int = 0


_SHARED: dict[Path, _Shared] = {}
_SHARED_LOCK = threading.Lock()


def _attach(folder: Path) -> _Shared:
    with _SHARED_LOCK:
        shared = _SHARED.setdefault(folder.absolute(), _Shared())
        shared.users += 1
        return shared


class IndexManager:
    def __init__(self, folder: Path, store: Store, writable: bool = True,
                 background: bool = False, scan: bool = False) -> None:
        self.folder = folder
        self.store = store
        self.writable = writable
        self.background = background
        # A process that asks one query (the CLI) maps the saved vectors instead of loading
        # the graphs (core/index/scan.py).
        self.scan = scan
        self._shared = _attach(folder)
        self._closed = False
        # Told how a rebuild done at once goes (the CLI prints it); background ones are quiet.
        self.on_progress: Callable[[Progress], object] | None = None

    @property
    def last_open_action(self) -> dict[str, str]:
        return self._shared.actions

    # ---- opening ----------------------------------------------------------------------------
    def get(self, space: str) -> Index | None:
        """The index of `space`; None when the store has no vector in it, or while it is being
        rebuilt in the background (search the store exactly meanwhile)."""
        sh = self._shared
        with sh.lock:
            idx = sh.spaces.get(space)
            if idx is not None or space in sh.building or space in sh.failed:
                return idx
            idx = ScanIndex.load(self.folder, space) if self.scan else None
            if idx is None:
                idx = SpaceIndex.load(self.folder, space)
            if idx is not None and (idx.library_id != self.store.library_id()
                                    or idx.seq > self.store.last_change()):
                idx = None  # built from another database (the old one was moved aside)
            if idx is not None:
                try:
                    changed = catch_up(self.store, space, idx)
                except ValueError:  # vectors changed dimension behind the saved index
                    idx = None
                else:
                    sh.actions[space] = "reconciled" if changed else "loaded"
                    if changed:
                        sh.dirty.add(space)
                    sh.spaces[space] = idx
                    return idx
            size = self.store.space_size(space)
            if size == 0:
                return None
            sh.actions[space] = "rebuilt"
            if self.background and size >= BACKGROUND_FROM:
                self._rebuild_in_background(space)
                return None
            # Built here, outside the lock (other threads see it as building meanwhile).
            sh.building[space] = threading.current_thread()
        try:
            idx = drive(build_space(self.store, space, sh.cancel), self.on_progress)
            if idx is not None:
                self._publish(self.store, space, idx)
        finally:
            with sh.lock:
                sh.building.pop(space, None)
        if idx is not None and not self.writable:
            self.save([space])  # a reader's rebuild is kept too, so the next open is quick
        return idx

    def prepare(self, space: str) -> None:
        """Ready `space` for searching as a window opens: a saved small index is loaded, a
        missing one rebuilt (large ones in the background); a saved large one waits for the
        first search, because hnswlib holds Python's GIL while it loads a graph (about 2 s
        at 1M items), which would freeze the window meanwhile."""
        meta = read_meta(self.folder / f"{safe_name(space)}.json")
        saved = meta.get("format") == FORMAT and meta.get("library_id") == \
            self.store.library_id()
        if not saved or sum(dict(meta.get("parts", {})).values()) < LOAD_AT_OPEN:
            self.get(space)

    def building(self, space: str | None = None) -> bool:
        """Whether (any, or this) index is being rebuilt in the background."""
        with self._shared.lock:
            return bool(self._shared.building) if space is None else \
                space in self._shared.building

    def failure(self) -> str | None:
        """Why a background rebuild failed, if one did (searches stay exact then)."""
        with self._shared.lock:
            return next(iter(self._shared.failed.values()), None)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for background rebuilds; False when some still run after `timeout`."""
        with self._shared.lock:
            threads = [t for t in self._shared.building.values()
                       if t is not threading.current_thread()]
        for t in threads:
            t.join(timeout)
        return not self.building()

    def _publish(self, store: Store, space: str, idx: SpaceIndex) -> None:
        """A freshly built index takes over, with what was stored while it was built."""
        with self._shared.lock:
            catch_up(store, space, idx)
            self._shared.spaces[space] = idx
            self._shared.dirty.add(space)

    def _rebuild_in_background(self, space: str) -> None:
        sh = self._shared
        path = self.store.path

        def run() -> None:
            store: Store | None = None
            try:
                store = Store(path)
                idx = drive(build_space(store, space, sh.cancel))
                if idx is not None:
                    self._publish(store, space, idx)
                    _save(self.folder, space, idx)
                    with sh.lock:
                        sh.dirty.discard(space)
            except Exception as exc:  # noqa: BLE001 - said in the window; searches stay exact
                with sh.lock:
                    sh.failed[space] = f"the search index could not be rebuilt ({exc})"
            finally:
                with sh.lock:
                    sh.building.pop(space, None)
                if store is not None:
                    store.close()

        thread = threading.Thread(target=run, name=f"index-build-{space}", daemon=True)
        sh.building[space] = thread
        thread.start()

    # ---- keeping up -------------------------------------------------------------------------
    def sync(self) -> None:
        """Apply what was stored since each loaded index last looked (one query when nothing
        changed); spaces not loaded yet catch up when they load."""
        sh = self._shared
        with sh.lock:
            loaded = list(sh.spaces.items())
        if not loaded:
            return
        last = self.store.last_change()
        for space, idx in loaded:
            if idx.seq >= last:
                continue
            with idx.lock:
                if catch_up(self.store, space, idx):
                    sh.dirty.add(space)

    # ---- graphs that outgrew their dimension ----------------------------------------------
    def outgrown(self) -> list[str]:
        """Loaded spaces that grew past REDUCE_AT with full-dimension graphs (indexed a few
        files at a time); a rebuild gives them reduced ones, a quarter of the memory."""
        sh = self._shared
        with sh.lock:
            return [s for s, idx in sh.spaces.items() if s not in sh.building
                    and idx.projection is None and idx.dim > ANN_DIM and len(idx) >= REDUCE_AT]

    def reduce(self, cancel: CancelToken) -> Generator[Progress, None, None]:
        """Rebuild the outgrown spaces now (at the end of an indexing run)."""
        sh = self._shared
        for space in self.outgrown():
            with sh.lock:
                if space in sh.building:
                    continue
                sh.building[space] = threading.current_thread()
            try:
                new = yield from build_space(self.store, space, cancel)
                if new is not None:
                    self._publish(self.store, space, new)
            finally:
                with sh.lock:
                    sh.building.pop(space, None)

    def reduce_in_background(self) -> None:
        """Rebuild the outgrown spaces on a background thread; searches use the old graphs
        until the new ones are ready."""
        with self._shared.lock:
            for space in self.outgrown():
                self._rebuild_in_background(space)

    def live_files(self, space: str) -> set[int]:
        """Ids of the files the index of `space` holds (reads every label: for checks)."""
        idx = self.get(space)
        if idx is None:
            return set()
        return set(self.store.labels_to_files(idx.labels().tolist()).values())

    def loaded(self) -> dict[str, Index]:
        with self._shared.lock:
            return dict(self._shared.spaces)

    # ---- saving -----------------------------------------------------------------------------
    def save(self, spaces: list[str] | None = None) -> None:
        """Write the changed indexes (the writer does; a reader only after a rebuild)."""
        sh = self._shared
        with sh.lock:
            todo = [s for s in (spaces if spaces is not None else sorted(sh.dirty))
                    if s in sh.spaces]
        if spaces is None and not self.writable:
            return
        for space in todo:
            _save(self.folder, space, sh.spaces[space])
            with sh.lock:
                sh.dirty.discard(space)

    def close(self) -> None:
        """Leave the shared indexes; the last user of a folder frees them."""
        if self._closed:
            return
        self._closed = True
        with _SHARED_LOCK:
            sh = self._shared
            sh.users -= 1
            last = sh.users <= 0
            if last:
                _SHARED.pop(self.folder.absolute(), None)
        if last:
            sh.cancel.cancel()
            for t in list(sh.building.values()):
                if t is not threading.current_thread():
                    t.join(timeout=30)


def _save(folder: Path, space: str, idx: Index) -> None:
    """Save unless another process saved a newer generation meanwhile (under a lock file).
    A mapped index (one query's) is never saved."""
    from filelock import FileLock

    if not isinstance(idx, SpaceIndex):
        return
    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder / "index.lock")):
        on_disk = read_meta(folder / f"{safe_name(space)}.json")
        if on_disk.get("format") == FORMAT and int(on_disk.get("seq", -1)) > idx.seq:
            return
        with idx.lock:
            idx.save(folder, space)
