"""Moments in videos: frames sampled per second through PyAV (times, rotation, bounds), shots,
moments stored with their times, a clip found inside its video at the right time (aligned,
so one look-alike frame does not win), a photo finding the moment it appears in."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mediabrowser import mediamaker
from mediabrowser.core.embed.base import moments_space
from mediabrowser.core.embed.video_moments import VideoSample, moments_of, shot_starts
from mediabrowser.core.index.align import align
from mediabrowser.core.media.frames import NoPicture, plan, sample_frames
from mediabrowser.core.types import MediaError

PHOTOS = ["astronaut", "chelsea", "coffee", "rocket", "retina", "brick"]


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", *args], check=True)


def _pan(photo: str, out: Path, seconds: float = 4.0) -> Path:
    src = out.with_suffix(".png")
    mediamaker.sample_photo(photo).save(src)
    n = int(seconds * 15)
    _ffmpeg("-loop", "1", "-i", str(src), "-vf",
            f"scale=640:-2,zoompan=z='1.1+0.1*on/{n}':x='(iw-iw/zoom)*on/{n}':d={n}:s=320x180"
            ":fps=15", "-t", str(seconds), "-pix_fmt", "yuv420p", "-c:v", "libx264",
            "-preset", "veryfast", "-g", "15", str(out))
    return out


def _joined(parts: list[Path], out: Path) -> Path:
    listing = out.with_suffix(".txt")
    listing.write_text("".join(f"file '{p}'\n" for p in parts))
    _ffmpeg("-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", str(out))
    return out


@pytest.fixture(scope="module")
def footage(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("video-moments")
    shots = {p: _pan(p, d / f"{p}.mp4") for p in PHOTOS}
    lib = d / "library"
    lib.mkdir()
    out = {"a": _joined([shots[p] for p in PHOTOS[:3]], lib / "a.mp4"),
           "b": _joined([shots[p] for p in PHOTOS[3:]], lib / "b.mp4")}
    clip = d / "clip.mp4"  # 3 s from 5.0 s into a (chelsea's pan), mirrored and smaller
    _ffmpeg("-ss", "5.0", "-i", str(out["a"]), "-t", "3", "-vf", "hflip,scale=240:-2",
            "-c:v", "libx264", "-crf", "28", str(clip))
    out["clip"] = clip
    still = d / "still.png"  # a frame of b at 9.5 s (brick's pan), as a photo
    _ffmpeg("-ss", "9.5", "-i", str(out["b"]), "-frames:v", "1", str(still))
    out["still"] = still
    return out


def test_frames_come_about_once_a_second_with_their_times(footage: dict[str, Path]) -> None:
    got = sample_frames(footage["a"], step=1.0, most=120)
    assert abs(got.duration - 12.0) < 0.2 and len(got.frames) == 12
    times = [f.time for f in got.frames]
    # key frames every second here: those are the frames taken (nothing else is decoded)
    gaps = np.diff(times)
    assert times[0] < 1.0 and ((gaps >= 0.7) & (gaps <= 1.3)).all()
    assert got.frames[0].image.size == (320, 180)
    # a long video gets a wider step, a short one at least `least` frames
    assert plan(3600.0, 1.0, 120)[0] == 30.0 and len(plan(3600.0, 1.0, 120)[1]) == 120
    assert len(plan(3.0, 1.0, 120, least=8)[1]) == 8
    few = sample_frames(footage["a"], step=1.0, most=4)
    assert len(few.frames) == 4 and few.step == 3.0


def test_a_turned_phone_video_is_sampled_upright(footage: dict[str, Path],
                                                 tmp_path: Path) -> None:
    turned = tmp_path / "portrait.mp4"
    _ffmpeg("-i", str(footage["a"]), "-t", "2", "-c", "copy", "-metadata:s:v:0", "rotate=90",
            str(turned))
    first = sample_frames(turned, step=1.0).frames[0]
    shown = tmp_path / "shown.png"  # what ffmpeg itself shows at that time
    _ffmpeg("-ss", str(first.time), "-i", str(turned), "-frames:v", "1", str(shown))
    frame = first.image
    ref = Image.open(shown).convert("RGB")
    assert frame.height > frame.width and ref.height > ref.width
    diff = np.abs(np.asarray(frame.resize(ref.size), float) - np.asarray(ref, float)).mean()
    assert diff < 12


def test_bad_videos_say_what_is_wrong(tmp_path: Path) -> None:
    sound = mediamaker.tone(tmp_path / "sound.m4a", seconds=1)
    with pytest.raises(NoPicture, match="no picture"):
        sample_frames(sound)
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 20)
    with pytest.raises(MediaError):
        sample_frames(broken)


def test_shots_split_where_the_picture_changes_at_once() -> None:
    calm = np.full((4, 16, 16), 0.2, np.float32) + np.linspace(0, 0.02, 4)[:, None, None]
    other = np.full((3, 16, 16), 0.8, np.float32)
    assert shot_starts(np.concatenate([calm, other])) == [0, 4]
    vectors = np.eye(7, 8, dtype=np.float32)
    sample = VideoSample(np.zeros((7, 3, 4, 4)), np.arange(7) + 0.5,
                         np.concatenate([calm, other]), 7.0, 1.0)
    spans = [(m.start, m.end) for m in moments_of(sample, vectors)]
    assert spans == [(0.0, 2.0), (2.0, 4.0), (4.0, 6.0), (6.0, 7.0)]  # none across the cut


def test_one_look_alike_frame_does_not_win_an_alignment() -> None:
    rng = np.random.default_rng(0)
    frames = rng.standard_normal((10, 16)).astype(np.float32)
    frames /= np.linalg.norm(frames, axis=1, keepdims=True)
    starts, ends = np.arange(10, dtype=float), np.arange(10, dtype=float) + 1
    q_times = np.arange(4) + 0.5
    found = align(q_times, frames[3:7], starts, ends, frames)  # the clip from 3 s to 7 s
    assert found is not None and abs(found.offset - 3.0) < 0.3 and found.cosine > 0.99
    # another video where only one moment looks like one of the query's frames
    other = rng.standard_normal((10, 16)).astype(np.float32)
    other[5] = frames[4]
    other /= np.linalg.norm(other, axis=1, keepdims=True)
    assert align(q_times, frames[3:7], starts, ends, other) is None


@pytest.mark.slow
def test_a_clip_finds_its_video_and_where_and_a_photo_its_moment(
        footage: dict[str, Path], tmp_path: Path) -> None:
    from mediabrowser.core.jobs.pipeline import index_paths
    from mediabrowser.core.library import Library
    from mediabrowser.core.search import find_similar

    with Library(tmp_path / "lib") as lib:
        report = index_paths(lib, [footage["a"].parent])
        assert report.embedded == 2 and not report.problems
        space = moments_space(lib.config.models["image"])
        assert lib.store.space_size(space) >= 10  # 12 s videos: moments of about 2 s
        a_id = lib.store.file_by_path(str(footage["a"])).id  # type: ignore[union-attr]
        starts, ends, _ = lib.store.moments_of([a_id], space)[a_id]
        assert starts[0] == 0.0 and ends[-1] >= 11.5 and (np.diff(starts) > 0).all()

        found = find_similar(lib, footage["clip"], k=2, kind="video")
        assert found[0].item.path == str(footage["a"])
        assert found[0].start is not None and abs(found[0].start - 5.0) <= 2.0
        assert found[0].end is not None and 2.0 <= found[0].end - found[0].start <= 5.0

        found = find_similar(lib, footage["still"], k=2, kind="video")
        assert found[0].item.path == str(footage["b"])
        assert found[0].start is not None and found[0].end is not None
        assert found[0].start - 1.0 <= 9.5 <= found[0].end + 1.0


@pytest.mark.slow
def test_a_clip_cut_from_a_video_is_contained_in_it_among_duplicates(
        footage: dict[str, Path], tmp_path: Path) -> None:
    from mediabrowser.cli.duplicates import group_json
    from mediabrowser.core.driver import drive
    from mediabrowser.core.dupes import decisions
    from mediabrowser.core.dupes.grouping import find_duplicates_job
    from mediabrowser.core.jobs.pipeline import index_paths
    from mediabrowser.core.library import Library

    media = tmp_path / "media"
    media.mkdir()
    for name in ("a", "b"):
        (media / f"{name}.mp4").write_bytes(footage[name].read_bytes())
    # two clips of a at different moments: each inside a, neither the same as the other
    _ffmpeg("-ss", "1.0", "-i", str(footage["a"]), "-t", "3", "-vf", "scale=240:-2",
            str(media / "early.mp4"))
    _ffmpeg("-ss", "8.5", "-i", str(footage["a"]), "-t", "3", "-vf", "hflip",
            str(media / "late.mp4"))
    with Library(tmp_path / "lib") as lib:
        assert not index_paths(lib, [media]).problems
        report = drive(find_duplicates_job(lib))
        groups = [g for g in report.groups if g.keeper.path == str(media / "a.mp4")]
        assert len(groups) == 1, [(g.keeper.path, len(g.members)) for g in report.groups]
        parts = {Path(m.item.path).name: m.part for m in groups[0].members[1:]}
        assert set(parts) == {"early.mp4", "late.mp4"}
        assert parts["early.mp4"] is not None and abs(parts["early.mp4"][0] - 1.0) <= 2.0
        assert parts["late.mp4"] is not None and abs(parts["late.mp4"][0] - 8.5) <= 2.0
        for g in report.groups:  # the two clips are never grouped with each other alone
            names = {Path(m.item.path).name for m in g.members}
            assert names != {"early.mp4", "late.mp4"}
        items = group_json(groups[0])["items"]
        assert [i.get("contained") is not None for i in items] == [False, True, True]
        decisions.save_listing(lib.store, report.groups, {"tier": report.tier})
        gid = decisions.group_of(lib.store, groups[0].keeper.id)
        assert gid is not None
        kept = decisions.group_parts(lib.store, gid)
        assert set(kept) == {m.item.id for m in groups[0].members[1:]}
        assert decisions.bulk_plan(lib.store, [gid]) == []  # clean-up leaves clips alone
