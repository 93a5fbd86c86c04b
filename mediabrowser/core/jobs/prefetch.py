"""Run a function over items in a small pool, in order, never more than `ahead` in flight.

The decode pool of the pipeline: it keeps a few batches of decoded inputs ready while the model
works on the current one, and memory stays bounded however long the list is. The pool is a
thread pool of its own, or an executor the caller gives (the decode worker processes).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def prefetch_map(
    fn: Callable[[T], R], items: Iterable[T], workers: int = 2, ahead: int = 32,
    executor: Executor | None = None,
) -> Generator[tuple[T, R | None, BaseException | None], None, None]:
    """Yield (item, result, None) or (item, None, exception) in input order. A given
    `executor` stays open (its owner shuts it down); what was queued on it is cancelled."""
    pending: deque[tuple[T, Future[R]]] = deque()
    it = iter(items)
    own = executor is None
    pool = executor or ThreadPoolExecutor(max_workers=max(1, workers),
                                          thread_name_prefix="decode")
    try:
        for item in it:
            pending.append((item, pool.submit(fn, item)))
            if len(pending) >= ahead:
                break
        while pending:
            item, fut = pending.popleft()
            nxt = next(it, None)
            if nxt is not None:
                pending.append((nxt, pool.submit(fn, nxt)))
            try:
                yield item, fut.result(), None
            except Exception as exc:  # noqa: BLE001 - handed to the caller with its item
                yield item, None, exc
    finally:
        for _, fut in pending:
            fut.cancel()
        if own:
            pool.shutdown(wait=True, cancel_futures=True)
