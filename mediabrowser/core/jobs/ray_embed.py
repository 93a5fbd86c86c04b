"""Decoding and embedding as a Ray Data job (`index --ray [ADDRESS|auto]`).

The scan and probe run here as in a plain run; the files to embed become a Ray dataset, and
`map_batches` hands batches to actors that each load the model once (ONNX Runtime, on a GPU
where the node has one) and decode and embed with the same code as a plain run
(embed_batch.py), so the vectors are the plain run's. The results stream back to this process,
which writes them in batches as the library's one writer, with the progress of a plain run.

Files must be readable at the same path on every node (a shared folder). A worker that dies
is replaced and its batch run again (Ray's retries); a driver that dies leaves what it wrote,
and the next run embeds only the files still without vectors (idempotent). `auto` starts a
local Ray for the run and stops it after; an address joins a running cluster.
"""

from __future__ import annotations

import logging
import os
import pickle
import warnings
from collections.abc import Generator
from pathlib import Path
from typing import Any

from mediabrowser.core.embed.base import KeepsGrey, ReadsInWorkers
from mediabrowser.core.embed.registry import get_spec, load_embedder
from mediabrowser.core.jobs.embed_batch import embed_batch, write_results
from mediabrowser.core.jobs.progress import Meter
from mediabrowser.core.jobs.report import IndexReport, Work
from mediabrowser.core.library import Library
from mediabrowser.core.types import BadInput, CancelToken, MediaError, Progress

BATCH = 16
RETRIES = 3  # a batch whose worker died is run again this many times


class RayError(BadInput):
    """Ray cannot run the job as asked; the message says what to do."""


def start_ray(address: str) -> bool:
    """Connect to Ray: `auto` starts a local one (True: stop it after the run)."""
    try:
        import ray
    except ImportError:
        raise RayError("--ray needs the ray package, which this installation lacks: "
                       "pip install 'ray[data]'") from None
    if ray.is_initialized():
        return False
    if address != "auto":
        _reachable(address)
    _stdout_to_stderr()
    try:
        if address == "auto":
            ray.init(num_cpus=os.cpu_count() or 1, include_dashboard=False,
                     log_to_driver=False, logging_level=logging.ERROR)
            return True
        ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
    except Exception as exc:  # noqa: BLE001 - Ray raises many kinds; the words are ours
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        _stdout_back()
        raise RayError(f"cannot join the Ray cluster at {address} ({first}); start one "
                       "with `ray start --head` (docs/scale-out.md), or use --ray auto for "
                       "a local one; nothing was indexed") from None
    return False


def end_ray(stop: bool) -> None:
    """After the run: stop the local Ray started for it (`stop`), and give stdout back."""
    try:
        if stop:
            import ray

            ray.shutdown()
    finally:
        _stdout_back()


_SAVED_STDOUT: list[int] = []


def _stdout_to_stderr() -> None:
    """While Ray runs, what it prints (its raylet's notes on workers that died) goes to
    stderr: stdout is the command's JSON."""
    import sys

    sys.stdout.flush()
    _SAVED_STDOUT.append(os.dup(1))
    os.dup2(2, 1)


def _stdout_back() -> None:
    import sys

    if _SAVED_STDOUT:
        sys.stdout.flush()
        fd = _SAVED_STDOUT.pop()
        os.dup2(fd, 1)
        os.close(fd)


def _reachable(address: str) -> None:
    """Refuse at once an address nothing answers at (Ray itself retries for minutes)."""
    import re
    import socket

    m = re.fullmatch(r"(?:ray://)?\[?([^\]\s]+?)\]?:(\d{1,5})", address.strip())
    if not m:
        raise RayError(f"cannot read the Ray address {address!r}: write HOST:PORT (the head "
                       "node's GCS port, 6379 by default), ray://HOST:10001, or auto")
    try:
        socket.create_connection((m.group(1), int(m.group(2))), timeout=5).close()
    except OSError as exc:
        raise RayError(f"cannot join the Ray cluster at {address} ({exc.strerror or exc}); "
                       "start one with `ray start --head` (docs/scale-out.md), or use --ray "
                       "auto for a local one; nothing was indexed") from None


class EmbedActor:
    """One model, loaded once per actor; decodes and embeds batches of files."""

    def __init__(self, model: str, device: str, models_dir: str | None, frames: int) -> None:
        emb = load_embedder(model, device, Path(models_dir) if models_dir else None)
        from mediabrowser.core.embed.base import PoolsFrames

        if isinstance(emb, PoolsFrames) and emb.frames != frames:
            from mediabrowser.core.embed.video_models import FramePoolEmbedder

            emb = FramePoolEmbedder(emb.spec, emb.image, frames)
        self.embedder = emb
        file_input = emb.file_input() if isinstance(emb, ReadsInWorkers) else None
        with_grey = emb.prepare_with_grey if isinstance(emb, KeepsGrey) else None
        self.read = file_input if file_input is not None else (
            with_grey if with_grey is not None else (lambda p: (emb.prepare(p), None)))

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        _crash_for_tests()
        works = [Work(int(f), str(p), str(m)) for f, p, m in
                 zip(batch["file_id"], batch["path"], batch["model"], strict=True)]
        ok: list[tuple[Work, Any]] = []
        greys: dict[int, Any] = {}
        failed: dict[int, str] = {}
        for w in works:
            try:
                prepared, grey = self.read(w.path)
            except MediaError as exc:
                failed[w.file_id] = str(exc)
                continue
            except Exception as exc:  # noqa: BLE001 - a decoder's own error: this file's
                failed[w.file_id] = f"could not be decoded ({type(exc).__name__})"
                continue
            ok.append((w, prepared))
            if grey is not None:
                greys[w.file_id] = grey
        results, moments = embed_batch(self.embedder, ok) if ok else ([], {})
        vec_of = {w.file_id: (v, e) for w, v, e in results}
        payload = []
        for w in works:
            vec, err = vec_of.get(w.file_id, (None, failed.get(w.file_id)))
            payload.append(pickle.dumps((vec, err, moments.get(w.file_id),
                                         greys.get(w.file_id))))
        return {"file_id": list(batch["file_id"]), "path": list(batch["path"]),
                "model": list(batch["model"]), "payload": payload}


def _crash_for_tests() -> None:
    """MEDIABROWSER_RAY_TEST_CRASH=FOLDER:once|after-first: this worker process dies as a
    lost node's would (the first batch of the run; every batch after the first), so the
    tests see Ray run a batch again, and a job whose workers keep dying stop with its words."""
    how = os.environ.get("MEDIABROWSER_RAY_TEST_CRASH", "")
    if not how:
        return
    folder, mode = how.rsplit(":", 1)
    try:  # the first batch of the run, in whichever worker, makes the mark
        os.close(os.open(os.path.join(folder, "first-batch"), os.O_CREAT | os.O_EXCL))
        first = True
    except FileExistsError:
        first = False
    if first == (mode == "once"):
        os._exit(1)


def ray_embed(lib: Library, work: list[Work], cancel: CancelToken, report: IndexReport,
              job_id: int) -> Generator[Progress, None, None]:
    """Embed `work` on the Ray cluster this process has joined (start_ray), writing here."""
    import ray

    meter = Meter("embed", len(work))
    meter.message = "Ray"
    report.device = "Ray"
    yield meter.progress(errors=report.problems)
    by_model: dict[str, list[Work]] = {}
    for w in work:
        by_model.setdefault(w.model, []).append(w)
    ray.data.DataContext.get_current().enable_progress_bars = False  # the progress is ours
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("ray.data"):
            logging.getLogger(name).setLevel(logging.WARNING)
    gpus = float(ray.cluster_resources().get("GPU", 0))
    cpus = float(ray.cluster_resources().get("CPU", 1))
    for model, items in by_model.items():
        spec = get_spec(model)
        ds: Any = ray.data.from_items([{"file_id": w.file_id, "path": w.path, "model": w.model}
                                  for w in items])
        # one actor per GPU, else per core (MEDIABROWSER_RAY_ACTORS: a fixed number)
        actors = int(os.environ.get("MEDIABROWSER_RAY_ACTORS", "0")) or max(
            1, int(gpus) if gpus >= 1 else min(int(cpus), 4))
        with warnings.catch_warnings():  # Ray 2.6x names no other way to bound restarts
            warnings.simplefilter("ignore")
            ds = ds.map_batches(
                EmbedActor, batch_size=BATCH, compute=ray.data.ActorPoolStrategy(size=actors),
                num_gpus=1 if gpus >= 1 else 0,
                fn_constructor_kwargs={"model": model,
                                       "device": "cuda" if gpus >= 1 else lib.device,
                                       "models_dir": str(lib.models_dir) if lib.models_dir
                                       else None, "frames": lib.config.video_frames},
                max_restarts=RETRIES, max_task_retries=RETRIES)
        for batch in _batches(ds):
            cancel.raise_if_cancelled()
            results: list[tuple[Work, Any, str | None]] = []
            moments: dict[int, Any] = {}
            greys: dict[int, Any] = {}
            for fid, path, mdl, blob in zip(batch["file_id"], batch["path"], batch["model"],
                                            batch["payload"], strict=True):
                vec, err, found, grey = pickle.loads(blob)  # noqa: S301 - our own actors'
                w = Work(int(fid), str(path), str(mdl))
                results.append((w, vec, err))
                if found is not None:
                    moments[w.file_id] = found
                if grey is not None:
                    greys[w.file_id] = grey
            write_results(lib, spec, results, moments, greys, report, job_id)
            meter.step(len(results))
            yield meter.progress(current=results[-1][0].path, errors=report.problems)


def _batches(ds: Any) -> Generator[dict[str, Any], None, None]:
    """The dataset's results; a job Ray gave up on (workers that kept dying, nodes lost past
    their retries) stops with what to do. What was written before it is kept."""
    it = iter(ds.iter_batches(batch_size=BATCH, batch_format="numpy"))
    while True:
        try:
            batch = next(it)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001 - Ray wraps what killed its workers many ways
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
            raise RayError(
                f"the Ray job stopped: its workers died or their nodes were lost more than "
                f"{RETRIES} times ({type(exc).__name__}: {first}). The vectors written so far "
                "are kept: run the same command again to go on with the rest, after checking "
                "the nodes' memory and `ray status`") from None
        yield batch

