"""Issue 25, point 6: the library grid does not reshuffle under the person while an import
slots new items in above what they look at."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from mediabrowser.core.store.repo import Store
from mediabrowser.gui.grid.model import IdRole
from mediabrowser.gui.library_owner import Changes


def fill(store: Store, names: list[str]) -> None:
    now = time.time()
    with store.transaction() as c:
        for n in names:
            store.insert_file(c, path=f"/nowhere/{n}", kind="image", size=1000, mtime=now,
                              hash=n, width=10, height=10, status="ok")


def test_rows_slotted_in_above_keep_the_tiles_in_view(qtbot: Any, make_window: Any,
                                                      tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    store = Store(lib / "library.db")
    fill(store, [f"m{i:04d}.jpg" for i in range(600)])
    w = make_window(lib)
    grid, bar = w.grid, w.grid.verticalScrollBar()
    qtbot.waitUntil(lambda: w.library_model.rowCount() >= 256, timeout=10_000)
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=10_000)
    bar.setValue(bar.maximum() // 3)
    qtbot.wait(50)
    anchor = w.listing._anchor()
    assert anchor is not None
    fid, y = anchor
    before = w.library_model.row_of(fid)
    assert before is not None
    fill(store, [f"a{i:03d}.jpg" for i in range(37)])  # sort before every row shown

    def moved_down(fid: int, before: int) -> bool:  # the page read in the background arrived
        row = w.library_model.row_of(fid)
        return row is not None and row >= before + 37

    w.listing.refresh(if_count_changed=True)
    qtbot.waitUntil(lambda: moved_down(fid, before), timeout=10_000)  # down in the list…
    qtbot.wait(50)  # the hold settles once the grid has laid the rows out
    row = w.library_model.row_of(fid)
    assert row is not None
    qtbot.waitUntil(lambda: abs(grid.visualRect(w.library_model.index(row)).y() - y) <= 2,
                    timeout=2_000)  # …not on screen (the grid lays rows out in batches)
    # without holding the view, the same slotting in moves the tiles (what people saw)
    fid, y = w.listing._anchor()
    before = w.library_model.row_of(fid)
    w.listing._hold = lambda _anchor: None
    fill(store, [f"b{i:03d}.jpg" for i in range(37)])
    w.listing.refresh(if_count_changed=True)
    qtbot.waitUntil(lambda: moved_down(fid, before), timeout=10_000)
    qtbot.wait(50)
    moved = grid.visualRect(w.library_model.index(w.library_model.row_of(fid))).y()
    assert abs(moved - y) > 50
    assert w.library_model.index(0).data(IdRole) is not None
    store.close()


def test_the_threshold_slider_stays_put_as_its_label_changes(qtbot: Any, make_window: Any
                                                            ) -> None:
    w = make_window()
    label, slider = w.threshold_label, w.threshold
    xs = set()
    for v in range(0, 101, 5):
        slider.setValue(v)
        assert label.sizeHint().width() <= label.minimumWidth(), label.text()
        xs.add(slider.geometry().x())
    assert len(xs) == 1  # the slider never moved sideways


def test_the_scrollbar_reaches_any_row_of_the_listing(qtbot: Any, make_window: Any,
                                                      tmp_path: Path) -> None:
    """Issue 25, point 5: every row is counted once the listing's marks are read; a jump
    reads only the block it lands in."""
    from mediabrowser.gui.grid.far_rows import BLOCK
    from mediabrowser.gui.grid.model import RowRole

    lib = tmp_path / "lib"
    lib.mkdir()
    store = Store(lib / "library.db")
    names = [f"n{i:05d}.jpg" for i in range(6 * BLOCK + 77)]
    fill(store, names[::-1])  # ids not in name order
    w = make_window(lib)
    model, bar = w.library_model, w.grid.verticalScrollBar()
    qtbot.waitUntil(lambda: model.rowCount() == len(names), timeout=20_000)
    assert len(model._ids) < len(names)  # only the first page was read…
    bar.setValue(bar.maximum())  # …and the scrollbar goes to the end at once
    last = model.index(len(names) - 1)
    qtbot.waitUntil(lambda: last.data(RowRole) is not None, timeout=10_000)
    assert Path(last.data(RowRole).path).name == names[-1]
    middle = model.index(3 * BLOCK + 5)
    qtbot.waitUntil(lambda: middle.data(RowRole) is not None, timeout=10_000)
    assert Path(middle.data(RowRole).path).name == names[3 * BLOCK + 5]
    assert 1 not in model._blocks  # a block not looked at is not read
    assert model.row_of(middle.data(IdRole)) == 3 * BLOCK + 5
    # an import slots rows in: the far rows are dropped (they would all shift), read again after
    w.listing.indexing_progressed(None)
    fill(store, ["a0000.jpg"])
    w.listing.refresh(if_count_changed=True)
    assert model.rowCount() < len(names)
    w.listing._library_changed(Changes(files=True))
    qtbot.waitUntil(lambda: model.rowCount() == len(names) + 1, timeout=20_000)
    store.close()
