"""Which function decodes a file for the models: by kind and file extension.

The app registers its own (camera RAW through LibRaw's embedded preview); anyone may register
more, e.g. for a format Pillow cannot read. Indexing decodes in worker processes
(core/jobs/decode_pool.py), so a decoder must be a module-level function: it is pickled by
reference and every worker receives the registry as it was when the pool started.

Signatures by kind:
- "image": fn(path: str, min_side: int | None) -> PIL.Image.Image (any mode; made RGB after)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

Decoder = Callable[..., Any]

_lock = threading.Lock()
_decoders: dict[tuple[str, str], Decoder] = {}


def _key(kind: str, suffix: str) -> tuple[str, str]:
    suffix = suffix.lower()
    return kind, suffix if suffix.startswith(".") else "." + suffix


def register_decoder(kind: str, suffix: str, fn: Decoder) -> None:
    """Decode files of `kind` ending in `suffix` (".cr2", case ignored) with `fn`."""
    with _lock:
        _decoders[_key(kind, suffix)] = fn


def unregister_decoder(kind: str, suffix: str) -> None:
    with _lock:
        _decoders.pop(_key(kind, suffix), None)


def decoder_for(kind: str, path: str | Path) -> Decoder | None:
    return _decoders.get(_key(kind, Path(path).suffix))


def registered() -> dict[tuple[str, str], Decoder]:
    """A copy of the registry, as a worker process receives it."""
    with _lock:
        return dict(_decoders)


def install(decoders: Mapping[tuple[str, str], Decoder]) -> None:
    """Take over a registry received from the parent process (in a worker)."""
    with _lock:
        _decoders.update(decoders)
