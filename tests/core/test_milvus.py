"""core/index/milvus.py against Milvus Lite: filters in Milvus' expressions, upserts by key,
and a collection made for another model refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mediabrowser.core.filters import Filters, parse_date
from mediabrowser.core.index.milvus import (
    MilvusVectors,
    VectorRow,
    VectorsError,
    VectorsUri,
    expression,
    row_key,
)


def test_addresses_and_expressions() -> None:
    assert VectorsUri.parse("milvus://db.local:19530/photos") == VectorsUri(
        "milvus", "http://db.local:19530", "photos")
    assert str(VectorsUri.parse("milvus://h:1")) == "milvus://h:1"
    assert VectorsUri.parse("").kind == "embedded"
    for bad in ("milvus://h", "milvus://h:port", "http://h:1", "vectors.sqlite"):
        with pytest.raises(VectorsError):
            VectorsUri.parse(bad)
    e = expression(["image"], Filters(folder="/a/50%_off", min_size=10, orientation="portrait",
                                      camera="EOS", types=("jpg",)))
    assert 'kind in ["image"]' in e and 'folder like "/a/50\\\\%\\\\_off/%"' in e
    assert "size >= 10 " in e and "height > width" in e and 'camera like "%eos%"' in e
    assert expression(None, None) == ""


def test_rows_filters_and_models(shared_uri: str) -> None:
    mv = MilvusVectors(VectorsUri.parse(shared_uri))
    try:
        mv.open_space("s", "m", 8)
        rng = np.random.default_rng(0)
        rows = [VectorRow(f"/p/{'a' if i % 2 else 'b'}/f{i}.jpg", 0, "image", rng.normal(size=8),
                          size=i, date=parse_date("2020") + i * 86400.0, width=20, height=10,
                          camera="Canon EOS" if i % 4 == 0 else "")
                for i in range(60)]
        mv.upsert("s", rows)
        mv.upsert("s", rows[:10])  # again: replaced, not doubled
        assert mv.count("s") == 60
        hits = mv.search("s", rows[3].vector, 5)
        assert hits[0][0]["path"] == "/p/a/f3.jpg" and hits[0][1] == pytest.approx(1.0, abs=1e-5)
        kept = mv.search("s", rows[3].vector, 60, filters=Filters(
            folder="/p/b", camera="eos", after=parse_date("2020-01-20")))
        assert kept and all(r["path"].startswith("/p/b/") and r["date"] >= parse_date(
            "2020-01-20") for r, _ in kept)
        assert {r["path"] for r, _ in kept} == {f"/p/b/f{i}.jpg" for i in range(20, 60, 4)}
        got = mv.rows_by_keys("s", [row_key("/p/b/f4.jpg", 0)])
        assert got[0]["camera_name"] == "Canon EOS" and got[0]["size"] == 4  # as it was
        with pytest.raises(VectorsError, match="holds 8-d vectors of m"):
            MilvusVectors(VectorsUri.parse(shared_uri)).open_space("s", "x", 16)
    finally:
        mv.close()


def test_milvus_lite_in_use_by_another_program_is_named(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess
    import sys

    from mediabrowser.core.index import milvus

    db = tmp_path / "v.db"
    MilvusVectors(VectorsUri.parse(str(db))).close()  # made, then let go
    hold = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, os, sys, time\n"
        f"fd = os.open({str(db / 'LOCK')!r}, os.O_RDWR)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('held', flush=True)\ntime.sleep(30)\n")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert hold.stdout is not None and hold.stdout.readline().strip() == "held"
        monkeypatch.setattr(milvus, "LITE_WAIT_SECONDS", 0.5)
        with pytest.raises(VectorsError, match="in use by another program"):
            MilvusVectors(VectorsUri.parse(str(db)))
    finally:
        hold.kill()
        hold.wait()
    MilvusVectors(VectorsUri.parse(str(db))).close()  # free again


def test_a_bulk_job_holds_the_shared_library(photo_dir: Path, tmp_path: Path, shared_uri: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A bulk sending holds the lease: another machine's sending is refused with who holds it,
    its vectors kept for the next run; a lease whose holder died lapses."""
    from mediabrowser.core.driver import drive
    from mediabrowser.core.index import milvus_lease
    from mediabrowser.core.index.milvus_lease import Lease, SharedLibraryBusy
    from mediabrowser.core.jobs.pipeline import index_paths
    from mediabrowser.core.jobs.vector_sync import SENT, sync_job
    from mediabrowser.core.library import Library

    monkeypatch.setattr(milvus_lease, "SETTLE_S", 0.0)
    uri = VectorsUri.parse(shared_uri)
    other = MilvusVectors(uri)  # machine A, moving a library there
    lease = Lease(other)
    lease.acquire("moving a library")
    try:
        with Library(tmp_path / "b") as lib:
            index_paths(lib, [photo_dir])
            with pytest.raises(SharedLibraryBusy, match="is moving a library since"):
                drive(sync_job(lib, uri))
            assert lib.store.meta_value(SENT) is None  # nothing counted as sent
            with pytest.raises(SharedLibraryBusy):
                Lease(other).acquire("another bulk job")
            lease.release()
            assert drive(sync_job(lib, uri)).sent == 19
            assert lease.current() is None  # the sending let its lease go
            # A takes it again and dies: after the TTL it lapses, and B sends
            (photo_dir / "coffee.jpg").unlink()
            index_paths(lib, [photo_dir])
            monkeypatch.setattr(milvus_lease, "TTL_MS", 2000)
            Lease(other).acquire("a job that died")
            with pytest.raises(SharedLibraryBusy):
                drive(sync_job(lib, uri))
            import time

            time.sleep(2.1)
            assert drive(sync_job(lib, uri)).deleted == 1
    finally:
        other.close()


def test_milvus_errors_mid_job_are_worded() -> None:
    from collections.abc import Iterator

    from pymilvus.exceptions import MilvusException

    from mediabrowser.core.driver import drive
    from mediabrowser.core.index.milvus import worded

    def job() -> Iterator[int]:
        yield 1
        raise MilvusException(message="segment lost\nmore detail")

    with pytest.raises(VectorsError, match=r"milvus://h:1 failed a call \(segment lost\); "
                                           "what is here is kept"):
        drive(worded(job(), VectorsUri.parse("milvus://h:1")))  # type: ignore[arg-type]
    with pytest.raises(KeyError):  # not Milvus': left as it is
        drive(worded((_ for _ in ()).throw(KeyError("x")), VectorsUri.parse("x.db")))
