"""Issue 26 against the real engine (Milvus Lite, from PyPI): vectors sent to Milvus by
`index --vectors`, found from another library (another machine) sharing them, moved back
without computing; bad addresses named."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import mb


def test_a_library_shared_through_milvus_lite(photo_dir: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared.db"
    lib_a, lib_b = str(tmp_path / "lib_a"), str(tmp_path / "lib_b")
    r = mb("index", str(photo_dir), "--vectors", str(shared), "--library", lib_a, "--json")
    assert r.returncode == 0, r.stderr
    assert "19 vectors sent to" in r.stderr and json.loads(r.stdout)["embedded"] == 19
    cat = str(photo_dir / "chelsea.jpg")
    here = json.loads(mb("similar", cat, "-k", "5", "--library", lib_a, "--json").stdout)[cat]
    # machine B: a library of its own that keeps only the address of the shared vectors
    r = mb("index", "--vectors", str(shared), "--library", lib_b, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["taken"] == 19  # the items A indexed are in B's store too
    r = mb("similar", cat, "-k", "5", "--library", lib_b, "--json")
    assert r.returncode == 0, r.stderr
    there = json.loads(r.stdout)[cat]
    assert [x["path"] for x in there] == [x["path"] for x in here]  # found from B
    assert all(abs(a["cosine"] - b["cosine"]) < 2e-3 for a, b in zip(here, there, strict=True))
    r = mb("similar", cat, "--type", "png", "--library", lib_b, "--json")
    assert [Path(x["path"]).name for x in json.loads(r.stdout)[cat]] == ["rocket_cropped.png"]
    # several examples, less like one, answered from the shared vectors as from A's own
    coffee, copy = str(photo_dir / "coffee.jpg"), str(photo_dir / "copies" / "chelsea_resized.jpg")
    ask = ["similar", cat, coffee, "--not", copy, "-k", "4", "--json"]
    on_a = json.loads(mb(*ask, "--library", lib_a).stdout)[cat]
    on_b = json.loads(mb(*ask, "--library", lib_b).stdout)[cat]
    assert [x["path"] for x in on_b] == [x["path"] for x in on_a]
    assert not {cat, coffee, copy} & {x["path"] for x in on_b}
    # a file removed and indexed again on A leaves the shared vectors too
    (photo_dir / "copies" / "chelsea_resized.jpg").unlink()
    r = mb("index", str(photo_dir), "--library", lib_a)
    assert r.returncode == 0 and "1 removed there" in r.stderr
    first = json.loads(mb("similar", cat, "-k", "1", "--library", lib_b, "--json").stdout)[cat]
    assert Path(first[0]["path"]).name != "chelsea_resized.jpg"
    # B moves off Milvus into its own store, without computing any (the removal followed)
    r = mb("vectors", "export", "--to", "embedded", "--library", lib_b, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"to": "embedded", "vectors": 18, "new_files": 0}
    status = json.loads(mb("status", "--library", lib_b, "--json").stdout)
    assert sum(status["vectors"].values()) == 18
    local = json.loads(mb("similar", cat, "-k", "3", "--library", lib_b, "--json").stdout)[cat]
    still = [x["path"] for x in there if not x["path"].endswith("chelsea_resized.jpg")]
    assert [x["path"] for x in local] == still[:3]  # the same answers from its own store


def test_bad_vector_addresses_are_named(photo_dir: Path, tmp_path: Path) -> None:
    lib = str(tmp_path / "lib")
    r = mb("index", str(photo_dir), "--vectors", "http://nowhere", "--library", lib)
    assert r.returncode == 2 and "milvus://HOST:PORT" in r.stderr
    r = mb("index", str(photo_dir), "--vectors", "milvus://127.0.0.1:1", "--library", lib)
    assert r.returncode == 1 and "cannot reach the Milvus server at 127.0.0.1:1" in r.stderr
    assert not (tmp_path / "lib" / "config.json").exists() or "milvus" not in (
        tmp_path / "lib" / "config.json").read_text()  # nothing kept
    r = mb("index", "--library", lib)
    assert r.returncode == 2 and "needs a PATH" in r.stderr


def test_an_embedded_library_moves_to_milvus_without_computing(photo_dir: Path,
                                                                tmp_path: Path) -> None:
    lib = str(tmp_path / "lib")
    assert mb("index", str(photo_dir), "--library", lib).returncode == 0
    db = str(tmp_path / "moved.db")
    r = mb("vectors", "export", "--to", db, "--library", lib, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"to": db, "vectors": 19}
    assert json.loads((tmp_path / "lib" / "config.json").read_text())["vectors"] == db
    r = mb("index", str(photo_dir), "--library", lib)  # nothing changed: nothing sent
    assert r.returncode == 0 and "sent to" not in r.stderr
    cat = str(photo_dir / "chelsea.jpg")
    r = mb("similar", cat, "-k", "1", "--library", lib, "--json")
    assert Path(json.loads(r.stdout)[cat][0]["path"]).name == "chelsea_resized.jpg"
    r = mb("vectors", "export", "--to", "nowhere:1", "--library", lib)
    assert r.returncode == 2 and "cannot read the vectors address" in r.stderr


def _sync(lib: str) -> dict[str, int]:
    r = mb("vectors", "sync", "--library", lib, "--json")
    assert r.returncode == 0, r.stderr
    return dict(json.loads(r.stdout))


def _files(lib: str) -> int:
    return sum(json.loads(mb("status", "--library", lib, "--json").stdout)["vectors"].values())


def test_two_machines_follow_one_shared_library(photo_dir: Path, tmp_path: Path,
                                                shared_uri: str) -> None:
    from PIL import Image

    shared, lib_a, lib_b = shared_uri, str(tmp_path / "a"), str(tmp_path / "b")
    assert mb("index", str(photo_dir), "--vectors", shared, "--library", lib_a).returncode == 0
    r = mb("vectors", "sync", "--library", lib_b)
    assert r.returncode == 2 and "index --vectors URI" in r.stderr  # B is not shared yet
    r = mb("index", "--vectors", shared, "--library", lib_b, "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["taken"] == 19 and _files(lib_b) == 19
    # B indexing the same shared folder knows every file by its content: nothing embedded
    r = mb("index", str(photo_dir), "--library", lib_b, "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["embedded"] == 0, r.stderr
    assert "sent" not in r.stderr  # and nothing A sent goes back
    # B's own new file reaches A; nothing bounces back and forth
    own = tmp_path / "b_media"
    own.mkdir()
    with Image.open(photo_dir / "coffee.jpg") as im:
        im.transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(own / "mug.jpg")
    r = mb("index", str(own), "--library", lib_b)
    assert r.returncode == 0 and "1 vectors sent" in r.stderr, r.stderr
    got = _sync(lib_a)
    assert (got["sent"], got["taken"], got["new_files"]) == (0, 1, 1) and _files(lib_a) == 20
    assert _sync(lib_b)["sent"] == 0 and _sync(lib_a)["taken"] == 0
    # a file deleted on A leaves B too; B's own file stays
    (photo_dir / "coffee.jpg").unlink()
    assert "1 removed there" in mb("index", str(photo_dir), "--library", lib_a).stderr
    got = _sync(lib_b)
    assert got["removed"] == 1 and _files(lib_b) == 19
    r = mb("similar", str(own / "mug.jpg"), "-k", "3", "--library", lib_a, "--json")
    assert r.returncode == 0 and "coffee.jpg" not in r.stdout


def test_moves_changes_and_a_library_out_of_date(photo_dir: Path, tmp_path: Path,
                                                 shared_uri: str) -> None:
    from PIL import Image

    from mediabrowser.core.index.milvus import MilvusVectors, VectorsUri, row_key

    shared, lib_a, lib_b = shared_uri, str(tmp_path / "a"), str(tmp_path / "b")
    assert mb("index", str(photo_dir), "--vectors", shared, "--library", lib_a).returncode == 0
    assert mb("index", "--vectors", shared, "--library", lib_b).returncode == 0
    # A renames a file: its row under the old name goes, on B too
    moved = photo_dir / "copies" / "coins_moved.jpg"
    (photo_dir / "coins.jpg").rename(moved)
    r = mb("index", str(photo_dir), "--library", lib_a)
    assert "1 vectors sent" in r.stderr and "1 removed there" in r.stderr, r.stderr
    got = _sync(lib_b)
    assert (got["taken"], got["removed"]) == (1, 1) and _files(lib_b) == 19
    r = mb("similar", str(moved), "-k", "3", "--library", lib_a, "--json")
    assert "coins.jpg" not in r.stdout and _sync(lib_a)["taken"] == 0  # no ghost comes back
    # A changes a file: B takes the file's new facts with its vector, and embeds nothing
    gravel = photo_dir / "gravel.jpg"
    with Image.open(gravel) as im:
        im.resize((96, 96)).save(gravel)
    assert mb("index", str(photo_dir), "--library", lib_a).returncode == 0
    assert _sync(lib_b)["taken"] == 1
    r = mb("index", str(photo_dir), "--library", lib_b, "--json")
    assert json.loads(r.stdout)["embedded"] == 0 and "sent" not in r.stderr, r.stderr
    # B leaves; A changes and removes files; B, out of date, sends all back: A's rows stay
    assert mb("vectors", "export", "--to", "embedded", "--library", lib_b).returncode == 0
    with Image.open(gravel) as im:
        im.resize((48, 48)).save(gravel)
    (photo_dir / "horse.jpg").unlink()
    assert "1 removed there" in mb("index", str(photo_dir), "--library", lib_a).stderr
    r = mb("vectors", "export", "--to", shared, "--library", lib_b)
    assert r.returncode == 0 and "2 rows there are newer" in r.stderr, r.stderr
    mv = MilvusVectors(VectorsUri.parse(shared))
    try:
        space = next(iter(mv.spaces()))
        assert not mv.rows_by_keys(space, [row_key(str(photo_dir / "horse.jpg"), 0)])
        row = mv.rows_by_keys(space, [row_key(str(gravel), 0)])[0]
        assert row["size"] == gravel.stat().st_size  # A's, not B's older one
    finally:
        mv.close()


def test_unusable_stores_are_refused_before_anything_is_kept(photo_dir: Path,
                                                             tmp_path: Path) -> None:
    lib = str(tmp_path / "lib")
    assert mb("index", str(photo_dir), "--library", lib).returncode == 0
    (tmp_path / "a_file.db").write_text("not milvus")
    (tmp_path / "other.db").mkdir()
    (tmp_path / "other.db" / "notes.txt").write_text("mine")
    for where, says in ((str(tmp_path / "a_file.db"), "is a file, not Milvus Lite data"),
                        (str(tmp_path / "other.db"), "does not hold Milvus Lite data")):
        r = mb("index", "--vectors", where, "--library", lib)
        assert r.returncode == 1 and says in r.stderr, r.stderr
    assert mb("vectors", "export", "--to", " ", "--library", lib).returncode == 2
    assert mb("index", "--vectors", "", "--library", lib).returncode == 2
    # a store holding another model's vectors (8-d): refused, and not kept in the settings
    from mediabrowser.core.index.milvus import MilvusVectors, VectorsUri

    other = str(tmp_path / "other_model.db")
    mv = MilvusVectors(VectorsUri.parse(other))
    mv.open_space(next(iter(json.loads(mb("status", "--library", lib, "--json").stdout)[
        "vectors"])), "some-8d-model", 8)
    mv.close()
    r = mb("index", "--vectors", other, "--library", lib)
    assert r.returncode == 1 and "holds 8-d vectors" in r.stderr and "another database" in \
        r.stderr, r.stderr
    config = tmp_path / "lib" / "config.json"
    assert not config.exists() or not json.loads(config.read_text()).get("vectors")
    assert (tmp_path / "other.db" / "notes.txt").read_text() == "mine"  # left alone
