"""The words a calibrated score is shown with, one set for the whole app: result tiles, the
CLI's `tier`, and the duplicates' levels ("same content" is SAME, their "similar" groups reach
down to VERY_SIMILAR)."""

from __future__ import annotations

SAME = 0.9  # the same content: a copy, once a closer look agrees
VERY_SIMILAR = 0.7  # near takes, burst shots
SIMILAR = 0.5
TIERS = ((SAME, "same"), (VERY_SIMILAR, "very similar"), (SIMILAR, "similar"))


def tier(score: float) -> str:
    """"same", "very similar", "similar", or "" for a score below the similar tier."""
    for low, word in TIERS:
        if score >= low:
            return word
    return ""
