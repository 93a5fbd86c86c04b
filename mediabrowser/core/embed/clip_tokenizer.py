"""CLIP's byte-pair tokenizer in plain Python (open_clip's SimpleTokenizer gives the same ids,
which a test checks), so text search runs on ONNX Runtime without PyTorch. The vocabulary is
OpenAI CLIP's (MIT licence), shipped in resources/clip-bpe-vocab.txt.gz.
"""

from __future__ import annotations

import gzip
import html
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from mediabrowser.core.types import BadInput

CONTEXT = 77


def vocab_path() -> Path:
    from mediabrowser.paths import resource_dir

    return resource_dir() / "clip-bpe-vocab.txt.gz"


@cache
def byte_to_unicode() -> dict[int, str]:
    """GPT-2's reversible map of bytes to printable characters."""
    bs = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
          + list(range(ord("®"), ord("ÿ") + 1)))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs), strict=True))


def merge_pairs(word: list[str], ranks: dict[tuple[str, str], int]) -> list[str]:
    """Byte-pair encoding of one word: the best-ranked neighbouring pair merged, again and
    again, until no pair has a rank (CLIP's and GPT-2's, hence RoBERTa's, algorithm)."""
    while len(word) > 1:
        best = min(((word[i], word[i + 1]) for i in range(len(word) - 1)),
                   key=lambda p: ranks.get(p, 1 << 30))
        if best not in ranks:
            break
        merged: list[str] = []
        i = 0
        while i < len(word):
            if i < len(word) - 1 and (word[i], word[i + 1]) == best:
                merged.append(word[i] + word[i + 1])
                i += 2
            else:
                merged.append(word[i])
                i += 1
        word = merged
    return word


def describe_tokenizer(tokenizer: Any) -> dict[str, Any]:
    """What a torch-free ClipTokenizer needs to reproduce open_clip's `tokenizer`."""
    if type(tokenizer).__name__ != "SimpleTokenizer" or getattr(tokenizer, "reduction_fn", None):
        raise BadInput(f"text search without PyTorch supports CLIP's own tokenizer, "
                         f"not {type(tokenizer).__name__}")
    clean = getattr(getattr(tokenizer, "clean_fn", None), "__name__", "_clean_lower")
    return {"kind": "clip_bpe", "context_length": int(tokenizer.context_length or CONTEXT),
            "clean": clean.removeprefix("_clean_")}


class ClipTokenizer:
    def __init__(self, context_length: int = CONTEXT, clean: str = "lower",
                 vocab: Path | None = None) -> None:
        import regex

        if clean not in ("lower", "whitespace"):
            raise ValueError(f"unsupported text cleaning {clean!r}")
        with gzip.open(vocab or vocab_path()) as f:
            merges_text = f.read().decode("utf-8").split("\n")
        merges = [tuple(m.split()) for m in merges_text[1:49152 - 256 - 2 + 1]]
        units = list(byte_to_unicode().values())
        words = units + [u + "</w>" for u in units] + ["".join(m) for m in merges]
        words += ["<start_of_text>", "<end_of_text>"]
        self.encoder = {w: i for i, w in enumerate(words)}
        self.ranks = {(m[0], m[1]): i for i, m in enumerate(merges)}
        self.sot, self.eot = self.encoder["<start_of_text>"], self.encoder["<end_of_text>"]
        self.context_length = context_length
        self.lower = clean == "lower"
        self.pattern = regex.compile(
            r"<start_of_text>|<end_of_text>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|"
            r"[^\s\p{L}\p{N}]+", regex.IGNORECASE)
        self.cache: dict[str, str] = {}

    def _bpe(self, token: str) -> str:
        if token in self.cache:
            return self.cache[token]
        word = merge_pairs([*token[:-1], token[-1] + "</w>"], self.ranks)
        self.cache[token] = out = " ".join(word)
        return out

    def _clean(self, text: str) -> str:
        try:
            import ftfy

            text = ftfy.fix_text(text)
        except ImportError:  # ftfy only repairs mojibake; plain text tokenises the same
            pass
        text = " ".join(html.unescape(html.unescape(text)).strip().split()).strip()
        return text.lower() if self.lower else text

    def encode(self, text: str) -> list[int]:
        units = byte_to_unicode()
        ids: list[int] = []
        for token in self.pattern.findall(self._clean(text)):
            token = "".join(units[b] for b in token.encode("utf-8"))
            ids.extend(self.encoder[t] for t in self._bpe(token).split(" "))
        return ids

    def __call__(self, texts: list[str]) -> np.ndarray:
        """(n, context_length) int64 token ids, zero-padded, cut with an end token."""
        out = np.zeros((len(texts), self.context_length), np.int64)
        for row, text in enumerate(texts):
            ids = [self.sot, *self.encode(text), self.eot]
            if len(ids) > self.context_length:
                ids = ids[: self.context_length]
                ids[-1] = self.eot
            out[row, : len(ids)] = ids
        return out
