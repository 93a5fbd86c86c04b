"""Duplicates on media the tests make: copies of photos (resized, recompressed, cropped, turned,
mirrored, converted, byte-identical), re-encoded and rescaled clips, re-encoded recordings, and
look-alikes that must stay out of the "same" tier. Through the core job and the CLI contract."""

from __future__ import annotations

import io
import itertools
import json
import os
import shutil
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from mediabrowser import dupe_media
from mediabrowser.cli import main
from mediabrowser.core.driver import drive
from mediabrowser.core.dupes import decisions
from mediabrowser.core.dupes.actions import TRASHED, move_files, trash_files, undo
from mediabrowser.core.dupes.grouping import find_duplicates_job
from mediabrowser.core.dupes.keeper import pick_keeper
from mediabrowser.core.dupes.turned import TURNS, best_turn, grey, invariant
from mediabrowser.core.dupes.unionfind import UnionFind
from mediabrowser.core.jobs.pipeline import index_paths
from mediabrowser.core.library import Library
from mediabrowser.core.types import MediaItem, MediaKind

PHOTOS = ("astronaut", "coffee", "chelsea", "motorcycle_left", "motorcycle_right")


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dupe_media.Labelled]]:
    media = tmp_path_factory.mktemp("dupe-media")
    files = dupe_media.photo_set(media / "photos", PHOTOS)
    files += dupe_media.video_set(media / "videos", ("coffee", "rocket"))
    files += dupe_media.audio_set(media / "audio", ("en",))
    return media, files


@pytest.fixture(scope="module")
def lib_dir(labelled: tuple[Path, list], tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dupe-lib")
    with Library(folder) as lib:
        report = index_paths(lib, [labelled[0]])
        assert not report.problems
    return folder


def _groups(lib_dir: Path, tier: str = "same", paths: list[str] | None = None) -> list:
    with Library(lib_dir) as lib:
        return drive(find_duplicates_job(lib, tier, paths)).groups


def _group_of(groups: list) -> dict[str, int]:
    return {m.item.path: i for i, g in enumerate(groups) for m in g.members}


def test_copies_are_grouped_and_lookalikes_stay_out(labelled: tuple, lib_dir: Path) -> None:
    media, files = labelled
    groups = _groups(lib_dir)
    where = _group_of(groups)
    by_label: dict[str, list[dupe_media.Labelled]] = {}
    for f in files:
        by_label.setdefault(f"{f.path.parts[len(media.parts)]}:{f.label}", []).append(f)
    for label, members in by_label.items():
        if "/" in label:  # a look-alike: never with the photograph it was made from
            source = label.split("/")[0]
            orig = next(f for f in by_label[source] if f.variant == "original")
            assert where.get(str(members[0].path)) is None or \
                where.get(str(members[0].path)) != where.get(str(orig.path)), label
            continue
        paths = [str(f.path) for f in members]
        assert all(p in where for p in paths), (label, [p for p in paths if p not in where])
        assert len({where[p] for p in paths}) == 1, label  # every copy with its original
    # the stereo pair: two photographs of one scene, alike but not the same
    left, right = (str(media / "photos" / f"motorcycle_{s}.jpg") for s in ("left", "right"))
    assert where[left] != where[right]
    for g in groups:
        assert g.tier in ("identical", "same")
        assert g.members[0].score == 1.0 and g.keeper.path == g.members[0].item.path
        assert all(0.9 <= m.score <= 1.0 for m in g.members)


def test_tiers_nest_and_each_file_is_in_one_group(lib_dir: Path) -> None:
    pairs = {}
    keepers = {}
    for tier in ("identical", "same", "similar"):
        groups = _groups(lib_dir, tier)
        paths = [m.item.path for g in groups for m in g.members]
        assert len(paths) == len(set(paths))  # each file in at most one group
        assert [len(g.members) for g in groups] == sorted((len(g.members) for g in groups),
                                                          reverse=True)
        pairs[tier] = {p for g in groups for p in itertools.combinations(
            sorted(m.item.path for m in g.members), 2)}
        keepers[tier] = {g.keeper.path for g in groups}
        if tier == "identical":
            assert groups and all(g.tier == "identical" for g in groups)
            assert all(Path(m.item.path).name.endswith(" copy.jpg")
                       for g in groups for m in g.members[1:])
    assert pairs["identical"] <= pairs["same"] <= pairs["similar"]
    assert len(pairs["similar"]) > len(pairs["same"])  # look-alikes join at "similar"
    # a similar group's keeper is one of the same groups' keepers, never a copy within one
    in_same = {p for pair in pairs["same"] for p in pair}
    assert all(k in keepers["same"] or k not in in_same for k in keepers["similar"])


def test_cli_contract(labelled: tuple, lib_dir: Path, capsys: pytest.CaptureFixture) -> None:
    media, _files = labelled
    assert main(["duplicates", "--library", str(lib_dir), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out and isinstance(out, list)
    seen: set[str] = set()
    for g in out:
        assert set(g) == {"tier", "keep", "items"}
        assert g["tier"] in ("identical", "same")
        items = [i["path"] for i in g["items"]]
        assert g["keep"] == items[0] and all(os.path.isabs(p) for p in items)
        assert all(set(i) == {"path", "score"} and 0 <= i["score"] <= 1 for i in g["items"])
        assert not seen & set(items)
        seen |= set(items)
    assert [len(g["items"]) for g in out] == sorted((len(g["items"]) for g in out), reverse=True)
    # with PATH: only groups that hold a file under it
    audio = str(media / "audio")
    assert main(["duplicates", str(media / "audio"), "--library", str(lib_dir), "--json"]) == 0
    some = json.loads(capsys.readouterr().out)
    assert some and all(any(i["path"].startswith(audio + os.sep) for i in g["items"])
                        for g in some)
    assert len(some) < len(out)
    # identical only; and plain text; and an empty answer still exits 0
    assert main(["duplicates", "--library", str(lib_dir), "--tier", "identical", "--json"]) == 0
    ident = json.loads(capsys.readouterr().out)
    assert ident and all(g["tier"] == "identical" for g in ident)
    assert all(i["score"] == 1.0 for g in ident for i in g["items"])
    assert main(["duplicates", "--library", str(lib_dir)]) == 0
    assert "keep " in capsys.readouterr().out
    empty = lib_dir.parent / "empty-lib"
    assert main(["duplicates", "--library", str(empty), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_turned_copies_are_found_by_the_turn_invariant_summary(labelled: tuple) -> None:
    media, _files = labelled
    orig = grey(str(media / "photos" / "coffee.jpg"))
    for variant in ("rotated90", "rotated180", "mirrored"):
        other = grey(str(media / "photos" / "copies" / f"coffee_{variant}.jpg"))
        assert float(invariant(orig) @ invariant(other)) > 0.97
        turn, corr = best_turn(orig, other)
        assert corr > 0.9 and TURNS[turn][1].name == {"rotated90": "ROTATE_90",
                                                      "rotated180": "ROTATE_180",
                                                      "mirrored": "FLIP_LEFT_RIGHT"}[variant]
    unrelated = grey(str(media / "photos" / "chelsea.jpg"))
    assert best_turn(orig, unrelated)[1] < 0.9


def _item(i: int, w: int = 0, h: int = 0, dur: float | None = None, mtime: float = 0.0,
          path: str = "") -> MediaItem:
    return MediaItem(i, path or f"/p/{i}.jpg", MediaKind.IMAGE, 100, mtime, w or None, h or None,
                     dur)


def test_keeper_rule() -> None:
    big, small = _item(1, 4000, 3000, mtime=5), _item(2, 800, 600, mtime=1)
    assert pick_keeper([small, big]).id == 1  # largest picture first
    long, short = _item(3, dur=60.0, mtime=9), _item(4, dur=30.0, mtime=1)
    assert pick_keeper([short, long]).id == 3  # then the longest
    pad = _item(5, dur=30.02, mtime=9)
    assert pick_keeper([pad, short]).id == 4  # a re-encode's padding does not count; oldest
    ref = _item(6, 100, 100, mtime=9, path="/photos/archive/a.jpg")
    assert pick_keeper([big, ref], reference=["/photos/archive"]).id == 6  # reference wins
    assert pick_keeper([big, ref], chosen={1}, reference=["/photos/archive"]).id == 1


def test_union_find_never_joins_files_marked_not_duplicates() -> None:
    uf = UnionFind({1: {3}, 3: {1}})
    assert uf.union(1, 2)
    assert not uf.union(2, 3)  # would put 1 and 3 together
    assert uf.union(3, 4)
    assert sorted(uf.components()) == [[1, 2], [3, 4]]


def _own_set(tmp_path: Path) -> tuple[Path, Path]:
    media = tmp_path / "media"
    dupe_media.photo_set(media, ("coffee",))
    lib_dir = tmp_path / "lib"
    with Library(lib_dir) as lib:
        assert not index_paths(lib, [media]).problems
    return media, lib_dir


def test_not_duplicates_is_remembered_across_runs(tmp_path: Path) -> None:
    media, lib_dir = _own_set(tmp_path)
    with Library(lib_dir) as lib:
        groups = drive(find_duplicates_job(lib))
        assert len(groups.groups) == 1
        decisions.mark_not_duplicates(lib.store, [m.item.id for m in groups.groups[0].members])
    with Library(lib_dir) as lib:  # another run, another process's view
        assert drive(find_duplicates_job(lib)).groups == []
        ids = [r.id for r in lib.store.files(status="ok")]
        decisions.unmark_not_duplicates(lib.store, ids)
        assert len(drive(find_duplicates_job(lib)).groups) == 1


def test_trash_then_undo_puts_every_file_back(tmp_path: Path, trash_home: Path) -> None:
    media, lib_dir = _own_set(tmp_path)
    with Library(lib_dir) as lib:
        report = drive(find_duplicates_job(lib))
        decisions.save_listing(lib.store, report.groups, {"tier": "same"})
        g = report.groups[0]
        others = [m.item for m in g.members[1:]]
        action = trash_files(lib, [(g.keeper.id, [it.id for it in others])])
        assert len(action.moved) == len(others) and not action.problems
        assert action.bytes == sum(it.size for it in others)
        for it in others:
            assert not os.path.exists(it.path)
            assert lib.store.file_by_id(it.id).status == TRASHED  # type: ignore[union-attr]
        assert os.path.exists(g.keeper.path)
        assert len(list((trash_home / "files").iterdir())) == len(others)
        assert decisions.listing_totals(lib.store)[0] == 0  # the group is done
        assert drive(find_duplicates_job(lib)).groups == []  # trashed files are not listed
        assert undo(lib, action) == []
        for it in others:
            assert os.path.exists(it.path)
            assert lib.store.file_by_id(it.id).status == "ok"  # type: ignore[union-attr]
        assert list((trash_home / "files").iterdir()) == []
        assert list((trash_home / "info").iterdir()) == []
        assert decisions.listing_totals(lib.store)[0] == 1  # and the group is back


def test_move_to_folder_and_back_the_library_follows(tmp_path: Path) -> None:
    media, lib_dir = _own_set(tmp_path)
    dest = tmp_path / "moved"
    with Library(lib_dir) as lib:
        g = drive(find_duplicates_job(lib)).groups[0]
        ids = [m.item.id for m in g.members[1:]]
        action = move_files(lib, [(g.keeper.id, ids)], dest)
        assert len(action.moved) == len(ids)
        for m in action.moved:
            row = lib.store.file_by_id(m.file_id)
            assert row is not None and row.path == m.now and os.path.exists(m.now)
            assert Path(m.now).parent == dest
        assert undo(lib, action) == []
        for m in action.moved:
            row = lib.store.file_by_id(m.file_id)
            assert row is not None and row.path == m.original and os.path.exists(m.original)


def test_a_file_changed_since_it_was_compared_is_left_alone(tmp_path: Path,
                                                           trash_home: Path) -> None:
    media, lib_dir = _own_set(tmp_path)
    with Library(lib_dir) as lib:
        g = drive(find_duplicates_job(lib)).groups[0]
        victim = g.members[1].item
        with open(victim.path, "ab") as f:
            f.write(b"edited")
        action = trash_files(lib, [(g.keeper.id, [victim.id])])
        assert action.moved == [] and "changed since" in action.problems[0].reason
        assert os.path.exists(victim.path)
        # nor is anything moved when the copy to keep is gone or changed
        others = [m.item.id for m in g.members[2:]]
        os.rename(g.keeper.path, g.keeper.path + ".away")
        action = trash_files(lib, [(g.keeper.id, others)])
        assert action.moved == [] and len(action.problems) == len(others)
        assert "copy to keep" in action.problems[0].reason
        assert all(os.path.exists(m.item.path) for m in g.members[2:])


def test_a_link_is_never_a_copy_of_its_own_file(tmp_path: Path, trash_home: Path) -> None:
    media = tmp_path / "media"
    dupe_media.photo_set(media, ("coffee",))
    os.symlink(media / "coffee.jpg", media / "a link to coffee.jpg")
    os.link(media / "coffee.jpg", media / "zz hard link.jpg")
    with Library(tmp_path / "lib") as lib:
        assert not index_paths(lib, [media]).problems
        groups = drive(find_duplicates_job(lib)).groups
        names = [Path(m.item.path).name for g in groups for m in g.members]
        assert "coffee.jpg" in names  # the file itself, once
        assert "a link to coffee.jpg" not in names and "zz hard link.jpg" not in names
        g = groups[0]
        orig = next(m.item for m in g.members if Path(m.item.path).name == "coffee.jpg")
        others = [m.item.id for m in g.members if m.item.id != orig.id]
        action = trash_files(lib, [(orig.id, others)])  # the one its links point to, kept
        assert os.path.exists(media / "coffee.jpg") and not action.problems
        assert os.path.exists(media / "a link to coffee.jpg")


def test_reference_folders_and_chosen_keepers_are_never_moved(tmp_path: Path,
                                                              trash_home: Path) -> None:
    media, lib_dir = _own_set(tmp_path)
    with Library(lib_dir) as lib:
        g = drive(find_duplicates_job(lib)).groups[0]
        orig = next(m.item for m in g.members if Path(m.item.path).name == "coffee.jpg")
        others = [m.item for m in g.members if m.item.id != orig.id]  # all in copies/
        decisions.set_reference_folders(lib.store, [str(media / "copies")])
        decisions.choose_keeper(lib.store, others[-1].id, [])
        action = trash_files(lib, [(orig.id, [it.id for it in others])])
        assert action.moved == [] and action.protected == len(others)
        assert all(os.path.exists(it.path) for it in others)


def test_a_file_put_back_by_hand_comes_back_on_rescan(tmp_path: Path, trash_home: Path) -> None:
    media, lib_dir = _own_set(tmp_path)
    with Library(lib_dir) as lib:
        g = drive(find_duplicates_job(lib)).groups[0]
        victim = g.members[1].item
        action = trash_files(lib, [(g.keeper.id, [victim.id])])
        os.rename(action.moved[0].now, victim.path)  # "Restore" in the file manager
        index_paths(lib, [media])
        assert lib.store.file_by_id(victim.id).status == "ok"  # type: ignore[union-attr]


def test_undo_after_another_search_leaves_the_new_listing_alone(tmp_path: Path,
                                                                trash_home: Path) -> None:
    media, lib_dir = _own_set(tmp_path)
    with Library(lib_dir) as lib:
        report = drive(find_duplicates_job(lib))
        decisions.save_listing(lib.store, report.groups, {"tier": "same"})
        g = report.groups[0]
        action = trash_files(lib, [(g.keeper.id, [g.members[1].item.id])])
        again = drive(find_duplicates_job(lib))
        decisions.save_listing(lib.store, again.groups, {"tier": "same"})
        before = decisions.group_members(lib.store, 1)
        assert undo(lib, action) == []
        assert decisions.group_members(lib.store, 1) == before  # the new listing, untouched
        assert os.path.exists(g.members[1].item.path)


def test_cli_trash_asks_once_and_yes_skips_it(tmp_path: Path, trash_home: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    media, lib_dir = _own_set(tmp_path)
    before = sorted(p.name for p in media.rglob("*") if p.is_file())
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(["duplicates", "--library", str(lib_dir), "--trash"]) == 0
    assert "nothing was moved" in buf.getvalue()
    assert sorted(p.name for p in media.rglob("*") if p.is_file()) == before
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(["duplicates", "--library", str(lib_dir), "--trash", "--yes", "--json"]) == 0
    groups = json.loads(buf.getvalue())
    kept = {g["keep"] for g in groups}
    gone = {i["path"] for g in groups for i in g["items"]} - kept
    assert gone and all(not os.path.exists(p) for p in gone)
    assert all(os.path.exists(p) for p in kept)
    assert len(list((trash_home / "files").iterdir())) == len(gone)


def test_reference_folder_mode_compares_an_import_against_it(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    dupe_media.photo_set(archive, ("coffee",))
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    for name in ("coffee_resized.jpg", "coffee_webp.webp"):
        shutil.copy(archive / "copies" / name, incoming / name)
    dupe_media.photo_set(incoming / "new", ("rocket",))  # its own copies: not compared
    lib_dir = tmp_path / "lib"
    with Library(lib_dir) as lib:
        assert not index_paths(lib, [archive, incoming]).problems
        groups = drive(find_duplicates_job(lib, "same", [str(incoming)], [str(archive)])).groups
    assert groups
    for g in groups:
        assert g.keeper.path.startswith(str(archive) + os.sep)  # the reference copy is kept
        assert all(m.item.path.startswith((str(archive) + os.sep, str(incoming) + os.sep))
                   for m in g.members)
    found = {m.item.path for g in groups for m in g.members}
    assert str(incoming / "coffee_resized.jpg") in found
    assert not any("rocket" in p for p in found)
