"""Decoders run in worker processes: a decoder that crashes or hangs on a file fails that file
with its reason, is replaced, and the run goes on; no worker outlives the run."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mediabrowser.core.jobs.decode_pool import (
    CRASHED,
    ONE_THREAD,
    DecoderPool,
    close_shared_pools,
)
from mediabrowser.core.jobs.pipeline import index_job, index_paths
from mediabrowser.core.jobs.prefetch import prefetch_map
from mediabrowser.core.library import Library
from mediabrowser.core.media.decoder_registry import register_decoder, unregister_decoder
from mediabrowser.core.media.images import decode_with_pillow

LIMIT = 3.0  # seconds: the hang limit these tests set in the library's config


def picky_decoder(path: str, min_side: int | None) -> Image.Image:
    """Pillow's decoder, except that it crashes (a real segfault) on files named crash* and
    never returns on files named hang*. Module-level: the workers import it from here."""
    name = Path(path).name
    if name.startswith("crash"):
        ctypes.string_at(0)
    if name.startswith("hang"):
        time.sleep(600)
    return decode_with_pillow(path, min_side)


def shout(word: str) -> str:
    if word == "crash":
        ctypes.string_at(0)
    if word == "hang":
        time.sleep(600)
    if word == "bad":
        raise ValueError("no such word")
    return word.upper()


def openblas_threads(_: object) -> int | None:
    """The threads numpy's OpenBLAS uses in this process (None where there is none)."""
    libs = {line.split()[-1] for line in Path("/proc/self/maps").read_text().splitlines()
            if "openblas" in line.lower()}
    for lib in libs:
        handle = ctypes.CDLL(lib)
        for name in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_",
                     "openblas_get_num_threads"):
            if hasattr(handle, name):
                return int(getattr(handle, name)())
    return None


@pytest.fixture
def picky_jpegs() -> Iterator[None]:
    register_decoder("image", ".jpg", picky_decoder)
    yield
    unregister_decoder("image", ".jpg")


def _no_workers_left() -> None:
    close_shared_pools()  # what the app does when it closes: the kept workers stop
    assert multiprocessing.active_children() == []
    assert not [t.name for t in threading.enumerate() if t.name.startswith("decode")]


def _folder(tmp_path: Path) -> Path:
    d = tmp_path / "media"
    d.mkdir()
    rng = np.random.default_rng(0)
    for name in ("a.jpg", "crash.jpg", "b.jpg", "hang.jpg", "c.jpg"):
        pixels = rng.integers(0, 255, (96, 128, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(d / name, quality=90)
    return d


def test_a_crash_and_a_hang_fail_their_files_and_the_run_goes_on(
        library: Library, tmp_path: Path, picky_jpegs: None) -> None:
    folder = _folder(tmp_path)
    library.config.decode_time_limit = LIMIT
    t = time.monotonic()
    report = index_paths(library, [folder])
    assert time.monotonic() - t < 60
    reasons = {Path(p.path).name: p.reason for p in report.problems}
    assert reasons == {"crash.jpg": CRASHED,
                       "hang.jpg": reasons["hang.jpg"]}
    assert reasons["hang.jpg"].startswith(f"took longer than {LIMIT:g} s to decode")
    assert report.embedded == 3 and not report.cancelled
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        assert library.store.file_by_path(str(folder / name)).status == "ok"
    assert library.store.file_by_path(str(folder / "crash.jpg")).status == "error"
    _no_workers_left()


def test_stopping_a_run_mid_decode_stops_its_workers(
        library: Library, tmp_path: Path, picky_jpegs: None) -> None:
    folder = _folder(tmp_path)
    (folder / "crash.jpg").unlink()
    (folder / "a.jpg").rename(folder / "hang-first.jpg")  # the first file decoded hangs
    library.config.decode_time_limit = 600
    library.lock_for_writing()
    try:
        job = index_job(library, [folder])
        for progress in job:
            if progress.stage == "embed":
                break
        t = time.monotonic()
        job.close()  # what a cancel or an error does to the generator
        assert time.monotonic() - t < 10
    finally:
        library.unlock()
    _no_workers_left()


def test_the_pool_keeps_order_and_replaces_dead_workers() -> None:
    words = ["one", "crash", "two", "hang", "bad", "three", "four", "five"]
    with DecoderPool(workers=2, time_limit=LIMIT) as pool:
        out = [(w, r, e) for w, r, e in prefetch_map(shout, words, ahead=3, executor=pool)]
    assert [w for w, _, _ in out] == words
    assert [r for _, r, _ in out] == ["ONE", None, "TWO", None, None, "THREE", "FOUR", "FIVE"]
    errors = {w: str(e) for w, _, e in out if e is not None}
    assert errors["crash"] == CRASHED
    assert errors["hang"].startswith(f"took longer than {LIMIT:g} s")
    assert errors["bad"] == "no such word"
    _no_workers_left()


def test_workers_run_the_maths_libraries_on_one_thread_and_the_app_keeps_its_own() -> None:
    # Several workers decode side by side: each must not start a thread per core in OpenBLAS
    # (numpy is imported by the fork server, before any worker could set this).
    before = {v: os.environ.get(v) for v in ONE_THREAD}
    with DecoderPool(workers=1, time_limit=LIMIT) as pool:
        seen = {v: pool.submit(os.getenv, v).result() for v in ONE_THREAD}
        threads = pool.submit(openblas_threads, None).result()
    assert seen == dict.fromkeys(ONE_THREAD, "1")
    assert threads in (None, 1)  # None: this numpy has no OpenBLAS to ask
    assert {v: os.environ.get(v) for v in ONE_THREAD} == before
    _no_workers_left()
