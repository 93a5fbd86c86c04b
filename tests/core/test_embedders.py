"""Embedders through their real loading code: the shipped EfficientNet-Lite0 ImageNet weights,
and for models whose weights are fetched on users' machines, weights the test initialises
randomly and saves itself."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from mediabrowser import mediamaker
from mediabrowser.core.embed.image_models import timm_lite_classifier, timm_lite_transform
from mediabrowser.core.embed.registry import (
    WeightsMissing,
    all_specs,
    forget_loaded,
    get_spec,
    load_embedder,
    locate_source,
    locate_weights,
    verify_checksum,
)
from tests.conftest import textured


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b))


def _unit(rows: np.ndarray) -> bool:
    return bool(np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-4))


def test_shipped_weights_are_genuine_imagenet_weights() -> None:
    spec = get_spec("efficientnet-lite0")
    status = locate_source(spec)
    assert status.available and status.path is not None
    assert verify_checksum(spec, status.path)
    model = timm_lite_classifier(status.path).eval()
    tf = timm_lite_transform(spec)
    with torch.no_grad():
        cat = model(torch.from_numpy(tf(mediamaker.sample_photo("chelsea")))[None]).argmax()
        cup = model(torch.from_numpy(tf(mediamaker.sample_photo("coffee")))[None]).argmax()
    assert 281 <= int(cat) <= 285  # ImageNet's domestic cat classes
    assert int(cup) == 967  # espresso


def test_efficientnet_embeds_unit_vectors_of_1280(photos: Path) -> None:
    emb = load_embedder("efficientnet-lite0")
    vecs = emb.embed([emb.prepare(photos / "chelsea.jpg"), emb.prepare(photos / "coffee.jpg")])
    assert vecs.shape == (2, 1280) and vecs.dtype == np.float32 and _unit(vecs)
    again = emb.embed([emb.prepare(photos / "chelsea.jpg")])
    assert np.allclose(again[0], vecs[0], atol=1e-5)  # batching does not change a vector


def test_running_clip_is_closer_to_jogging_than_to_cooking(tmp_path: Path) -> None:
    """The seed's video demonstration, with frames pooled through the real ImageNet model."""
    running = [textured((40, 110 + 20 * i, 50), seed=i) for i in range(5)]
    jogging = [textured((50, 130 + 15 * i, 60), seed=10 + i) for i in range(5)]
    cooking = [textured((230, 130 + 10 * i, 40), seed=20 + i) for i in range(5)]
    paths = [mediamaker.video_from_frames(f, tmp_path / f"{n}.mp4")
             for n, f in (("running", running), ("jogging", jogging), ("cooking", cooking))]
    emb = load_embedder("frames:efficientnet-lite0")
    run, jog, cook = emb.embed([emb.prepare(p) for p in paths])
    assert _cos(run, jog) > _cos(run, cook)


def test_mfcc_of_a_sound_is_closest_to_its_time_stretched_copy(tmp_path: Path) -> None:
    speech = mediamaker.speech("The quick brown fox jumps over the lazy dog.",
                               tmp_path / "fox.wav")
    stretched = mediamaker.convert_audio(speech, tmp_path / "fox_slow.wav", "atempo=0.8")
    other = mediamaker.tone(tmp_path / "noise.wav", "anoisesrc=color=brown:amplitude=0.4")
    other_voice = mediamaker.speech("Rain falls softly on the roof.", tmp_path / "rain.wav",
                                    voice="en-us", pitch=10, speed=120)
    emb = load_embedder("mfcc")
    a, b, c, d = emb.embed([emb.prepare(p) for p in (speech, stretched, other, other_voice)])
    assert a.shape == (40,)
    assert _cos(a, b) > _cos(a, c)
    assert _cos(a, b) > _cos(a, d)


def test_melspec_gives_64_dims(tmp_path: Path) -> None:
    emb = load_embedder("melspec")
    wav = mediamaker.tone(tmp_path / "t.wav", "sine=frequency=600", seconds=1)
    vec = emb.embed([emb.prepare(wav)])
    assert vec.shape == (1, 64) and _unit(vec)


def test_every_registry_entry_is_complete() -> None:
    names = [s.name for s in all_specs()]
    assert len(names) == len(set(names))
    for spec in all_specs():
        assert spec.dim > 0 and spec.licence and spec.good_for and ":" in spec.loader
        if spec.weights.kind == "file":
            assert spec.weights.url.startswith("https://") and spec.weights.filename


# ---- models whose weights users fetch: real loading code, weights made here -----------------
@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    d = tmp_path / "models"
    d.mkdir()
    forget_loaded()
    yield d
    forget_loaded()


def test_missing_weights_name_the_file_and_where_to_get_it(models_dir: Path) -> None:
    status = locate_weights(get_spec("resnet50"), models_dir)
    assert not status.available
    assert "resnet50-11ad3fa6.pth" in status.reason and "https://" in status.reason
    with pytest.raises(WeightsMissing, match="resnet50-11ad3fa6.pth"):
        load_embedder("resnet50", "cpu", models_dir)
    # frame pooling through a missing image model is missing too
    assert not locate_weights(get_spec("frames:resnet50"), models_dir).available


def test_resnet50_loads_saved_weights_and_rejects_a_mismatched_file(models_dir: Path,
                                                                    photos: Path) -> None:
    from torchvision.models import resnet18, resnet50

    torch.manual_seed(0)
    target = models_dir / "resnet50-11ad3fa6.pth"
    torch.save(resnet18().state_dict(), target)  # the wrong architecture
    with pytest.raises(ValueError, match="does not match"):
        load_embedder("resnet50", "cpu", models_dir)
    forget_loaded()
    torch.save(resnet50().state_dict(), target)
    emb = load_embedder("resnet50", "cpu", models_dir)
    vecs = emb.embed([emb.prepare(photos / "rocket.jpg"), emb.prepare(photos / "horse.jpg")])
    assert vecs.shape == (2, 2048) and _unit(vecs)
    assert not np.allclose(vecs[0], vecs[1])
    assert locate_weights(get_spec("frames:resnet50"), models_dir).available


def test_r3d_18_embeds_a_real_video(models_dir: Path, photos: Path, tmp_path: Path) -> None:
    from torchvision.models.video import r3d_18

    torch.manual_seed(0)
    torch.save(r3d_18().state_dict(), models_dir / "r3d_18-b3b3357e.pth")
    clip = mediamaker.video_from_photo(photos / "chelsea.jpg", tmp_path / "cat.mp4", seconds=2)
    emb = load_embedder("r3d-18", "cpu", models_dir)
    prepared = emb.prepare(clip)
    assert tuple(prepared.shape[1:]) == (3, 16, 112, 112)
    vec = emb.embed([prepared])
    assert vec.shape == (1, 512) and _unit(vec)


@pytest.mark.slow
def test_open_clip_loads_a_local_checkpoint_and_searches_by_text(
        models_dir: Path, photos: Path, tmp_path: Path) -> None:
    import open_clip
    from safetensors.torch import save_file

    torch.manual_seed(0)
    model = open_clip.create_model("ViT-B-32")
    save_file({k: v.contiguous() for k, v in model.state_dict().items()},
              str(models_dir / "clip-vit-b-32.safetensors"))
    del model
    emb = load_embedder("clip-vit-b-32", "cpu", models_dir)
    vecs = emb.embed([emb.prepare(photos / "coffee.jpg"), emb.prepare(photos / "moon.jpg")])
    assert vecs.shape == (2, 512) and _unit(vecs)
    video = load_embedder("frames:clip-vit-b-32", "cpu", models_dir)
    assert video.spec.index_space == "clip-vit-b-32"
    text = emb.embed_text(["a cat", "a rocket on a launch pad"])  # type: ignore[attr-defined]
    assert text.shape == (2, 512) and _unit(text)

    # text search over a library whose photos and videos were embedded with this CLIP
    from mediabrowser.core.jobs.pipeline import index_paths
    from mediabrowser.core.library import Library
    from mediabrowser.core.search import QueryError, search_text

    lib = Library(tmp_path / "lib", models_dir=models_dir)
    try:
        with pytest.raises(QueryError, match="needs a CLIP image model"):
            search_text(lib, "a cat")
        lib.switch_model("image", "clip-vit-b-32")
        assert lib.config.models["video"] == "frames:clip-vit-b-32"
        # 8 s: long enough to have moments, which words find with their time
        mediamaker.video_from_photo(photos / "rocket.jpg", tmp_path / "launch.mp4", seconds=8)
        report = index_paths(lib, [photos / "copies", tmp_path / "launch.mp4"])
        assert report.embedded == 4 and not report.problems
        first = search_text(lib, "a rocket on a launch pad", k=4)
        again = search_text(lib, "a rocket on a launch pad", k=4)
        assert [m.item.path for m in first] == [m.item.path for m in again]
        assert len(first) == 4 and {m.item.kind.value for m in first} == {"image", "video"}
        scores = [m.score for m in first]  # calibrated: 0 … 1, in the order of the cosines
        assert scores == sorted(scores, reverse=True) and all(0 <= x <= 1 for x in scores)
        cosines = [m.cosine for m in first]
        # each file by its best vector: the whole file's, or (the video) one of its moments'
        best: dict[int, float] = {}
        for space in ("clip-vit-b-32", "clip-vit-b-32@moments"):
            for c in lib.store.space_chunks(space):
                for fid, cos in zip(c.file_ids.tolist(), (c.matrix @ text[1]).tolist(),
                                    strict=True):
                    best[fid] = max(best.get(fid, -1.0), cos)
        assert np.allclose(cosines, sorted(best.values(), reverse=True)[:4], atol=1e-4)
        videos = search_text(lib, "a rocket", k=4, kind="video")
        assert [m.item.kind.value for m in videos] == ["video"]
        assert videos[0].start is not None and videos[0].end is not None
        assert 0 <= videos[0].start < videos[0].end <= 8.5

        # words with a picture, weighted (issue 25): one direction, the picture left out
        from mediabrowser.core.examples import Example, find_like

        cat = str(photos / "copies" / "chelsea_resized.jpg")
        mixed = find_like(lib, [Example(cat), Example(text="a rocket", weight=2.0)], k=3,
                          kind="image")
        assert cat not in [m.item.path for m in mixed] and len(mixed) == 2
        img = lib.store.vector(lib.store.file_by_path(cat).id, "clip-vit-b-32")
        words = emb.embed_text(["a rocket"])[0]  # type: ignore[attr-defined]
        want = img / np.linalg.norm(img) + 2 * words / np.linalg.norm(words)
        want /= np.linalg.norm(want)
        others = [c for c in lib.store.space_chunks("clip-vit-b-32", kind="image")][0]
        order = [int(f) for f in others.file_ids[np.argsort(-(others.matrix @ want))]]
        expect = [f for f in order if f != lib.store.file_by_path(cat).id][:2]
        assert [m.item.id for m in mixed] == expect
        words_only = find_like(lib, [Example(text="a rocket on a launch pad")], k=4)
        assert [m.item.path for m in words_only] == [m.item.path for m in first]
    finally:
        lib.close()
