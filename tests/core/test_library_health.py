"""The library survives what real machines do: drives that come and go, a full disk, two
processes opening an old library at once, and no slow reads under the write lock."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from mediabrowser.core.jobs import probe_stage
from mediabrowser.core.jobs.pipeline import index_job, index_paths, run_to_end
from mediabrowser.core.library import Library, LibraryFailure
from mediabrowser.core.media.decoder_registry import register_decoder, unregister_decoder
from mediabrowser.core.search import find_similar
from mediabrowser.core.store.schema import MIGRATIONS, SCHEMA_VERSION
from tests.conftest import textured


def _photos(folder: Path, n: int = 4, seed: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        p = folder / f"p{i}.jpg"
        textured((60 * i % 255, 120, 90), seed=seed + i).save(p)
        out.append(p)
    return out


def test_an_unplugged_drive_goes_offline_and_comes_back_with_its_vectors(
        library: Library, tmp_path: Path) -> None:
    drive, home = tmp_path / "usb", tmp_path / "home"
    on_drive, at_home = _photos(drive), _photos(home, seed=10)
    first = index_paths(library, [drive, home])
    assert first.embedded == 8

    shutil.move(drive, tmp_path / "usb-away")  # unplugged
    report = index_paths(library, library.store.roots())
    assert report.offline == 4 and report.offline_roots == [str(drive)]
    assert report.missing == 0 and report.problems == []
    rows = [library.store.file_by_path(str(p)) for p in on_drive]
    assert all(r is not None and r.status == "offline" for r in rows)
    assert all(library.store.vector(r.id, "efficientnet-lite0") is not None
               for r in rows if r is not None)
    hits = find_similar(library, at_home[0], k=10)
    assert {m.item.path for m in hits} == {str(p) for p in at_home[1:]}  # hidden from results
    assert set(library.store.listing()) >= {r.id for r in rows if r}  # still in the grid

    shutil.move(tmp_path / "usb-away", drive)  # plugged in again
    back = index_paths(library, library.store.roots())
    assert back.embedded == 0 and back.offline == 0 and back.problems == []
    hits = find_similar(library, at_home[0], k=10)
    assert {m.item.path for m in hits} == {str(p) for p in on_drive + at_home[1:]}


def test_an_empty_mount_point_is_offline_but_a_deleted_file_is_gone(library: Library,
                                                                   tmp_path: Path) -> None:
    mount = tmp_path / "media" / "disk"
    files = _photos(mount)
    index_paths(library, [mount])
    os.remove(files[0])  # deleted inside a folder that is there
    report = index_paths(library, [mount])
    assert report.missing == 1 and report.offline == 0
    row = library.store.file_by_path(str(files[0]))
    assert row is not None and row.status == "missing"
    _unmount(mount)
    report = index_paths(library, [mount])
    assert report.offline == 3 and report.missing == 0
    assert {library.store.file_by_path(str(f)).status for f in files[1:]} == {"offline"}
    again = index_paths(library, [mount])  # still away: still offline, and said so
    assert again.offline == 3 and again.offline_roots == [str(mount)]


def _unmount(mount: Path) -> None:
    """What unmounting shows: the mount point, empty, as it was before the drive was mounted
    (its own old modification time)."""
    shutil.rmtree(mount)
    mount.mkdir()
    os.utime(mount, (1_000_000_000, 1_000_000_000))


def test_a_folder_a_person_emptied_is_not_offline(library: Library, tmp_path: Path) -> None:
    folder = tmp_path / "trip"
    files = _photos(folder)
    index_paths(library, [tmp_path])
    for f in files:
        os.remove(f)  # deleting touches the folder
    report = index_paths(library, [tmp_path])
    assert report.missing == 4 and report.offline == 0


def test_a_drive_mounted_inside_a_library_folder(library: Library, tmp_path: Path) -> None:
    home = tmp_path / "home"
    mine = _photos(home, n=2)
    disk = home / "disk"
    nested = _photos(disk / "2020", n=3, seed=20) + _photos(disk, n=1, seed=30)
    index_paths(library, [home])
    _unmount(disk)
    report = index_paths(library, [home])
    assert report.offline == 4 and report.missing == 0
    assert {library.store.file_by_path(str(p)).status for p in nested} == {"offline"}
    assert {library.store.file_by_path(str(p)).status for p in mine} == {"ok"}


def test_a_backup_copy_made_while_the_drive_is_away_does_not_take_its_files(
        library: Library, tmp_path: Path) -> None:
    drive = tmp_path / "usb"
    originals = _photos(drive, n=2)
    index_paths(library, [drive])
    backup = tmp_path / "backup"
    shutil.copytree(drive, backup)
    shutil.move(drive, tmp_path / "away")
    report = index_paths(library, [drive, backup])
    assert report.moved == 0 and report.new == 2 and report.offline == 2
    assert {library.store.file_by_path(str(p)).status for p in originals} == {"offline"}
    shutil.move(tmp_path / "away", drive)
    back = index_paths(library, [drive, backup])
    assert back.new == 0 and back.offline == 0 and back.embedded == 0


def unplugged_decoder(path: str, min_side: int | None) -> object:
    """A drive unplugged between the probe and the decode (module-level: run in a worker)."""
    raise FileNotFoundError(2, "No such file or directory", path)


def test_a_file_that_vanished_mid_run_is_read_again_when_it_is_back(
        library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    drive = tmp_path / "usb"
    files = _photos(drive, n=3)
    register_decoder("image", ".jpg", unplugged_decoder)  # reaches the decode workers too
    try:
        first = index_paths(library, [drive])
    finally:
        unregister_decoder("image", ".jpg")
    assert first.embedded == 0 and len(first.problems) == 3
    shutil.move(drive, tmp_path / "away")
    index_paths(library, [drive])
    shutil.move(tmp_path / "away", drive)
    back = index_paths(library, [drive])
    assert back.embedded == 3 and back.problems == []
    assert {library.store.file_by_path(str(p)).status for p in files} == {"ok"}


def test_a_full_disk_stops_the_run_with_what_to_do(library: Library, tmp_path: Path) -> None:
    _photos(tmp_path / "many", n=12)
    # SQLite's own "database or disk is full", as on a real full disk.
    library.store.limit_growth(1)
    library.lock_for_writing()
    with pytest.raises(LibraryFailure, match="is full: free some space"):
        run_to_end(index_job(library, [tmp_path / "many"]))


def test_failure_messages_name_the_cause() -> None:
    folder = Path("/lib")
    assert "is full" in str(LibraryFailure.from_error(folder, OSError(28, "No space left")))
    assert "cannot be written" in str(LibraryFailure.from_error(
        folder, sqlite3.OperationalError("attempt to write a readonly database")))
    assert "is damaged" in str(LibraryFailure.from_error(
        folder, sqlite3.DatabaseError("file is not a database")))
    assert "locked" in str(LibraryFailure.from_error(
        folder, sqlite3.OperationalError("database is locked")))


def _open_library(folder: str, barrier: multiprocessing.synchronize.Barrier) -> None:
    barrier.wait()
    Library(folder).close()


def test_two_processes_migrating_an_old_library_at_once(tmp_path: Path) -> None:
    folder = tmp_path / "old-lib"
    folder.mkdir()
    conn = sqlite3.connect(folder / "library.db")
    conn.executescript(MIGRATIONS[0] + "; PRAGMA user_version = 1;")
    conn.close()
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(3)
    procs = [ctx.Process(target=_open_library, args=(str(folder), barrier)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    conn = sqlite3.connect(folder / "library.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_full_hashes_are_read_outside_the_write_transaction(library: Library, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    originals = _photos(tmp_path / "a", n=3)
    index_paths(library, [tmp_path / "a"])
    copies = tmp_path / "b"
    copies.mkdir()
    for p in originals:
        shutil.copy(p, copies / p.name)
    calls: list[bool] = []
    real = probe_stage.full_hash

    def watched(path: str) -> str:
        calls.append(library.store.in_transaction)
        return real(path)

    monkeypatch.setattr(probe_stage, "full_hash", watched)
    report = index_paths(library, [copies])
    assert report.new == 3 and report.embedded == 0  # copies reuse the vectors
    assert calls and not any(calls)
