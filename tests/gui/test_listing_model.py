"""The library grid reads SQL pages as the person scrolls, slots in new items while indexing,
and sends a slow query to a reader thread instead of freezing the window."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex

from mediabrowser.core.store.repo import Store
from mediabrowser.gui.grid import listing_model as lm
from mediabrowser.gui.grid.listing_model import ListingModel
from mediabrowser.gui.grid.thumb_loader import ThumbLoader


@pytest.fixture
def model(tmp_path: Path) -> Iterator[ListingModel]:
    store = Store(tmp_path / "l.db")
    with store.transaction() as c:
        for i in range(1200):
            store.insert_file(c, path=f"/lib/{i % 10}/IMG_{i:05d}.jpg",
                              kind="video" if i % 100 == 7 else "image", size=1,
                              mtime=float(i))
    thumbs = ThumbLoader(tmp_path / "thumbs")
    m = ListingModel(store, thumbs)
    yield m
    m.close()
    thumbs.close()
    store.close()
    assert not [t for t in threading.enumerate() if t.name == "listing-pages"]


def _names(m: ListingModel) -> list[str]:
    return [m.file_row(m.id_at(r)).path.rsplit("/", 1)[1] for r in range(m.rowCount())]


def test_pages_arrive_as_the_grid_asks_for_more(model: ListingModel) -> None:
    model.set_query(None, "name", "")
    assert model.rowCount() == lm.PAGE_ROWS and model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 1200 and not model.canFetchMore(QModelIndex())
    names = _names(model)
    assert names == sorted(names) and len(set(names)) == 1200
    model.set_query(None, "date", "")  # newest first, from the top again
    assert model.rowCount() == lm.PAGE_ROWS and _names(model)[0] == "IMG_01199.jpg"
    model.set_query("video", "folder", "")
    assert model.rowCount() == 12 and model.exhausted()


def test_new_items_slot_in_among_the_loaded_rows(model: ListingModel) -> None:
    model.set_query(None, "name", "")
    store = model.store
    with store.transaction() as c:
        early = store.insert_file(c, path="/lib/new/IMG_00003b.jpg", kind="image", size=1,
                                  mtime=1.0)
        late = store.insert_file(c, path="/lib/new/zz.jpg", kind="image", size=1, mtime=1.0)
        store.insert_file(c, path="/lib/new/IMG_00004b.jpg", kind="image", size=1,
                          mtime=1.0, status="missing")  # not shown
    inserted: list[Any] = []
    model.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))
    assert model.append_new() == 1
    assert model.row_of(early) == 4 and model.row_of(late) is None  # zz comes with paging
    model.fetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.row_of(late) == model.rowCount() - 1 == 1201
    assert inserted[0] == (4, 4)


def test_a_slow_query_is_read_on_the_reader_thread(model: ListingModel, qtbot: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lm, "GUI_BUDGET_S", 0.0)  # every query is "too slow" for the GUI
    with qtbot.waitSignal(model.modelReset, timeout=5000):
        model.set_query(None, "name", "img_0119")
    assert _names(model) == [f"IMG_0119{i}.jpg" for i in range(10)] and model.exhausted()


def test_window_opens_while_a_large_missing_index_rebuilds(
        qtbot: Any, make_window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from mediabrowser.core.index import manager

    lib_dir = tmp_path / "lib"
    lib_dir.mkdir()
    store = Store(lib_dir / "library.db")
    rng = np.random.default_rng(0)
    with store.transaction() as c:
        for i in range(60):
            fid = store.insert_file(c, path=f"/lib/{i:03d}.jpg", kind="image", size=1,
                                    mtime=1.0)
            store.put_vector(c, fid, "efficientnet-lite0", "efficientnet-lite0",
                             rng.normal(size=16))
    store.close()
    monkeypatch.setattr(manager, "BACKGROUND_FROM", 10)
    gate = threading.Event()
    real_build = manager.build_space

    def gated_build(*args: Any, **kw: Any) -> Any:
        gate.wait(30)
        return (yield from real_build(*args, **kw))

    monkeypatch.setattr(manager, "build_space", gated_build)
    w = make_window(lib_dir)
    assert w.library_model.rowCount() == 60  # the grid is there at once
    qtbot.waitUntil(lambda: "Rebuilding the search index" in w.status_text.text(), timeout=5000)
    gate.set()
    qtbot.waitUntil(lambda: w.status_text.text() == "The search index is ready.", timeout=15000)
    assert (lib_dir / "index" / "efficientnet-lite0.json").exists()
