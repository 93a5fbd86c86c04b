"""Issue 25, point 5: library folders are watched; files added, moved and removed are picked
up within seconds without F5, and the watch is bounded."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from mediabrowser.gui import folder_watch
from mediabrowser.gui.folder_watch import folders_to_watch
from tests.gui.test_window import index_by_drop, names


def test_bounded_listing_keeps_roots_and_newest(tmp_path: Path) -> None:
    import os
    import time

    for i in range(6):
        d = tmp_path / "r" / f"d{i}"
        d.mkdir(parents=True)
        t = time.time() - 1000 * (6 - i)
        os.utime(d, (t, t))
    (tmp_path / "r" / ".hidden").mkdir()
    every, total = folders_to_watch([str(tmp_path / "r")], 100)
    assert total == 7 and len(every) == 7  # the root and its six folders, not the hidden
    some, total = folders_to_watch([str(tmp_path / "r")], 3)
    assert total == 7 and some == [str(tmp_path / "r"), str(tmp_path / "r" / "d5"),
                                   str(tmp_path / "r" / "d4")]
    assert folders_to_watch([str(tmp_path / "away")], 10) == ([], 0)


def test_new_moved_and_removed_files_show_up(qtbot: Any, make_window: Any, photo_dir: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIABROWSER_WATCH", "1")
    monkeypatch.setattr(folder_watch, "DEBOUNCE_MS", 300)
    w = make_window()
    index_by_drop(qtbot, w, photo_dir)
    watch = w.indexing.watch
    qtbot.waitUntil(lambda: watch.watched == watch.total == 2, timeout=10_000)  # + copies
    roots = w.lib.store.roots()
    shutil.copy(photo_dir / "coffee.jpg", photo_dir / "copies" / "new_coffee.jpg")
    with qtbot.waitSignal(w.indexing.finished, timeout=60_000):
        pass  # the watch saw the copy, waited for the changes to settle and indexed it
    qtbot.waitUntil(lambda: "new_coffee.jpg" in names(w.library_model), timeout=10_000)
    assert w.lib.store.roots() == roots  # the changed folder did not become a library folder
    # a new folder with a file in it, and a file removed
    (photo_dir / "trip").mkdir()
    shutil.copy(photo_dir / "moon.jpg", photo_dir / "trip" / "moon2.jpg")
    (photo_dir / "horse.jpg").unlink()
    qtbot.waitUntil(lambda: "moon2.jpg" in names(w.library_model)
                    and "horse.jpg" not in names(w.library_model), timeout=60_000)
    qtbot.waitUntil(lambda: watch.watched == 3, timeout=10_000)  # the new folder is watched
    qtbot.waitUntil(lambda: w.indexing.worker is None, timeout=30_000)
