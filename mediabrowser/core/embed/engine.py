"""Inference engines: where a model's forward pass runs.

A model runs on ONNX Runtime when it has an ONNX graph (manifest "onnx"), on PyTorch otherwise.
Callers see a Runner: NumPy in, NumPy out, with `engine` and `device` to show people. Which
engine is used is decided here from the model's spec, never in the embedders' callers.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from mediabrowser.core.embed.base import ModelSpec
from mediabrowser.core.types import BadInput, UserError

ORT = "onnxruntime"
TORCH = "pytorch"
ENGINE_NAMES = {ORT: "ONNX Runtime", TORCH: "PyTorch"}

# ONNX Runtime's providers for each device the app names; the CPU provider always comes last.
PROVIDERS = {
    "cuda": ("CUDAExecutionProvider",),
    "dml": ("DmlExecutionProvider",),
    "mps": ("CoreMLExecutionProvider",),
    "cpu": (),
    "auto": ("CUDAExecutionProvider", "DmlExecutionProvider", "CoreMLExecutionProvider"),
}
PROVIDER_WORDS = {"CPUExecutionProvider": "CPU", "CUDAExecutionProvider": "CUDA GPU",
                  "DmlExecutionProvider": "DirectML GPU", "CoreMLExecutionProvider": "Core ML"}


class EngineMissing(UserError, RuntimeError):
    """The model needs an engine this build leaves out; the message says which and why."""


class Runner(Protocol):
    engine: str  # ORT or TORCH
    device: str  # what the forward pass runs on, in words ("CPU", "CUDA GPU")

    def __call__(self, *inputs: np.ndarray) -> np.ndarray:
        """Inputs as NumPy arrays → the first output as float32."""


def has_torch() -> bool:
    return importlib.util.find_spec("torch") is not None


def has_onnxruntime() -> bool:
    return importlib.util.find_spec("onnxruntime") is not None


def engines_of(spec: ModelSpec) -> tuple[str, ...]:
    """The engines a model can run on, preferred first."""
    return (ORT, TORCH) if spec.onnx else (TORCH,)


def choose_engine(spec: ModelSpec, preference: str | None = None) -> str:
    """ONNX Runtime where the model has a graph and ORT is installed; PyTorch otherwise.
    MEDIABROWSER_ENGINE=pytorch|onnxruntime overrides "auto" (for comparisons and tests)."""
    pref = (preference or os.environ.get("MEDIABROWSER_ENGINE") or "auto").lower()
    offered = engines_of(spec)
    if pref not in ("auto", ORT, TORCH):
        raise BadInput(f"unknown engine {pref!r} (choose auto, {ORT} or {TORCH})")
    if pref != "auto" and pref in offered:
        if pref == ORT and not has_onnxruntime():
            raise EngineMissing(f"{spec.name}: ONNX Runtime is not installed")
        if pref == TORCH and not has_torch():
            raise EngineMissing(f"{spec.name}: PyTorch is not installed in this build")
        return pref
    if ORT in offered and has_onnxruntime():
        return ORT
    if has_torch():
        return TORCH
    raise EngineMissing(
        f"{spec.name} runs only on PyTorch, which this build leaves out "
        "(install the full build, or choose a model marked ONNX Runtime)")


def ort_providers(device: str) -> list[str]:
    import onnxruntime as ort

    present = set(ort.get_available_providers())
    wanted = [p for p in PROVIDERS.get(device, ()) if p in present]
    return [*wanted, "CPUExecutionProvider"]


def ort_device_words(providers: Sequence[str]) -> str:
    return PROVIDER_WORDS.get(providers[0], providers[0]) if providers else "CPU"


class OrtRunner:
    """An ONNX Runtime session using every core for one batch (the decode pool runs beside it:
    a forward holds no Python lock)."""

    engine = ORT

    def __init__(self, graph: str, device: str = "cpu", threads: int | None = None) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or (os.cpu_count() or 1)
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3  # warnings about unused initialisers are not the user's
        # Idle ORT threads sleep instead of spinning: the decode pool needs those cores.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(graph, sess_options=opts,
                                            providers=ort_providers(device))
        self.device = ort_device_words(self.session.get_providers())
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.input_types = [i.type for i in self.session.get_inputs()]
        # Graphs exported with a fixed batch of one (some published ones) run item by item.
        first = self.session.get_inputs()[0].shape
        self.one_at_a_time = bool(first) and first[0] == 1

    def __call__(self, *inputs: np.ndarray) -> np.ndarray:
        if self.one_at_a_time and len(inputs[0]) > 1:
            return np.concatenate([self._run(*(x[i:i + 1] for x in inputs))
                                   for i in range(len(inputs[0]))])
        return self._run(*inputs)

    def _run(self, *inputs: np.ndarray) -> np.ndarray:
        feed = {}
        for name, kind, x in zip(self.inputs, self.input_types, inputs, strict=True):
            dtype = np.int64 if "int64" in kind else np.int32 if "int32" in kind else np.float32
            feed[name] = np.ascontiguousarray(x, dtype=dtype)
        out = self.session.run(None, feed)[0]
        return np.asarray(out, dtype=np.float32)


class TorchRunner:
    """A PyTorch module (or one of its methods) behind the same NumPy interface."""

    engine = TORCH

    def __init__(self, forward: Callable[[Any], Any], device: str) -> None:
        import torch

        self._torch = torch
        self._forward = forward
        self.torch_device = torch_device(device)
        self.device = torch_device_words(self.torch_device)

    def __call__(self, *inputs: np.ndarray) -> np.ndarray:
        torch = self._torch
        with torch.inference_mode():
            xs = [torch.as_tensor(np.asarray(x)).to(self.torch_device) for x in inputs]
            if self.torch_device == "cuda":
                with torch.autocast("cuda", dtype=torch.float16):
                    out = self._forward(*xs)
            else:
                out = self._forward(*xs)
            return np.asarray(out.float().cpu().numpy(), dtype=np.float32)


def torch_device(device: str) -> str:
    """Where PyTorch can run: "cuda"/"mps" only when PyTorch itself sees that GPU (ONNX
    Runtime's providers say what its package was built with, not what the machine has)."""
    import torch

    if device in ("cuda", "auto") and torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if device in ("mps", "auto") and mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def describe(runner: Runner | None) -> str:
    """"ONNX Runtime · CPU", for the status bar and `mediabrowser status`."""
    if runner is None:
        return "no engine"
    return f"{ENGINE_NAMES.get(runner.engine, runner.engine)} · {runner.device}"


def engine_words(embedder: Any, device: str) -> str:
    """The engine and device an embedder runs on; models without a runner are PyTorch's."""
    words = getattr(embedder, "engine", None)
    if isinstance(words, str) and words:
        return words
    return f"PyTorch · {torch_device_words(str(getattr(embedder, 'device', device)))}"


def torch_device_words(device: str) -> str:
    return {"cuda": "CUDA GPU", "mps": "Apple GPU"}.get(torch_device(device), "CPU")


def planned(spec: ModelSpec, device: str) -> tuple[str, str]:
    """(engine, device words) a model would run on here, without loading it."""
    try:
        engine = choose_engine(spec)
    except EngineMissing:
        return "", ""
    if engine == ORT:
        return ORT, ort_device_words(ort_providers(device))
    return TORCH, torch_device_words(device)
