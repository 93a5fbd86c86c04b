"""The command-line contract (shared/DESIGN.md), run as a user runs it: in a subprocess."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import textured

LITE0 = "efficientnet-lite0"


def mb(*args: str, env: dict[str, str] | None = None, timeout: float = 300
       ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mediabrowser", *args], capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})})


def test_index_then_similar_json_contract(photo_dir: Path, tmp_path: Path) -> None:
    lib = str(tmp_path / "lib")
    (photo_dir / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 50)
    r = mb("index", str(photo_dir), "--library", lib, "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["embedded"] == 19 and report["scanned"] == 20
    assert [Path(p["path"]).name for p in report["problems"]] == ["broken.jpg"]
    assert r.stderr == ""  # piped: no progress bar

    outside = tmp_path / "outside.png"
    Image.open(photo_dir / "coffee.jpg").resize((200, 133)).save(outside)
    q1 = str(photo_dir / "chelsea.jpg")
    r = mb("similar", q1, str(outside), "--library", lib, "-k", "3", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert list(out) == [q1, str(outside)]
    first = out[q1]
    assert len(first) == 3 and {"path", "score", "kind"} <= set(first[0])
    assert [x["score"] for x in first] == sorted((x["score"] for x in first), reverse=True)
    assert Path(first[0]["path"]).name == "chelsea_resized.jpg" and q1 not in [
        x["path"] for x in first]
    assert Path(out[str(outside)][0]["path"]).name in ("coffee.jpg", "coffee_recompressed.jpg")
    status = json.loads(mb("status", "--library", lib, "--json").stdout)
    assert sum(status["files"]["image"].values()) == 20  # the outside file was not added

    r = mb("similar", q1, "--library", lib, "--kind", "audio", "--json")
    assert r.returncode == 0 and json.loads(r.stdout) == {q1: []}
    r = mb("similar", str(tmp_path / "nope.jpg"), "--library", lib, "--json")
    assert r.returncode == 1 and "file not found" in r.stderr


def test_human_output_lists_each_problem_with_its_reason(tmp_path: Path) -> None:
    media = tmp_path / "m"
    media.mkdir()
    textured((200, 50, 50)).save(media / "ok.jpg")
    (media / "empty.png").write_bytes(b"")
    r = mb("index", str(media), "--library", str(tmp_path / "lib"))
    assert r.returncode == 0
    assert "1 file could not be used" in r.stdout
    assert f"{media / 'empty.png'}: empty file (0 bytes)" in r.stdout


def test_models_json_lists_the_registry() -> None:
    r = mb("models", "--json")
    rows = {m["name"]: m for m in json.loads(r.stdout)}
    assert rows["efficientnet-lite0"]["available"] is True
    assert rows["efficientnet-lite0"]["dim"] == 1280
    assert rows["resnet50"]["available"] is False and "resnet50-11ad3fa6.pth" in rows[
        "resnet50"]["reason"]
    assert {"name", "modality", "dim", "available", "licence"} <= set(rows["mfcc"])


def test_library_from_environment_variable(tmp_path: Path) -> None:
    media = tmp_path / "m"
    media.mkdir()
    textured((20, 50, 200)).save(media / "blue.jpg")
    r = mb("index", str(media), env={"MEDIABROWSER_LIBRARY": str(tmp_path / "envlib")})
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "envlib" / "library.db").exists()


def test_second_indexer_on_the_same_library_is_refused(tmp_path: Path) -> None:
    from mediabrowser.core.library import Library

    lib = Library(tmp_path / "lib")
    lib.lock_for_writing()
    try:
        r = mb("index", str(tmp_path), "--library", str(tmp_path / "lib"))
        assert r.returncode == 3 and "being indexed by another mediabrowser process" in r.stderr
    finally:
        lib.close()


@pytest.mark.slow
def test_sigkill_mid_index_then_rerun_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    media = tmp_path / "many"
    media.mkdir()
    n = 80
    for i in range(n):
        textured((i * 3 % 256, 255 - i * 3 % 256, (i * 40) % 256), size=(640, 480),
                 seed=i).save(media / f"img{i:03d}.jpg", quality=90)
    lib = tmp_path / "lib"
    proc = subprocess.Popen([sys.executable, "-m", "mediabrowser", "index", str(media),
                             "--library", str(lib)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    db = lib / "library.db"
    deadline = time.monotonic() + 240
    count = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if db.exists():
            try:
                with sqlite3.connect(db, timeout=5) as c:
                    count = c.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]
            except sqlite3.OperationalError:
                count = 0
            if count >= 16:
                break
        time.sleep(0.05)
    assert proc.poll() is None, "indexing finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 0 < count < n

    r = mb("index", str(media), "--library", str(lib), "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    with sqlite3.connect(db) as c:
        files = c.execute("SELECT COUNT(*), COUNT(DISTINCT path) FROM files").fetchone()
        vecs = c.execute("SELECT COUNT(*), COUNT(DISTINCT file_id) FROM vectors").fetchone()
    assert files == (n, n) and vecs == (n, n)
    assert report["embedded"] <= n - count  # only what the killed run had not stored
    from mediabrowser.core.library import Library

    with Library(lib) as again:
        idx = again.indexes.get("efficientnet-lite0")
        assert idx is not None and again.indexes.live_files(LITE0) == \
            again.store.space_file_ids(LITE0)
        assert len(idx) == n


def test_models_import_use_and_remove_from_the_command_line(tmp_path: Path) -> None:
    import torch
    from torchvision.models import resnet18

    env = {"MEDIABROWSER_MODELS": str(tmp_path / "models")}
    weights = tmp_path / "mine.pth"
    torch.save(resnet18().state_dict(), weights)
    r = mb("models", "import", "resnet18", str(weights), env=env)
    assert r.returncode == 1 and "not the published resnet18 weights" in r.stderr
    r = mb("models", "import", "resnet18", str(weights), "--skip-checksum", env=env)
    assert r.returncode == 0 and "resnet18 is ready" in r.stdout
    rows = {m["name"]: m for m in json.loads(mb("models", "--json", env=env).stdout)}
    assert rows["resnet18"]["state"] == "ready" and rows["frames:resnet18"]["available"]
    lib = str(tmp_path / "lib")
    r = mb("models", "use", "resnet18", "--library", lib, env=env)
    assert r.returncode == 0
    status = json.loads(mb("status", "--library", lib, "--json", env=env).stdout)
    assert status["models"]["image"] == "resnet18"
    r = mb("models", "remove", "resnet18", env=env)
    assert "removed the weights of resnet18" in r.stdout
    assert json.loads(mb("models", "--json", env=env).stdout)[0]["state"] in ("ready",
                                                                               "weights missing")


def test_text_search_without_clip_says_why(tmp_path: Path) -> None:
    r = mb("search", "a dog on a beach", "--library", str(tmp_path / "lib"), "--json")
    assert r.returncode == 1 and "text search needs a CLIP image model" in r.stderr
    r = mb("search", "a dog barking", "--kind", "audio", "--library", str(tmp_path / "lib"),
           "--json")
    assert r.returncode == 1 and "searching sounds by words needs a CLAP sound model" in r.stderr


def test_download_when_offline_names_the_file_and_the_import_route(tmp_path: Path) -> None:
    r = mb("models", "download", "resnet18", "--url", "http://127.0.0.1:9/resnet18.pth",
           env={"MEDIABROWSER_MODELS": str(tmp_path / "models")})
    assert r.returncode == 1
    assert "127.0.0.1:9 refused the connection" in r.stderr
    assert "mediabrowser models import resnet18 FILE" in r.stderr


def test_smoke_test_passes_from_the_checkout() -> None:
    r = mb("--smoke-test", env={"QT_QPA_PLATFORM": "offscreen"})
    assert r.returncode == 0, r.stderr
    assert "smoke test: OK" in r.stdout and "chelsea_crop.jpg" in r.stdout


def test_several_examples_less_like_others_and_a_folder(photo_dir: Path, tmp_path: Path
                                                        ) -> None:
    """`similar A B --not C --in DIR`: one query from several examples, turned away from the
    --not ones, with results only under DIR."""
    lib = str(tmp_path / "lib")
    assert mb("index", str(photo_dir), "--library", lib).returncode == 0
    cat, coffee = str(photo_dir / "chelsea.jpg"), str(photo_dir / "coffee.jpg")
    copies = photo_dir / "copies"
    r = mb("similar", cat, coffee, "--library", lib, "-k", "20", "--json")
    alone = json.loads(r.stdout)[cat]
    cat_copy = str(copies / "chelsea_resized.jpg")
    assert alone[0]["path"] == cat_copy  # the cat's copy is the nearest, alone
    r = mb("similar", cat, coffee, "--not", cat_copy, "--library", lib, "-k", "5", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert list(out) == [cat, coffee] and out[cat] == out[coffee]  # one query, each key
    paths = [x["path"] for x in out[cat]]
    assert cat_copy not in paths and cat not in paths and coffee not in paths
    assert Path(paths[0]).name == "coffee_recompressed.jpg"  # turned towards the coffee
    # --in: only results under the folder, as many as asked when there are
    r = mb("similar", cat, "--in", str(copies), "--library", lib, "-k", "2", "--json")
    inside = json.loads(r.stdout)[cat]
    assert len(inside) == 2 and all(x["path"].startswith(str(copies) + os.sep) for x in inside)
    r = mb("similar", cat, coffee, "--not", str(photo_dir / "moon.jpg"), "--in", str(copies),
           "--library", lib, "-k", "10", "--json")
    both = json.loads(r.stdout)[cat]
    assert 1 <= len(both) <= 3 and all(str(copies) in x["path"] for x in both)
    r = mb("similar", cat, "--not", str(tmp_path / "missing.jpg"), "--library", lib, "--json")
    assert r.returncode == 1 and "missing.jpg" in r.stderr and json.loads(r.stdout) == {cat: []}


def test_filters_words_and_weights_on_the_command_line(photo_dir: Path, photos: Path,
                                                       tmp_path: Path) -> None:
    """Issue 25: `similar` with filters (each named in --help), weights and words; bad
    values are named with what to write instead."""
    from tests.core.test_filters import exif_photo

    lib = str(tmp_path / "lib")
    dated = photo_dir / "dated"
    dated.mkdir()
    for year in (2012, 2021):
        exif_photo(photos / "chelsea.jpg", dated / f"cat_{year}.jpg", f"{year}:05:01 10:00:00",
                   "Apple", "iPhone 6" if year == 2012 else "iPhone 13")
    assert mb("index", str(photo_dir), "--library", lib).returncode == 0
    cat = str(photo_dir / "chelsea.jpg")
    r = mb("similar", cat, "--before", "2015", "--library", lib, "--json")
    assert r.returncode == 0, r.stderr
    assert [Path(x["path"]).name for x in json.loads(r.stdout)[cat]] == ["cat_2012.jpg"]
    r = mb("similar", cat, "--camera", "IPHONE", "--type", "jpg", "--after", "2020",
           "--before", "2022", "--library", lib, "--json")
    assert [Path(x["path"]).name for x in json.loads(r.stdout)[cat]] == ["cat_2021.jpg"]
    r = mb("similar", cat, "--type", "png", "--library", lib, "--json")
    assert {Path(x["path"]).name for x in json.loads(r.stdout)[cat]} == {"rocket_cropped.png"}
    for opt, value, says in (("--after", "yesterday", "YYYY-MM-DD"),
                             ("--min-size", "huge", "2.5MB"),
                             ("--orientation", "diagonal", "landscape, portrait or square")):
        r = mb("similar", cat, opt, value, "--library", lib, "--json")
        assert r.returncode == 2 and says in r.stderr and r.stdout == ""
    # a weight makes one query of all examples; every example given maps to it
    coffee = str(photo_dir / "coffee.jpg")
    r = mb("similar", f"3:{cat}", coffee, "--library", lib, "-k", "4", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert list(out) == [f"3:{cat}", coffee] and out[f"3:{cat}"] == out[coffee]
    assert cat not in [x["path"] for x in out[coffee]]
    leaning = [Path(x["path"]).name for x in out[coffee]]
    assert leaning[0] in ("chelsea_resized.jpg", "cat_2012.jpg", "cat_2021.jpg")
    r = mb("similar", f"0:{cat}", "--library", lib, "--json")
    assert r.returncode == 2 and "weight" in r.stderr
    # words need a model that reads them; this library's (EfficientNet) does not
    r = mb("similar", cat, "--text", "a cat", "--library", lib, "--json")
    assert r.returncode == 1 and "CLIP" in r.stderr
    assert json.loads(r.stdout) == {cat: [], "a cat": []}
    r = mb("similar", "--library", lib, "--json")
    assert r.returncode == 2 and "--text" in r.stderr
    helped = mb("similar", "--help").stdout
    for opt in ("--in", "--after", "--before", "--min-size", "--max-size", "--min-width",
                "--orientation", "--min-duration", "--camera", "--type", "--text", "--not"):
        assert opt in helped


def test_collections_saved_listed_exported_and_deleted(photo_dir: Path, tmp_path: Path
                                                       ) -> None:
    """Issue 25, point 4: `similar --save NAME` keeps the results; `collections` lists,
    shows, exports (CSV, JSON, M3U, text) and deletes them; a removed file leaves them."""
    import csv

    lib = str(tmp_path / "lib")
    assert mb("index", str(photo_dir), "--library", lib).returncode == 0
    cat = str(photo_dir / "chelsea.jpg")
    r = mb("similar", cat, "-k", "4", "--save", "  Cats  and co ", "--library", lib, "--json")
    assert r.returncode == 0 and "saved 4 results as “Cats and co”" in r.stderr
    results = json.loads(r.stdout)[cat]
    listed = json.loads(mb("collections", "--library", lib, "--json").stdout)
    assert [(c["name"], c["items"]) for c in listed] == [("Cats and co", 4)]
    assert cat in listed[0]["query"]
    shown = json.loads(mb("collections", "show", "Cats and co", "--library", lib,
                          "--json").stdout)
    assert [x["path"] for x in shown] == [x["path"] for x in results]
    assert [x["score"] for x in shown] == [x["score"] for x in results]
    for suffix in ("csv", "json", "m3u", "txt"):
        target = tmp_path / f"out.{suffix}"
        r = mb("collections", "export", "Cats and co", str(target), "--library", lib)
        assert r.returncode == 0, r.stderr
        text = target.read_text()
        assert all(x["path"] in text for x in results)
    assert target.read_text().splitlines() == [x["path"] for x in results]
    assert (tmp_path / "out.m3u").read_text().startswith("#EXTM3U\n#EXTINF:")
    with open(tmp_path / "out.csv", newline="") as f:
        head = next(csv.reader(f))
    assert head[:3] == ["path", "kind", "score"]
    # saving again under the name replaces it; a file removed from disk leaves it
    Path(results[0]["path"]).unlink()
    assert mb("index", str(photo_dir), "--library", lib).returncode == 0
    after = json.loads(mb("collections", "show", "Cats and co", "--library", lib,
                          "--json").stdout)
    assert [x["path"] for x in after] == [x["path"] for x in results[1:]]
    r = mb("collections", "show", "Dogs", "--library", lib)
    assert r.returncode == 1 and "no collection named “Dogs” (collections: Cats and co)" \
        in r.stderr
    r = mb("similar", cat, "--save", "  ", "--library", lib, "--json")
    assert r.returncode == 2 and "needs a name" in r.stderr and r.stdout == ""  # before searching
    assert mb("collections", "delete", "Cats and co", "--library", lib).returncode == 0
    assert json.loads(mb("collections", "--library", lib, "--json").stdout) == []


def test_links_repeated_nots_and_folders_that_are_not_there(photo_dir: Path, tmp_path: Path
                                                            ) -> None:
    """Found by a review: a second --not dropped the first; the query came back as a result
    through a link to its folder, and --in through a link found nothing; --in a missing
    folder or a file answered an empty list."""
    lib = str(tmp_path / "lib")
    link = tmp_path / "link"
    link.symlink_to(photo_dir)
    assert mb("index", str(link), "--library", lib).returncode == 0
    real_cat = str(photo_dir / "chelsea.jpg")
    r = mb("similar", real_cat, "--library", lib, "-k", "30", "--json")
    paths = [x["path"] for x in json.loads(r.stdout)[real_cat]]
    assert str(link / "chelsea.jpg") not in paths and paths  # not the query itself
    r = mb("similar", real_cat, "--in", str(photo_dir / "copies"), "--library", lib, "--json")
    inside = [Path(x["path"]).name for x in json.loads(r.stdout)[real_cat]]
    assert inside and inside[0] == "chelsea_resized.jpg"  # --in the real folder of the link
    cat, coffee = str(link / "chelsea.jpg"), str(link / "coffee.jpg")
    copy = str(link / "copies" / "chelsea_resized.jpg")
    other = str(link / "copies" / "coffee_recompressed.jpg")
    r = mb("similar", cat, coffee, "--not", copy, "--not", other, "--library", lib, "-k", "30",
           "--json")
    paths = [x["path"] for x in json.loads(r.stdout)[cat]]
    assert copy not in paths and other not in paths  # both --not, not the last one only
    for where, says in ((tmp_path / "nope", "no such folder"), (link / "moon.jpg", "a file")):
        r = mb("similar", cat, "--in", str(where), "--library", lib, "--json")
        assert r.returncode == 2 and says in r.stderr
