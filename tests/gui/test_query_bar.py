"""Issue 25 in the window: the query shown as chips (weights, less like, remove), "Less Like
This" on a result, and filters as chips that search again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QToolButton

from mediabrowser.core.examples import Example
from mediabrowser.core.filters import Filters
from mediabrowser.gui.filter_menu import FilterMenu
from tests.core.test_filters import exif_photo
from tests.gui.test_window import index_by_drop, names, select


def _wait(qtbot: Any, w: Any, action: Any) -> None:
    with qtbot.waitSignal(w.search.results_ready, timeout=30_000):
        action()


def chips(w: Any) -> list[str]:
    return [b.text() for b in w.results_page.query_bar.findChildren(QToolButton)
            if not b.isHidden() and b.text() != "+ Filter"]


def test_chips_less_like_this_and_filters(qtbot: Any, make_window: Any, photo_dir: Path,
                                          photos: Path) -> None:
    dated = photo_dir / "dated"
    dated.mkdir()
    exif_photo(photos / "chelsea.jpg", dated / "cat_2012.jpg", "2012:05:01 10:00:00",
               "Canon", "Canon EOS 5D")
    w = make_window()
    index_by_drop(qtbot, w, photo_dir)
    select(w, w.grid, "chelsea.jpg")
    _wait(qtbot, w, w.act_similar.trigger)
    bar = w.results_page.query_bar
    assert chips(w) == ["chelsea.jpg"]
    first = names(w.results_model)
    assert first[0] in ("chelsea_resized.jpg", "cat_2012.jpg")
    assert w.act_less.isEnabled()

    # Less Like This on the top result: it leaves, and the query says so
    select(w, w.results, first[0])
    _wait(qtbot, w, w.act_less.trigger)
    assert chips(w) == ["chelsea.jpg", f"− {first[0]}"]
    assert "less like 1" in w.results_title.text()
    assert first[0] not in names(w.results_model)

    # a weight on an example, then removing the "less like" one: the first result is back
    _wait(qtbot, w, lambda: bar._change(0, Example(bar.examples[0].file, weight=2.0)))
    assert chips(w)[0] == "chelsea.jpg ×2"
    _wait(qtbot, w, lambda: bar._change(1, None))
    assert chips(w) == ["chelsea.jpg ×2"] and names(w.results_model)[0] == first[0]
    # Back goes to the query before
    _wait(qtbot, w, w.act_back.trigger)
    assert chips(w) == ["chelsea.jpg ×2", f"− {first[0]}"]
    _wait(qtbot, w, w.act_forward.trigger)
    assert chips(w) == ["chelsea.jpg ×2"]

    # More Like This: a result joins the query as an example to be like
    select(w, w.results, names(w.results_model)[0])
    joined = names(w.results_model)[0]
    _wait(qtbot, w, w.act_more.trigger)
    assert chips(w) == ["chelsea.jpg ×2", joined] and joined not in names(w.results_model)
    _wait(qtbot, w, w.act_back.trigger)

    # a filter: only what it keeps, shown as a chip that removes it
    _wait(qtbot, w, lambda: bar.set_filters_and_ask(Filters(camera="canon")))
    assert names(w.results_model) == ["cat_2012.jpg"]
    assert "camera “canon”  ✕" in chips(w)
    _wait(qtbot, w, lambda: bar.set_filters_and_ask(Filters(camera="hasselblad")))
    assert names(w.results_model) == []
    assert "No item matches the filters (camera “hasselblad”)" in w.results.empty_text
    chip = next(b for b in bar.findChildren(QToolButton) if "hasselblad" in b.text())
    _wait(qtbot, w, chip.click)
    assert not bar.filters and len(w.search.last_matches) > 5

    # the menu offers the cameras the library holds, once read on the search thread
    bar.filter_menu.aboutToShow.emit()
    qtbot.waitUntil(lambda: bar.filter_menu.cameras == ["Canon EOS 5D"], timeout=10_000)
    assert "jpg" in bar.filter_menu.types


def test_filter_chips_say_what_each_keeps() -> None:
    from mediabrowser.core.filters import parse_date

    f = Filters(folder="/home/a/Pictures/Trip", after=parse_date("2019"),
                before=parse_date("2019", end=True), min_size=2_000_000, orientation="portrait",
                max_duration=30.0, types=("jpg", "jpeg"))
    texts = [t for t, _ in FilterMenu.chips(f)]
    assert texts == ["in Trip", "taken 2019-01-01 – 2019-12-31", "≥ 2 MB", "portrait",
                     "≤ 30 s", "JPG"]
    for _text, rest in FilterMenu.chips(f):  # each chip's removal leaves the others
        assert len(FilterMenu.chips(rest)) == len(texts) - 1


def test_copies_fold_into_one_tile(qtbot: Any, make_window: Any, photo_dir: Path) -> None:
    import shutil

    from mediabrowser.gui.grid.model import CopiesRole

    for i in range(3):  # byte-for-byte copies of the coffee's recompressed copy
        shutil.copy(photo_dir / "copies" / "coffee_recompressed.jpg",
                    photo_dir / f"coffee_copy{i}.jpg")
    w = make_window()
    index_by_drop(qtbot, w, photo_dir)
    select(w, w.grid, "coffee.jpg")
    _wait(qtbot, w, w.act_similar.trigger)
    shown = names(w.results_model)
    copies = {"coffee_recompressed.jpg", "coffee_copy0.jpg", "coffee_copy1.jpg",
              "coffee_copy2.jpg"}
    assert len(copies & set(shown)) == 1  # one tile for the four
    lead = w.results_model.index(shown.index(next(iter(copies & set(shown)))))
    assert lead.data(CopiesRole) == 3 and "also stands for 3 copies" in lead.data(3)
    assert "3 copies folded" in w.count_label.text()
    w.results_page.collapse.setChecked(False)
    assert copies <= set(names(w.results_model))
    assert all(w.results_model.index(r).data(CopiesRole) == 0
               for r in range(w.results_model.rowCount()))


def test_collections_save_open_export_and_delete(qtbot: Any, make_window: Any,
                                                 photo_dir: Path, tmp_path: Path) -> None:
    import json

    w = make_window()
    index_by_drop(qtbot, w, photo_dir)
    select(w, w.grid, "chelsea.jpg")
    _wait(qtbot, w, w.act_similar.trigger)
    room = w.collections
    shown = names(w.results_model)
    assert shown and room.save_action.isEnabled() and not room.export_action.isEnabled()
    room.ask_name = lambda suggested: f"Cats ({suggested})"
    room.save_shown()
    qtbot.waitUntil(lambda: w.lib.store.collections() != [], timeout=10_000)
    (saved,) = w.lib.store.collections()
    assert saved.name == "Cats (chelsea.jpg)" and saved.items == len(shown)
    room.open_menu.aboutToShow.emit()
    (entry,) = room.open_menu.actions()
    assert entry.text() == f"Cats (chelsea.jpg)  ({len(shown)})"
    _wait(qtbot, w, entry.trigger)
    assert names(w.results_model) == shown  # in the saved order
    assert "Collection <b>“Cats (chelsea.jpg)”</b>" in w.results_title.text()
    assert w.results_page.query_bar.add_filter.isHidden()  # filters are for searches
    room.update_actions()
    assert room.export_action.isEnabled()
    target = tmp_path / "cats.json"
    room.ask_file = lambda name: str(target)
    room.export_shown()
    assert [Path(x["path"]).name for x in json.loads(target.read_text())] == shown
    room.confirm = lambda text: "files stay where they are" in text
    room.delete_shown()
    qtbot.waitUntil(lambda: w.lib.store.collections() == [], timeout=10_000)
    assert all((photo_dir / n).exists() or list(photo_dir.rglob(n)) for n in shown)


def test_many_examples_never_widen_the_window(qtbot: Any) -> None:
    from mediabrowser.gui.query_bar import QueryBar

    bar = QueryBar()
    qtbot.addWidget(bar)
    bar.show_query([Example(file=i) for i in range(40)], False, {i: f"p{i}.jpg"
                                                                 for i in range(40)})
    texts = [b.text() for b in bar.findChildren(QToolButton)
             if not b.isHidden() and b.text() != "+ Filter"]
    assert texts[:6] == ["p0.jpg", "p1.jpg", "p2.jpg", "p3.jpg", "p4.jpg", "+35 more"]
    assert bar.sizePolicy().horizontalPolicy().name == "Ignored"
    more = next(b for b in bar.findChildren(QToolButton) if b.text() == "+35 more")
    got: list[list[Example]] = []
    bar.examples_changed.connect(got.append)
    more.menu().actions()[0].trigger()  # take p5 out
    assert len(got[0]) == 39 and Example(file=5) not in got[0]


def test_a_large_library_searches_in_a_process_of_its_own(
        qtbot: Any, make_window: Any, photo_dir: Path, monkeypatch: Any) -> None:
    import multiprocessing

    monkeypatch.setenv("MEDIABROWSER_SEARCH_PROCESS", "1")  # as from 50,000 items
    w = make_window()
    assert w.owner.search_service is not None
    index_by_drop(qtbot, w, photo_dir)
    select(w, w.grid, "chelsea.jpg")
    _wait(qtbot, w, w.act_similar.trigger)
    assert names(w.results_model)[0] == "chelsea_resized.jpg"
    assert w.owner.search_service._proc.is_alive()
    _wait(qtbot, w, lambda: w.results_page.query_bar.set_filters_and_ask(
        Filters(types=("png",))))
    assert [Path(m.item.path).name for m in w.search.last_matches] == ["rocket_cropped.png"]
    w.shutdown()
    assert not [p for p in multiprocessing.active_children() if p.name == "search-service"]
