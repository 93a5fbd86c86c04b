"""The map: the layout keeps neighbours, new items are placed without a new layout, a stopped
layout resumes, clusters are found and named, and the CLI prints every item once."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import numpy as np
import pytest

from mediabrowser.core.driver import drive
from mediabrowser.core.layout import graph_layout as gl
from mediabrowser.core.layout import names
from mediabrowser.core.layout.clusters import find_clusters, representatives
from mediabrowser.core.layout.landmarks import NearestMarks, place, reduction
from mediabrowser.core.library import Library
from mediabrowser.core.maps import compute as compute_mod
from mediabrowser.core.maps.current import current, load, plane
from mediabrowser.core.types import CancelToken

SPACE = "efficientnet-lite0"


def blobs(n_groups: int, per: int, dim: int = 64, spread: float = 0.6, seed: int = 0
          ) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_groups, dim))
    x = np.concatenate([c + spread * rng.normal(size=(per, dim)) for c in centres])
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32), np.repeat(np.arange(n_groups), per)


def share_of_10(points: np.ndarray, labels: np.ndarray) -> float:
    d = ((points[:, None] - points[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    near = np.argsort(d, axis=1)[:, :10]
    return float((labels[near] == labels[:, None]).mean())


def fill(lib: Library, groups: dict[str, int], dim: int = 64, seed: int = 0,
         kind: str = "image", start: int = 0) -> list[int]:
    """Files under /m/<group>/ with vectors clustered by group, straight into the store."""
    rng = np.random.default_rng(seed)
    ids = []
    with lib.store.transaction() as c:
        for name, n in groups.items():
            centre = np.random.default_rng(zlib.crc32(name.encode())).normal(size=dim)
            for i in range(n):
                ext = "wav" if kind == "audio" else "jpg"
                fid = lib.store.insert_file(c, path=f"/m/{name}/{name}_{start + i}.{ext}",
                                            kind=kind, size=1, mtime=1.0)
                model = SPACE if kind == "image" else "sounds-voices"
                lib.store.put_vector(c, fid, model, model, centre + 0.5 * rng.normal(size=dim))
                ids.append(fid)
    return ids


def test_the_layout_keeps_neighbours() -> None:
    x, labels = blobs(12, 30, spread=2.0)
    y = gl.layout(reduction(x).apply(x))
    assert y.shape == (360, 2) and np.isfinite(y).all()
    vec_share = share_of_10(x, labels)
    assert 0.5 < vec_share < 1.0  # a set where neighbours are not trivial
    assert share_of_10(y, labels) >= 0.85 * vec_share


def test_placing_beside_landmarks_keeps_groups() -> None:
    x, labels = blobs(8, 60)
    marks = np.arange(0, len(x), 4)  # a quarter are landmarks
    ym = gl.layout(x[marks])
    rest = np.setdiff1d(np.arange(len(x)), marks)
    y = np.empty((len(x), 2), np.float32)
    y[marks] = ym
    y[rest] = place(x[rest], x[marks], ym)
    assert share_of_10(y, labels) >= 0.9
    # through the landmarks' graph (as a million items are placed), about the same places
    many = place(x[rest], NearestMarks(x[marks]), ym)
    close = np.linalg.norm(many - y[rest], axis=1) < 0.5 * np.ptp(ym, axis=0).max()
    assert close.mean() > 0.9


def test_clusters_are_the_islands_and_each_has_a_representative() -> None:
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0], [20, 0], [0, 20]])
    xy = np.concatenate([c + rng.normal(size=(200, 2)) for c in centres]).astype(np.float32)
    cluster, grid = find_clusters(xy)
    assert cluster.max() == 2
    for g in range(3):  # each island is one cluster
        assert len(set(cluster[g * 200:(g + 1) * 200].tolist()) - {-1}) == 1
    assert (cluster >= 0).mean() > 0.95
    assert (grid.assign(xy) == cluster).all()
    assert grid.assign(np.array([[500.0, 500.0]], np.float32))[0] == -1  # far off: none
    reps = representatives(cluster, xy)
    assert [cluster[r] for r in reps] == [0, 1, 2]
    few, _ = find_clusters(xy[:5])
    assert (few == -1).all()
    # one wide stretch of many points (many small events side by side) is cut into parts
    blob = rng.uniform(-10, 10, (20_000, 2)).astype(np.float32)
    parts, grid = find_clusters(blob)
    sizes = np.bincount(parts[parts >= 0])
    assert len(sizes) >= 10 and sizes.max() < 0.2 * len(blob)
    assert (grid.assign(blob) == parts).all()


def test_names_say_what_a_group_shares_and_the_others_do_not() -> None:
    got = names.from_paths([
        ["/p/photos/coffee.jpg", "/p/photos/coffee_crop.png", "/p/photos/IMG_0001 coffee.jpg"],
        ["/p/photos/chelsea.jpg", "/p/photos/chelsea_small.jpg", "/p/photos/DSC_0042.jpg"],
        ["/p/holiday/IMG_1.jpg", "/p/holiday/IMG_2.jpg"],
        ["/p/photos/a.jpg", "/p/photos/b.jpg"]])
    assert got == ["coffee", "chelsea", "holiday", ""]
    assert names.distinct(["beach", "beach", "", "snow"]) == ["beach", "beach 2", "", "snow"]
    words, sentences = names.prompts("audio")
    assert "birds" in words and sentences[0].startswith("the sound of")


def test_a_library_map_is_saved_updated_and_every_item_is_on_it(library: Library) -> None:
    fill(library, {"beach": 40, "snow": 40, "city": 40})
    rows = drive(plane(library, None, CancelToken()))
    assert len(rows) == 120
    assert len({r["path"] for r in rows}) == 120
    assert all(isinstance(r["x"], float) and isinstance(r["y"], float) for r in rows)
    assert {r["cluster"] for r in rows} <= {0, 1, 2, None}
    by_group: dict[str, set] = {}
    for r in rows:
        by_group.setdefault(r["path"].split("/")[2], set()).add(r["cluster"])
    assert all(len(c - {None}) == 1 for c in by_group.values())  # one cluster per group
    m = load(library, SPACE)
    assert m is not None and sorted(c.name for c in m.clusters) == ["beach", "city", "snow"]
    saved_at = (library.folder / "maps" / f"{SPACE}.npz").stat().st_mtime_ns

    # the map is not computed again: new items are placed beside their own group
    new = fill(library, {"snow": 5}, start=100)
    gone = library.store.file_by_path("/m/city/city_0.jpg")
    assert gone is not None
    library.remove_items([gone.id])
    steps = []
    m2 = drive(current(library, SPACE, CancelToken()), steps.append)
    assert m2 is not None and len(m2) == 124
    assert not any(p.message == "laying out" for p in steps)
    assert (library.folder / "maps" / f"{SPACE}.npz").stat().st_mtime_ns != saved_at
    snow = {int(c) for f, c in zip(m2.file_ids, m2.cluster, strict=True)
            if f not in new and library.store.file_by_id(int(f)).path.startswith("/m/snow")}
    placed = {int(c) for f, c in zip(m2.file_ids, m2.cluster, strict=True) if f in new}
    assert placed == snow
    assert gone.id not in set(m2.file_ids.tolist())
    # recompute on request
    steps = []
    drive(current(library, SPACE, CancelToken(), recompute=True), steps.append)
    assert any(p.message == "laying out" for p in steps)


def test_a_stopped_layout_resumes_where_it_was(library: Library,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    fill(library, {"a": 30, "b": 30})
    monkeypatch.setattr(compute_mod, "SAVE_EVERY", 10)
    cancel = CancelToken()
    job = compute_mod.compute(library, SPACE, cancel)
    for p in job:
        if p.message == "laying out" and p.done >= 25:
            cancel.cancel()
    assert load(library, SPACE) is None
    assert (library.folder / "maps" / f"{SPACE}.partial.npz").exists()
    first = []
    m = drive(compute_mod.compute(library, SPACE, CancelToken()),
              lambda p: first.append(p.done) if p.message == "laying out" else None)
    assert m is not None and first[0] > 25  # went on from the saved epoch
    assert not (library.folder / "maps" / f"{SPACE}.partial.npz").exists()


def test_the_landmark_path_places_every_item(library: Library,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from mediabrowser.core.layout import landmarks

    fill(library, {"a": 150, "b": 150, "c": 150})
    monkeypatch.setattr(landmarks, "LANDMARKS", 100)
    monkeypatch.setattr(compute_mod, "choose_landmarks",
                        lambda n, seed=0: landmarks.choose_landmarks(n, 100, seed))
    m = drive(compute_mod.compute(library, SPACE, CancelToken()))
    assert m is not None and len(m) == 450 and len(m.marks) == 100
    truth = np.repeat(np.arange(3), 150)
    order = np.argsort(m.file_ids)
    assert share_of_10(m.xy[order], truth) > 0.9


def test_kinds_and_spaces_are_islands_side_by_side(library: Library) -> None:
    fill(library, {"pics": 30})
    fill(library, {"sounds": 20}, dim=32, kind="audio")
    rows = drive(plane(library, None, CancelToken()))
    assert len(rows) == 50
    audio = [r for r in rows if r["path"].endswith(".wav")]
    pics = [r for r in rows if r["path"].endswith(".jpg")]
    assert min(r["x"] for r in audio) > max(r["x"] for r in pics)  # no overlap
    only = drive(plane(library, "audio", CancelToken()))
    assert {r["path"] for r in only} == {r["path"] for r in audio}
    assert drive(plane(library, "video", CancelToken())) == []


def test_cli_map_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mediabrowser.cli.app import main

    lib = Library(tmp_path / "lib")
    fill(lib, {"beach": 25, "snow": 25})
    lib.close()
    assert main(["map", "--library", str(tmp_path / "lib"), "--json"]) == 0
    out, err = capsys.readouterr()
    rows = json.loads(out)
    assert len(rows) == 50 and set(rows[0]) == {"path", "x", "y", "cluster"}
    assert "map: laying out" in err  # progress on stderr
    assert main(["map", "--library", str(tmp_path / "lib"), "--kind", "video", "--json"]) == 0
    assert json.loads(capsys.readouterr()[0]) == []
    assert main(["map", "--library", str(tmp_path / "lib")]) == 0
    assert "/m/beach/" in capsys.readouterr()[0]


def test_clusters_are_named_with_words_when_the_space_reads_words(
        library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a CLIP space, each cluster gets the vocabulary word whose sentence lies nearest
    its vectors (the text tower here is a stand-in that puts "a photo of beach" at the beach
    group's centre: the choosing is what is tested, not CLIP)."""
    space = "clip-vit-b-32"
    rng = np.random.default_rng(0)
    centres = {name: np.random.default_rng(zlib.crc32(name.encode())).normal(size=64)
               for name in ("beach", "snow", "forest")}
    with library.store.transaction() as c:
        for name, centre in centres.items():
            for i in range(30):
                fid = library.store.insert_file(c, path=f"/m/IMG_{name}{i}.jpg", kind="image",
                                                size=1, mtime=1.0)
                library.store.put_vector(c, fid, space, space,
                                         centre + 0.5 * rng.normal(size=64))

    class Words:
        def embed_text(self, texts: list[str]) -> np.ndarray:
            out = rng.normal(size=(len(texts), 64)) * 0.01
            for i, t in enumerate(texts):
                word = t.removeprefix("a photo of ")
                if word in centres:
                    out[i] += centres[word]
            return out

    monkeypatch.setattr(library, "embedder", lambda _name: Words())
    m = drive(compute_mod.compute(library, space, CancelToken()))
    assert m is not None
    assert sorted(c.name for c in m.clusters) == ["beach", "forest", "snow"]
    for c in m.clusters:  # each name is its own group's, and the representative one of it
        rep = library.store.file_by_id(c.representative)
        assert rep is not None and c.name in rep.path


def test_what_the_review_found(library: Library) -> None:
    """A space whose labels lie far apart, a file with two new labels in one space, a map laid
    out from a few items, damaged map files."""
    fill(library, {"early": 5}, dim=32, kind="audio")
    fill(library, {"photos": 200})
    fill(library, {"late": 5}, dim=32, kind="audio", start=5)
    labels = library.store.sample_labels("sounds-voices", 100)
    assert len(labels) == 10  # this space's own labels only
    rows = drive(plane(library, "audio", CancelToken()))
    assert len(rows) == 10

    # a map laid out from 3 items is laid out again once it has grown well past them
    tiny_lib = Library(library.folder.parent / "tiny")
    fill(tiny_lib, {"a": 3})
    drive(plane(tiny_lib, None, CancelToken()))
    fill(tiny_lib, {"a": 30, "b": 30}, start=3)
    steps: list = []
    m = drive(current(tiny_lib, SPACE, CancelToken()), steps.append)
    assert m is not None and len(m) == 63 and len(m.marks) == 63
    assert any(p.message == "laying out" for p in steps)

    # one new file with two labels in the space: one point
    with tiny_lib.store.transaction() as c:
        fid = tiny_lib.store.insert_file(c, path="/m/a/two.jpg", kind="image", size=1,
                                         mtime=1.0)
        for model in (SPACE, f"frames:{SPACE}"):
            tiny_lib.store.put_vector(c, fid, model, SPACE, np.ones(64, np.float32))
    m = drive(current(tiny_lib, SPACE, CancelToken()))
    assert m is not None and list(m.file_ids).count(fid) == 1

    # damaged files: the map is made again
    folder = tiny_lib.folder / "maps"
    (folder / f"{SPACE}.npz").write_bytes(b"PK\x03\x04 not a zip")
    (folder / f"{SPACE}.partial.npz").write_bytes(b"")
    assert len(drive(plane(tiny_lib, None, CancelToken()))) == 64
    tiny_lib.close()


def test_every_cluster_on_the_grid_has_members() -> None:
    rng = np.random.default_rng(3)
    xy = np.concatenate([rng.normal(size=(2000, 2)), rng.normal(size=(9, 2)) * 0.1 + 40])
    cluster, grid = find_clusters(xy.astype(np.float32))
    used = set(int(c) for c in np.unique(grid.cells)) - {-1}
    members = set(int(c) for c in np.unique(cluster)) - {-1}
    assert used <= members and members == set(range(int(cluster.max()) + 1))


def test_while_a_model_switch_embeds_new_files_are_on_the_map_once(library: Library) -> None:
    fill(library, {"old": 20})
    library.switch_model("image", "efficientnet-lite1")
    assert library.answering_model("image") == SPACE  # the old model answers until done
    with library.store.transaction() as c:  # files added since: only the new model's vector
        for i in range(5):
            fid = library.store.insert_file(c, path=f"/m/new/n{i}.jpg", kind="image", size=1,
                                            mtime=1.0)
            library.store.put_vector(c, fid, "efficientnet-lite1", "efficientnet-lite1",
                                     np.random.default_rng(i).normal(size=48))
        first = library.store.file_by_path("/m/old/old_0.jpg")
        assert first is not None  # and one old file already embedded by both
        library.store.put_vector(c, first.id, "efficientnet-lite1", "efficientnet-lite1",
                                 np.ones(48, np.float32))
    rows = drive(plane(library, None, CancelToken()))
    paths = [r["path"] for r in rows]
    assert len(paths) == 25 and len(set(paths)) == 25
