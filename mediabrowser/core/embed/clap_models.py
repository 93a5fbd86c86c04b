"""CLAP (LAION, Apache-2.0): recordings and words in one space, so sounds are found by a
description ("a dog barking", "rain on a window") as photos are through CLIP.

The weights are the Hugging Face checkpoint (model.safetensors) with RoBERTa's tokenizer files
beside it (vocab.json, merges.txt). The architecture is read from the checkpoint's tensor
shapes (layers, widths, heads, window, fusion), so one loader serves larger_clap_general,
larger_clap_music and the smaller HTSAT checkpoints. Both towers are exported to ONNX and run
on ONNX Runtime; the text graph's sidecar keeps the tokenizer, so it needs no other file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from mediabrowser.core.embed.base import ModelSpec, l2_normalise
from mediabrowser.core.embed.clap_inputs import BANDS, FRAMES, HOP, RATE, ClapInput
from mediabrowser.core.embed.engine import Runner
from mediabrowser.core.embed.roberta_tokenizer import RobertaTokenizer
from mediabrowser.core.types import BadInput

TOKENIZER_FILES = ("vocab.json", "merges.txt")
PREPROCESSOR = "preprocessor_config.json"
WINDOW_BATCH = 8  # windows per forward pass: bounds memory whatever the files' lengths


class ClapEmbedder:
    def __init__(self, spec: ModelSpec, audio: Runner, text: Runner,
                 tokenizer: RobertaTokenizer, inputs: ClapInput) -> None:
        self.spec = spec
        self.audio_runner = audio
        self.text_runner = text
        self.tokenizer = tokenizer
        self.inputs = inputs

    @property
    def engine(self) -> str:
        from mediabrowser.core.embed.engine import describe

        return describe(self.audio_runner)

    def file_input(self) -> ClapInput:
        return self.inputs

    def prepare(self, path: str | Path) -> np.ndarray:
        return self.inputs(str(path))[0]

    def embed(self, prepared: list[Any]) -> np.ndarray:
        """Each file's windows through the audio tower, averaged on the unit sphere."""
        if not prepared:
            return np.zeros((0, self.spec.dim), np.float32)
        windows = np.concatenate(prepared).astype(np.float32)
        rows = [self.audio_runner(windows[i:i + WINDOW_BATCH])
                for i in range(0, len(windows), WINDOW_BATCH)]
        per_window = l2_normalise(np.concatenate(rows))
        ends = np.cumsum([len(p) for p in prepared])
        files = [per_window[a:b].mean(axis=0) for a, b in zip([0, *ends[:-1]], ends, strict=True)]
        return l2_normalise(np.stack(files))

    def embed_text(self, texts: list[str]) -> np.ndarray:
        return l2_normalise(self.text_runner(self.tokenizer(texts)))


def read_tokenizer(weights: Path) -> RobertaTokenizer:
    """RoBERTa's vocab.json and merges.txt beside the weights (registry.companion_path)."""
    from mediabrowser.core.embed.registry import companion_path

    files = {n: companion_path(weights, n) for n in TOKENIZER_FILES}
    missing = [n for n, p in files.items() if p is None]
    if missing:
        raise BadInput(f"CLAP's tokenizer file {missing[0]} is missing beside {weights.name}")
    try:
        vocab = json.loads(Path(str(files["vocab.json"])).read_text(encoding="utf-8"))
        merges = Path(str(files["merges.txt"])).read_text(encoding="utf-8").splitlines()
    except (OSError, ValueError) as exc:
        raise BadInput(f"CLAP's tokenizer files cannot be read ({exc})") from None
    return RobertaTokenizer(vocab, merges)


def mel_settings(weights: Path | None, options: dict[str, Any]) -> dict[str, Any]:
    """The log-mel the checkpoint was trained on, from its preprocessor_config.json when it is
    beside the weights (as transformers reads it: "fusion" truncation means HTK-scale filters,
    any other Slaney's), else from the manifest."""
    from mediabrowser.core.embed.registry import companion_path

    d = {"mel_scale": str(options.get("mel_scale", "slaney")),
         "f_min": float(options.get("f_min", 50.0)), "f_max": float(options.get("f_max", 14_000))}
    found = companion_path(weights, PREPROCESSOR) if weights is not None else None
    if found is not None:
        try:
            cfg = json.loads(found.read_text(encoding="utf-8"))
            d = {"mel_scale": "htk" if cfg.get("truncation", "fusion") == "fusion" else "slaney",
                 "f_min": float(cfg.get("frequency_min", 0.0)),
                 "f_max": float(cfg.get("frequency_max", 14_000.0))}
            if (int(cfg.get("sampling_rate", RATE)) != RATE or int(cfg.get("hop_length", HOP))
                    != HOP or int(cfg.get("feature_size", BANDS)) != BANDS):
                raise BadInput(f"{found.name}: CLAP's features at another rate or size")
        except (OSError, ValueError, AttributeError) as exc:
            raise BadInput(f"{found.name} cannot be read ({exc})") from None
    return d


def config_from_shapes(shapes: dict[str, tuple[int, ...]], options: dict[str, Any]
                       ) -> dict[str, Any]:
    """transformers' ClapConfig arguments read off a checkpoint's tensor shapes."""
    def shape(key: str) -> tuple[int, ...]:
        if key not in shapes:
            raise BadInput(f"not a CLAP checkpoint (no {key})")
        return shapes[key]

    a = "audio_model.audio_encoder."
    depths: list[int] = []
    while f"{a}layers.{len(depths)}.blocks.0.layernorm_before.weight" in shapes:
        stage = len(depths)
        depths.append(sum(1 for k in shapes if k.startswith(f"{a}layers.{stage}.blocks.")
                          and k.endswith(".layernorm_before.weight")))
    if not depths:
        raise BadInput("not a CLAP checkpoint (no audio encoder layers)")
    heads = [shape(f"{a}layers.{i}.blocks.0.attention.self.relative_position_bias_table")[1]
             for i in range(len(depths))]
    table = shape(f"{a}layers.0.blocks.0.attention.self.relative_position_bias_table")[0]
    width = shape(f"{a}patch_embed.proj.weight")[0]
    fused = any(k.startswith(f"{a}patch_embed.fusion_model.") for k in shapes)
    t = "text_model."
    vocab, hidden = shape(f"{t}embeddings.word_embeddings.weight")
    layers = sum(1 for k in shapes if k.startswith(f"{t}encoder.layer.")
                 and k.endswith(".attention.self.query.weight"))
    audio = {"patch_embeds_hidden_size": width, "depths": depths, "num_attention_heads": heads,
             "window_size": (int(round(table ** 0.5)) + 1) // 2,
             "hidden_size": shape(f"{a}norm.weight")[0],
             "mlp_ratio": shape(f"{a}layers.0.blocks.0.intermediate.dense.weight")[0] / width,
             "enable_fusion": fused, "spec_size": int(options.get("spec_size", 256))}
    if fused:
        audio["fusion_type"] = "aff_2d"
    text = {"vocab_size": vocab, "hidden_size": hidden, "num_hidden_layers": layers,
            "num_attention_heads": max(1, hidden // 64),
            "intermediate_size": shape(f"{t}encoder.layer.0.intermediate.dense.weight")[0],
            "max_position_embeddings": shape(f"{t}embeddings.position_embeddings.weight")[0],
            "type_vocab_size": shape(f"{t}embeddings.token_type_embeddings.weight")[0]}
    return {"audio_config": audio, "text_config": text,
            "projection_dim": shape("audio_projection.linear1.weight")[0]}


def clap_torch(spec: ModelSpec, weights: Path) -> Any:
    """transformers' ClapModel built from the checkpoint's shapes, weights loaded strictly."""
    from safetensors import safe_open
    from safetensors.torch import load_file
    from transformers import ClapConfig, ClapModel

    try:
        with safe_open(str(weights), "np") as f:
            shapes = {k: tuple(f.get_slice(k).get_shape()) for k in f.keys()}  # noqa: SIM118
        state = load_file(str(weights))
    except Exception as exc:  # noqa: BLE001 - safetensors' own errors
        raise BadInput(f"{weights.name} is not a safetensors file ({str(exc)[:100]})") from None
    model = ClapModel(ClapConfig(**config_from_shapes(shapes, spec.options)))
    missing, unexpected = model.load_state_dict(state, strict=False)
    buffers = {n for n, _ in model.named_buffers()}
    missing = [k for k in missing if k not in buffers]
    if missing or unexpected:
        raise BadInput(f"{weights.name} does not fit CLAP's architecture "
                       f"({(missing or unexpected)[0]})")
    return model.eval()


def towers(model: Any) -> tuple[Any, Any]:
    """(audio, text) modules: log-mel windows (n, 1, 1001, 64) → features; token ids (n, 77)
    → features. The text tower masks its own padding; a fused model gets its four channels
    from the one window (what transformers does for a recording of 10 s or less)."""
    import torch

    pad = int(model.config.text_config.pad_token_id)
    fused = bool(model.config.audio_config.enable_fusion)

    class Audio(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.m = model

        def forward(self, x: Any) -> Any:
            if fused:
                x = x.expand(-1, 4, -1, -1)
            longer = torch.zeros((x.shape[0], 1), dtype=torch.bool, device=x.device)
            out = self.m.audio_model(input_features=x, is_longer=longer)
            return self.m.audio_projection(out.pooler_output)

    class Text(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.m = model

        def forward(self, ids: Any) -> Any:
            out = self.m.text_model(input_ids=ids, attention_mask=(ids != pad).long())
            return self.m.text_projection(out.pooler_output)

    return Audio().eval(), Text().eval()


def example_windows(n: int = 2) -> Any:
    """A fixed batch of made-up log-mel windows in CLAP's range (dB of quiet to loud sound)."""
    import torch

    rng = np.random.default_rng(0)
    x = -60 + 15 * rng.standard_normal((n, 1, FRAMES, 64)) + np.linspace(0, 20, 64)
    return torch.from_numpy(x.astype(np.float32))


def clap_parts(spec: ModelSpec, weights: Path | None) -> dict[str, Any]:
    """Both towers as the ONNX exporter needs them (onnx_graphs.EXPORTERS)."""
    import torch

    assert weights is not None
    tokenizer = read_tokenizer(weights)
    audio, text = towers(clap_torch(spec, weights))
    ids = torch.from_numpy(tokenizer(["a dog barking in the rain", "piano music"]))
    mel = {"preprocess": mel_settings(weights, spec.options)}
    return {"audio": (audio, example_windows(), mel),
            "text": (text, ids, {"tokenizer": tokenizer.as_dict()})}


def clap(spec: ModelSpec, weights: Path | None, device: str,
         models_dir: Path | None = None) -> ClapEmbedder:
    """Its audio and text graphs on ONNX Runtime (exported from the weights on first use),
    else the towers on PyTorch."""
    from mediabrowser.core.embed.engine import torch_device
    from mediabrowser.core.embed.graph_files import find_graphs, read_meta
    from mediabrowser.core.embed.onnx_graphs import runner_for
    from mediabrowser.core.embed.registry import default_models_dir

    built: dict[str, Any] = {}

    def tower(i: int) -> Any:
        assert weights is not None
        if "towers" not in built:
            built["towers"] = towers(clap_torch(spec, weights).to(torch_device(device)))
        return built["towers"][i]

    audio = runner_for(spec, weights, device, models_dir, lambda: tower(0), part="audio")
    text = runner_for(spec, weights, device, models_dir, lambda: tower(1), part="text")
    graphs = find_graphs(spec, models_dir or default_models_dir(), weights) or {}
    meta = read_meta(graphs["text"]).get("tokenizer") if "text" in graphs else None
    if meta:
        tokenizer = RobertaTokenizer.from_dict(meta)
    elif weights is not None:
        tokenizer = read_tokenizer(weights)
    else:
        raise BadInput(f"{spec.name}: no tokenizer (its text graph's sidecar has none)")
    mel = read_meta(graphs["audio"]).get("preprocess") if "audio" in graphs else None
    mel = mel or mel_settings(weights, spec.options)
    return ClapEmbedder(spec, audio, text, tokenizer,
                        ClapInput(str(mel["mel_scale"]), float(mel["f_min"]), float(mel["f_max"])))
