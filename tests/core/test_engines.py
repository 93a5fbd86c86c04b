"""The inference-engine layer: ONNX Runtime and PyTorch compute the same vectors from the same
real media, the torch-free preprocessing equals torchvision's and torchaudio's, and a library
indexed on one engine answers queries embedded on the other."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from mediabrowser import mediamaker
from mediabrowser.core.embed import onnx_graphs
from mediabrowser.core.embed.engine import ORT, TORCH, choose_engine
from mediabrowser.core.embed.preprocess import ImageTransform, describe_torchvision, mel_power
from mediabrowser.core.embed.registry import (
    forget_loaded,
    get_spec,
    load_embedder,
    locate_source,
)

# Unit vectors from the two engines: every component within this, cosine within 1e-5.
TOLERANCE = 1e-4


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """engine(name) switches the engine models load on (a fresh load each time)."""
    def use(name: str) -> None:
        monkeypatch.setenv("MEDIABROWSER_ENGINE", name)
        forget_loaded()

    yield use
    forget_loaded()


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("engine-media")
    out = {}
    for name in ("chelsea", "coffee", "astronaut", "rocket"):
        out[name] = d / f"{name}.jpg"
        mediamaker.sample_photo(name).save(out[name], quality=90)
    out["video"] = mediamaker.video_from_photo(out["rocket"], d / "launch.mp4", seconds=2)
    out["speech"] = mediamaker.speech("Seven silver swans swam silently across the lake.",
                                      d / "speech.wav")
    out["speech_mp3"] = mediamaker.convert_audio(out["speech"], d / "speech.mp3")
    out["tone"] = mediamaker.tone(d / "tone.ogg", "sine=frequency=330", seconds=2)
    return out


def _both(engine: object, name: str, files: list[Path], models: Path | None = None
          ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    out, words = [], []
    for which in (ORT, TORCH):
        engine(which)  # type: ignore[operator]
        emb = load_embedder(name, "cpu", models)
        words.append(emb.engine)  # type: ignore[attr-defined]
        out.append(emb.embed([emb.prepare(f) for f in files]))
    return out[0], out[1], words


@pytest.mark.parametrize("name", ["efficientnet-lite0", "efficientnet-lite1",
                                  "efficientnet-lite2"])
def test_lite_models_agree_on_both_engines(name: str, engine: object, media: dict[str, Path],
                                           tmp_path: Path) -> None:
    # lite1/2 export here, from the shipped weights, into this test's own models folder
    ort_vecs, torch_vecs, words = _both(
        engine, name, [media["chelsea"], media["coffee"], media["astronaut"]], tmp_path)
    assert words == ["ONNX Runtime · CPU", "PyTorch · CPU"]
    assert ort_vecs.shape == (3, 1280)
    assert np.abs(ort_vecs - torch_vecs).max() < TOLERANCE
    assert (np.einsum("ij,ij->i", ort_vecs, torch_vecs) > 1 - 1e-5).all()
    meta = onnx_graphs.read_meta(onnx_graphs.find_graphs(
        get_spec(name), tmp_path, locate_source(get_spec(name)).path)["model"])  # type: ignore[index]
    assert meta["source"] == get_spec(name).weights.sha256
    assert meta["max_abs_diff"] < onnx_graphs.TOLERANCE


def test_video_frames_and_voice_models_agree_on_both_engines(
        engine: object, media: dict[str, Path]) -> None:
    a, b, words = _both(engine, "frames:efficientnet-lite0", [media["video"]])
    assert words[0].startswith("ONNX Runtime") and np.abs(a - b).max() < TOLERANCE
    files = [media["speech"], media["speech_mp3"], media["tone"]]
    for model in ("voice-timbre", "voice-ge2e"):
        a, b, words = _both(engine, model, files)
        assert words[0].startswith("ONNX Runtime"), model
        assert np.abs(a - b).max() < TOLERANCE, model


def test_the_default_audio_model_agrees_on_both_engines_within_its_8_bit_graph(
        engine: object, media: dict[str, Path], tmp_path: Path) -> None:
    # Speech goes to the voice encoder (a float graph: equal), the tone and the music to the
    # sounds CNN, whose graph is 8-bit (quantised against made-up sound at export).
    from mediabrowser.core.embed.sound_inputs import SFX_RATE

    music = mediamaker.tone(tmp_path / "chord.wav", "aevalsrc=0.2*sin(2*PI*262*t)"
                            "+0.2*sin(2*PI*330*t)+0.1*sin(2*PI*392*t)*exp(-t):s=" f"{SFX_RATE}",
                            seconds=4)
    files = [media["speech"], media["speech_mp3"], media["tone"], music]
    a, b, words = _both(engine, "sounds-voices", files)
    assert words == ["ONNX Runtime · CPU", "PyTorch · CPU"]
    assert np.abs(a[:2] - b[:2]).max() < TOLERANCE  # the voices
    # the sounds: the CNN's own outputs stay within 0.99 cosine (checked at export); centred
    # on the fixed mean, a bare sine moves most (0.983 here). Rankings on the bench's sets
    # were unchanged by the 8-bit graph (BENCHMARKS.md).
    assert (np.einsum("ij,ij->i", a[2:], b[2:]) > 0.97).all()
    meta = onnx_graphs.read_meta(onnx_graphs.find_graphs(
        get_spec("sounds-voices"), tmp_path)["sounds"])  # type: ignore[index]
    assert meta["int8_min_cosine"] >= 0.99


def test_image_preprocessing_without_torch_equals_torchvision(media: dict[str, Path]) -> None:
    from PIL import Image
    from torchvision import transforms as T

    for interp, mode in (("bilinear", T.InterpolationMode.BILINEAR),
                         ("bicubic", T.InterpolationMode.BICUBIC)):
        tv = T.Compose([T.Resize(240, interpolation=mode), T.CenterCrop(224), T.ToTensor(),
                        T.Normalize((0.48, 0.45, 0.4), (0.27, 0.26, 0.28))])
        ours = describe_torchvision(tv)
        assert ours == ImageTransform(240, 224, (0.48, 0.45, 0.4), (0.27, 0.26, 0.28), interp)
        for name in ("chelsea", "astronaut"):
            im = Image.open(media[name])
            for picture in (im, im.rotate(90, expand=True), im.resize((301, 97)), im.convert("L")):
                expected = tv(picture.convert("RGB")).numpy()
                assert np.abs(ours(picture) - expected).max() < 1e-5


def test_mel_front_end_without_torch_equals_torchaudio(media: dict[str, Path]) -> None:
    import torchaudio.transforms as AT

    from mediabrowser.core.media.audio import load_audio

    ref = AT.MelSpectrogram(sample_rate=16000, n_fft=400, hop_length=160, n_mels=40,
                            norm="slaney", mel_scale="slaney", pad_mode="constant")
    for wav in (load_audio(media["speech"]), load_audio(media["tone"]),
                np.zeros(100, np.float32)):
        expected = ref(torch.from_numpy(wav)).T.numpy()
        got = mel_power(wav, 16000, 400, 160, 40)
        assert got.shape == expected.shape
        assert np.abs(got - expected).max() <= 1e-5 * max(1.0, float(expected.max()))


def test_clip_tokenizer_without_torch_equals_open_clip() -> None:
    import open_clip

    from mediabrowser.core.embed.clip_tokenizer import ClipTokenizer, describe_tokenizer

    theirs = open_clip.get_tokenizer("ViT-B-32")
    meta = describe_tokenizer(theirs)
    ours = ClipTokenizer(meta["context_length"], meta["clean"])
    texts = ["a photo of a cat", "A RED Car, on the street!!", "café crème brûlée 3.14",
             "  spaces\tand\nnewlines ", "emoji 🚀 rocket", "日本語のテキスト", "",
             "don't can't it's", "word " * 100]
    assert np.array_equal(ours(texts), theirs(texts).numpy())


def test_library_indexed_on_pytorch_answers_queries_embedded_on_onnx_runtime(
        engine: object, photos: Path, tmp_path: Path) -> None:
    """One vector space whatever the engine: no re-embedding when the engine changes."""
    from mediabrowser.core.jobs.pipeline import index_paths
    from mediabrowser.core.library import Library
    from mediabrowser.core.search import find_similar

    engine(TORCH)  # type: ignore[operator]
    lib = Library(tmp_path / "lib")
    try:
        report = index_paths(lib, [photos])
        assert report.embedded > 10 and "PyTorch" in report.device
        before = lib.store.vector_counts()
    finally:
        lib.close()
    engine(ORT)  # type: ignore[operator]
    lib = Library(tmp_path / "lib")
    try:
        assert index_paths(lib, [photos]).embedded == 0  # nothing re-embedded
        assert lib.store.vector_counts() == before
        hits = find_similar(lib, photos / "coffee.jpg", k=3)
        assert hits[0].item.path.endswith("coffee_recompressed.jpg")
        emb = lib.embedder("efficientnet-lite0")
        assert emb.engine.startswith("ONNX Runtime")  # type: ignore[attr-defined]
        query = emb.embed([emb.prepare(photos / "coffee.jpg")])[0]
        stored = np.concatenate([c.matrix for c in lib.store.space_chunks("efficientnet-lite0")])
        assert float((stored @ query).max()) > 1 - 1e-3  # its PyTorch vector (float16-stored)
    finally:
        lib.close()


def test_a_graph_from_other_weights_is_not_used(tmp_path: Path) -> None:
    spec = get_spec("efficientnet-lite0")
    weights = locate_source(spec).path
    graphs = onnx_graphs.find_graphs(spec, tmp_path, weights)
    assert graphs is not None  # the session's shared graphs
    folder = tmp_path / "onnx"
    folder.mkdir()
    copy = folder / graphs["model"].name
    copy.write_bytes(graphs["model"].read_bytes())
    meta = onnx_graphs.read_meta(graphs["model"])
    copy.with_suffix(".json").write_text(json.dumps({**meta, "source": "0" * 64}))
    assert onnx_graphs.find_graphs(spec, tmp_path, weights) == graphs  # the stale one skipped


def test_engine_choice_is_the_models_property(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEDIABROWSER_ENGINE", raising=False)
    assert choose_engine(get_spec("efficientnet-lite0")) == ORT
    assert choose_engine(get_spec("frames:efficientnet-lite0")) == ORT  # follows its image model
    assert choose_engine(get_spec("voice-timbre")) == ORT
    assert choose_engine(get_spec("clip-vit-b-32")) == ORT
    assert choose_engine(get_spec("resnet50")) == TORCH  # no graph: PyTorch
    assert choose_engine(get_spec("mfcc")) == TORCH
    monkeypatch.setenv("MEDIABROWSER_ENGINE", TORCH)
    assert choose_engine(get_spec("efficientnet-lite0")) == TORCH


# Runs a command with PyTorch and every library built on it made unimportable: the small build.
NO_TORCH = """
import sys
for name in ("torch", "torchvision", "torchaudio", "torchcodec", "timm", "open_clip"):
    sys.modules[name] = None
from mediabrowser.cli import main
code = main(sys.argv[1:])
assert not any(m == "torch" or m.startswith("torch.") for m in sys.modules if sys.modules[m])
sys.exit(code)
"""


def _no_torch(*args: str | Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", NO_TORCH, *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_app_indexes_and_searches_without_pytorch(media: dict[str, Path],
                                                      tmp_path: Path) -> None:
    """Photos, a video and recordings indexed, searched and reported with PyTorch absent, on
    the shipped graphs alone (MEDIABROWSER_ONNX_DIR stands in for the bundle)."""
    env = {**os.environ, "MEDIABROWSER_LIBRARY": str(tmp_path / "lib")}
    env.pop("MEDIABROWSER_ENGINE", None)
    folder = tmp_path / "media"
    folder.mkdir()
    for key in ("chelsea", "coffee", "video", "speech", "speech_mp3", "tone"):
        (folder / media[key].name).write_bytes(media[key].read_bytes())
    done = _no_torch("index", folder, "--json", env=env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["embedded"] == 6 and not report["problems"], report
    assert report["engine"] == "ONNX Runtime · CPU"
    found = _no_torch("similar", folder / "speech.wav", "-k", "2", "--json", env=env)
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)[str(folder / "speech.wav")]
    assert hits[0]["path"].endswith("speech.mp3")
    # With PyTorch installed, a query on ONNX Runtime still never imports it (seconds of start-up)
    outside = tmp_path / "outside.jpg"
    outside.write_bytes(media["astronaut"].read_bytes())
    probe = ("import sys, io, contextlib\nfrom mediabrowser.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n"
             f"    main(['similar', {str(outside)!r}, '--json'])\n"
             "print('torch' in sys.modules)")
    imported = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                              text=True, timeout=300)
    assert imported.stdout.strip() == "False", imported.stderr
    status = _no_torch("status", "--json", env=env)
    engines = json.loads(status.stdout)["engines"]
    assert {e["engine"] for e in engines.values()} == {ORT}
    models = json.loads(_no_torch("models", "--json", env=env).stdout)
    by_name = {m["name"]: m for m in models}
    assert by_name["efficientnet-lite0"]["available"]
    assert not by_name["mfcc"]["available"]
    assert "PyTorch" in by_name["mfcc"]["reason"]


def test_a_damaged_cached_graph_is_exported_again(tmp_path: Path, engine: object,
                                                   media: dict[str, Path],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    spec = get_spec("efficientnet-lite0")
    weights = locate_source(spec).path
    shared = onnx_graphs.find_graphs(spec, tmp_path, weights)
    assert shared is not None
    folder = tmp_path / "onnx"
    folder.mkdir()
    damaged = folder / shared["model"].name
    damaged.write_bytes(shared["model"].read_bytes()[:100_000])  # cut short by a full disk
    damaged.with_suffix(".json").write_bytes(shared["model"].with_suffix(".json").read_bytes())
    monkeypatch.delenv("MEDIABROWSER_ONNX_DIR")  # no intact copy to fall back on
    engine(ORT)  # type: ignore[operator]
    emb = load_embedder("efficientnet-lite0", "cpu", tmp_path)
    assert emb.engine == "ONNX Runtime · CPU"  # type: ignore[attr-defined]
    assert damaged.stat().st_size == shared["model"].stat().st_size  # exported afresh
    assert emb.embed([emb.prepare(media["coffee"])]).shape == (1, 1280)


def test_a_graph_fixed_at_one_item_runs_batches_item_by_item(tmp_path: Path) -> None:
    from mediabrowser.core.embed.engine import OrtRunner

    torch.manual_seed(0)
    layer = torch.nn.Linear(4, 3).eval()
    path = tmp_path / "fixed.onnx"
    with torch.no_grad():
        torch.onnx.export(layer, (torch.zeros(1, 4),), str(path), dynamo=False,
                          opset_version=17)  # no dynamic batch axis: fixed at 1
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    runner = OrtRunner(str(path))
    assert runner.one_at_a_time
    with torch.no_grad():
        assert np.allclose(runner(x), layer(torch.from_numpy(x)).numpy(), atol=1e-5)


def test_clip_preprocessing_in_the_manifest_is_open_clips_pretrained_config() -> None:
    """Given a weights file, open_clip falls back to OpenAI's normalisation; the manifest must
    carry each pretrained tag's own (ViT-L-14 laion2b: mean = std = 0.5)."""
    import open_clip

    from mediabrowser.core.embed.registry import all_specs

    clips = [s for s in all_specs() if s.loader.endswith(":clip")]
    assert len(clips) >= 5
    for spec in clips:
        cfg = open_clip.get_pretrained_cfg(spec.options["arch"], spec.options["pretrained"])
        pre = spec.onnx["preprocess"]
        assert tuple(pre["mean"]) == tuple(cfg.get("mean") or open_clip.OPENAI_DATASET_MEAN)
        assert tuple(pre["std"]) == tuple(cfg.get("std") or open_clip.OPENAI_DATASET_STD)
    assert get_spec("clip-vit-l-14").onnx["preprocess"]["mean"] == [0.5, 0.5, 0.5]
