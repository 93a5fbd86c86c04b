"""Decoders in worker processes, so a native crash or hang fails one file, not the run.

FFmpeg, libheif, LibRaw and the JPEG decoders are C code: a damaged file can crash them (a
segfault takes the whole process) or send them into a loop. Each decode runs in one of a few
long-lived worker processes, one file at a time, driven by a thread of this process that waits
for its answer. A worker that dies fails the file it was given ("the decoder crashed"); one
that takes longer than the time limit is killed and fails its file ("took longer than N s").
Either way a fresh worker takes its place and the run goes on.

Workers are started with "forkserver": the indexing process has threads (ONNX Runtime's, the
decode threads, the GUI's), and forking a process with threads can copy a held lock and
deadlock the child, so "fork" is out. "spawn" starts a fresh interpreter per worker, which
re-imports the main module and the decoders' libraries each time (measured: indexing 20-50 %
slower on short runs). The fork server is started once per app from a clean, single-threaded
interpreter with the decoders' modules imported (`preload`), and each worker is forked from it
in milliseconds. The workers themselves are kept between runs of one process (`shared_pool`):
a worker that has imported its decoders (PyTorch's audio decoder takes seconds) is reused by
the next run, and each is replaced after RECYCLE_AFTER files so a decoder's leaks stay small.
A run that ends kills the workers still busy (a cancelled run stops at once); the app closes
the pool when it exits (`close_shared_pools`, and at interpreter exit).
Each worker's allocations are capped (WORKER_MEMORY_LIMIT) so a hostile file that makes a
decoder allocate without end fails alone instead of pushing the machine into swap.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import multiprocessing.forkserver
import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any

from mediabrowser.core.jobs.decode_worker import serve
from mediabrowser.core.media.decoder_registry import registered
from mediabrowser.core.types import Cancelled, MediaError

# 4 GiB of allocated memory (the data segment, not the address space: libraries' code maps
# gigabytes): the largest decode the app allows (100 megapixels of RGB, 300 MB, plus the
# decoder's own buffers, or 8 frames of 4K video) fits several times over; a bomb does not.
WORKER_MEMORY_LIMIT = 4 << 30
RECYCLE_AFTER = 2000  # files a worker decodes before a fresh one takes its place
START_SECONDS = 120.0  # the first worker waits for the fork server to import the decoders
# Workers decode side by side, one file each: one thread each for the maths libraries. These
# are read when a library loads, and the fork server loads numpy (preload) before any worker
# exists, so they must be in the fork server's environment (measured: a recording's features
# cost 140 ms of CPU with OpenBLAS's two threads spinning in each worker, 60 ms with one).
ONE_THREAD = {var: "1" for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                   "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")}
CRASHED = ("the decoder crashed on this file (damaged, or a variant it cannot handle); it is "
           "skipped until the file changes")


def too_slow(seconds: float) -> str:
    return (f"took longer than {seconds:g} s to decode (damaged, or a decoder stuck on it); "
            "it is skipped until the file changes")


class _Worker:
    def __init__(self, process: Any, conn: Connection) -> None:
        self.process = process
        self.conn = conn
        self.retired = False
        self.busy = False
        self.done = 0  # files decoded


class DecoderPool(Executor):
    """`submit(fn, path)` runs fn(path) in a worker process; fn and its result are pickled
    (fn by reference: a module-level function, or a small object of a module-level class)."""

    def __init__(self, workers: int = 2, time_limit: float = 60.0,
                 memory_limit: int = WORKER_MEMORY_LIMIT, preload: Iterable[str] = (),
                 decoders: Mapping[tuple[str, str], Callable[..., Any]] | None = None) -> None:
        self.time_limit = time_limit
        self._ctx = multiprocessing.get_context("forkserver")
        # Only heeded before the server first starts; the main module as multiprocessing does.
        self._ctx.set_forkserver_preload(["__main__", *preload])
        # The registry as it is now (or as given) travels to each worker: decoders registered
        # by the app and by its user, pickled by reference.
        self._setup = {"memory_limit": memory_limit, "preload": tuple(preload),
                       "decoders": dict(decoders) if decoders is not None else registered()}
        self._threads = ThreadPoolExecutor(max(1, workers), thread_name_prefix="decode")
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._live: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if kwargs or len(args) != 1:
            raise TypeError("DecoderPool.submit takes a function and one argument")
        return self._threads.submit(self._call, fn, args[0])

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop every worker: idle ones are told to exit, busy ones are killed (a decode keeps
        no state worth waiting for), so a cancelled run stops at once."""
        with self._lock:
            self._closed = True
            live = list(self._live)
        idle = set()
        with contextlib.suppress(queue.Empty):
            while True:
                idle.add(self._idle.get_nowait())
        for w in live:
            with contextlib.suppress(OSError, ValueError):
                if w in idle:
                    w.conn.send(None)
                else:
                    w.process.kill()  # its thread sees the pipe close and gives up
        self._threads.shutdown(wait=wait, cancel_futures=cancel_futures)
        for w in live:
            self._retire(w, grace=2.0)

    def __exit__(self, *exc: object) -> None:
        self.shutdown(wait=True, cancel_futures=True)

    def stop_busy(self) -> None:
        """Kill the workers still decoding (a run ended: cancelled, or failed); the idle
        ones stay for the next run."""
        with self._lock:
            busy = [w for w in self._live if w.busy]
        for w in busy:
            with contextlib.suppress(OSError, ValueError):
                w.process.kill()  # its thread sees the pipe close and gives up

    @property
    def closed(self) -> bool:
        return self._closed

    def _call(self, fn: Callable[[Any], Any], arg: Any) -> Any:
        worker = self._checkout()
        worker.busy = True
        try:
            worker.conn.send((fn, arg))
            answered = worker.conn.poll(self.time_limit)
            ok, value = worker.conn.recv() if answered else (False, None)
        except (EOFError, OSError):  # the worker died: this file's decode brought it down
            self._retire(worker)
            if self._closed:
                raise Cancelled() from None
            raise MediaError(CRASHED) from None
        except BaseException:
            self._retire(worker)
            raise
        if not answered:
            self._retire(worker)
            raise MediaError(too_slow(self.time_limit))
        self._give_back(worker)
        if ok:
            return value
        raise value if isinstance(value, BaseException) else RuntimeError(str(value))

    def _checkout(self) -> _Worker:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            return self._start()  # at most one worker per decode thread

    def _start(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(target=serve, args=(child, self._setup), daemon=True,
                                    name="mediabrowser-decoder")
        with self._lock:  # shutdown() sees every worker that was started
            if self._closed:
                raise Cancelled()
            _start_fork_server()
            process.start()
            worker = _Worker(process, parent)
            self._live.add(worker)
        child.close()
        try:
            if parent.poll(START_SECONDS) and parent.recv() == "ready":
                return worker
        except (EOFError, OSError):
            pass
        self._retire(worker)
        if self._closed:
            raise Cancelled()
        raise RuntimeError(f"a decoder process did not start (exit code "
                           f"{process.exitcode})")

    def _give_back(self, worker: _Worker) -> None:
        worker.busy = False
        worker.done += 1
        with self._lock:
            closed = self._closed
        if closed or worker.done >= RECYCLE_AFTER:
            self._retire(worker)
        else:
            self._idle.put(worker)

    def _retire(self, worker: _Worker, grace: float = 0.0) -> None:
        """Let a worker exit (killed after `grace` seconds), reap it and free its handles;
        once, whichever thread gets there first."""
        with self._lock:
            if worker.retired:
                return
            worker.retired = True
            self._live.discard(worker)
        process = worker.process
        process.join(grace)
        if process.is_alive():
            process.kill()
            process.join(5.0)
        with contextlib.suppress(OSError):
            worker.conn.close()
        with contextlib.suppress(ValueError):  # still running after SIGKILL: left to the OS
            process.close()


_env_lock = threading.Lock()
_server_started = False


def _start_fork_server() -> None:
    """Start the fork server with ONE_THREAD in its environment, once per process (the
    variables are process-wide while it starts, so not at every worker)."""
    global _server_started
    with _env_lock:
        if _server_started:
            return
        _server_started = True
    with _environment(ONE_THREAD):
        multiprocessing.forkserver.ensure_running()


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """These variables set while the block runs (for a process it starts), then as before."""
    with _env_lock:  # (one change of the environment at a time)
        old = {k: os.environ.get(k) for k in values}
        os.environ.update(values)
        try:
            yield
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


# ---- one pool per process, kept between runs -----------------------------------------------
_shared: dict[tuple[Any, ...], DecoderPool] = {}
_shared_lock = threading.Lock()


def shared_pool(workers: int, time_limit: float, preload: Iterable[str] = (),
                memory_limit: int = WORKER_MEMORY_LIMIT) -> DecoderPool:
    """The process's pool for these settings and these registered decoders, started on first
    use and kept for later runs; a pool whose settings or decoders are out of date is closed."""
    decoders = tuple(sorted(registered().items(), key=lambda kv: kv[0]))
    key = (max(1, workers), float(time_limit), memory_limit, tuple(preload), decoders)
    stale: list[DecoderPool] = []
    with _shared_lock:
        pool = _shared.get(key)
        if pool is None or pool.closed:
            stale = [p for k, p in _shared.items() if k != key]
            _shared.clear()
            pool = _shared[key] = DecoderPool(key[0], key[1], memory_limit, key[3],
                                              dict(decoders))
    for old in stale:
        old.shutdown(wait=True, cancel_futures=True)
    return pool


def close_shared_pools() -> None:
    """Stop every kept worker (the app is closing, or the decoders registered changed)."""
    with _shared_lock:
        pools = list(_shared.values())
        _shared.clear()
    for pool in pools:
        pool.shutdown(wait=True, cancel_futures=True)


atexit.register(close_shared_pools)
