"""RoBERTa's byte-level BPE (GPT-2's) in plain Python, as CLAP's text tower reads words, so
searching sounds by words runs on ONNX Runtime without PyTorch or `transformers`. The
vocabulary and merges come with the model's weights (vocab.json, merges.txt); a test checks
the ids against transformers' RobertaTokenizer.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mediabrowser.core.embed.clip_tokenizer import byte_to_unicode, merge_pairs
from mediabrowser.core.types import BadInput

CONTEXT = 77  # what LAION's CLAP was trained with; the graph masks the padding itself
# GPT-2's pre-tokeniser: contractions, words and numbers with their leading space, the rest.
PATTERN = (r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")


class RobertaTokenizer:
    def __init__(self, vocab: dict[str, int], merges: list[str],
                 context_length: int = CONTEXT) -> None:
        import regex

        try:
            self.encoder = {str(k): int(v) for k, v in vocab.items()}
            pairs = [tuple(m.split()) for m in merges if m and not m.startswith("#version")]
            self.ranks = {(p[0], p[1]): i for i, p in enumerate(pairs) if len(p) == 2}
            self.bos, self.eos = self.encoder["<s>"], self.encoder["</s>"]
            self.pad, self.unk = self.encoder["<pad>"], self.encoder.get("<unk>", 3)
        except (KeyError, ValueError, AttributeError, TypeError) as exc:
            raise BadInput(f"the CLAP tokenizer files are not RoBERTa's ({exc})") from None
        self.context_length = context_length
        self.pattern = regex.compile(PATTERN)
        self.cache: dict[str, list[str]] = {}

    def as_dict(self) -> dict[str, Any]:
        """What a graph's sidecar keeps so that the graph needs no other file."""
        merges = [f"{a} {b}" for (a, b), _ in sorted(self.ranks.items(), key=lambda kv: kv[1])]
        return {"kind": "roberta_bpe", "context_length": self.context_length,
                "vocab": self.encoder, "merges": merges}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RobertaTokenizer:
        return cls(d["vocab"], d["merges"], int(d.get("context_length", CONTEXT)))

    def _bpe(self, token: str) -> list[str]:
        if token in self.cache:
            return self.cache[token]
        word = merge_pairs(list(token), self.ranks)
        self.cache[token] = word
        return word

    def encode(self, text: str) -> list[int]:
        units = byte_to_unicode()
        ids: list[int] = []
        for token in self.pattern.findall(text):
            token = "".join(units[b] for b in token.encode("utf-8"))
            ids.extend(self.encoder.get(t, self.unk) for t in self._bpe(token))
        return ids

    def __call__(self, texts: list[str]) -> np.ndarray:
        """(n, context_length) int64 ids: <s> text </s>, cut to fit, then <pad>."""
        out = np.full((len(texts), self.context_length), self.pad, np.int64)
        for row, text in enumerate(texts):
            ids = [self.bos, *self.encode(text)[: self.context_length - 2], self.eos]
            out[row, : len(ids)] = ids
        return out
