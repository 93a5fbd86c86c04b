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
    assert "19 sent to" in r.stderr and json.loads(r.stdout)["embedded"] == 19
    cat = str(photo_dir / "chelsea.jpg")
    here = json.loads(mb("similar", cat, "-k", "5", "--library", lib_a, "--json").stdout)[cat]
    # machine B: a library of its own that keeps only the address of the shared vectors
    r = mb("index", "--vectors", str(shared), "--library", lib_b, "--json")
    assert r.returncode == 0, r.stderr
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
    # B takes the vectors into its own store, without computing any
    r = mb("vectors", "export", "--to", "embedded", "--library", lib_b, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"to": "embedded", "vectors": 18, "new_files": 18}
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
