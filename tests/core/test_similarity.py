"""Similarity people can trust: turned and mirrored copies, calibrated scores with tiers that
mean the same for photos, videos and sounds, and photos and videos kept in one space when the
photo model changes. Real models (EfficientNet-Lite0/1, GE2E) on media made here."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mediabrowser import mediamaker
from mediabrowser.core import calibration as cal
from mediabrowser.core.jobs.pipeline import index_paths
from mediabrowser.core.library import Library
from mediabrowser.core.search import find_similar
from mediabrowser.core.tiers import tier

T = Image.Transpose
TURNED = {"rot90": T.ROTATE_90, "rot180": T.ROTATE_180, "rot270": T.ROTATE_270,
          "mirrored": T.FLIP_LEFT_RIGHT, "transposed": T.TRANSPOSE}


def scores(lib: Library, query: Path, k: int = 30, **kw: object) -> dict[str, float]:
    return {Path(m.item.path).stem: m.score for m in find_similar(lib, query, k=k, **kw)}


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("mixed")
    for name in ("chelsea", "astronaut", "coffee", "rocket", "horse", "camera", "brick"):
        mediamaker.sample_photo(name).convert("RGB").save(d / f"{name}.jpg", quality=92)
    cat = Image.open(d / "chelsea.jpg")
    cat.resize((cat.width // 3, cat.height // 3)).save(d / "chelsea_resized.jpg", quality=90)
    for label, t in TURNED.items():
        cat.transpose(t).save(d / f"chelsea_{label}.jpg", quality=90)
    # videos: a clip, its re-encoded smaller copy, the same clip turned a quarter and mirrored
    clip = mediamaker.video_from_photo(d / "coffee.jpg", d / "coffee_clip.mp4", seconds=2)
    for name, vf in (("coffee_clip_small", "scale=160:120"), ("coffee_clip_rot90", "transpose=1"),
                     ("coffee_clip_mirrored", "hflip")):
        subprocess.run(["ffmpeg", "-y", "-v", "error", "-i", str(clip), "-vf", vf, "-c:v",
                        "libx264", "-preset", "veryfast", "-crf", "28", str(d / f"{name}.mp4")],
                       check=True)
    mediamaker.video_from_photo(d / "rocket.jpg", d / "rocket_clip.mp4", seconds=2)
    # sounds: two voices, a re-encoded copy of one recording, and instruments
    mediamaker.speech("The weather will be cold and windy tomorrow.", d / "voice_a.wav",
                      voice="en+Adam")
    mediamaker.convert_audio(d / "voice_a.wav", d / "voice_a_copy.mp3")
    mediamaker.speech("Please call me back when you get home tonight.", d / "voice_b.wav",
                      voice="en+Annie")
    for name, f in (("organ", 220), ("flute", 330)):
        mediamaker.tone(d / f"{name}.wav", f"aevalsrc=0.3*sin(2*PI*{f}*t)+0.2*sin(6*PI*{f}*t)"
                        ":s=16000:d=2", seconds=2)
    return d


@pytest.fixture(scope="module")
def mixed_lib(mixed: Path, tmp_path_factory: pytest.TempPathFactory) -> Library:
    lib = Library(tmp_path_factory.mktemp("lib"))
    report = index_paths(lib, [mixed])
    assert not report.problems
    yield lib
    lib.close()


def test_turned_and_mirrored_photos_score_at_least_as_high_as_the_resized_copy(
        mixed: Path, mixed_lib: Library) -> None:
    got = scores(mixed_lib, mixed / "chelsea.jpg", kind="image")
    for label in TURNED:
        assert got[f"chelsea_{label}"] >= got["chelsea_resized"], (label, got)
        assert tier(got[f"chelsea_{label}"]) == "same"
    # the copies come first, and unrelated photographs stay below the similar tier
    top = sorted(got, key=lambda n: -got[n])[:6]
    assert set(top) == {"chelsea_resized", *(f"chelsea_{t}" for t in TURNED)}
    for other in ("astronaut", "rocket", "horse", "camera", "brick"):
        assert got[other] < 0.5, (other, got[other])


def test_turning_is_only_for_copies_ordinary_ranking_unchanged(mixed: Path,
                                                                mixed_lib: Library) -> None:
    plain = find_similar(mixed_lib, mixed / "astronaut.jpg", k=30, turns=False)
    turned = find_similar(mixed_lib, mixed / "astronaut.jpg", k=30)
    assert [m.item.path for m in plain] == [m.item.path for m in turned]
    assert [m.score for m in plain] == pytest.approx([m.score for m in turned])


def test_turned_and_mirrored_videos_score_at_least_as_high_as_the_rescaled_copy(
        mixed: Path, mixed_lib: Library) -> None:
    got = scores(mixed_lib, mixed / "coffee_clip.mp4", kind="video")
    for name in ("coffee_clip_rot90", "coffee_clip_mirrored"):
        assert got[name] >= got["coffee_clip_small"] - 1e-6, got
        assert tier(got[name]) == "same"
    assert got["rocket_clip"] < got["coffee_clip_small"]


def test_scores_mean_the_same_for_every_kind(mixed: Path, mixed_lib: Library) -> None:
    """A copy is "same" and an unrelated item below "similar" for photos, videos and sounds,
    though raw cosine lives on different scales in each space."""
    photo = scores(mixed_lib, mixed / "chelsea.jpg")
    video = scores(mixed_lib, mixed / "coffee_clip.mp4", kind="video")
    sound = {m.item.path: m for m in find_similar(mixed_lib, mixed / "voice_a.wav", k=30)}
    copy = sound[str(mixed / "voice_a_copy.mp3")]
    assert tier(photo["chelsea_resized"]) == "same"
    assert tier(video["coffee_clip_small"]) == "same"
    assert tier(copy.score) == "same"
    assert photo["brick"] < 0.5 and video["rocket_clip"] < 0.5
    for name in ("organ.wav", "flute.wav"):
        assert sound[str(mixed / name)].score < 0.5
    assert copy.cosine is not None and copy.score != pytest.approx(copy.cosine)


def test_calibration_map_is_monotone_and_hits_its_anchors() -> None:
    c = cal.Calibration(0.3, 0.6, 0.85)
    assert c.score(0.3) == pytest.approx(0.2)
    assert c.score(0.6) == pytest.approx(0.5)
    assert c.score(0.85) == pytest.approx(0.9)
    xs = np.linspace(-1, 1, 201)
    assert np.all(np.diff(c.score(xs)) >= 0)
    assert c.cosine_for(0.9) == pytest.approx(0.85)
    assert [tier(s) for s in (0.95, 0.75, 0.55, 0.3)] == ["same", "very similar",
                                                           "similar", ""]


def test_a_large_library_measures_its_own_unrelated_pairs(tmp_path: Path) -> None:
    """With enough vectors the unrelated anchors come from the library's own pairs."""
    lib = Library(tmp_path / "lib")
    try:
        rng = np.random.default_rng(0)
        vecs = rng.normal(size=(400, 64)).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        with lib.store.transaction() as c:
            for i, v in enumerate(vecs):
                fid = lib.store.insert_file(c, path=f"/m/{i}.jpg", kind="image", size=1,
                                            mtime=1.0)
                lib.store.put_vector(c, fid, "efficientnet-lite0", "efficientnet-lite0", v)
        c = lib.calibration("efficientnet-lite0")
        assert c.source == "library"
        # random 64-d directions: median cosine ≈ 0, 99th percentile ≈ 2.33 / sqrt(64)
        assert abs(c.unrelated_median) < 0.03
        assert c.unrelated_high == pytest.approx(2.33 / 8, abs=0.05)
    finally:
        lib.close()


def test_choosing_another_photo_model_moves_videos_with_it(tmp_path: Path) -> None:
    """After a switch, the next index run re-embeds videos, and photos find videos again."""
    media = tmp_path / "m"
    media.mkdir()
    mediamaker.sample_photo("coffee").convert("RGB").save(media / "coffee.jpg")
    mediamaker.sample_photo("rocket").convert("RGB").save(media / "rocket.jpg")
    mediamaker.video_from_photo(media / "coffee.jpg", media / "coffee.mp4", seconds=2)
    lib = Library(tmp_path / "lib")
    try:
        index_paths(lib, [media])
        lib.switch_model("image", "efficientnet-lite1")
        assert lib.model_for("video") == "frames:efficientnet-lite1"
        index_paths(lib, [media])
        assert lib.answering_model("image") == "efficientnet-lite1"
        found = find_similar(lib, media / "coffee.jpg", k=5)
        assert found[0].item.path == str(media / "coffee.mp4")
        assert found[0].score > found[1].score
    finally:
        lib.close()


def test_the_old_default_audio_model_still_routes_speech_to_the_voice_encoder(
        mixed: Path) -> None:
    from mediabrowser.core.embed.registry import DEFAULT_MODELS, load_embedder
    from mediabrowser.core.types import MediaKind

    assert DEFAULT_MODELS[MediaKind.AUDIO] == "sounds-voices"
    emb = load_embedder("voice-timbre")  # libraries made with it keep it
    prepared = {n: emb.prepare(mixed / n) for n in ("voice_a.wav", "voice_b.wav", "organ.wav")}
    weight = {n: emb.speech_weight(emb.voice.voice(p[0]), p[2])  # type: ignore[attr-defined]
              for n, p in prepared.items()}
    assert weight["voice_a.wav"] > 0.9 and weight["voice_b.wav"] > 0.9
    assert weight["organ.wav"] < 0.2
    vecs = emb.embed(list(prepared.values()))
    assert vecs.shape == (3, 312)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1, atol=1e-5)
