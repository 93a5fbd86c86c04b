"""A CLIP model downloaded as ONNX graphs (the small build's route): fetched, checked, installed,
then searching by text and by image on ONNX Runtime with the torch-free tokenizer. The graphs
are exported here from a randomly initialised open_clip ViT-B-32 and served on 127.0.0.1."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from mediabrowser.core.embed import onnx_graphs
from mediabrowser.core.embed.graph_download import GraphDownloadFailed, download_graphs_job
from mediabrowser.core.embed.image_models import clip
from mediabrowser.core.embed.registry import forget_loaded, get_spec
from mediabrowser.core.jobs.pipeline import run_to_end
from tests.core.test_model_manager import WeightsServer


@pytest.fixture(scope="module")
def clip_graphs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    import open_clip
    from safetensors.torch import save_file

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("clip-export")
    weights = folder / "clip-vit-b-32.safetensors"
    save_file({k: v.contiguous() for k, v in open_clip.create_model("ViT-B-32").state_dict()
               .items()}, str(weights))
    graphs = onnx_graphs.export(get_spec("clip-vit-b-32"), weights, folder / "onnx")
    # exported with the pretrained tag's own preprocessing, as the manifest states it
    assert (onnx_graphs.read_meta(graphs["visual"])["preprocess"]
            == get_spec("clip-vit-b-32").onnx["preprocess"])
    return graphs


@pytest.fixture
def servers(clip_graphs: dict[str, Path]) -> Iterator[dict[str, WeightsServer]]:
    out = {part: WeightsServer(path.read_bytes()) for part, path in clip_graphs.items()}
    yield out
    for s in out.values():
        s.close()


def _spec(servers: dict[str, WeightsServer]) -> object:
    base = get_spec("clip-vit-b-32")
    return dataclasses.replace(base, onnx={**base.onnx, "visual_url": servers["visual"].url,
                                            "text_url": servers["text"].url})


def test_downloaded_clip_graphs_search_by_text_and_image(
        servers: dict[str, WeightsServer], clip_graphs: dict[str, Path], tmp_path: Path,
        photos: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _spec(servers)
    models = tmp_path / "models"
    servers["visual"].cut_after = 1 << 20  # the network drops once: the download resumes
    with pytest.raises(Exception, match="broke|closed"):
        run_to_end(download_graphs_job(spec, models))  # type: ignore[arg-type]
    run_to_end(download_graphs_job(spec, models))  # type: ignore[arg-type]
    assert any(r and r.startswith("bytes=") for r in servers["visual"].ranges)
    installed = onnx_graphs.find_graphs(spec, models)  # type: ignore[arg-type]
    assert installed is not None and installed["visual"].parent == models / "onnx"
    assert installed["visual"].read_bytes() == clip_graphs["visual"].read_bytes()
    assert not list((models / "onnx").glob("*.part"))

    monkeypatch.setenv("MEDIABROWSER_ENGINE", "onnxruntime")
    forget_loaded()
    emb = clip(spec, None, "cpu", models)  # type: ignore[arg-type]  # no weights file at all
    assert emb.engine == "ONNX Runtime · CPU"
    text = emb.embed_text(["a photo of a cat", "a rocket"])
    images = emb.embed([emb.prepare(photos / "chelsea.jpg"), emb.prepare(photos / "rocket.jpg")])
    assert text.shape == images.shape == (2, 512)
    # the same numbers as open_clip's own towers on PyTorch (from the exported weights)
    import open_clip
    from PIL import Image

    torch.manual_seed(0)
    model, _, preprocess = open_clip.create_model_and_transforms("ViT-B-32")
    model.eval()
    tokens = open_clip.get_tokenizer("ViT-B-32")(["a photo of a cat", "a rocket"])
    pictures = torch.stack([preprocess(Image.open(photos / n).convert("RGB"))
                            for n in ("chelsea.jpg", "rocket.jpg")])
    with torch.no_grad():
        expected = torch.nn.functional.normalize(model.encode_text(tokens), dim=-1).numpy()
        seen = torch.nn.functional.normalize(model.encode_image(pictures), dim=-1).numpy()
    assert np.abs(text - expected).max() < 1e-4
    # the images through the torch-free preprocessing and ONNX Runtime, on real photos
    assert np.abs(images - seen).max() < 1e-3


def test_a_download_that_is_not_a_graph_is_refused(tmp_path: Path) -> None:
    page = WeightsServer(b"<html>Sign in to continue</html>" * 100)
    try:
        base = get_spec("clip-vit-b-32")
        spec = dataclasses.replace(base, onnx={**base.onnx, "visual_url": page.url,
                                                "text_url": page.url})
        with pytest.raises(GraphDownloadFailed, match="not a usable ONNX graph"):
            run_to_end(download_graphs_job(spec, tmp_path / "models"))
        assert not list((tmp_path / "models" / "onnx").iterdir())  # nothing left behind
    finally:
        page.close()
