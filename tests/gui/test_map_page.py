"""The Map page: laid out in the background, selection by rectangle, lasso and a cluster's
name, the selection as a list or a query, Show on Map from the grid, hover with a sound."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from mediabrowser import mediamaker
from mediabrowser.core.library import Library
from mediabrowser.gui.pages import Page
from tests.core.test_maps import fill


def open_map(qtbot: object, w: object) -> None:
    w.tabs.show_page(Page.MAP)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: w.map.map is not None and w.map.worker is None,  # type: ignore
                    timeout=30_000)


def screen_of(canvas: object, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return canvas.to_screen(canvas.xy[rows, 0], canvas.xy[rows, 1])  # type: ignore[attr-defined]


def drag(canvas: object, points: list[QPoint], mods: Qt.KeyboardModifier =
         Qt.KeyboardModifier.NoModifier) -> None:
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, mods, points[0])  # type: ignore
    for p in points[1:]:
        QTest.mouseMove(canvas, p)  # type: ignore[arg-type]
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, mods, points[-1])  # type: ignore


def hover(canvas: object, at: QPoint) -> None:
    """The mouse moved over the map with no button down (what QTest.mouseMove does not
    deliver on the offscreen platform once a window has been shown again)."""
    from PySide6.QtCore import QEvent, QPointF
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    pos = QPointF(at)
    QApplication.sendEvent(canvas, QMouseEvent(  # type: ignore[arg-type]
        QEvent.Type.MouseMove, pos, canvas.mapToGlobal(pos),  # type: ignore[attr-defined]
        Qt.MouseButton.NoButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier))


def test_map_page_selects_and_acts(qtbot: object, make_window: object, tmp_path: Path) -> None:
    lib = Library(tmp_path / "lib")
    fill(lib, {"beach": 40, "snow": 40, "city": 40})
    lib.close()
    w = make_window(tmp_path / "lib")  # type: ignore[operator]
    w.resize(1200, 800)
    open_map(qtbot, w)
    page, c = w.map_page, w.map_page.canvas
    assert len(c.xy) == 120
    assert "120 items" in page.summary.text() and "3 groups" in page.summary.text()
    assert (tmp_path / "lib" / "maps" / "efficientnet-lite0.npz").exists()
    c.repaint()
    assert sorted(label.name for label in c.labels) == ["beach", "city", "snow"]

    # a rectangle over everything selects everything
    page.tool_buttons["rect"].click()
    drag(c, [QPoint(2, 2), QPoint(c.width() // 2, c.height() // 2),
             QPoint(c.width() - 2, c.height() - 2)])
    assert len(c.selected_rows()) == 120 and page.selection_label.text() == "120 selected"
    # a lasso around the beach group selects it alone
    beach = np.flatnonzero(w.map.map.file_ids <= 40)
    px, py = screen_of(c, beach)
    x0, x1, y0, y1 = px.min() - 3, px.max() + 3, py.min() - 3, py.max() + 3
    page.tool_buttons["lasso"].click()
    drag(c, [QPoint(int(x0), int(y0)), QPoint(int(x1), int(y0)), QPoint(int(x1), int(y1)),
             QPoint(int(x0), int(y1)), QPoint(int(x0), int(y0))])
    assert set(c.selected_rows().tolist()) == set(beach.tolist())
    # Ctrl takes away
    drag(c, [QPoint(int(x0), int(y0)), QPoint(int(x1), int(y0)), QPoint(int(x1), int(y1)),
             QPoint(int(x0), int(y1))], Qt.KeyboardModifier.ControlModifier)
    assert len(c.selected_rows()) == 0 and not page.similar_button.isEnabled()
    # a click on a cluster's name selects the cluster
    rect, cluster = c._label_rects[0]  # noqa: SLF001 - where the name was drawn
    QTest.mouseClick(c, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     rect.center().toPoint())
    assert (c.selected == (c.cluster == cluster)).all() and c.selected.sum() == 40

    # the selection as tiles on the Similar page, then as a query
    page.show_button.click()
    assert w.tabs.page() is Page.SIMILAR
    assert w.results_model.rowCount() == 40
    assert "Selected:" in w.results_title.text()
    w.tabs.show_page(Page.MAP)
    with qtbot.waitSignal(w.search.results_ready, timeout=20_000):  # type: ignore
        page.similar_button.click()
    assert "40 items on the map" in w.results_title.text(), w.results_title.text()
    assert len(w.search.last_matches) > 0

    # Show on Map from the library grid
    w.tabs.show_page(Page.LIBRARY)
    w.grid.setCurrentIndex(w.library_model.index(5))
    fid = w.grid.currentIndex().data(Qt.ItemDataRole.UserRole + 1)
    w.act_on_map.trigger()
    assert w.tabs.page() is Page.MAP
    assert c.selected.sum() == 1 and int(w.map.map.file_ids[c.selected_rows()[0]]) == fid
    shown = c.selected_rows()[0]  # centred on it, zoomed in
    assert (c.cx, c.cy) == (float(c.xy[shown, 0]), float(c.xy[shown, 1]))
    x0, y0, x1, y1 = c.view_box()
    assert (x1 - x0) < 0.5 * float(np.ptp(c.xy[:, 0]))
    assert c.linked.sum() == 1  # and marked as the grid's selection

    # hover: a card with the name
    row = int(c.selected_rows()[0])
    px, py = screen_of(c, np.array([row]))
    hover(c, QPoint(int(px[0]), int(py[0])))
    qtbot.waitUntil(lambda: page.card.isVisible(), timeout=5000)  # type: ignore[attr-defined]
    assert page.card.name.toolTip().endswith(".jpg")


def test_sounds_play_on_hover_and_the_selection_is_exported_copied_trashed(
        qtbot: object, make_window: object, tmp_path: Path, trash_home: Path) -> None:
    media = tmp_path / "media"
    media.mkdir()
    lib = Library(tmp_path / "lib")
    rng = np.random.default_rng(0)
    with lib.store.transaction() as tx:
        for i in range(12):
            path = media / f"tone{i}.wav"
            mediamaker.tone(path, f"sine=frequency={300 + 40 * i}", seconds=1)
            st = path.stat()
            fid = lib.store.insert_file(tx, path=str(path), kind="audio", size=st.st_size,
                                        mtime=st.st_mtime)
            lib.store.put_vector(tx, fid, "sounds-voices", "sounds-voices",
                                 rng.normal(size=32) + (i // 6) * 3)
    lib.close()
    w = make_window(tmp_path / "lib")  # type: ignore[operator]
    open_map(qtbot, w)
    c = w.map_page.canvas
    assert len(c.xy) == 12 and "Sounds" in w.map_page.space_box.currentText()
    px, py = screen_of(c, np.array([3]))
    hover(c, QPoint(int(px[0]), int(py[0])))
    qtbot.waitUntil(lambda: w.map.playing() != "", timeout=5000)  # type: ignore[attr-defined]
    assert w.map.playing() == str(media / f"tone{int(w.map.map.file_ids[3]) - 1}.wav")
    hover(c, QPoint(1, 1))
    assert not w.map_page.card.isVisible()

    # the selection's files: a playlist, a copy, then the trash (after the question)
    c.set_selected(np.ones(12, bool))
    room = w.map.files
    room.choose_file = lambda: str(tmp_path / "sounds.m3u")
    w.map_page.export_button.click()
    lines = (tmp_path / "sounds.m3u").read_text().splitlines()
    assert lines[0] == "#EXTM3U" and len(lines) == 13 and lines[1].endswith(".wav")
    room.choose_file = lambda: str(tmp_path / "sounds.csv")
    w.map_page.export_button.click()
    assert (tmp_path / "sounds.csv").read_text().startswith("path,kind,x,y,group")
    room.choose_folder = lambda _verb: str(tmp_path / "copies")
    w.map_page.copy_button.click()
    qtbot.waitUntil(lambda: len(list((tmp_path / "copies").glob("*.wav"))) == 12,  # type: ignore
                    timeout=10_000)
    assert len(list(media.glob("*.wav"))) == 12  # the originals stay
    asked: list[str] = []
    room.confirm = lambda title, text: asked.append(text) is not None and False
    w.map_page.trash_button.click()
    assert "Move 12 files" in asked[0] and len(list(media.glob("*.wav"))) == 12  # declined
    room.confirm = lambda title, text: True
    c.set_selected(np.arange(12) < 3)
    w.map_page.trash_button.click()
    qtbot.waitUntil(lambda: len(list(media.glob("*.wav"))) == 9, timeout=10_000)  # type: ignore
    # moved into a folder: the library follows the files
    c.set_selected(np.arange(len(c.xy)) >= 7)
    moving = w.map.selected_ids()
    room.choose_folder = lambda _verb: str(tmp_path / "moved")
    w.map_page.move_button.click()
    qtbot.waitUntil(lambda: len(list((tmp_path / "moved").glob("*.wav"))) == 5,  # type: ignore
                    timeout=10_000)
    row = w.lib.store.file_by_id(moving[0])
    assert row is not None and row.path.startswith(str(tmp_path / "moved"))
    # the map follows: the trashed sounds leave it
    qtbot.waitUntil(lambda: w.map.map is not None and len(w.map.map) == 9,  # type: ignore
                    timeout=20_000)
