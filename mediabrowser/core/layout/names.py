"""Names for a map's clusters without a model that reads words: the folder most of a
cluster's files sit in, else the words their names share ("beach · sunset")."""

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


def from_paths(paths: list[str]) -> str:
    """The folder that holds at least 40 % of `paths`, else the (at most two) name words at
    least 30 % of them share, else the most common folder; "" when there is nothing."""
    if not paths:
        return ""
    folders = Counter(os.path.basename(os.path.dirname(p)) for p in paths)
    folder, n = folders.most_common(1)[0]
    if folder and n >= 0.4 * len(paths):
        return folder
    words = Counter(w for p in paths for w in _words(os.path.splitext(os.path.basename(p))[0]))
    common = [w for w, c in words.most_common(2) if c >= LEAST_SHARE * len(paths)]
    if common:
        return " · ".join(common)
    return folder


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
