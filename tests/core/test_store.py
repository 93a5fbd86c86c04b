from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from mediabrowser.core.store.db import SchemaTooNew, connect
from mediabrowser.core.store.repo import Store
from mediabrowser.core.store.schema import SCHEMA_VERSION


def _read(path: Path, sql: str) -> list[tuple]:
    """What a connection of its own reads (the store's is private)."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_new_database_is_migrated_and_in_wal_mode(tmp_path: Path) -> None:
    db = connect(tmp_path / "l.db")
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"files", "vectors", "roots", "jobs", "problems"} <= set(db.table_names())


def test_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    connect(path).conn.close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaTooNew, match="newer mediabrowser"):
        connect(path)


def test_vectors_round_trip_and_failed_batch_rolls_back(tmp_path: Path) -> None:
    store = Store(tmp_path / "l.db")
    with store.transaction() as c:
        fid = store.insert_file(c, path="/a.jpg", kind="image", size=1, mtime=1.0)
        store.put_vector(c, fid, "m", "m", np.arange(4, dtype=np.float32))
    with pytest.raises(RuntimeError), store.transaction() as c:
        store.insert_file(c, path="/b.jpg", kind="image", size=1, mtime=1.0)
        raise RuntimeError("killed mid-batch")
    assert store.file_by_path("/b.jpg") is None
    [got] = list(store.space_chunks("m"))
    assert got.file_ids.tolist() == [fid]
    # stored at unit length in float16: cosines move by < 1e-3
    assert np.allclose(got.matrix[0], np.arange(4) / np.linalg.norm(np.arange(4)), atol=1e-3)
    assert len(_read(store.path, "SELECT vector FROM vectors")[0][0]) == 4 * 2
    store.close()


def test_version_1_library_is_migrated_in_place(tmp_path: Path) -> None:
    from mediabrowser.core.store.schema import MIGRATIONS

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0])
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO jobs (kind, started_at, state) VALUES ('index', 1.0, 'done')")
    conn.commit()
    conn.close()
    store = Store(path)
    assert _read(path, "PRAGMA user_version")[0][0] == SCHEMA_VERSION >= 2
    job = store.last_job()
    assert job is not None and job["state"] == "done" and job["items_per_second"] is None
    store.close()


def test_version_2_library_gets_vector_labels_sort_keys_and_counts(tmp_path: Path) -> None:
    from mediabrowser.core.store.schema import MIGRATIONS

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0])
    conn.executescript(MIGRATIONS[1])
    conn.execute("PRAGMA user_version = 2")
    for i, name in enumerate(["/m/B.jpg", "/m/a.jpg", "/m/c.mp4"], start=1):
        conn.execute("INSERT INTO files (id, path, kind, size, mtime, added_at, updated_at) "
                     "VALUES (?, ?, ?, 1, ?, 0, 0)", (i, name, name[-3:] == "mp4" and "video"
                                                      or "image", float(i)))
        conn.execute("INSERT INTO vectors VALUES (?, 'm', 'm', 2, ?, 0)",
                     (i, np.array([1, i], np.float32).tobytes()))
    conn.commit()
    conn.close()
    store = Store(path)
    assert _read(path, "PRAGMA user_version")[0][0] == SCHEMA_VERSION
    labels = _read(path, "SELECT label, file_id, segment FROM vectors ORDER BY label")
    assert [r[1:] for r in labels] == [(1, 0), (2, 0), (3, 0)]
    assert store.listing() == [2, 1, 3]  # a.jpg, B.jpg, c.mp4: names compared lower-cased
    assert store.listing_count() == 3 and store.listing_count("video") == 1
    store.close()
