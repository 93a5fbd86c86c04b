"""Bugs that came from the window's shape (issue: the house reshaped), each driven as a person
would: the item actions follow the page in front; Settings reach every part of the window."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from mediabrowser import dupe_media
from mediabrowser.core.jobs.pipeline import index_paths
from mediabrowser.core.library import Library
from mediabrowser.gui.pages import Page


def _indexed(tmp_path: Path) -> Path:
    media = tmp_path / "media"
    dupe_media.photo_set(media, ("coffee",))
    lib_dir = tmp_path / "lib"
    with Library(lib_dir) as lib:
        assert not index_paths(lib, [media]).problems
    return lib_dir


def test_item_actions_never_act_on_a_hidden_grid(qtbot: Any, make_window: Any,
                                                 tmp_path: Path, monkeypatch: Any) -> None:
    w = make_window(_indexed(tmp_path))
    qtbot.waitUntil(lambda: w.library_model.rowCount() > 0, timeout=10_000)
    w.grid.setCurrentIndex(w.library_model.index(0))  # an item chosen in the library grid
    assert w.act_view.isEnabled() and w.act_remove.isEnabled()
    w.tabs.show_page(Page.DUPLICATES)
    page = w.duplicates_page
    page.groups.setFocus()
    asked: list[str] = []
    monkeypatch.setattr("PySide6.QtWidgets.QMessageBox.question",
                        lambda *a, **k: asked.append(a[1]))
    qtbot.keyClick(page.groups, Qt.Key.Key_Return)  # Return in the group list
    w.act_view.trigger()
    w.act_remove.trigger()
    assert w.items.viewer is None and asked == []  # no viewer on the hidden grid's item, no removal
    assert not w.act_view.isEnabled() and not w.act_remove.isEnabled()
    assert w.lib.store.count("image") == w.library_model.rowCount()
    w.tabs.show_page(Page.LIBRARY)
    assert w.act_view.isEnabled()  # back on the library, its selection is acted on again


def test_open_from_duplicates_works_for_a_name_that_is_not_utf8(
        qtbot: Any, make_window: Any, tmp_path: Path, monkeypatch: Any) -> None:
    import os
    import shutil

    from PySide6.QtWidgets import QPushButton

    media = tmp_path / "media"
    media.mkdir()
    src = dupe_media.mediamaker.sample_photo("coffee").convert("RGB")
    src.save(media / "coffee.jpg", quality=92)
    odd = os.path.join(os.fsencode(media), b"caf\xe9 copy.jpg")  # Latin-1, as old disks have
    shutil.copyfile(media / "coffee.jpg", odd)
    lib_dir = tmp_path / "lib"
    with Library(lib_dir) as lib:
        assert not index_paths(lib, [media]).problems
    opened: list[str] = []
    monkeypatch.setattr("PySide6.QtGui.QDesktopServices.openUrl",
                        lambda url: opened.append(url.toLocalFile()) or True)
    w = make_window(lib_dir)
    page = w.duplicates_page
    w.tabs.show_page(Page.DUPLICATES)
    qtbot.mouseClick(page.find_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.duplicates.worker is None
                    and page.groups_model.rowCount() == 1, timeout=60_000)
    card = next(c for c in page.compare.cards if os.fsencode(c.row.path) == odd)
    card.findChild(QPushButton).click()
    assert len(opened) == 1
    target = opened[0]
    assert target.isprintable() and os.path.realpath(target) == os.fsdecode(odd)


def test_a_model_chosen_in_settings_reaches_the_duplicates_tab(
        qtbot: Any, make_window: Any, tmp_path: Path, monkeypatch: Any) -> None:
    from mediabrowser.gui.dialogs.settings import SettingsDialog

    w = make_window(_indexed(tmp_path))
    qtbot.waitUntil(lambda: w.library_model.rowCount() > 0, timeout=10_000)

    def choose(dlg: Any) -> bool:
        box = dlg.model_boxes["image"]
        box.setCurrentIndex(box.findData("efficientnet-lite1"))
        dlg.accept()
        return True

    monkeypatch.setattr(SettingsDialog, "exec", choose)
    with qtbot.waitSignal(w.indexing.finished, timeout=120_000):
        w.open_settings()  # the photos are embedded again with the new model
    page = w.duplicates_page
    w.tabs.show_page(Page.DUPLICATES)
    qtbot.mouseClick(page.find_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.duplicates.worker is None and page.isEnabled(), timeout=60_000)
    assert page.groups_model.rowCount() == 1
    answered: list[str] = []
    w.owner.write(lambda lib: lib.answering_model("image"), answered.append, answered.append)
    qtbot.waitUntil(lambda: bool(answered), timeout=10_000)
    assert answered == ["efficientnet-lite1"]  # the writer, where duplicates are found


def test_removing_a_folder_in_settings_empties_the_grid_through_the_writer(
        qtbot: Any, make_window: Any, tmp_path: Path, monkeypatch: Any) -> None:
    from PySide6.QtWidgets import QMessageBox

    from mediabrowser.gui.dialogs.settings import SettingsDialog

    w = make_window(_indexed(tmp_path))
    qtbot.waitUntil(lambda: w.library_model.rowCount() > 0, timeout=10_000)
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)

    def remove_the_folder(dlg: Any) -> bool:
        dlg.roots.setCurrentRow(0)
        dlg._remove_root()
        dlg.accept()
        return True

    monkeypatch.setattr(SettingsDialog, "exec", remove_the_folder)
    w.open_settings()
    qtbot.waitUntil(lambda: w.library_model.rowCount() == 0, timeout=10_000)
    assert w.lib.store.roots() == [] and w.lib.store.count("image") == 0
