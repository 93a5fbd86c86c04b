"""Issue 26: indexing as a Ray Data job on a local Ray (started for the run): the same vectors
as a plain run, progress like a plain run, and a cluster that cannot be joined named."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np

from tests.cli.test_cli import mb


def vectors(lib: Path) -> dict[str, np.ndarray]:
    con = sqlite3.connect(lib / "library.db")
    try:
        rows = con.execute("SELECT f.path, v.vector FROM vectors v JOIN files f ON "
                           "f.id = v.file_id WHERE v.segment = 0").fetchall()
    finally:
        con.close()
    return {p: np.frombuffer(b, np.float16).astype(np.float32) for p, b in rows}


def test_a_ray_job_makes_the_plain_runs_vectors(photo_dir: Path, tmp_path: Path) -> None:
    (photo_dir / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 50)
    plain, on_ray = tmp_path / "plain", tmp_path / "ray"
    r = mb("index", str(photo_dir), "--library", str(plain), "--json")
    assert r.returncode == 0, r.stderr
    marks = tmp_path / "marks"
    marks.mkdir()
    # the worker embedding the first batch dies as a lost node's would: Ray runs it again
    r = mb("index", str(photo_dir), "--ray", "--library", str(on_ray), "--json",
           timeout=600, env={"MEDIABROWSER_RAY_TEST_CRASH": f"{marks}:once"})
    assert r.returncode == 0, r.stderr
    assert (marks / "first-batch").exists()
    report = json.loads(r.stdout)
    assert report["embedded"] == 19 and report["engine"] == "Ray"
    assert [Path(p["path"]).name for p in report["problems"]] == ["broken.jpg"]
    a, b = vectors(plain), vectors(on_ray)
    assert set(a) == set(b) and len(a) == 19
    worst = max(float(np.abs(a[p] - b[p]).max()) for p in a)
    assert worst < 2e-3, worst  # float16 as stored: the same vectors
    # run again: nothing left to embed (what a dead driver had written is kept); a path
    # right after --ray is the path, not a cluster's address
    r = mb("index", "--ray", str(photo_dir), "--library", str(on_ray), "--json", timeout=600)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["embedded"] == 0 and json.loads(r.stdout)["scanned"] == 20


def test_a_cluster_that_cannot_be_joined_is_named(photo_dir: Path, tmp_path: Path) -> None:
    r = mb("index", str(photo_dir), "--ray", "127.0.0.1:1", "--library", str(tmp_path / "l"),
           timeout=300)
    assert r.returncode == 1 and "cannot join the Ray cluster at 127.0.0.1:1" in r.stderr
    assert "nothing was indexed" in r.stderr



def test_workers_that_keep_dying_stop_the_job_and_the_next_run_goes_on(
        photo_dir: Path, tmp_path: Path) -> None:
    lib, marks = tmp_path / "lib", tmp_path / "marks"
    marks.mkdir()
    r = mb("index", str(photo_dir), "--ray", "--library", str(lib), timeout=600,
           env={"MEDIABROWSER_RAY_TEST_CRASH": f"{marks}:after-first",
                "MEDIABROWSER_RAY_ACTORS": "1"})
    assert r.returncode == 1, r.stderr
    assert "the Ray job stopped" in r.stderr and "run the same command again" in r.stderr
    kept = len(vectors(lib))  # what arrived before Ray gave up (its first batch, or none)
    assert kept < 19
    r = mb("index", str(photo_dir), "--ray", "--library", str(lib), "--json", timeout=600)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["embedded"] == 19 - kept and len(vectors(lib)) == 19
