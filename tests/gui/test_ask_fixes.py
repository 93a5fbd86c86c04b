"""Issue 25's defects, each as a person met it: a paused run that still showed its rate, the
viewer offering to play a photo, Esc on Duplicates jumping to an old result set, toolbar
controls that did nothing there, no Help and F1 doing nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from mediabrowser import mediamaker
from mediabrowser.core.types import Progress
from mediabrowser.gui.pages import Page
from tests.gui.test_window import INDEX_TIMEOUT, index_by_drop, select


def test_a_paused_run_shows_no_rate_and_no_time_left(qtbot: Any, make_window: Any,
                                                     photo_dir: Path) -> None:
    w = make_window()
    paused: list[str] = []

    def pause_once(p: Progress) -> None:
        if p.stage == "embed" and not paused and w.indexing.worker is not None:
            w.indexing.toggle_pause()
            paused.append(w.status_text.text())
            w.indexing.toggle_pause()  # and on it goes

    w.indexing.progressed.connect(pause_once)
    with qtbot.waitSignal(w.indexing.finished, timeout=INDEX_TIMEOUT):
        w.indexing.add_paths([str(photo_dir)])
    assert paused and "(paused)" in paused[0]
    assert "/s" not in paused[0] and "left" not in paused[0]


def test_viewer_hint_offers_play_only_for_what_plays(qtbot: Any, make_window: Any,
                                                     tmp_path: Path) -> None:
    media = tmp_path / "media"
    media.mkdir()
    mediamaker.sample_photo("coffee").save(media / "coffee.jpg")
    mediamaker.tone(media / "beep.wav", "sine=frequency=440", seconds=1)
    w = make_window()
    index_by_drop(qtbot, w, media)
    select(w, w.grid, "coffee.jpg")
    w.items.open_viewer()
    viewer = w.items.viewer
    assert viewer is not None and "Space" not in viewer.hint.text()
    select(w, w.grid, "beep.wav")
    viewer.show_row(w.grid.currentIndex().row())
    assert "Space play / pause" in viewer.hint.text()
    viewer.close()


def test_esc_and_the_toolbar_on_duplicates_and_the_map(qtbot: Any, make_window: Any,
                                                       photo_dir: Path) -> None:
    w = make_window()
    index_by_drop(qtbot, w, photo_dir)
    for name in ("chelsea.jpg", "coffee.jpg"):  # two result sets in the history
        select(w, w.grid, name)
        with qtbot.waitSignal(w.search.results_ready, timeout=30_000):
            w.act_similar.trigger()
        w.tabs.show_page(Page.LIBRARY)
    w.tabs.show_page(Page.SIMILAR)
    title = w.results_title.text()
    for page in (Page.DUPLICATES, Page.MAP):
        w.tabs.show_page(page)
        assert not w.act_back.isEnabled() and not w.act_forward.isEnabled()
        QTest.keyClick(w, Qt.Key.Key_Escape)
        w.act_back.trigger()
        assert w.tabs.page() is page and w.results_title.text() == title
        assert not w.kind_box.isEnabled() and not w.sort_box.isEnabled()
        assert not w.name_filter.isEnabled() and not w.zoom.isEnabled()
    w.tabs.show_page(Page.SIMILAR)
    assert w.act_back.isEnabled() and w.kind_box.isEnabled() and not w.sort_box.isEnabled()
    w.tabs.show_page(Page.LIBRARY)
    assert w.sort_box.isEnabled()


def test_help_lists_the_shortcuts_and_about_says_what_this_is(make_window: Any) -> None:
    w = make_window()
    assert w.help.shortcuts.shortcut().toString() == "F1"
    w.help.shortcuts.trigger()
    assert w.help.dialog is not None and "Ctrl+F" in w.help.dialog.text.text()
    w.help.dialog.close()
    w.help.about.trigger()
    assert "mediabrowser 0." in w.help.dialog.text.text()
    assert str(w.library_dir) in w.help.dialog.text.text()
    w.help.dialog.close()
    assert [a.text() for a in w.menuBar().actions()][-1] == "&Help"


def test_an_empty_grid_says_why(qtbot: Any, make_window: Any, photo_dir: Path) -> None:
    w = make_window()
    index_by_drop(qtbot, w, photo_dir)
    select(w, w.grid, "chelsea.jpg")
    with qtbot.waitSignal(w.search.results_ready, timeout=30_000):
        w.act_similar.trigger()
    assert w.results_model.rowCount() > 0 and w.results.empty_text == ""
    w.name_filter.setText("zzz-no-such-name")
    qtbot.waitUntil(lambda: w.results_model.rowCount() == 0, timeout=5000)
    assert "Clear the name filter" in w.results.empty_text
    assert "most similar shown" not in w.count_label.text()  # "0 results … shown" no more
    w.tabs.show_page(Page.LIBRARY)
    qtbot.waitUntil(lambda: "zzz-no-such-name" in w.grid.empty_text, timeout=5000)
    w.grid.repaint()  # the sentence is drawn over the empty grid
    w.name_filter.setText("")
    qtbot.waitUntil(lambda: w.library_model.rowCount() > 0 and w.grid.empty_text == "",
                    timeout=5000)


def test_the_preview_lets_go_of_a_removed_item(qtbot: Any, make_window: Any, photo_dir: Path,
                                               monkeypatch: Any) -> None:
    from PySide6.QtWidgets import QMessageBox

    w = make_window()
    index_by_drop(qtbot, w, photo_dir)
    select(w, w.grid, "chelsea.jpg")
    qtbot.waitUntil(lambda: w.preview.current is not None
                    and w.preview.current.path.endswith("chelsea.jpg"), timeout=5000)
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    w.act_remove.trigger()
    qtbot.waitUntil(lambda: w.preview.current is None
                    or not w.preview.current.path.endswith("chelsea.jpg"), timeout=10_000)


def test_a_tiny_picture_is_shown_at_its_size_not_blown_up(qtbot: Any) -> None:
    from PySide6.QtGui import QColor, QImage

    from mediabrowser.gui.preview.image import ImageView

    view = ImageView()
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    tiny = QImage(32, 24, QImage.Format.Format_RGB32)
    tiny.fill(QColor("red"))
    view.set_image(tiny, "/m/icon.png")
    assert view.zoom == 1.0
    big = QImage(3200, 2400, QImage.Format.Format_RGB32)
    big.fill(QColor("blue"))
    view.set_image(big, "/m/photo.jpg")
    assert view.zoom < 0.3  # a large one still fits the pane


def test_the_window_fits_half_a_1920_px_screen(make_window: Any) -> None:
    w = make_window()
    for page in (Page.LIBRARY, Page.SIMILAR, Page.DUPLICATES, Page.MAP):
        w.tabs.show_page(page)
        assert w.minimumSizeHint().width() <= 960, page
    w.resize(950, 800)
    assert w.width() == 950


def test_unusable_files_are_not_counted_as_items_and_problem_names_are_whole(
        qtbot: Any, make_window: Any, tmp_path: Path) -> None:
    media = tmp_path / "media"
    media.mkdir()
    mediamaker.sample_photo("coffee").save(media / "coffee.jpg")
    long_name = "a holiday picture with a rather long name that was saved badly.jpg"
    (media / long_name).write_text("<html>not a picture</html>")
    w = make_window()
    index_by_drop(qtbot, w, media)
    qtbot.waitUntil(lambda: "1 unusable" in w.count_text.text(), timeout=10_000)
    assert w.count_text.text().startswith("1 item")
    w.problems_dock.show()
    w.problems_dock.resize(900, 200)
    table = w.problems_dock.table
    w.problems_dock._update()  # noqa: SLF001 - sized as the panel shows
    assert table.columnWidth(0) >= table.fontMetrics().horizontalAdvance(long_name)


def test_the_grid_spreads_its_columns_over_the_width(qtbot: Any) -> None:
    from mediabrowser.gui.grid.view import GridView

    view = GridView()
    qtbot.addWidget(view)
    view.resize(790, 500)
    view.show()
    for tile in (120, 160, 240):
        view.set_tile_size(tile)
        cell = view.gridSize().width()
        left = view.viewport().width() - (view.viewport().width() // cell) * cell
        assert cell >= tile + 8 and left < view.viewport().width() // cell  # no empty strip
