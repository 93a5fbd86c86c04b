"""File names are bytes: every name the file system allows is indexed, kept exactly, found
again on rescan and after a move, and shown readably."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from PIL import Image

from mediabrowser.core.filenames import display, display_name, from_db, openable_alias, to_db
from mediabrowser.core.jobs.pipeline import index_paths
from mediabrowser.core.library import Library
from mediabrowser.core.search import find_similar
from tests.conftest import textured

# Raw names as a file system holds them: Latin-1 from an old Windows zip, a newline, a
# leading dash, emoji, the longest name Linux allows (255 bytes), a lone continuation byte.
ODD_NAMES: list[bytes] = [
    b"caf\xe9.jpg",
    b"line\nbreak.jpg",
    b"-rf --dash.jpg",
    "🐈 cat 🎉.jpg".encode(),
    b"x" * 251 + b".jpg",
    b"\x80\xff odd bytes.png",
    "Ελληνικά και 日本語.jpg".encode(),
]


def _write_odd(folder: Path) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, raw in enumerate(ODD_NAMES):
        full = os.path.join(os.fsencode(folder), raw)
        textured((40 * i % 255, 90, 200 - 20 * i), seed=i).save(
            os.fsdecode(full), format="PNG" if raw.endswith(b".png") else "JPEG")
        paths.append(os.fsdecode(full))
    return paths


def test_odd_names_are_indexed_losslessly_and_found_again(library: Library,
                                                          tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    paths = _write_odd(folder)
    report = index_paths(library, [folder])
    assert report.problems == []
    assert report.embedded == len(ODD_NAMES)
    stored = {os.fsencode(r.path) for r in library.store.files()}
    assert stored == {os.fsencode(p) for p in paths}
    again = index_paths(library, [folder])  # a rescan finds every one by its exact name
    assert again.new == 0 and again.unchanged == len(ODD_NAMES) and again.problems == []
    for p in paths:
        row = library.store.file_by_path(p)
        assert row is not None and row.status == "ok"
        assert library.store.vector(row.id, "efficientnet-lite0") is not None
    hits = find_similar(library, paths[0], k=len(paths))
    assert {os.fsencode(m.item.path) for m in hits} == {os.fsencode(p) for p in paths[1:]}


def test_a_file_with_an_odd_name_moved_to_another_library_folder_keeps_its_vectors(
        library: Library, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    paths = _write_odd(a)
    b.mkdir()
    index_paths(library, [a, b])
    old = library.store.file_by_path(paths[0])
    assert old is not None
    moved = os.path.join(os.fsencode(b), ODD_NAMES[0])
    shutil.move(os.fsencode(paths[0]), moved)
    report = index_paths(library, library.store.roots())
    assert report.moved == 1 and report.embedded == 0 and report.problems == []
    row = library.store.file_by_path(os.fsdecode(moved))
    assert row is not None and row.id == old.id and row.status == "ok"


def test_problems_with_odd_names_are_recorded(library: Library, tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    raw = os.path.join(os.fsencode(folder), b"bro\xefken.jpg")
    with open(raw, "wb") as f:
        f.write(b"<!DOCTYPE html><html><body>Not found</body></html>")
    report = index_paths(library, [folder])
    assert [(os.fsencode(p.path), p.reason) for p in report.problems] == [
        (raw, "not a picture: this is an HTML page")]
    assert [os.fsencode(p) for p in library.store.problem_paths()] == [raw]


def test_storage_form_and_display_form() -> None:
    odd = os.fsdecode(b"/m/caf\xe9\n.jpg")
    assert to_db("/m/café.jpg") == "/m/café.jpg"  # valid UTF-8 stays text
    assert to_db(odd) == b"/m/caf\xe9\n.jpg"  # the rest keeps its exact bytes
    assert from_db(to_db(odd)) == odd
    assert display(odd) == "/m/caf\ufffd\u240a.jpg"
    assert display_name(odd) == "caf\ufffd\u240a.jpg"
    display(odd).encode("utf-8")  # safe to hand to Qt


def test_openable_alias_points_at_the_file(tmp_path: Path) -> None:
    raw = os.path.join(os.fsencode(tmp_path), b"clip\xe9.mp4")
    with open(raw, "wb") as f:
        f.write(b"data")
    alias = openable_alias(os.fsdecode(raw), str(tmp_path / "aliases"))
    alias.encode("utf-8")
    assert alias.endswith(".mp4") and Path(alias).read_bytes() == b"data"
    assert openable_alias(os.fsdecode(raw), str(tmp_path / "aliases")) == alias
    assert openable_alias(str(tmp_path / "plain.mp4")) == str(tmp_path / "plain.mp4")


@pytest.mark.parametrize("raw", ODD_NAMES[:3])
def test_pillow_reads_odd_names(tmp_path: Path, raw: bytes) -> None:
    full = os.path.join(os.fsencode(tmp_path), raw)
    Image.new("RGB", (8, 8)).save(os.fsdecode(full), format="JPEG")
    from mediabrowser.core.media.decode import load_image

    assert load_image(os.fsdecode(full)).size == (8, 8)
