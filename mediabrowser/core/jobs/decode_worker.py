"""The decode worker process: runs one decode at a time for the decode pool (decode_pool.py).

Kept to the standard library at import: the decoders' own modules come with the first task
(or `preload`), so a worker costs no more than what it decodes with.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from multiprocessing.connection import Connection
from typing import Any


def serve(conn: Connection, setup: dict[str, Any]) -> None:
    """Answer (function, argument) with (True, result) or (False, exception) until the pool
    sends None or goes away."""
    _die_with_parent()  # (one thread per maths library: the fork server's environment)
    _limit_memory(int(setup["memory_limit"]))
    from mediabrowser.core.media.decoder_registry import install

    install(setup["decoders"])
    for name in setup["preload"]:
        importlib.import_module(name)
    conn.send("ready")
    while True:
        try:
            task = conn.recv()
        except EOFError:  # the pool is gone
            return
        except Exception as exc:  # noqa: BLE001 - a task that cannot be unpickled here
            _answer(conn, (False, exc))
            continue
        if task is None:
            return
        fn, arg = task
        try:
            answer: tuple[bool, Any] = (True, fn(arg))
        except Exception as exc:  # noqa: BLE001 - the file's problem, told to the pool
            answer = (False, exc)
        del task, fn, arg
        _answer(conn, answer)


def _answer(conn: Connection, answer: tuple[bool, Any]) -> None:
    try:
        conn.send(answer)
    except (EOFError, BrokenPipeError):
        raise SystemExit(0) from None
    except Exception as exc:  # noqa: BLE001 - an exception that cannot be pickled
        conn.send((False, RuntimeError(f"{type(answer[1]).__name__}: {answer[1]} ({exc})")))


def _limit_memory(limit: int) -> None:
    """Cap the memory a decoder can allocate (the data segment: heap and private mappings),
    so a runaway allocation fails in this worker alone. Not the address space: the decoders'
    libraries (PyTorch's for audio) map gigabytes of code that are no allocation at all."""
    if limit <= 0:
        return
    with contextlib.suppress(ImportError, ValueError, OSError, AttributeError):
        import resource

        _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        cap = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))


def _die_with_parent() -> None:
    """On Linux, the kernel kills this worker if the indexing process dies (even by SIGKILL),
    so a decoder stuck in a loop does not outlive it."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(Exception):
        import ctypes
        import signal

        ctypes.CDLL(None).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
