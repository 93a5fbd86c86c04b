"""Names for a map's clusters without a model that reads words: the folder, or the words of
their names, that a cluster's files share and the others do not ("beach · sunset")."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from functools import lru_cache
from importlib import resources

# Words cameras, phones and recorders put in names: they say nothing about what is inside.
NOISE = {"img", "dsc", "dscn", "dscf", "dcim", "pxl", "mov", "mvi", "vid", "video", "photo",
         "image", "pic", "picture", "file", "copy", "edit", "edited", "final", "new", "jpg",
         "jpeg", "png", "heic", "mp4", "wav", "mp3", "flac", "rec", "recording", "audio",
         "track", "untitled", "screenshot", "scan", "export", "the", "and"}
LEAST_SHARE = 0.3


def _words(stem: str) -> set[str]:
    return {w for w in re.findall(r"[^\W\d_]{3,}", stem.lower()) if w not in NOISE}


def _terms(path: str) -> set[str]:
    """What a file's place and name say: its folder ("/holiday") and its name's words."""
    folder = os.path.basename(os.path.dirname(path))
    stem = os.path.splitext(os.path.basename(path))[0]
    return _words(stem) | ({f"/{folder}"} if folder else set())


def from_paths(groups: list[list[str]]) -> list[str]:
    """A name for each group of paths: the folder or name word(s) shared by at least 30 % of
    the group and more common in it than in the others (a folder every group shares names
    none of them); "" when nothing stands out."""
    counts = [Counter(t for p in paths for t in _terms(p)) for paths in groups]
    total = Counter[str]()
    for c in counts:
        total.update(c)
    everyone = sum(len(paths) for paths in groups) or 1
    out = []
    for paths, c in zip(groups, counts, strict=True):
        n = len(paths) or 1
        rest = max(everyone - n, 1)
        scored = sorted(((c[t] / n - (total[t] - c[t]) / rest, t) for t in c
                         if c[t] >= LEAST_SHARE * n), reverse=True)
        picked = [t for score, t in scored[:2] if score > 0.25]
        if len(picked) == 2 and c[picked[1]] < 0.6 * c[picked[0]]:
            picked = picked[:1]  # a second word only when about as common as the first
        if picked and picked[0].startswith("/"):
            picked = picked[:1]  # a folder names a group on its own
        out.append(" · ".join(t.lstrip("/") for t in picked if t.startswith("/") == picked[0]
                              .startswith("/")))
    return out


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, list[str]]:
    """Subjects a CLIP (image) or CLAP (audio) model is asked to name a cluster with."""
    text = resources.files("mediabrowser.core.layout").joinpath("words.json").read_text()
    return dict(json.loads(text))


def prompts(kind: str) -> tuple[list[str], list[str]]:
    """(words, the sentences a text tower reads for them)."""
    words = vocabulary()["audio" if kind == "audio" else "image"]
    form = "the sound of {}" if kind == "audio" else "a photo of {}"
    return words, [form.format(w) for w in words]


def distinct(names: list[str]) -> list[str]:
    """The same name twice gets a number: "beach", "beach 2"."""
    seen: Counter[str] = Counter()
    out = []
    for name in names:
        seen[name] += 1
        out.append(name if seen[name] == 1 or not name else f"{name} {seen[name]}")
    return out
