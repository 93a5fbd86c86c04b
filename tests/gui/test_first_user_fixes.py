"""What a first-time user hit in the window (issue 9), each checked as they would meet it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QDesktopServices

from mediabrowser import mediamaker
from mediabrowser.core.types import CancelToken, Progress
from mediabrowser.gui import main_window as mw
from mediabrowser.gui.grid.model import RowRole
from mediabrowser.gui.main_window import MainWindow
from mediabrowser.gui.workers import GeneratorWorker
from tests.gui.test_window import index_by_drop, names, select


def _search(qtbot: Any, w: MainWindow, name: str, view: Any = None) -> None:
    view = view or w.grid
    w.tabs.setCurrentIndex(1 if view is w.results else 0)
    select(w, view, name)
    with qtbot.waitSignal(w.search.results_ready, timeout=30_000):
        w.act_similar.trigger()


def _wait_results(qtbot: Any, w: MainWindow, action: Any) -> None:
    with qtbot.waitSignal(w.search.results_ready, timeout=30_000):
        action()


def test_sort_by_date_and_folder_apply_at_once(qtbot: Any, make_window: Any,
                                               photo_dir: Path) -> None:
    now = time.time()
    for i, p in enumerate(sorted(photo_dir.rglob("*.jpg"))):
        os.utime(p, (now - 1000 * i, now - 1000 * i))
    w = make_window()
    index_by_drop(qtbot, w, photo_dir)
    by_name = names(w.library_model)
    w.sort_box.setCurrentIndex(1)  # date, newest first
    rows = [w.library_model.index(r).data(RowRole) for r in range(w.library_model.rowCount())]
    assert [r.mtime for r in rows] == sorted((r.mtime for r in rows), reverse=True)
    assert names(w.library_model) != by_name
    w.sort_box.setCurrentIndex(2)  # folder
    paths = [w.library_model.index(r).data(RowRole).path
             for r in range(w.library_model.rowCount())]
    assert paths == sorted(paths)


def test_forward_from_the_library_returns_to_the_first_result_set(
        qtbot: Any, make_window: Any, photo_dir: Path) -> None:
    w = make_window()
    index_by_drop(qtbot, w, photo_dir)
    for name in ("chelsea.jpg", "coffee.jpg", "rocket.jpg"):
        _search(qtbot, w, name)
    _wait_results(qtbot, w, w.act_back.trigger)
    _wait_results(qtbot, w, w.act_back.trigger)
    assert "chelsea.jpg" in w.results_title.text()
    w.act_back.trigger()  # Esc from the first set: the library
    assert w.tabs.currentIndex() == 0 and w.act_forward.isEnabled()
    _wait_results(qtbot, w, w.act_forward.trigger)
    assert w.tabs.currentIndex() == 1 and "chelsea.jpg" in w.results_title.text()
    _wait_results(qtbot, w, w.act_forward.trigger)
    assert "coffee.jpg" in w.results_title.text()


def test_the_preview_never_shows_an_item_that_is_not_in_view(
        qtbot: Any, make_window: Any, photo_dir: Path) -> None:
    mediamaker.tone(photo_dir / "a440.wav", "sine=frequency=440", seconds=1.0)
    mediamaker.tone(photo_dir / "a660.wav", "sine=frequency=660", seconds=1.0)
    w = make_window()
    index_by_drop(qtbot, w, photo_dir)
    _search(qtbot, w, "chelsea.jpg")
    select(w, w.results, "chelsea_resized.jpg")
    assert w.preview.current is not None
    assert "efficientnet-lite0" in w.preview.meta.text()
    _search(qtbot, w, "a440.wav")  # results for a sound: the photo preview must go
    current = w.preview.current
    assert current is None or current.path.endswith(".wav")
    assert "efficientnet" not in w.preview.meta.text()


def test_item_actions_are_off_without_a_selection_and_failures_are_said(
        qtbot: Any, make_window: Any, photo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    w = make_window()
    assert not w.act_similar.isEnabled() and not w.act_open.isEnabled()
    index_by_drop(qtbot, w, photo_dir)
    select(w, w.grid, "coffee.jpg")
    assert w.act_similar.isEnabled() and w.act_remove.isEnabled()
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda _url: False))
    w.act_open.trigger()
    assert "No application could open coffee.jpg" in w.status_text.text()


def test_toolbar_filters_apply_to_results_and_more_can_be_loaded(
        qtbot: Any, make_window: Any, photo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mediabrowser.gui.search_controller as sc

    monkeypatch.setattr(sc, "RESULTS_K", 5)
    clip = mediamaker.video_from_photo(photo_dir / "coffee.jpg", photo_dir / "coffee.mp4",
                                       seconds=1.0)
    w = make_window()
    index_by_drop(qtbot, w, photo_dir)
    assert w.count_text.text() == "20 items"
    _search(qtbot, w, "coffee.jpg")
    shown = w.results_model.rowCount()
    assert shown <= 5
    # "Load more" is offered exactly when all five asked for are shown (none under the bar).
    assert (not w.more_button.isHidden()) == (shown == 5)
    w.threshold.setValue(0)
    assert w.results_model.rowCount() == 5 and not w.more_button.isHidden()
    assert "the 5 most similar shown" in w.count_label.text()
    _wait_results(qtbot, w, w.more_button.click)
    assert w.results_model.rowCount() == 10
    _wait_results(qtbot, w, lambda: w.kind_box.setCurrentIndex(2))  # videos only, both tabs
    assert names(w.results_model) == [clip.name]
    assert names(w.library_model) == [clip.name]
    w.kind_box.setCurrentIndex(0)
    qtbot.waitUntil(lambda: w.results_model.rowCount() > 1, timeout=30_000)
    w.name_filter.setText("chelsea")
    qtbot.waitUntil(lambda: set(names(w.results_model)) <= {"chelsea.jpg",
                                                            "chelsea_resized.jpg"},
                    timeout=5_000)
    assert "not matching" in w.count_label.text()


def test_add_folder_starts_in_pictures_or_home() -> None:
    start = mw.start_folder()
    assert start != os.getcwd() or start == str(Path.home())
    assert Path(start).is_dir()


def test_text_search_follows_the_model_once_indexing_finishes(
        qtbot: Any, make_window: Any, photo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    w = make_window()
    assert not w.text_search.isEnabled()
    import mediabrowser.core.search as search
    from mediabrowser.core.types import MediaKind

    # now photos and videos can be found by words (as with a CLIP model)
    monkeypatch.setattr(search, "text_kinds", lambda lib: [MediaKind.IMAGE, MediaKind.VIDEO])
    index_by_drop(qtbot, w, photo_dir / "copies")
    assert w.text_search.isEnabled()
    assert w.text_search.placeholderText() == "Describe a photo or video…"


def test_window_opens_on_a_given_library(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "mediabrowser", "--library", str(tmp_path)],
                       capture_output=True, text=True, timeout=60,
                       env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert "usage:" not in r.stderr and "no display" in r.stderr  # the window's own check


def test_one_device_for_indexing_and_searching(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from mediabrowser.core.library import Library

    with Library(tmp_path / "lib") as lib:
        lib.config.device = "cuda"  # no GPU here: choosing it would fail …
        monkeypatch.setenv("MEDIABROWSER_DEVICE", "cpu")
        with Library(tmp_path / "lib") as other:  # … but the environment decides first
            assert other.device == "cpu"
    monkeypatch.delenv("MEDIABROWSER_DEVICE")
    with Library(tmp_path / "lib", device="cpu") as lib:
        assert lib.device == "cpu"


def test_closing_waits_only_so_long_for_stuck_work(qtbot: Any, make_window: Any) -> None:
    w = make_window()
    release = threading.Event()

    def stuck(token: CancelToken) -> Generator[Progress, None, None]:
        yield Progress("embed", 0, 1)
        release.wait(30)  # a decoder that does not come back
        yield Progress("done")

    w.indexing.worker = GeneratorWorker(stuck)
    w.jobs_pool.start(w.indexing.worker)
    qtbot.waitUntil(lambda: w.jobs_pool.activeThreadCount() == 1, timeout=5_000)
    t0 = time.monotonic()
    assert w.shutdown(timeout_ms=300) is False
    assert time.monotonic() - t0 < 3
    release.set()
    assert w.jobs_pool.waitForDone(10_000)
    w._closing = False  # let the fixture close it for real


def test_models_dialog_offline_and_garbage_in_words(qtbot: Any, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

    from mediabrowser.core.embed import manager
    from mediabrowser.gui.dialogs.models import ModelsDialog

    models = tmp_path / "models"
    dlg = ModelsDialog(models)
    qtbot.addWidget(dlg)
    try:
        box = dlg.findChild(QDialogButtonBox)
        assert box.button(QDialogButtonBox.StandardButton.Close).isEnabled()
        dlg.select("resnet18")
        spec = dlg.selected()
        assert spec is not None
        # A host that cannot be looked up, as offline.
        offline = dataclasses.replace(spec, weights=dataclasses.replace(
            spec.weights, url="http://mediabrowser-no-such-host.invalid/r18.pth"))
        dlg.specs[dlg.specs.index(spec)] = offline
        monkeypatch.setattr(QMessageBox, "question",
                            lambda *a, **k: QMessageBox.StandardButton.Yes)
        dlg.download_selected()
        qtbot.waitUntil(lambda: "last download stopped" in manager.status(offline, models)
                        .detail and dlg.worker is None, timeout=60_000)
        st = manager.status(offline, models)
        assert st.state == manager.ModelState.MISSING  # not "failed": the weights are missing
        assert "could not be found" in st.detail and "Errno" not in st.detail
        assert offline.weights.filename in st.detail  # the offline hint stays
        assert "Errno" not in dlg.message.text() and "Import File" in dlg.message.text()
        garbage = tmp_path / "weights.safetensors"
        garbage.write_bytes(b"\xff" * 64)
        assert not dlg.import_file(offline, garbage, check_checksum=False)
        text = dlg.message.text()
        assert "not a readable checkpoint" in text and "weights_only" not in text
    finally:
        dlg.done(0)


@pytest.mark.parametrize("has_sound", [False, True])
def test_no_sound_device_is_said_in_the_window(qtbot: Any, make_window: Any, photo_dir: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               has_sound: bool) -> None:
    from mediabrowser.gui.preview.player import PlayerView

    monkeypatch.setattr(PlayerView, "sound_output_available", staticmethod(lambda: has_sound))
    media = photo_dir / "sounds"
    media.mkdir()
    mediamaker.tone(media / "beep.wav", seconds=1.0)
    w = make_window()
    index_by_drop(qtbot, w, media)
    select(w, w.grid, "beep.wav")
    message = w.preview.player.message
    assert message.isHidden() == has_sound
    if not has_sound:
        assert "No sound output" in message.text()


def test_names_of_a_series_stay_distinct_at_the_smallest_tile(qtbot: Any) -> None:
    from PySide6.QtGui import QFont, QFontMetrics

    from mediabrowser.gui.grid.delegate import PAD, elide_name

    fm = QFontMetrics(QFont())
    width = fm.horizontalAdvance("img0082.jpg") * 2 // 3
    shown = {elide_name(fm, f"img{i:04d}.jpg", width) for i in range(80, 90)}
    assert len(shown) == 10 and all("…" in s for s in shown)
    assert all(fm.horizontalAdvance(s) <= width for s in shown)
    assert elide_name(fm, "a.jpg", 500) == "a.jpg"
    narrow = 80 - 2 * PAD  # the text width of the smallest tile
    assert elide_name(fm, "chelsea_zoom.mp4", narrow) != elide_name(fm, "coffee_zoom.mp4", narrow)


def test_find_similar_to_all_selected(qtbot: Any, make_window: Any, photo_dir: Path) -> None:
    from PySide6.QtCore import QItemSelectionModel

    w = make_window()
    index_by_drop(qtbot, w, photo_dir)
    model = w.library_model
    rows = [r for r in range(model.rowCount())
            if model.index(r).data(RowRole).path.endswith(("chelsea.jpg", "coffee.jpg"))
            and "copies" not in model.index(r).data(RowRole).path]
    sel = w.grid.selectionModel()
    for r in rows:
        sel.select(model.index(r), QItemSelectionModel.SelectionFlag.Select)
    assert w.act_similar.text() == "Find Similar to All 2 Selected"
    assert w.act_copy.text() == "Copy 2 Paths"
    _wait_results(qtbot, w, w.act_similar.trigger)
    assert "2 items" in w.results_title.text()
    shown = names(w.results_model)
    assert "chelsea.jpg" not in shown and "coffee.jpg" not in shown
    assert set(shown[:2]) == {"chelsea_resized.jpg", "coffee_recompressed.jpg"}


def test_full_screen_viewer_steps_through_the_view(qtbot: Any, make_window: Any,
                                                   photo_dir: Path) -> None:
    from PySide6.QtCore import Qt

    w = make_window()
    index_by_drop(qtbot, w, photo_dir)
    select(w, w.grid, "chelsea.jpg")
    start = w.grid.currentIndex().row()
    qtbot.keyClick(w.grid, Qt.Key.Key_Return)
    viewer = w.items.viewer
    assert viewer is not None and viewer.isFullScreen()
    assert viewer.panel.current is not None and viewer.panel.current.path.endswith("chelsea.jpg")
    qtbot.keyClick(viewer, Qt.Key.Key_Right)
    following = w.library_model.index(start + 1).data(RowRole).path
    assert viewer.panel.current.path == following
    qtbot.waitUntil(lambda: viewer.panel.image.path == following, timeout=10_000)
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    assert w.items.viewer is None
    assert w.grid.currentIndex().row() == start + 1  # back at the item last shown


def test_toolbar_controls_explain_themselves_and_menus_show_shortcuts(make_window: Any) -> None:
    from PySide6.QtWidgets import QToolBar

    w = make_window()
    bar = w.findChild(QToolBar)
    for action in bar.actions():
        widget = bar.widgetForAction(action)
        if action.isSeparator() or widget is None or type(widget).__name__ == "QLabel":
            continue
        tip = action.toolTip() if type(widget).__name__ == "QToolButton" else widget.toolTip()
        assert tip.strip(), f"no tooltip on {widget}"
    shortcuts = {a.text(): a.shortcut().toString() for a in w.actions()}
    assert shortcuts["Find Similar"] == "Ctrl+F" and shortcuts["View Full Screen"] == "Return"


def test_problems_stay_listed_after_another_folder_is_added(qtbot: Any, make_window: Any,
                                                            tmp_path: Path) -> None:
    from tests.conftest import textured

    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "broken.jpg").write_text("<html>not found</html>")
    textured((10, 100, 200)).save(first / "ok.jpg")
    textured((200, 100, 10)).save(second / "fine.jpg")
    w = make_window()
    index_by_drop(qtbot, w, first)
    assert [p.path for p in w.problems] == [str(first / "broken.jpg")]
    index_by_drop(qtbot, w, second)  # a folder without problems
    assert [p.path for p in w.problems] == [str(first / "broken.jpg")]
    assert not w.problems_button.isHidden()
    again = make_window(w.library_dir)  # and after a restart
    assert [p.path for p in again.problems] == [str(first / "broken.jpg")]


def test_download_asks_first_when_the_button_is_clicked(qtbot: Any, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    from mediabrowser.gui.dialogs.models import ModelsDialog

    asked: list[str] = []

    def answer(*args: Any, **kw: Any) -> Any:
        asked.append(args[2])
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", answer)
    dlg = ModelsDialog(tmp_path / "models")
    qtbot.addWidget(dlg)
    try:
        dlg.select("resnet18")
        dlg.download_button.click()
        qtbot.waitUntil(lambda: bool(asked), timeout=30_000)  # the size is asked for first
        assert len(asked) == 1 and "resnet18" in asked[0] and dlg.worker is None
    finally:
        dlg.done(0)
