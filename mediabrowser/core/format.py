"""Numbers as people read them."""

from __future__ import annotations

import math


def format_duration(seconds: float | None) -> str:
    """m:ss, or h:mm:ss from an hour up; "?" when unknown."""
    if seconds is None:
        return "?"
    s = int(round(seconds))
    if s >= 3600:
        return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
    return f"{s // 60}:{s % 60:02d}"


def format_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def format_score(score: float, tile: bool = True) -> str:
    """Two decimals, rounded down so only a perfect match reads 1.00, with its tier word:
    "same · 0.99" on a tile, "0.99 (same)" in a sentence."""
    from mediabrowser.core.tiers import tier

    text = f"{math.floor(score * 100 + 1e-9) / 100:.2f}"
    word = tier(score)
    if not word:
        return text
    return f"{word} · {text}" if tile else f"{text} ({word})"


# Counted nouns, one way everywhere: "1 copy", "5 copies", never "5 copie(s)".
IRREGULAR = {"copy": "copies", "match": "matches", "this": "these", "is": "are", "was": "were",
             "has": "have", "entry": "entries", "library": "libraries", "query": "queries"}


def plural(n: int, word: str) -> str:
    """`word` as it reads after the number n."""
    if n == 1:
        return word
    return IRREGULAR.get(word, word + ("es" if word.endswith(("s", "x", "ch", "sh")) else "s"))


def count(n: int, word: str) -> str:
    """"1 item", "2 items", "1,204 copies"."""
    return f"{n:,} {plural(n, word)}"
