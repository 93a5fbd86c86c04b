"""Audio embedders with no weights: MFCC statistics and a time-averaged log-mel spectrogram."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from mediabrowser.core.embed.base import ModelSpec, unit_rows
from mediabrowser.core.embed.engine import Runner, describe
from mediabrowser.core.embed.file_inputs import SoundInput, VoiceInput
from mediabrowser.core.embed.preprocess import VOICE_PARTIAL, voice_partials
from mediabrowser.core.media.decode import AUDIO_RATE, load_audio
from mediabrowser.core.types import BadInput


class FeatureEmbedder:
    """Runs a torchaudio transform over each waveform and summarises it over time."""

    def __init__(self, spec: ModelSpec, transform: Any, summarise: Any) -> None:
        self.spec = spec
        self.transform = transform
        self.summarise = summarise

    def prepare(self, path: str | Path) -> Any:
        return load_audio(path)

    def file_input(self) -> SoundInput:
        """`prepare` as a picklable object, for the decode workers."""
        return SoundInput()

    def embed(self, prepared: list[Any]) -> np.ndarray:
        import torch

        rows = []
        with torch.inference_mode():
            for wav in prepared:
                x = torch.from_numpy(np.ascontiguousarray(wav, dtype=np.float32))
                if x.numel() < 400:  # shorter than one analysis window: pad with silence
                    x = torch.nn.functional.pad(x, (0, 400 - x.numel()))
                rows.append(self.summarise(self.transform(x)).numpy())
        return unit_rows(rows, self.spec.dim)


def mfcc(spec: ModelSpec, weights: Path | None, device: str,
         models_dir: Path | None = None) -> FeatureEmbedder:
    """20 MFCCs (25 ms windows, 10 ms hop), mean and standard deviation over time → 40-d."""
    import torch
    import torchaudio.transforms as AT

    transform = AT.MFCC(sample_rate=AUDIO_RATE, n_mfcc=20,
                        melkwargs={"n_fft": 400, "hop_length": 160, "n_mels": 40})

    def summarise(m: Any) -> Any:
        return torch.cat([m.mean(dim=-1), m.std(dim=-1, unbiased=False)])

    return FeatureEmbedder(spec, transform, summarise)


def melspec(spec: ModelSpec, weights: Path | None, device: str,
            models_dir: Path | None = None) -> FeatureEmbedder:
    """64-band log-mel spectrogram averaged over time → 64-d."""
    import torch
    import torchaudio.transforms as AT

    transform = AT.MelSpectrogram(sample_rate=AUDIO_RATE, n_fft=400, hop_length=160, n_mels=64)

    def summarise(m: Any) -> Any:
        return torch.log(m + 1e-6).mean(dim=-1)

    return FeatureEmbedder(spec, transform, summarise)


class GE2EVoiceEmbedder:
    """The GE2E speaker encoder that Resemblyzer ships (3-layer LSTM over 40 mel bands, 256-d).

    Follows Resemblyzer's embed_utterance: volume set to -30 dBFS, mel power spectrogram
    (25 ms windows, 10 ms hop), 1.6 s partial utterances at 1.3 per second, partial embeddings
    averaged. Resemblyzer's voice-activity trimming (webrtcvad) is left out: silences add little
    to a speaker's average and the dependency is a C extension with no wheels. Resemblyzer only
    ever raises the volume; the encoder reads mel power, not its log, so a loud recording and
    its quieter copy came out 0.94 apart. Lowering it too makes them one (set A's speakers rank
    a little better, set B's a little worse: BENCHMARKS.md).
    """

    PARTIAL = VOICE_PARTIAL

    def __init__(self, spec: ModelSpec, runner: Runner) -> None:
        self.spec = spec
        self.runner = runner

    @property
    def engine(self) -> str:
        return describe(self.runner)

    def prepare(self, path: str | Path) -> Any:
        return self.partials(load_audio(path))

    def file_input(self) -> VoiceInput:
        """`prepare` as a picklable object, for the decode workers."""
        return VoiceInput()

    def partials(self, wav: np.ndarray) -> np.ndarray:
        """(n, 160, 40) 1.6 s mel partials of a recording, as the encoder takes them."""
        return voice_partials(wav, AUDIO_RATE)

    def embed(self, prepared: list[Any]) -> np.ndarray:
        return unit_rows(self.voices(prepared), self.spec.dim)

    def voice(self, partials: Any) -> np.ndarray:
        """The mean of the partials' unit embeddings (not yet normalised)."""
        return self.voices([partials])[0]

    def voices(self, batch: list[Any]) -> list[np.ndarray]:
        """voice() of several recordings, their partials run through the encoder together."""
        return [e.mean(axis=0) for e in self.partial_embeddings(batch)]

    def partial_embeddings(self, batch: list[Any]) -> list[np.ndarray]:
        """Each recording's unit partial embeddings, all partials in one run of the encoder."""
        if not batch:
            return []
        e = self.runner(np.concatenate([np.asarray(p, np.float32) for p in batch]))
        out, start = [], 0
        for partials in batch:
            out.append(e[start:start + len(partials)])
            start += len(partials)
        return out


def ge2e_encoder(weights: Path) -> Any:
    """Resemblyzer's LSTM and projection as one PyTorch module: (n, 160, 40) mel partials →
    (n, 256) unit-length partial embeddings."""
    import torch

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = torch.nn.LSTM(40, 256, 3, batch_first=True)
            self.linear = torch.nn.Linear(256, 256)

        def forward(self, mel: Any) -> Any:
            _, (hidden, _) = self.lstm(mel)
            e = torch.relu(self.linear(hidden[-1]))
            return e / torch.norm(e, dim=1, keepdim=True).clamp_min(1e-9)

    encoder = Encoder()
    ckpt = torch.load(str(weights), map_location="cpu", weights_only=True)
    state = ckpt.get("model_state", ckpt) if isinstance(ckpt, dict) else ckpt
    own = {k: v for k, v in state.items() if k.split(".")[0] in ("lstm", "linear")}
    missing, _ = encoder.load_state_dict(own, strict=False)
    if missing:
        raise BadInput(f"weights file {weights.name} does not match the GE2E encoder")
    return encoder.eval()


def ge2e_runner(spec: ModelSpec, weights: Path | None, device: str,
                models_dir: Path | None) -> Runner:
    from mediabrowser.core.embed.onnx_graphs import runner_for

    def build() -> Any:
        assert weights is not None
        from mediabrowser.core.embed.engine import torch_device

        return ge2e_encoder(weights).to(torch_device(device))

    return runner_for(spec, weights, device, models_dir, build)


def ge2e(spec: ModelSpec, weights: Path | None, device: str,
         models_dir: Path | None = None) -> GE2EVoiceEmbedder:
    return GE2EVoiceEmbedder(spec, ge2e_runner(spec, weights, device, models_dir))


VOICE_TIMBRE_PARAMS = Path(__file__).with_name("voice_timbre.json")


class VoiceTimbreEmbedder:
    """The default audio model: speech goes to the GE2E voice encoder, music and other sounds
    to timbre features (sound_features.timbre, standardised with statistics fixed on a
    reference set). One vector holds both halves, weighted by how speech-like the recording
    is, so a voice matches the same voice and a cello other cellos, in one index.

    The parameters (reference statistics, the speech gate) come from voice_timbre.json,
    written by bench/fit_audio_reference.py.
    """

    def __init__(self, spec: ModelSpec, voice: GE2EVoiceEmbedder, params: dict[str, Any]) -> None:
        self.spec = spec
        self.voice = voice
        self.mean = np.asarray(params["timbre_mean"], np.float64)
        self.std = np.asarray(params["timbre_std"], np.float64)
        self.prototype = np.asarray(params["speech_prototype"], np.float64)
        self.rate_mid, self.rate_scale = params["rate_mid"], params["rate_scale"]
        self.proto_mid, self.proto_scale = params["proto_mid"], params["proto_scale"]
        self.groups = [slice(a, b) for a, b in params["timbre_groups"]]
        self.gate_lo, self.gate_hi, self.w_min, self.w_max = params["gate"]

    @property
    def engine(self) -> str:
        return self.voice.engine

    def prepare(self, path: str | Path) -> Any:
        from mediabrowser.core.embed import sound_features as sf

        wav = load_audio(path)
        return self.voice.partials(wav), sf.timbre(wav), sf.speech_rate(wav)

    def file_input(self) -> VoiceInput:
        """`prepare` as a picklable object, for the decode workers."""
        return VoiceInput(timbre=True)

    def speech_weight(self, voice: np.ndarray, rate: float) -> float:
        """How much of the vector is the voice half: w_max for clear speech, w_min otherwise."""
        def sig(x: float) -> float:
            return float(1 / (1 + np.exp(-np.clip(x, -50, 50))))

        unit = voice / (np.linalg.norm(voice) or 1.0)
        s = (sig((rate - self.rate_mid) / self.rate_scale)
             + sig((float(unit @ self.prototype) - self.proto_mid) / self.proto_scale)) / 2
        t = min(1.0, max(0.0, (s - self.gate_lo) / (self.gate_hi - self.gate_lo)))
        return float(self.w_min + (self.w_max - self.w_min) * t)

    def embed(self, prepared: list[Any]) -> np.ndarray:
        rows = []
        voices = self.voice.voices([p[0] for p in prepared])
        for (_, timbre, rate), voice in zip(prepared, voices, strict=True):
            z = (timbre - self.mean) / self.std
            parts = [z[g] / (np.linalg.norm(z[g]) or 1.0) for g in self.groups]
            h = np.concatenate(parts) / np.sqrt(len(parts))
            w = self.speech_weight(voice, rate)
            v = voice / (np.linalg.norm(voice) or 1.0)
            rows.append(np.concatenate([np.sqrt(1 - w * w) * h, w * v]))
        return unit_rows(rows, self.spec.dim)


def voice_timbre(spec: ModelSpec, weights: Path | None, device: str,
                 models_dir: Path | None = None) -> VoiceTimbreEmbedder:
    import json

    params = json.loads(VOICE_TIMBRE_PARAMS.read_text(encoding="utf-8"))
    voice = GE2EVoiceEmbedder(spec, ge2e_runner(spec, weights, device, models_dir))
    return VoiceTimbreEmbedder(spec, voice, params)


class SSLAudioEmbedder:
    """A torchaudio self-supervised speech model; the final layer's frames, mean-pooled."""

    MAX_SECONDS = 30.0  # attention cost grows with the square of the length

    def __init__(self, spec: ModelSpec, model: Any, device: str) -> None:
        self.spec = spec
        from mediabrowser.core.embed.engine import torch_device

        self.device = torch_device(device)
        self.model = model.eval().to(self.device)

    def prepare(self, path: str | Path) -> Any:
        import torch

        wav = load_audio(path, max_seconds=self.MAX_SECONDS)
        if wav.size < AUDIO_RATE // 10:
            wav = np.pad(wav, (0, AUDIO_RATE // 10 - wav.size))
        return torch.from_numpy(wav)

    def embed(self, prepared: list[Any]) -> np.ndarray:
        import torch

        out = []
        with torch.inference_mode():
            for wav in prepared:
                layers, _ = self.model.extract_features(wav[None].to(self.device))
                out.append(layers[-1][0].mean(dim=0).float().cpu().numpy())
        return unit_rows(out, self.spec.dim)


def torchaudio_ssl(spec: ModelSpec, weights: Path | None, device: str,
                   models_dir: Path | None = None) -> SSLAudioEmbedder:
    """WAV2VEC2_BASE, HUBERT_BASE or WAVLM_BASE, built from the bundle's own configuration and
    loaded from the weights file (the same file the bundle would download)."""
    import torchaudio.models as TM
    from torchaudio import pipelines

    from mediabrowser.core.embed.weights import check_fits, load_state_dict

    assert weights is not None
    bundle = getattr(pipelines, spec.options["bundle"])
    params = dict(bundle._params)
    build = TM.wavlm_model if "encoder_max_distance" in params else TM.wav2vec2_model
    model = build(**params)
    check_fits(model, load_state_dict(weights), weights)
    return SSLAudioEmbedder(spec, model, device)


def ge2e_parts(spec: ModelSpec, weights: Path | None) -> dict[str, Any]:
    """The voice encoder as the ONNX exporter needs it (onnx_graphs.EXPORTERS)."""
    import torch

    assert weights is not None
    rng = np.random.default_rng(0)
    mel = torch.from_numpy(rng.gamma(0.5, 0.02, (3, 160, 40)).astype(np.float32))
    return {"model": (ge2e_encoder(weights), mel, {})}
