"""What a search keeps besides similarity: folder, date, size, dimensions, duration, camera,
file type. One value object for the CLI, the window and the index (core/index/facets.py turns
it into a mask over a space's labels), with the parsers for what people type.

Dates are the day a photo was taken (EXIF) or a video recorded (its container's creation
time), else the file's modification time; they are read and typed in local time, as cameras
write them."""

from __future__ import annotations

import calendar
import math
import os
import re
import time
from dataclasses import dataclass, fields

from mediabrowser.core.types import BadInput

ORIENTATIONS = ("landscape", "portrait", "square")


class FilterError(BadInput):
    """A filter value that cannot be read; the message shows what can."""


@dataclass(frozen=True)
class Filters:
    folder: str | None = None  # this folder or below it (absolute)
    after: float | None = None  # date ≥ (seconds since the epoch)
    before: float | None = None  # date <
    min_size: int | None = None  # bytes
    max_size: int | None = None
    min_width: int | None = None  # pixels
    min_height: int | None = None
    orientation: str | None = None  # landscape | portrait | square
    min_duration: float | None = None  # seconds
    max_duration: float | None = None
    camera: str | None = None  # part of the camera's make or model, any case
    types: tuple[str, ...] = ()  # file name extensions, lower case, no dot

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) not in (None, ()) for f in fields(self))

    def describe(self) -> list[str]:
        """Short words for each filter set, for the window's bar and messages."""
        out = []
        if self.folder:
            out.append(f"in {os.path.basename(self.folder) or self.folder}")
        if self.after is not None:
            out.append(f"from {time.strftime('%Y-%m-%d', time.localtime(self.after))}")
        if self.before is not None:
            out.append(f"before {time.strftime('%Y-%m-%d', time.localtime(self.before))}")
        if self.min_size is not None:
            out.append(f"≥ {_human(self.min_size)}")
        if self.max_size is not None:
            out.append(f"≤ {_human(self.max_size)}")
        if self.min_width or self.min_height:
            out.append(f"≥ {self.min_width or 0}×{self.min_height or 0} px")
        if self.orientation:
            out.append(self.orientation)
        if self.min_duration is not None:
            out.append(f"≥ {self.min_duration:g} s")
        if self.max_duration is not None:
            out.append(f"≤ {self.max_duration:g} s")
        if self.camera:
            out.append(f"camera “{self.camera}”")
        if self.types:
            out.append(", ".join(t.upper() for t in self.types))
        return out


def _human(n: int) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= size:
            return f"{n / size:g} {unit}"
    return f"{n} B"


_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?)?)?")


def parse_date(text: str, end: bool = False) -> float:
    """'2020', '2020-05', '2020-05-17' or '2020-05-17 14:30' in local time: the start of that
    period, or with `end` the start of the next one (so 'before 2020' keeps 2019)."""
    m = _DATE.fullmatch(text.strip())
    if not m:
        raise FilterError(f"cannot read the date {text!r}: write YYYY, YYYY-MM, YYYY-MM-DD or "
                          "YYYY-MM-DD HH:MM")
    parts = [int(g) if g else None for g in m.groups()]
    y, mo, d, h, mi, s = parts
    days = calendar.monthrange(y or 2000, mo)[1] if mo and 1 <= mo <= 12 else 31
    if (mo is not None and not 1 <= mo <= 12) or (d is not None and not 1 <= d <= days) \
            or (h is not None and h > 23) or (mi is not None and mi > 59) \
            or (s is not None and s > 59):
        raise FilterError(f"cannot read the date {text!r}: no such day or time")
    start: list[int] = [y or 0, mo or 1, d or 1, h or 0, mi or 0, s or 0]
    if end:  # step the last given part on by one
        given = max(i for i, v in enumerate(parts) if v is not None)
        start[given] += 1
    try:
        # mktime normalises overflow (month 13, day 32) into the next year or month
        return time.mktime((start[0], start[1], start[2], start[3], start[4], start[5],
                            0, 0, -1))
    except (OverflowError, ValueError):
        raise FilterError(f"cannot read the date {text!r}: out of range") from None


_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?", re.I)
_UNITS = {"": 1, "b": 1, "k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9,
          "t": 1e12, "tb": 1e12, "kib": 1024, "mib": 1024 ** 2, "gib": 1024 ** 3,
          "tib": 1024 ** 4, "ki": 1024, "mi": 1024 ** 2, "gi": 1024 ** 3}


def parse_size(text: str) -> int:
    """'500000', '500 KB', '2.5MB', '1 GiB' → bytes."""
    m = _SIZE.fullmatch(text.strip())
    unit = (m.group(2) or "").lower() if m else None
    if not m or unit not in _UNITS:
        raise FilterError(f"cannot read the size {text!r}: write e.g. 800KB, 2.5MB or 1GB")
    return int(float(m.group(1)) * _UNITS[unit])


def parse_duration(text: str) -> float:
    """'90', '90s', '1:30', '1:02:03' or '2m' → seconds."""
    t = text.strip().lower()
    secs = math.nan
    try:
        if ":" in t:
            secs = 0.0
            for part in t.split(":"):
                secs = secs * 60 + float(part)
        else:
            for suffix, mult in (("ms", 0.001), ("s", 1), ("min", 60), ("m", 60),
                                 ("h", 3600)):
                if t.endswith(suffix):
                    secs = float(t[: -len(suffix)]) * mult
                    break
            else:
                secs = float(t)
    except ValueError:
        pass
    if not math.isfinite(secs) or secs < 0:
        raise FilterError(f"cannot read the duration {text!r}: write seconds (90), "
                          "minutes:seconds (1:30) or 2m")
    return secs


def parse_types(text: str) -> tuple[str, ...]:
    """'jpg,png' or '.MP4' → ('jpg', 'png') / ('mp4',); 'jpeg' also keeps 'jpg' and back."""
    out: list[str] = []
    for part in re.split(r"[,\s]+", text.strip()):
        ext = part.strip().lstrip(".").lower()
        if not ext:
            continue
        if not re.fullmatch(r"[a-z0-9]{1,8}", ext):
            raise FilterError(f"cannot read the file type {part!r}: write extensions such as "
                              "jpg,png,mp4")
        out += [ext] + {"jpg": ["jpeg"], "jpeg": ["jpg"], "tif": ["tiff"],
                        "tiff": ["tif"]}.get(ext, [])
    return tuple(dict.fromkeys(out))


def parse_orientation(text: str) -> str:
    t = text.strip().lower()
    if t not in ORIENTATIONS:
        raise FilterError(f"orientation {text!r}: choose landscape, portrait or square")
    return t


def extension(path: str) -> str:
    """The file type a filter compares: the name's extension, lower case, without the dot."""
    name = path.rpartition("/")[2]
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""
