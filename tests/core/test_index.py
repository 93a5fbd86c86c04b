from __future__ import annotations

from pathlib import Path

import numpy as np

from mediabrowser.core.index.hnsw import HnswIndex
from mediabrowser.core.index.manager import IndexManager
from mediabrowser.core.store.repo import Store


def _clustered(n: int, dim: int, clusters: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    x = centres[rng.integers(0, clusters, n)] + 0.35 * rng.normal(size=(n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_recall_at_10_against_exact_search_on_clustered_data() -> None:
    data = _clustered(6000, 128, 60)
    queries = _clustered(200, 128, 60, seed=1)
    idx = HnswIndex(dim=128, capacity=100)  # grows with resize_index as items arrive
    for start in range(0, len(data), 1000):
        idx.add(np.arange(start, start + 1000), data[start:start + 1000])
    exact = np.argsort(-(queries @ data.T), axis=1)[:, :10]
    hits = 0
    for q, truth in zip(queries, exact, strict=True):
        got = {label for label, _ in idx.query(q, 10)}
        hits += len(got & set(truth.tolist()))
    recall = hits / (10 * len(queries))
    assert recall >= 0.95, recall


def test_scores_are_cosine_similarities_and_deleted_items_vanish() -> None:
    idx = HnswIndex(dim=3)
    v = np.eye(3, dtype=np.float32)
    idx.add([10, 11, 12], v)
    res = idx.query(v[0], 3)
    assert res[0] == (10, 1.0)
    assert all(abs(score) < 1e-6 for _, score in res[1:])
    idx.remove([10])
    assert 10 not in [lbl for lbl, _ in idx.query(v[0], 3)]
    idx.add([10], v[:1])  # back again (e.g. a file that reappeared)
    assert idx.query(v[0], 1)[0][0] == 10
    assert [lbl for lbl, _ in idx.query(v[0], 3, allow=lambda lbl: lbl != 10)] != []


def test_save_load_keeps_a_consistent_generation(tmp_path: Path) -> None:
    idx = HnswIndex(dim=8)
    data = _clustered(50, 8, 3)
    idx.add(np.arange(50), data)
    idx.remove([3, 4])
    idx.save(tmp_path, "space:x")
    idx.add([100], data[:1])
    idx.save(tmp_path, "space:x")
    loaded = HnswIndex.load(tmp_path, "space:x")
    assert loaded is not None and loaded.live == idx.live
    # only the current and the previous generation are kept
    assert len(list(tmp_path.glob("*.hnsw"))) == 2
    (tmp_path / "space_x.json").write_text("{ broken")
    assert HnswIndex.load(tmp_path, "space:x") is None


def _store_with_vectors(tmp_path: Path, n: int) -> Store:
    store = Store(tmp_path / "l.db")
    data = _clustered(n, 16, 4)
    with store.transaction() as c:
        for i in range(n):
            fid = store.insert_file(c, path=f"/m/{i}.jpg", kind="image", size=1, mtime=1.0)
            store.put_vector(c, fid, "m", "m", data[i])
    return store


def test_manager_rebuilds_a_missing_index_and_reconciles_a_stale_one(tmp_path: Path) -> None:
    store = _store_with_vectors(tmp_path, 40)
    folder = tmp_path / "index"
    mgr = IndexManager(folder, store)
    idx = mgr.get("m")
    assert idx is not None and len(idx) == 40 and mgr.last_open_action["m"] == "rebuilt"
    mgr.save()
    # the store changes behind the saved index (as after a kill between a batch and a save)
    with store.transaction() as c:
        store.update_file(c, 1, status="missing")
        fid = store.insert_file(c, path="/m/new.jpg", kind="image", size=1, mtime=1.0)
        store.put_vector(c, fid, "m", "m", np.ones(16, np.float32) / 4)
    mgr2 = IndexManager(folder, store)
    idx2 = mgr2.get("m")
    assert idx2 is not None and mgr2.last_open_action["m"] == "reconciled"
    assert idx2.live == store.space_ids("m") and 1 not in idx2.live and fid in idx2.live
    mgr2.save()
    for f in folder.iterdir():
        f.unlink()
    mgr3 = IndexManager(folder, store)
    idx3 = mgr3.get("m")
    assert idx3 is not None and mgr3.last_open_action["m"] == "rebuilt"
    assert idx3.live == store.space_ids("m")
    store.close()
