"""The model manager: which models are ready, and getting weights — downloaded on request
(resumable, size- and checksum-verified, never a half file in place), imported from a local
file (the offline route), or removed. Nothing is ever downloaded unless asked."""

from __future__ import annotations

import enum
import hashlib
import http.client
import os
import shutil
import threading
import urllib.error
import urllib.request
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from mediabrowser.core.embed.base import ModelSpec
from mediabrowser.core.embed.fetch import CHUNK, DownloadFailed, fetch
from mediabrowser.core.embed.registry import (
    companion_path,
    default_models_dir,
    forget_loaded,
    locate_weights,
    verify_checksum,
)
from mediabrowser.core.types import BadInput, CancelToken, Progress, UserError


class ModelState(enum.StrEnum):
    READY = "ready"
    MISSING = "weights missing"
    DOWNLOADING = "downloading"


class ChecksumMismatch(BadInput):
    pass


@dataclass(frozen=True)
class ModelStatus:
    state: ModelState
    detail: str  # the weights' path when ready; what to do otherwise
    partial_bytes: int = 0


def _paths(spec: ModelSpec, models_dir: Path) -> tuple[Path, Path, Path, Path]:
    dest = models_dir / spec.weights.filename
    return (dest, dest.with_name(dest.name + ".part"), dest.with_name(dest.name + ".lock"),
            dest.with_name(dest.name + ".failed"))


def status(spec: ModelSpec, models_dir: Path | None = None) -> ModelStatus:
    mdir = models_dir or default_models_dir()
    found = locate_weights(spec, mdir)
    if found.available:
        return ModelStatus(ModelState.READY, str(found.path or ""))
    if spec.weights.kind != "file":
        return ModelStatus(ModelState.MISSING, found.reason)
    _, part, lock, failed = _paths(spec, mdir)
    partial = part.stat().st_size if part.exists() else 0
    if lock.exists() and _lock_held(lock):
        return ModelStatus(ModelState.DOWNLOADING, f"{partial} bytes so far", partial)
    if failed.exists():
        # The weights are still missing (that is the state); why the last try stopped, and
        # what to do without a network, are the detail.
        why = failed.read_text().strip().rstrip(".")
        return ModelStatus(ModelState.MISSING, f"the last download stopped: {why}. "
                           f"{found.reason}", partial)
    return ModelStatus(ModelState.MISSING, found.reason, partial)


def _lock_held(lock: Path) -> bool:
    from filelock import FileLock, Timeout

    try:
        with FileLock(str(lock), timeout=0):
            return False
    except Timeout:
        return True


def download_job(spec: ModelSpec, models_dir: Path | None = None,
                 cancel: CancelToken | None = None, url: str | None = None,
                 timeout: float = 20.0) -> Generator[Progress, None, Path]:
    """Fetch the weights into the models folder, yielding byte progress; returns the path.

    The bytes go to NAME.part, which a later call resumes with an HTTP Range request; the file
    takes its real name only once its size and checksum are verified.
    """
    from filelock import FileLock, Timeout

    from mediabrowser.core.embed.engine import has_torch
    from mediabrowser.core.embed.graph_download import download_graphs_job, downloadable

    if url is None and downloadable(spec) and not has_torch():
        # Without PyTorch a CLIP model comes as its ONNX graphs, not as weights.
        return (yield from download_graphs_job(spec, models_dir or default_models_dir(),
                                               cancel, timeout))
    w = spec.weights
    if w.kind != "file" or not (url or w.url):
        raise DownloadFailed(f"{spec.name} has no weights to download ({w.kind})")
    mdir = models_dir or default_models_dir()
    mdir.mkdir(parents=True, exist_ok=True)
    dest, part, lock_path, failed = _paths(spec, mdir)
    source = url or w.url
    cancel = cancel or CancelToken()
    lock = FileLock(str(lock_path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise DownloadFailed(f"{spec.name} is already being downloaded") from None
    try:
        failed.unlink(missing_ok=True)
        try:
            yield from fetch(source, part, w.size, cancel, timeout)
        except DownloadFailed as exc:
            failed.write_text(str(exc))
            raise
        cancel.raise_if_cancelled()
        yield Progress("verify", 0, 1, current=dest.name, message="checking the file")
        _verify(spec, part)
        yield from _fetch_companions(spec, dest, source, cancel, timeout, failed)
        try:
            _check_loads(spec, part, mdir)
        except Exception as exc:
            part.unlink(missing_ok=True)
            failed.write_text(f"the downloaded file is not usable: {exc}")
            raise ChecksumMismatch(f"{spec.name}: the downloaded file is not usable ({exc}); "
                                   "it was deleted") from None
        os.replace(part, dest)
        forget_loaded()
        yield Progress("done", 1, 1, current=dest.name, message=f"{spec.name} is ready")
        return dest
    finally:
        lock.release()  # the lock file stays: removing it would race with another downloader


def remote_size(spec: ModelSpec, timeout: float = 5.0) -> int | None:
    """The download's size in bytes as the server states it (a HEAD request), for asking
    before downloading when the registry does not publish it; None when it cannot be asked."""
    if spec.weights.size:
        return spec.weights.size
    if spec.weights.kind != "file" or not spec.weights.url:
        return None
    req = urllib.request.Request(spec.weights.url, method="HEAD",
                                 headers={"User-Agent": "mediabrowser"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
            length = resp.headers.get("Content-Length")
            return int(length) if length and length.isdigit() else None
    except (OSError, ValueError, http.client.HTTPException):
        return None


def _fetch_companions(spec: ModelSpec, dest: Path, source: str, cancel: CancelToken,
                      timeout: float, failed: Path) -> Generator[Progress, None, None]:
    """The small files that come with the weights (a tokenizer), from the same folder."""
    for name in spec.weights.companions:
        target = dest.with_name(f"{dest.stem}.{name}")
        if target.is_file():
            continue
        partial = target.with_name(target.name + ".part")
        try:
            yield from fetch(f"{source.rsplit('/', 1)[0]}/{name}", partial, 0, cancel, timeout)
        except DownloadFailed as exc:
            failed.write_text(str(exc))
            raise
        os.replace(partial, target)


def _verify(spec: ModelSpec, path: Path) -> None:
    w = spec.weights
    size = path.stat().st_size
    if w.size and size != w.size:
        path.unlink(missing_ok=True)
        raise ChecksumMismatch(f"{spec.name}: the file has {size} bytes, expected {w.size}; "
                               "it was deleted")
    if not verify_checksum(spec, path):
        path.unlink(missing_ok=True)
        raise ChecksumMismatch(f"{spec.name}: the file's sha256 does not match the expected "
                               "one; it was deleted")


def import_weights(spec: ModelSpec, source: Path, models_dir: Path | None = None,
                   check_checksum: bool = True) -> Path:
    """Install a weights file the user has (the offline route). The file is checked against the
    known checksum and by building the model from it before it is put in place."""
    w = spec.weights
    if w.kind != "file":
        raise BadInput(f"{spec.name} takes no weights file ({w.kind})")
    if not source.is_file():
        raise FileNotFoundError(f"no such file: {source}")
    mdir = models_dir or default_models_dir()
    mdir.mkdir(parents=True, exist_ok=True)
    dest, part, _, _ = _paths(spec, mdir)
    for name in w.companions:  # CLAP's tokenizer files come from beside the weights
        found = companion_path(source, name)
        if found is None:
            raise BadInput(f"{spec.name} needs {name} beside {source.name} (from "
                           f"{w.url.rsplit('/', 1)[0]}/{name})")
        shutil.copyfile(found, dest.with_name(f"{dest.stem}.{name}"))
    tmp = part.with_name(part.name + ".import")
    shutil.copyfile(source, tmp)
    try:
        if check_checksum and not verify_checksum(spec, tmp):
            raise ChecksumMismatch(
                f"{source.name} is not the published {spec.name} weights (sha256 differs); "
                "use --skip-checksum to install weights of your own")
        _check_loads(spec, tmp, mdir)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def _check_loads(spec: ModelSpec, candidate: Path, mdir: Path) -> None:
    """Build the model from `candidate` in a scratch folder: a truncated file or one for
    another architecture is refused before it takes the real name."""
    from mediabrowser.core.embed.registry import load_embedder

    scratch = mdir / f".check-{os.getpid()}-{threading.get_ident()}"
    scratch.mkdir(parents=True, exist_ok=True)
    _place(candidate, scratch / spec.weights.filename)
    for name in spec.weights.companions:  # the tokenizer files that come with the weights
        found = companion_path(candidate.with_name(spec.weights.filename), name)
        if found is not None:
            _place(found, scratch / f"{Path(spec.weights.filename).stem}.{name}")
    try:
        load_embedder(spec.name, "cpu", scratch)
        # Graphs exported from the candidate while checking it are kept: first use is then fast.
        if (scratch / "onnx").is_dir():
            (mdir / "onnx").mkdir(exist_ok=True)
            for graph in (scratch / "onnx").iterdir():
                os.replace(graph, mdir / "onnx" / graph.name)
    except Exception as exc:
        if isinstance(exc, UserError):
            raise  # already in words (e.g. weights of another architecture)
        raise BadInput(f"{candidate.name} is not usable weights for {spec.name}: "
                         f"{_weights_words(exc)}") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        forget_loaded()


def _place(source: Path, dest: Path) -> None:
    try:
        os.link(source, dest)
    except OSError:
        shutil.copyfile(source, dest)


def _weights_words(exc: BaseException) -> str:
    text = str(exc).lower()
    if "deserializ" in text or "header" in text or "safetensor" in text:
        return "not a safetensors file (damaged, or another kind of file)"
    if "pickle" in text or "load key" in text or "zip" in text or "magic number" in text:
        return "not a PyTorch weights file (damaged, or another kind of file)"
    if "size mismatch" in text or "missing key" in text or "unexpected key" in text:
        return "these weights are for another model or architecture"
    return "the model could not be built from it"


def remove_weights(spec: ModelSpec, models_dir: Path | None = None) -> bool:
    """Delete weights from the app's models folder (never from shared caches or packages)."""
    if spec.weights.kind != "file":
        return False
    mdir = models_dir or default_models_dir()
    dest, part, _, failed = _paths(spec, mdir)
    existed = dest.exists()
    from mediabrowser.core.embed.graph_files import graph_names

    graphs = [mdir / "onnx" / n for n in graph_names(spec).values()]
    existed = existed or any(g.exists() for g in graphs)
    graphs += [g.with_name(g.name + ".part") for g in graphs]
    extra = [dest.with_name(f"{dest.stem}.{n}") for n in spec.weights.companions]
    for p in (dest, part, failed, *extra, *graphs, *(g.with_suffix(".json") for g in graphs)):
        p.unlink(missing_ok=True)
    forget_loaded()
    return existed


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()
