"""What the Similar page was asked (a Query, for Back and Forward) and what the window's
search box and filter menu can offer for this library."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QLineEdit

from mediabrowser.core.examples import Example
from mediabrowser.core.library import Library


@dataclass
class Query:
    """One "Find similar" request: a library item or an outside file."""

    path: str
    label: str
    file_id: int | None = None
    text: str | None = None  # a description, for CLIP text search
    examples: list[int] | None = None  # several library items: "more like these"
    members: list[int] | None = None  # library items shown as they are (a map selection)
    parts: list[Example] | None = None  # files and words, weighted, some "less like"
    collection: str | None = None  # the collection these members are

    def as_examples(self) -> list[Example]:
        """What was asked, as the query bar's chips (none for a set of items)."""
        if self.parts is not None:
            return list(self.parts)
        if self.members is not None:
            return []
        if self.text is not None:
            return [Example(text=self.text)]
        if self.examples:
            return [Example(file=i) for i in self.examples]
        return [Example(file=self.file_id if self.file_id is not None else self.path)]


def set_text_search(lib: Library, box: QLineEdit) -> None:
    """Words find photos and videos with a CLIP image model and sounds with a CLAP sound
    model; without either the box says why it is off."""
    from mediabrowser.core.search import QueryError, text_kinds, text_model
    from mediabrowser.core.types import MediaKind

    kinds = text_kinds(lib)
    if not kinds:
        try:
            text_model(lib)
        except QueryError as exc:
            box.setToolTip(f"{exc}; for sounds, a CLAP model")
        box.setEnabled(False)
        box.setPlaceholderText("Text search needs a CLIP model")
        return
    pictures, sounds = MediaKind.IMAGE in kinds, MediaKind.AUDIO in kinds
    what = ("a photo, video or sound" if pictures and sounds
            else "a photo or video" if pictures else "a sound")
    models = " and ".join(n for n, ok in (("CLIP", pictures), ("CLAP", sounds)) if ok)
    box.setEnabled(True)
    found = ("photos, videos and sounds" if pictures and sounds
             else "photos and videos" if pictures else "sounds")
    box.setToolTip(f"Find {found} by a description ({models})")
    box.setPlaceholderText(f"Describe {what}…")


def library_choices(lib: Library) -> tuple[list[str], list[str]]:
    """(cameras, file types) the library's items have, most items first: from SQL and a
    sample of names, never a pass over a million rows in Python."""
    from collections import Counter

    from mediabrowser.core.filters import extension

    types = Counter(extension(p) for p in lib.store.sample_paths())
    return lib.store.camera_names(), [t for t, _n in types.most_common(20) if t]
