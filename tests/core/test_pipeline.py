from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mediabrowser.core.jobs.pipeline import IndexReport, index_job, index_paths
from mediabrowser.core.library import Library, LibraryBusy
from mediabrowser.core.search import find_similar
from mediabrowser.core.types import CancelToken

LITE0 = "efficientnet-lite0"


def _names(matches: list) -> list[str]:  # type: ignore[type-arg]
    return [Path(m.item.path).name for m in matches]


def test_near_duplicates_rank_first_among_distractors(library: Library, photo_dir: Path) -> None:
    report = index_paths(library, [photo_dir])
    assert report.embedded == report.scanned == 19 and not report.problems
    for original, copy in (("chelsea.jpg", "chelsea_resized.jpg"),
                           ("coffee.jpg", "coffee_recompressed.jpg"),
                           ("rocket.jpg", "rocket_cropped.png")):
        res = find_similar(library, photo_dir / original, k=5)
        assert _names(res)[0] == copy, (original, _names(res))
        assert res[0].score > 0.85 and res[0].score > res[1].score + 0.2
        assert original not in _names(res)  # the query itself is excluded
        scores = [m.score for m in res]
        assert scores == sorted(scores, reverse=True)


def test_outside_file_is_embedded_on_the_fly_and_not_added(library: Library, photo_dir: Path,
                                                           tmp_path: Path) -> None:
    index_paths(library, [photo_dir / "copies"])
    outside = tmp_path / "elsewhere.jpg"
    Image.open(photo_dir / "chelsea.jpg").rotate(3).save(outside)
    before = library.store.counts()
    res = find_similar(library, outside, k=2)
    assert _names(res)[0] == "chelsea_resized.jpg"
    assert library.store.counts() == before and library.store.file_by_path(str(outside)) is None


def test_rescan_skips_unchanged_and_reembeds_changed(library: Library, photo_dir: Path) -> None:
    index_paths(library, [photo_dir])
    again = index_paths(library, [photo_dir])
    assert again.embedded == 0 and again.unchanged == 19 and again.new == 0
    target = photo_dir / "horse.jpg"
    old_vec = library.store.vector(library.store.file_by_path(str(target)).id, "efficientnet-lite0")
    Image.open(photo_dir / "coffee.jpg").save(target)  # same name, new picture
    os.utime(target, (time.time() + 5, time.time() + 5))
    third = index_paths(library, [photo_dir])
    assert third.changed == 1 and third.embedded == 1
    row = library.store.file_by_path(str(target))
    new_vec = library.store.vector(row.id, "efficientnet-lite0")
    assert not np.allclose(old_vec, new_vec)
    assert _names(find_similar(library, photo_dir / "coffee.jpg", k=1)) == ["horse.jpg"]


def test_renamed_file_keeps_its_vectors_and_deleted_file_leaves_results(
        library: Library, photo_dir: Path) -> None:
    index_paths(library, [photo_dir])
    old = library.store.file_by_path(str(photo_dir / "copies" / "chelsea_resized.jpg"))
    vec = library.store.vector(old.id, "efficientnet-lite0")
    moved = photo_dir / "renamed_cat.jpg"
    shutil.move(photo_dir / "copies" / "chelsea_resized.jpg", moved)
    (photo_dir / "coffee.jpg").unlink()
    report = index_paths(library, [photo_dir])
    assert report.moved == 1 and report.embedded == 0 and report.missing == 1
    row = library.store.file_by_path(str(moved))
    assert row.id == old.id
    assert np.array_equal(library.store.vector(row.id, "efficientnet-lite0"), vec)
    assert _names(find_similar(library, photo_dir / "chelsea.jpg", k=1)) == ["renamed_cat.jpg"]
    res = find_similar(library, photo_dir / "copies" / "coffee_recompressed.jpg", k=18)
    assert "coffee.jpg" not in _names(res)
    assert library.store.file_by_path(str(photo_dir / "coffee.jpg")).status == "missing"


def test_identical_copy_reuses_vectors_after_a_full_hash(library: Library, photo_dir: Path
                                                         ) -> None:
    index_paths(library, [photo_dir])
    shutil.copy(photo_dir / "rocket.jpg", photo_dir / "rocket_copy.jpg")
    report = index_paths(library, [photo_dir])
    assert report.new == 1 and report.embedded == 0
    res = find_similar(library, photo_dir / "rocket.jpg", k=1)
    assert _names(res) == ["rocket_copy.jpg"] and res[0].score > 0.999


def test_index_files_deleted_are_rebuilt_from_the_store(library: Library, photo_dir: Path,
                                                        tmp_path: Path) -> None:
    index_paths(library, [photo_dir])
    expected = _names(find_similar(library, photo_dir / "chelsea.jpg", k=3))
    library.close()
    shutil.rmtree(tmp_path / "lib" / "index")
    lib2 = Library(tmp_path / "lib")
    try:
        assert _names(find_similar(lib2, photo_dir / "chelsea.jpg", k=3)) == expected
        assert lib2.indexes.last_open_action["efficientnet-lite0"] == "rebuilt"
    finally:
        lib2.close()


def test_cancel_mid_run_leaves_a_consistent_library_that_resumes(library: Library,
                                                                 photo_dir: Path) -> None:
    library.config.batch_size = 4
    library.lock_for_writing()
    token = CancelToken()
    job = index_job(library, [photo_dir], token)
    report: IndexReport | None = None
    try:
        while True:
            p = next(job)
            if p.stage == "embed" and p.done >= 4:
                token.cancel()
    except StopIteration as stop:
        report = stop.value
    library.unlock()
    assert report is not None and report.cancelled and 4 <= report.embedded < 19
    vectors = library.store.vector_counts()["efficientnet-lite0"]
    assert vectors == report.embedded
    resumed = index_paths(library, [photo_dir])
    assert resumed.embedded == 19 - vectors
    assert library.store.vector_counts()["efficientnet-lite0"] == 19
    assert library.indexes.live_files(LITE0) == library.store.space_file_ids(LITE0)


def test_bad_files_each_get_one_problem_and_the_run_goes_on(library: Library, photo_dir: Path
                                                            ) -> None:
    bad = photo_dir / "bad"
    bad.mkdir()
    (bad / "empty.jpg").write_bytes(b"")
    data = (photo_dir / "coffee.jpg").read_bytes()
    (bad / "truncated.jpg").write_bytes(data[: len(data) // 3])
    (bad / "text.png").write_text("not a picture\n" * 10)
    (bad / "junk.mp4").write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\x01" * 3000)
    (bad / "junk.flac").write_bytes(b"fLaC" + b"\x00" * 500)
    report = index_paths(library, [photo_dir])
    by_name = {Path(p.path).name: p.reason for p in report.problems}
    assert set(by_name) == {"empty.jpg", "truncated.jpg", "text.png", "junk.mp4", "junk.flac"}
    assert len(report.problems) == 5
    assert "empty" in by_name["empty.jpg"] and "truncated" in by_name["truncated.jpg"]
    assert report.embedded == 19
    assert library.store.file_by_path(str(bad / "text.png")).status == "error"
    # A later run does not retry unchanged bad files, but still lists them.
    again = index_paths(library, [photo_dir])
    assert again.embedded == 0 and len(again.problems) == 5


def test_user_media_are_never_written(library: Library, photo_dir: Path) -> None:
    def snapshot() -> dict[Path, tuple[int, bytes]]:
        return {p: (p.stat().st_mtime_ns, p.read_bytes())
                for p in photo_dir.rglob("*") if p.is_file()}

    before = snapshot()
    index_paths(library, [photo_dir])
    assert snapshot() == before


def test_second_writer_is_refused_clearly(library: Library, tmp_path: Path) -> None:
    library.lock_for_writing()
    other = Library(tmp_path / "lib")
    try:
        with pytest.raises(LibraryBusy, match="being indexed by another"):
            other.lock_for_writing(timeout=0.2)
    finally:
        other.close()
        library.unlock()


def test_kind_filter_and_cross_kind_matches(library: Library, photo_dir: Path) -> None:
    from mediabrowser import mediamaker

    vids = photo_dir / "vids"
    vids.mkdir()
    mediamaker.video_from_photo(photo_dir / "chelsea.jpg", vids / "cat.mp4", seconds=2)
    mediamaker.video_from_photo(photo_dir / "rocket.jpg", vids / "launch.mp4", seconds=2)
    index_paths(library, [photo_dir])
    res = find_similar(library, photo_dir / "chelsea.jpg", k=5, kind="video")
    assert _names(res) == ["cat.mp4", "launch.mp4"]
    res = find_similar(library, vids / "launch.mp4", k=3, kind="image")
    assert _names(res)[0] in ("rocket.jpg", "rocket_cropped.png")
    assert {m.item.kind.value for m in res} == {"image"}


def test_vector_changed_after_the_last_index_save_is_not_served_stale(
        library: Library, photo_dir: Path, tmp_path: Path) -> None:
    """As after a kill between storing a re-embedded file's vector and the next index save."""
    index_paths(library, [photo_dir])
    row = library.store.file_by_path(str(photo_dir / "horse.jpg"))
    coffee = library.store.file_by_path(str(photo_dir / "coffee.jpg"))
    new_vec = library.store.vector(coffee.id, "efficientnet-lite0")
    time.sleep(1.1)  # later than the saved generation's timestamp
    with library.store.transaction() as c:
        library.store.put_vector(c, row.id, "efficientnet-lite0", "efficientnet-lite0", new_vec)
    library.close()
    lib2 = Library(tmp_path / "lib")
    try:
        res = find_similar(lib2, photo_dir / "coffee.jpg", k=1)
        # The fresh vector answers (its cosine); the pixels are not coffee's, so "same" it is not.
        assert _names(res) == ["horse.jpg"] and res[0].cosine and res[0].cosine > 0.999
        assert res[0].score < 0.9
    finally:
        lib2.close()


def test_folder_removed_then_added_again_comes_back(library: Library, photo_dir: Path) -> None:
    index_paths(library, [photo_dir / "copies"])
    library.remove_root(str(photo_dir / "copies"))
    assert library.store.listing() == []
    report = index_paths(library, [photo_dir / "copies"])
    assert len(library.store.listing()) == 3 and report.embedded == 0  # vectors were kept


def test_a_file_that_could_not_be_read_is_tried_again(library: Library, photo_dir: Path) -> None:
    index_paths(library, [photo_dir / "copies"])
    row = library.store.file_by_path(str(photo_dir / "copies" / "rocket_cropped.png"))
    with library.store.transaction() as c:
        library.store.delete_vectors(c, row.id)
        library.store.set_error(c, row.id, "cannot read file: device not ready")
    report = index_paths(library, [photo_dir / "copies"])
    assert report.embedded == 1 and not report.problems
    assert library.store.file_by_path(row.path).status == "ok"


def test_one_result_set_for_several_examples(library: Library, photo_dir: Path) -> None:
    from mediabrowser.core.examples import find_similar_to_all

    index_paths(library, [photo_dir])
    examples = [photo_dir / "chelsea.jpg", photo_dir / "coffee.jpg"]
    res = find_similar_to_all(library, [str(p) for p in examples], k=6)
    got = _names(res)
    assert "chelsea.jpg" not in got and "coffee.jpg" not in got  # the examples left out
    assert set(got[:2]) == {"chelsea_resized.jpg", "coffee_recompressed.jpg"}  # like either
    assert [m.score for m in res] == sorted((m.score for m in res), reverse=True)
