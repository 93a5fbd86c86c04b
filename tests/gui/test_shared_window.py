"""Issue 26: the window on a library shared through Milvus (Milvus Lite here). Machine A
indexed the files and sent them; the window on machine B's library, which only names the
shared store, shows A's items in its grid, finds similar items, filters and finds duplicates
among them, and picks up what A sends later without being told."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mediabrowser import dupe_media
from mediabrowser.core.filters import Filters
from mediabrowser.core.library import Library
from mediabrowser.gui import shared_room
from mediabrowser.gui.grid.model import RowRole
from tests.cli.test_cli import mb
from tests.gui.test_duplicates_view import _find
from tests.gui.test_window import names, select


def test_the_window_on_a_shared_library(qtbot: Any, make_window: Any, tmp_path: Path,
                                        monkeypatch: Any) -> None:

    media, shared = tmp_path / "media", str(tmp_path / "shared.db")
    dupe_media.photo_set(media, ("coffee",))
    dupe_media.photo_set(media / "more", ("chelsea",))
    r = mb("index", str(media), "--vectors", shared, "--library", str(tmp_path / "a"))
    assert r.returncode == 0, r.stderr
    with Library(tmp_path / "b") as lib:  # machine B: only the address
        lib.config.vectors = shared
        lib.save_config()
    monkeypatch.setattr(shared_room, "LOOK_EVERY_MS", 3_600_000)  # looks made by the test
    w = make_window(tmp_path / "b")
    every = sorted(p.name for p in media.rglob("*") if p.is_file())
    qtbot.waitUntil(lambda: sorted(names(w.library_model)) == every, timeout=60_000)
    assert w.center.currentWidget() is w.tabs  # not the welcome panel of an empty library
    assert w.status_text.text().startswith("Shared library: ")
    assert w.shared_text.text().startswith("Shared · up to date") and shared in \
        w.shared_text.toolTip()
    select(w, w.grid, "chelsea.jpg")
    with qtbot.waitSignal(w.search.results_ready, timeout=30_000):
        w.act_similar.trigger()
    assert names(w.results_model)[0].startswith("chelsea")
    with qtbot.waitSignal(w.search.results_ready, timeout=30_000):  # filters, there too
        w.results_page.query_bar.set_filters_and_ask(Filters(folder=str(media)))
    assert w.results_model.rowCount() > 0
    with qtbot.waitSignal(w.search.results_ready, timeout=30_000):
        w.results_page.query_bar.set_filters_and_ask(Filters(folder=str(media / "more")))
    paths = [w.results_model.index(r).data(RowRole).path for r in range(
        w.results_model.rowCount())]
    assert paths and all(p.startswith(str(media / "more") + "/") for p in paths)
    page = _find(qtbot, w, 2)
    assert page.summary.text().startswith("2 groups")
    # A indexes one more file (waiting for B's look to end: Milvus Lite serves one program at
    # a time); B's window takes it in on its next look
    qtbot.waitUntil(lambda: w.shared.worker is None, timeout=30_000)
    dupe_media.photo_set(media / "later", ("rocket",))
    r = mb("index", str(media), "--library", str(tmp_path / "a"))
    assert r.returncode == 0 and "vectors sent" in r.stderr, r.stderr
    added = {p.name for p in (media / "later").rglob("*") if p.is_file()}
    w.shared.look()
    qtbot.waitUntil(lambda: added <= set(names(w.library_model)), timeout=60_000)
    assert w.count_text.text() == f"{len(every) + len(added)} items"
    qtbot.waitUntil(lambda: w.shared.worker is None, timeout=30_000)


def test_a_shared_store_out_of_reach_is_said_and_the_library_kept(
        qtbot: Any, make_window: Any, tmp_path: Path) -> None:
    with Library(tmp_path / "lib") as lib:
        lib.config.vectors = "milvus://127.0.0.1:1"
        lib.save_config()
    w = make_window(tmp_path / "lib")
    qtbot.waitUntil(lambda: w.shared_text.text() == "Shared · not reachable", timeout=60_000)
    assert "cannot reach the Milvus server at 127.0.0.1:1" in w.shared_text.toolTip()
    assert "what is here is kept" in w.status_text.text()
    assert w.shared.worker is None and w.shared.timer.isActive()  # tried again later
