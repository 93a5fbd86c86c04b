"""The Duplicates tab, driven as a person would: find, review side by side, change the keeper,
trash with undo, move to a folder, "not duplicates" remembered across runs."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from mediabrowser import dupe_media
from mediabrowser.core.dupes import decisions
from mediabrowser.core.jobs.pipeline import index_paths
from mediabrowser.core.library import Library
from mediabrowser.gui.duplicates import group_model


@pytest.fixture
def indexed(tmp_path: Path) -> tuple[Path, Path]:
    media = tmp_path / "media"
    dupe_media.photo_set(media, ("coffee",))
    dupe_media.photo_set(media / "more", ("chelsea",))
    lib_dir = tmp_path / "lib"
    with Library(lib_dir) as lib:
        assert not index_paths(lib, [media]).problems
    return media, lib_dir


def _find(qtbot: Any, w: Any, groups: int) -> Any:
    page = w.duplicates_page
    w.tabs.setCurrentWidget(page)
    qtbot.mouseClick(page.find_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.duplicates.worker is None and
                    page.groups_model.rowCount() == groups, timeout=60_000)
    return page


def _others(w: Any) -> list[Any]:
    return w.duplicates.shown.others()


def test_find_review_and_change_the_keeper(qtbot: Any, make_window: Any,
                                           indexed: tuple[Path, Path]) -> None:
    media, lib_dir = indexed
    w = make_window(lib_dir)
    page = _find(qtbot, w, 2)
    assert not w.preview.isVisible()  # the cards are the preview here
    assert page.summary.text().startswith("2 groups")
    g = page.groups_model.rows[0]
    assert len(page.compare.cards) == g.n >= 9  # every copy side by side
    first = page.compare.cards[0]
    assert first.row.id == g.keeper and first.keep.isChecked()
    assert "kept" in page.compare.cards[0].findChildren(type(page.summary))[2].text()
    # choose another copy to keep: remembered, and the next search keeps it too
    other = page.compare.cards[3]
    before = dict(decisions.group_members(w.lib.store, g.id))
    other.keep.click()
    qtbot.waitUntil(lambda: decisions.chosen_keepers(w.lib.store) == {other.row.id}
                    and page.isEnabled(), timeout=10_000)
    assert page.groups_model.rows[0].keeper == other.row.id
    cards = page.compare.cards  # shown again: the new keeper first, the only one checked
    assert cards[0].row.id == other.row.id
    assert [c.keep.isChecked() for c in cards] == [True] + [False] * (len(cards) - 1)
    # and every score is now against it: the old keeper's is no longer a whole 1
    scores = dict(decisions.group_members(w.lib.store, page.groups_model.rows[0].id))
    assert scores[other.row.id] == 1.0 and scores[first.row.id] < 1.0
    assert abs(scores[first.row.id] - before[other.row.id]) < 0.01  # the same pair, reversed
    sizes = {c.row.id: c.row.size for c in cards}
    assert page.groups_model.rows[0].bytes == sum(sizes.values()) - sizes[other.row.id]
    _find(qtbot, w, 2)
    assert other.row.id in {r.keeper for r in page.groups_model.rows}
    w.tabs.setCurrentIndex(0)
    assert w.preview.isVisible()


def test_the_group_list_pages(qtbot: Any, make_window: Any, indexed: tuple[Path, Path],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(group_model, "PAGE", 1)
    w = make_window(indexed[1])
    _find(qtbot, w, 2)  # the list asks for the next page as it has room
    model = group_model.GroupListModel(w.lib.store, w.thumbs)
    model.reload()
    assert model.rowCount() == 1 and model.canFetchMore()  # one page in memory
    model.fetchMore()
    assert model.rowCount() == 2
    model.fetchMore()  # an empty page: the end
    assert model.rowCount() == 2 and not model.canFetchMore()


def test_trash_asks_once_with_count_and_bytes_then_undo(qtbot: Any, make_window: Any,
                                                        indexed: tuple[Path, Path],
                                                        trash_home: Path) -> None:
    w = make_window(indexed[1])
    page = _find(qtbot, w, 2)
    asked: list[str] = []
    w.duplicates.asks.confirm = lambda title, text: asked.append(text) or False
    others = _others(w)
    before = w.library_model.rowCount()
    qtbot.mouseClick(page.trash_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 1 and f"Move {len(others)} files (" in asked[0]
    assert all(os.path.exists(r.path) for r in others)  # declined: nothing moved
    w.duplicates.asks.confirm = lambda title, text: True
    qtbot.mouseClick(page.trash_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(w.duplicates.cleanup.undo_stack) and page.isEnabled(),
                    timeout=20_000)
    assert not any(os.path.exists(r.path) for r in others)
    assert len(list((trash_home / "files").iterdir())) == len(others)
    assert page.groups_model.rowCount() == 1  # that group is done
    qtbot.waitUntil(lambda: w.library_model.rowCount() == before - len(others), timeout=10_000)
    assert "Moved" in w.status_text.text()
    qtbot.mouseClick(page.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not w.duplicates.cleanup.undo_stack and page.isEnabled()
                    and page.groups_model.rowCount() == 2,
                    timeout=20_000)
    assert all(os.path.exists(r.path) for r in others)
    assert list((trash_home / "files").iterdir()) == []
    assert "Put back" in w.status_text.text()
    qtbot.waitUntil(lambda: w.library_model.rowCount() == before, timeout=10_000)


def test_move_others_to_a_folder_and_back(qtbot: Any, make_window: Any,
                                          indexed: tuple[Path, Path], tmp_path: Path) -> None:
    w = make_window(indexed[1])
    page = _find(qtbot, w, 2)
    dest = tmp_path / "extra copies"
    w.duplicates.asks.choose_folder = lambda: str(dest)
    w.duplicates.asks.confirm = lambda title, text: True
    others = _others(w)
    qtbot.mouseClick(page.move_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(w.duplicates.cleanup.undo_stack) and page.isEnabled(),
                    timeout=20_000)
    assert sorted(p.name for p in dest.iterdir()) == sorted(Path(r.path).name for r in others)
    for r in others:  # the library follows the files
        row = w.lib.store.file_by_id(r.id)
        assert row is not None and Path(row.path).parent == dest
    qtbot.mouseClick(page.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not w.duplicates.cleanup.undo_stack and page.isEnabled(),
                    timeout=20_000)
    assert all(os.path.exists(r.path) for r in others) and not any(dest.iterdir())


def test_not_duplicates_is_remembered(qtbot: Any, make_window: Any,
                                      indexed: tuple[Path, Path]) -> None:
    media, lib_dir = indexed
    w = make_window(lib_dir)
    page = _find(qtbot, w, 2)
    ids = {m.id for m in page.groups_model.rows}
    qtbot.mouseClick(page.not_dup_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.groups_model.rowCount() == 1 and page.isEnabled(),
                    timeout=10_000)
    left = page.groups_model.rows[0].id
    assert left in ids
    _find(qtbot, w, 1)  # searched again: that group does not come back
    w.close()
    w2 = make_window(lib_dir)  # nor after a restart
    _find(qtbot, w2, 1)


def test_one_folder_against_the_reference_folders(qtbot: Any, make_window: Any,
                                                   indexed: tuple[Path, Path]) -> None:
    media, lib_dir = indexed
    w = make_window(lib_dir)
    page = w.duplicates_page
    w.tabs.setCurrentWidget(page)
    w.duplicates.add_reference(str(media / "copies"))
    qtbot.waitUntil(lambda: decisions.reference_folders(w.lib.store) == [str(media / "copies")],
                    timeout=10_000)
    w.duplicates.choose_scope = lambda: str(media / "more")
    page.scope_box.setCurrentIndex(2)
    page.scope_box.activated.emit(2)
    assert str(media / "more") in page.scope_box.currentText()
    # chelsea's files (in "more") have no copy in the reference folder: nothing to show
    _find(qtbot, w, 0)
    assert page.summary.text().startswith("No duplicates found in ")
    # coffee's originals against the reference folder of its copies: one group, a copy kept
    w.duplicates.choose_scope = lambda: str(media / "coffee.jpg")
    page.scope_box.activated.emit(2)
    _find(qtbot, w, 1)
    keeper = w.lib.store.file_by_id(page.groups_model.rows[0].keeper)
    assert keeper is not None and keeper.path.startswith(str(media / "copies") + os.sep)


def test_not_duplicates_can_be_undone_and_unmarked_from_the_list(
        qtbot: Any, make_window: Any, indexed: tuple[Path, Path]) -> None:
    w = make_window(indexed[1])
    page = _find(qtbot, w, 2)
    first = page.groups_model.rows[0]
    qtbot.mouseClick(page.not_dup_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.groups_model.rowCount() == 1 and page.isEnabled(),
                    timeout=10_000)
    assert decisions.not_duplicate_sets(w.lib.store) and "Undo" in w.status_text.text()
    qtbot.mouseClick(page.undo_button, Qt.MouseButton.LeftButton)  # taken back
    qtbot.waitUntil(lambda: page.groups_model.rowCount() == 2 and page.isEnabled(),
                    timeout=10_000)
    assert decisions.not_duplicate_sets(w.lib.store) == []
    assert page.groups.currentIndex().row() == page.groups_model.row_of(first.id)
    # Marked again, then unmarked from the list of marks
    qtbot.mouseClick(page.not_dup_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.groups_model.rowCount() == 1 and page.isEnabled(),
                    timeout=10_000)
    shown: list[Any] = []
    w.duplicates.run_dialog = lambda d: shown.append(d) or d.show()
    qtbot.mouseClick(page.marked_button, Qt.MouseButton.LeftButton)
    dialog = shown[0]
    assert dialog.list.count() == 1 and f"{first.n - 3} more" in dialog.list.item(0).text()
    dialog.list.item(0).setSelected(True)
    qtbot.mouseClick(dialog.unmark_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.list.count() == 0 and page.isEnabled(), timeout=10_000)
    assert decisions.not_duplicate_sets(w.lib.store) == []
    dialog.close()
    _find(qtbot, w, 2)  # the group comes back with the next search


def test_bulk_clean_up_leaves_similar_groups_alone(qtbot: Any, make_window: Any,
                                                   tmp_path: Path, trash_home: Path) -> None:
    import shutil

    media = tmp_path / "media"
    dupe_media.photo_set(media, ("coffee",))  # copies and look-alikes: a similar group
    dupe_media.photo_set(media / "more", ("chelsea",))
    shutil.rmtree(media / "more" / "lookalikes")  # copies only: a same group
    with Library(tmp_path / "lib") as lib:
        assert not index_paths(lib, [media]).problems
    w = make_window(tmp_path / "lib")
    page = w.duplicates_page
    page.tier_box.setCurrentIndex(page.tier_box.findData("similar"))
    page = _find(qtbot, w, 2)
    assert sorted(g.tier for g in page.groups_model.rows) == ["same", "similar"]
    similar = next(g for g in page.groups_model.rows if g.tier == "similar")
    asked: list[tuple[str, list]] = []
    w.duplicates.asks.confirm_groups = lambda title, text, groups: asked.append((text, groups)) \
        or True
    qtbot.mouseClick(page.trash_all_button, Qt.MouseButton.LeftButton)
    text, groups = asked[0]
    assert [g.tier for g in groups] == ["same"]
    assert "1 similar group is left alone" in text
    qtbot.waitUntil(lambda: bool(w.duplicates.cleanup.undo_stack) and page.isEnabled(),
                    timeout=20_000)
    assert len(list((trash_home / "files").iterdir())) == groups[0].n - 1
    members = decisions.group_members(w.lib.store, similar.id)
    assert len(members) == similar.n  # untouched, and still listed
    assert all(os.path.exists(w.lib.store.file_by_id(f).path) for f, _s in members)


def test_bulk_confirmation_shows_the_groups(qtbot: Any, make_window: Any,
                                            indexed: tuple[Path, Path]) -> None:
    from mediabrowser.gui.duplicates.confirm_groups import GroupsConfirm

    w = make_window(indexed[1])
    page = _find(qtbot, w, 2)
    groups, similar = decisions.bulk_groups(w.lib.store)
    assert len(groups) == 2 and similar == 0
    dialog = GroupsConfirm("Move to Trash", "Move them?", groups, w.lib.store,
                           page.compare.thumbs, page)
    qtbot.addWidget(dialog)
    assert dialog.strip.count() == 2 and "cop" in dialog.strip.item(0).text()
    buttons = {b.text(): b for b in dialog.findChildren(type(page.find_button))}
    assert buttons["Cancel"].isDefault() and not buttons["Move to Trash"].isDefault()
    qtbot.waitUntil(lambda: all(not dialog.strip.item(i).icon().isNull() for i in range(2)),
                    timeout=10_000)  # each group's picture, loaded off the GUI thread
    dialog.reject()
