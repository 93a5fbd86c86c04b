"""Filters with similarity (issue 25, point 2): what people type is read, EXIF dates and
cameras are stored, and a filtered search returns only matching items, the nearest of them."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from mediabrowser.core.filters import (
    FilterError,
    Filters,
    extension,
    parse_date,
    parse_duration,
    parse_size,
    parse_types,
)
from mediabrowser.core.jobs.pipeline import index_paths
from mediabrowser.core.media.probe import probe
from mediabrowser.core.media.taken import camera_name, exif_date, iso_date, video_facts
from mediabrowser.core.search import find_similar

LITE0 = "efficientnet-lite0"


def test_what_people_type_is_read() -> None:
    assert parse_date("2020") == time.mktime((2020, 1, 1, 0, 0, 0, 0, 0, -1))
    assert parse_date("2020", end=True) == time.mktime((2021, 1, 1, 0, 0, 0, 0, 0, -1))
    assert parse_date("2020-12", end=True) == time.mktime((2021, 1, 1, 0, 0, 0, 0, 0, -1))
    assert parse_date("2020-02-28", end=True) == time.mktime((2020, 2, 29, 0, 0, 0, 0, 0, -1))
    assert parse_date("2020-05-17 14:30") == time.mktime((2020, 5, 17, 14, 30, 0, 0, 0, -1))
    assert parse_size("2.5MB") == 2_500_000 and parse_size("800 kb") == 800_000
    assert parse_size("1GiB") == 1024 ** 3 and parse_size("1200") == 1200
    assert parse_duration("1:30") == 90 and parse_duration("2m") == 120
    assert parse_duration("45s") == 45 and parse_duration("1:02:03") == 3723
    assert parse_types(".JPG, png") == ("jpg", "jpeg", "png")
    assert extension("/a/b.c/IMG_1.HEIC") == "heic" and extension("/a/.hidden") == ""
    for bad, fn in (("last year", parse_date), ("2020-13-45x", parse_date),
                    ("2020-02-30", parse_date), ("2020-13", parse_date),
                    ("2015-07-15 25:00", parse_date), ("nan", parse_duration),
                    ("inf", parse_duration), ("-5", parse_duration),
                    ("big", parse_size), ("3 parsecs", parse_size), ("soon", parse_duration),
                    ("j/pg", parse_types)):
        with pytest.raises(FilterError):
            fn(bad)
    assert not Filters() and Filters(min_size=1)
    assert Filters(after=parse_date("2020"), types=("jpg",)).describe() == [
        "from 2020-01-01", "JPG"]


def test_dates_and_cameras_from_tags() -> None:
    assert exif_date("2019:07:14 16:03:22") == time.mktime((2019, 7, 14, 16, 3, 22, 0, 0, -1))
    assert exif_date("0000:00:00 00:00:00") is None and exif_date(b"    ") is None
    assert iso_date("2021-06-01T10:20:30.000000Z") == 1622542830.0
    assert iso_date("2021-06-01T12:20:30+02:00") == 1622542830.0
    assert iso_date("1904-01-01T00:00:00Z") is None  # QuickTime's "not set"
    assert camera_name("Canon", "Canon EOS 5D Mark II") == "Canon EOS 5D Mark II"
    assert camera_name("Apple\x00", "iPhone 12") == "Apple iPhone 12"
    assert camera_name(None, "  ") is None
    assert video_facts({"creation_time": "2021-06-01T10:20:30.000000Z",
                        "com.apple.quicktime.model": "iPhone 12",
                        "com.apple.quicktime.make": "Apple"}) == (1622542830.0,
                                                                   "Apple iPhone 12")


def exif_photo(src: Path, dst: Path, taken: str | None, make: str | None, model: str | None,
               size: tuple[int, int] | None = None) -> None:
    im = Image.open(src)
    if size:
        im = im.resize(size)
    exif = Image.Exif()
    if make:
        exif[0x010F] = make
    if model:
        exif[0x0110] = model
    if taken:
        exif.get_ifd(0x8769)[0x9003] = taken
    im.save(dst, quality=90, exif=exif)


def test_probe_reads_when_and_with_what(photos: Path, tmp_path: Path) -> None:
    p = tmp_path / "a.jpg"
    exif_photo(photos / "coffee.jpg", p, "2018:03:04 05:06:07", "NIKON CORPORATION",
               "NIKON D750")
    got = probe(p)
    assert got is not None
    assert got.taken == time.mktime((2018, 3, 4, 5, 6, 7, 0, 0, -1))
    assert got.camera == "NIKON D750"  # the model repeats the make
    plain = probe(photos / "moon.jpg")
    assert plain is not None and plain.taken is None and plain.camera is None


@pytest.fixture
def filtered_lib(photo_dir: Path, photos: Path, library: Any) -> tuple[Any, Path]:
    """The photos plus dated and camera-tagged copies in folders by year."""
    for year, cam in ((2015, "Canon EOS 5D"), (2019, "iPhone 12"), (2023, "iPhone 15 Pro")):
        d = photo_dir / str(year)
        d.mkdir()
        for name in ("chelsea", "coffee", "rocket", "horse"):
            exif_photo(photos / f"{name}.jpg", d / f"{name}_{year}.jpg",
                       f"{year}:06:01 12:00:00", "Apple" if "iPhone" in cam else "Canon", cam,
                       size=(300, 400) if name == "horse" else None)
    shutil.copy(photos / "chelsea.jpg", photo_dir / "chelsea_copy.png")
    index_paths(library, [photo_dir])
    return library, photo_dir


def names(found: list[Any]) -> list[str]:
    return [Path(m.item.path).name for m in found]


def test_filtered_search_keeps_only_matching_items(filtered_lib: tuple[Any, Path]) -> None:
    lib, root = filtered_lib
    cat = str(root / "chelsea.jpg")
    by = {
        "folder": Filters(folder=str(root / "2019")),
        "after": Filters(after=parse_date("2019"), before=parse_date("2024")),
        "before": Filters(before=parse_date("2016")),
        "camera": Filters(camera="iphone"),
        "type": Filters(types=("png",)),
        "portrait": Filters(orientation="portrait"),
        "size": Filters(max_size=os.path.getsize(root / "2019" / "chelsea_2019.jpg")),
    }
    want = {
        "folder": {"chelsea_2019.jpg", "coffee_2019.jpg", "rocket_2019.jpg", "horse_2019.jpg"},
        "after": {f"{n}_{y}.jpg" for n in ("chelsea", "coffee", "rocket", "horse")
                  for y in (2019, 2023)},
        "camera": {f"{n}_{y}.jpg" for n in ("chelsea", "coffee", "rocket", "horse")
                   for y in (2019, 2023)},
        "type": {"chelsea_copy.png", "rocket_cropped.png"},
        "portrait": {"horse_2015.jpg", "horse_2019.jpg", "horse_2023.jpg"},
    }
    for key, f in by.items():
        found = find_similar(lib, cat, k=50, filters=f, turns=False)
        got = set(names(found))
        if key in want:
            assert got == want[key], key
        elif key == "before":  # undated files count by their modification time (now)
            assert got == {f"{n}_2015.jpg" for n in ("chelsea", "coffee", "rocket", "horse")}
        else:
            assert got and all(m.item.size <= f.max_size for m in found)  # type: ignore[operator]
    # the nearest among those kept come first: the cat's own dated copy leads
    top = find_similar(lib, cat, k=3, filters=by["after"], turns=False)
    assert names(top)[0] in ("chelsea_2019.jpg", "chelsea_2023.jpg")
    # and a filter that keeps nothing gives nothing
    assert find_similar(lib, cat, k=5, filters=Filters(camera="hasselblad")) == []


def test_filters_follow_moves_and_removals(filtered_lib: tuple[Any, Path]) -> None:
    lib, root = filtered_lib
    cat = str(root / "chelsea.jpg")
    f = Filters(folder=str(root / "2023"))
    assert len(find_similar(lib, cat, k=50, filters=f, turns=False)) == 4
    (root / "2023" / "horse_2023.jpg").rename(root / "2015" / "horse_2023.jpg")
    (root / "2023" / "coffee_2023.jpg").unlink()
    index_paths(lib, [root])
    assert set(names(find_similar(lib, cat, k=50, filters=f, turns=False))) == {
        "chelsea_2023.jpg", "rocket_2023.jpg"}
    assert "horse_2023.jpg" in names(find_similar(lib, cat, k=50, turns=False,
                                                  filters=Filters(folder=str(root / "2015"))))


def test_a_filtered_walk_matches_exact_search_over_kept_items(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The index's two ways (exact scan of few kept items, graph walk skipping others)
    against brute force, on a saved and reloaded graph as the window holds it."""
    from mediabrowser.core.index import hnsw

    rng = np.random.default_rng(3)
    n, dim = 6000, 32
    vecs = rng.normal(size=(n, dim)).astype(np.float32)
    labels = np.arange(5, n + 5)
    idx = hnsw.HnswIndex(dim, n)
    idx.add(labels, vecs)
    idx.save(tmp_path / "g.hnsw", tmp_path / "g.live.npy")
    loaded = hnsw.HnswIndex.load(tmp_path / "g.hnsw", tmp_path / "g.live.npy", dim)
    extra = rng.normal(size=(50, dim)).astype(np.float32)
    loaded.add(np.arange(n + 5, n + 55), extra)  # added after the load: not in the file
    allv = np.vstack([vecs, extra])
    alll = np.arange(5, n + 55)
    for share, scan_under in ((0.01, 60_000), (0.1, 100), (0.5, 100)):  # scan, walk, wide
        monkeypatch.setattr(hnsw, "EXACT_UNDER", scan_under)
        allowed = np.zeros(n + 60, bool)
        allowed[alll[rng.random(len(alll)) < share]] = True
        allowed[n + 10] = True  # one of the added ones
        for q in rng.normal(size=(5, dim)).astype(np.float32):
            d = ((allv - q) ** 2).sum(1)
            d[~allowed[alll]] = np.inf
            truth = set(alll[np.argsort(d)[:10]].tolist())
            got = loaded.query_among(q, 10, allowed)
            assert all(allowed[label] for label, _ in got)
            # distances on hnswlib's scale (squared L2), so parts of other kinds merge truly
            for label, dist in got:
                assert dist == pytest.approx(float(d[label - 5]), rel=1e-3, abs=1e-3)
            hit = len(truth & {label for label, _ in got}) / 10
            assert hit >= (1.0 if share < 0.05 else 0.8), (share, hit)


def test_the_columns_are_kept_on_disk_and_follow_changes(
        filtered_lib: tuple[Any, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    from mediabrowser.core.index import facets as facets_mod
    from mediabrowser.core.index.facets import Facets
    from mediabrowser.core.library import Library

    lib, root = filtered_lib
    monkeypatch.setattr(facets_mod, "SAVE_FROM", 1)
    space = lib.store.spaces()[0]
    saved = lib.folder / "index" / f"{space}.facets.npz"
    first = Facets.load(lib.store, space, saved)
    assert saved.exists()
    f = Filters(camera="iphone 15")
    assert first.count(f) == 4
    (root / "2023" / "rocket_2023.jpg").unlink()
    index_paths(lib, [root])
    again = Facets.load(lib.store, space, saved)  # read from the file, then the change log
    assert again.count(f) == 3 and again.camera_names()[:1] != []
    assert np.array_equal(again.mask(f), Facets.load(lib.store, space).mask(f))
    saved.write_bytes(b"not a zip")  # damaged: read from the store again
    assert Facets.load(lib.store, space, saved).count(f) == 3
    other = Library(lib.folder.parent / "other")  # another database: not trusted
    try:
        assert Facets.read(saved, space, other.store.library_id()) is None
    finally:
        other.close()
