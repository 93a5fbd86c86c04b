"""A library folder: the database, the indexes, its settings and the writer lock."""

from __future__ import annotations

import errno
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mediabrowser.core.calibration import Calibration
from mediabrowser.core.embed.base import Embedder, PoolsFrames
from mediabrowser.core.embed.registry import DEFAULT_MODELS, get_spec, load_embedder
from mediabrowser.core.filters import Filters
from mediabrowser.core.index.facets import Facets
from mediabrowser.core.index.manager import IndexManager
from mediabrowser.core.index.space import safe_name
from mediabrowser.core.media.copies.check import CopyCheck
from mediabrowser.core.store.repo import Store
from mediabrowser.core.types import BadInput, MediaKind, UserError

CONFIG_VERSION = 1


class LibraryBusy(UserError, RuntimeError):
    """Another process is writing to this library."""


class LibraryFailure(UserError, RuntimeError):
    """The library itself cannot go on (disk full, folder read-only, database damaged). Unlike
    a file's problem this stops a run; the message says what to do."""

    @classmethod
    def from_error(cls, folder: Path, exc: BaseException) -> LibraryFailure:
        text = str(exc).lower()
        err = getattr(exc, "errno", None)
        if err == errno.ENOSPC or "disk is full" in text or "disk full" in text:
            return cls(f"the disk holding the library ({folder}) is full: free some space there "
                       "and run the same command again; what was indexed so far is kept")
        if err in (errno.EROFS, errno.EACCES, errno.EPERM) or "readonly" in text \
                or "read-only" in text:
            return cls(f"the library folder {folder} cannot be written (read-only or no "
                       "permission): fix its permissions, or choose another library folder "
                       "(--library DIR)")
        if "locked" in text or "busy" in text:
            return cls(f"the library database in {folder} is locked by another program: close "
                       "other mediabrowser windows or commands using it, then try again")
        if "not a database" in text or "malformed" in text or "corrupt" in text:
            return cls(f"the library database {folder / 'library.db'} is damaged: move it "
                       "aside and index your folders again (your media are not affected)")
        return cls(f"the library in {folder} could not be written ({_short(exc)}): check the "
                   "disk, then run the same command again")


def video_following_photos(video: str, old_image: str, new_image: str) -> str | None:
    """The video model once photos move from `old_image` to `new_image`: frames of the new one
    when videos were frames of the old one (so both stay in one space), else None (unchanged)."""
    if video != f"frames:{old_image}":
        return None
    try:
        return get_spec(f"frames:{new_image}").name
    except KeyError:
        return None


def _short(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:120]


@dataclass
class LibraryConfig:
    version: int = CONFIG_VERSION
    models: dict[str, str] = field(
        default_factory=lambda: {k.value: v for k, v in DEFAULT_MODELS.items()})
    device: str = "auto"
    batch_size: int = 16
    decode_workers: int = 2
    video_frames: int = 8
    decode_time_limit: float = 60.0  # seconds one file may take to decode before it is skipped
    # The model each kind used before the last switch: it keeps answering searches until the
    # new model has embedded every file of that kind.
    previous_models: dict[str, str] = field(default_factory=dict)
    # Where the vectors also live (index --vectors): "" the embedded store only, else a
    # Milvus address (core/index/milvus.py) that every run sends its changes to.
    vectors: str = ""

    @classmethod
    def load(cls, path: Path) -> LibraryConfig:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return cls()
        cfg = cls()
        models = data.get("models") if isinstance(data, dict) else None
        if isinstance(models, dict):
            for kind, name in models.items():
                if kind in cfg.models and isinstance(name, str):
                    cfg.models[kind] = name
        prev = data.get("previous_models") if isinstance(data, dict) else None
        if isinstance(prev, dict):
            cfg.previous_models = {str(k): str(v) for k, v in prev.items()}
        for key in ("device", "batch_size", "decode_workers", "video_frames",
                    "decode_time_limit", "vectors"):
            if isinstance(data, dict) and key in data:
                setattr(cfg, key, type(getattr(cfg, key))(data[key]))
        return cfg

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2))
        os.replace(tmp, path)


class WriterLock:
    """An exclusive lock on the library folder held while indexing (released if we die)."""

    def __init__(self, folder: Path) -> None:
        from filelock import FileLock

        self.path = folder / "writer.lock"
        self._lock = FileLock(str(self.path))

    def acquire(self, timeout: float) -> None:
        from filelock import Timeout

        try:
            self._lock.acquire(timeout=timeout)
        except Timeout:
            raise LibraryBusy(
                f"the library {self.path.parent} is being indexed by another mediabrowser "
                f"process; waited {timeout:g} s (use --wait to wait longer)"
            ) from None

    def release(self) -> None:
        self._lock.release()

    @property
    def held(self) -> bool:
        return bool(self._lock.is_locked)


class Library:
    def __init__(self, folder: str | Path, *, models_dir: Path | None = None,
                 device: str | None = None, background_index: bool = False,
                 scan_index: bool = False) -> None:
        self.folder = Path(folder).expanduser().absolute()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.models_dir = models_dir
        self.config = LibraryConfig.load(self.folder / "config.json")
        # One source of truth for where models run: --device, else MEDIABROWSER_DEVICE, else
        # the library's setting (the window's Settings write it), for indexing and searching.
        self.device_override = device or os.environ.get("MEDIABROWSER_DEVICE") or None
        self.store = Store(self.folder / "library.db")
        self.writer = WriterLock(self.folder)
        # Indexes are shared by the Libraries of this folder in this process; a large missing
        # one is rebuilt in the background when `background_index` (the window);
        # `scan_index`: the saved vectors are mapped, not the graphs loaded (one CLI query).
        self.indexes = IndexManager(self.folder / "index", self.store, writable=False,
                                    background=background_index, scan=scan_index)
        self._embedders: dict[str, Embedder] = {}
        self._calibrations: dict[str, tuple[int, Calibration]] = {}
        self.turned_cache: dict[tuple[Any, ...], Any] = {}  # core/search.py: recent queries
        self.copies = CopyCheck()  # "same" results looked at closely, each pair once
        self._answering: dict[tuple[str, str, str, int], str] = {}
        self._device: str | None = None
        self._facets: dict[str, Facets] = {}

    # ---- writer lock ------------------------------------------------------------------------
    def lock_for_writing(self, timeout: float = 0.0) -> None:
        self.writer.acquire(timeout)
        self.indexes.writable = True

    def unlock(self) -> None:
        if self.writer.held:
            self.indexes.save()
            self.indexes.writable = False
            self.writer.release()

    def close(self) -> None:
        self.unlock()
        self.indexes.close()
        self.store.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ---- items ------------------------------------------------------------------------------
    def remove_items(self, ids: list[int]) -> None:
        """Take items out of the library (their files stay untouched on disk); a rescan of
        their folder leaves them out. Vectors are kept in case they are added back."""
        with self.store.transaction() as c:
            for fid in ids:
                self.store.update_file(c, fid, status="removed")
        self.indexes.sync()

    def restore_items(self, ids: list[int]) -> None:
        """Undo remove_items: the next rescan checks them again."""
        with self.store.transaction() as c:
            for fid in ids:
                self.store.update_file(c, fid, status="missing")

    def remove_root(self, root: str) -> None:
        """Forget a folder: its items leave the library (the files are not touched)."""
        ids = [r.id for r in self.store.files_under(root) if r.status != "removed"]
        self.remove_items(ids)
        with self.store.transaction() as c:
            self.store.remove_root(c, root)

    def save_config(self) -> None:
        self.config.save(self.folder / "config.json")

    # ---- models -----------------------------------------------------------------------------
    @property
    def device(self) -> str:
        if self._device is None:
            from mediabrowser.core.embed.device import pick_device

            self._device = pick_device(self.device_override or self.config.device)
        return self._device

    def model_for(self, kind: MediaKind | str) -> str:
        """The model new files of this kind are embedded with."""
        return self.config.models[MediaKind(kind).value]

    def answering_model(self, kind: MediaKind | str) -> str:
        """The model searches use: the chosen one once it covers every file of the kind,
        the previous one until then (so a switch never leaves the library unanswerable)."""
        k = MediaKind(kind).value
        chosen = self.config.models[k]
        previous = self.config.previous_models.get(k)
        if not previous or previous == chosen:
            return chosen
        # Counting coverage walks every file of the kind: once per change of the store.
        key = (k, chosen, previous, self.store.last_change())
        if key not in self._answering:
            total = self.store.count(k, "ok")
            have = self.store.model_coverage(chosen, k)
            done = have >= total or self.store.model_coverage(previous, k) <= have
            self._answering = {c: m for c, m in self._answering.items() if c[0] != k}
            self._answering[key] = chosen if done else previous
        return self._answering[key]

    def switch_model(self, kind: MediaKind | str, name: str) -> None:
        """Choose another model for a kind; vectors of the old one stay (no forced wipe)."""
        spec = get_spec(name)
        k = MediaKind(kind).value
        if spec.modality.value != k:
            raise BadInput(f"{name} embeds {spec.modality.value} files, not {k}")
        old = self.config.models[k]
        if old == name:
            return
        self.config.previous_models[k] = old
        self.config.models[k] = name
        if k == "image":  # keep videos in the same space as photos when frames follow photos
            video_old = self.config.models["video"]
            video_new = video_following_photos(video_old, old, name)
            if video_new is not None:
                self.config.previous_models["video"] = video_old
                self.config.models["video"] = video_new
        self.save_config()

    def forget_embedders(self) -> None:
        """After a settings change (frames per video, device): build embedders afresh."""
        self._embedders.clear()
        self._device = None

    def embedder(self, name: str) -> Embedder:
        """Loaded once per library; raises WeightsMissing / UnknownModel."""
        if name not in self._embedders:
            emb = load_embedder(name, self.device, self.models_dir)
            frames = self.config.video_frames
            if isinstance(emb, PoolsFrames) and emb.frames != frames:
                from mediabrowser.core.embed.video_models import FramePoolEmbedder

                emb = FramePoolEmbedder(emb.spec, emb.image, frames)
            self._embedders[name] = emb
        return self._embedders[name]

    def calibration(self, space: str) -> Calibration:
        """How raw cosine in `space` maps to a score: the model's fitted anchors, with the
        unrelated-pair anchors measured on this library's own vectors once it has enough
        (re-measured when the space has grown or shrunk by a quarter). Kept with the index,
        so it is saved with it and shared by the threads."""
        from mediabrowser.core import calibration as cal

        index = self.indexes.get(space)
        n = len(index) if index is not None else 0
        cached = index.calibration if index is not None else None
        if cached is None and space in self._calibrations:
            at, known = self._calibrations[space]
            cached = {"n": at, **asdict(known)}
        if cached is not None:
            at = int(cached["n"])
            known = Calibration(**{k: v for k, v in cached.items() if k != "n"})
            grown_enough = known.source != "library" and n >= cal.MIN_FOR_LIBRARY
            if 0.8 * at <= n <= 1.25 * at and not grown_enough:
                return known
        result = cal.for_space(space)
        if index is not None and n >= cal.MIN_FOR_LIBRARY:
            sample = self.store.vectors_by_labels(index.sample_labels(cal.LIBRARY_SAMPLE),
                                                  space)
            result = result.with_unrelated(cal.pair_cosines(sample.matrix), "library")
        if index is not None:
            index.calibration = {"n": max(n, 1), **asdict(result)}
        self._calibrations[space] = (max(n, 1), result)
        return result

    def facets(self, space: str) -> Facets:
        """The filterable facts of a space's files, following the store (loaded once)."""
        got = self._facets.get(space)
        if got is None:
            got = self._facets[space] = Facets.load(
                self.store, space, self.folder / "index" / f"{safe_name(space)}.facets.npz")
        else:
            got.sync(self.store)
        return got

    def allowed(self, space: str, filters: Filters | None) -> np.ndarray | None:
        """The labels of `space` these filters keep, as a mask by label (None: no filter)."""
        return self.facets(space).mask(filters) if filters else None

    def model_in_space(self, space: str, kind: MediaKind) -> str | None:
        """The model that embeds files of `kind` into `space` (the configured one when it fits)."""
        configured = self.model_for(kind)
        if get_spec(configured).index_space == space:
            return configured
        from mediabrowser.core.embed.registry import all_specs

        for spec in all_specs():
            if spec.modality == kind and spec.index_space == space:
                return spec.name
        return None
