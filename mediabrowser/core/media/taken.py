"""When a photo was taken and with what camera (EXIF), when a video was recorded (its
container's creation time): what the date and camera filters compare. Read from headers only;
anything missing or unreadable is None (the date falls back to the file's modification time)."""

from __future__ import annotations

import calendar
import re
import time
from typing import Any

EXIF_IFD = 0x8769
DATE_ORIGINAL = 0x9003  # DateTimeOriginal, in the Exif IFD
DATE_DIGITIZED = 0x9004
DATE_TIME = 0x0132  # the file's DateTime, in IFD0 (often the edit, so the last resort)
MAKE, MODEL = 0x010F, 0x0110

_EXIF_DATE = re.compile(r"\s*(\d{4})[:\-](\d{2})[:\-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_ISO = re.compile(r"\s*(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?"
                  r"\s*(Z|[+-]\d{2}:?\d{2})?")


def exif_date(text: Any) -> float | None:
    """'2019:07:14 16:03:22' (local time, as cameras write it) → seconds, or None."""
    if isinstance(text, bytes):
        text = text.decode("ascii", "replace")
    if not isinstance(text, str):
        return None
    m = _EXIF_DATE.match(text.strip("\x00"))
    if not m:
        return None
    y, mo, d, h, mi, s = (int(g) for g in m.groups())
    if not (1826 <= y <= 2200 and 1 <= mo <= 12 and 1 <= d <= 31 and h < 24 and mi < 60
            and s < 61):
        return None  # "0000:00:00 00:00:00" and other placeholders
    try:
        return time.mktime((y, mo, d, h, mi, s, 0, 0, -1))
    except (OverflowError, ValueError):
        return None


def iso_date(text: Any) -> float | None:
    """A container's creation time ('2021-06-01T10:20:30.000000Z', UTC unless it says) → seconds."""
    if not isinstance(text, str):
        return None
    m = _ISO.match(text)
    if not m:
        return None
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    if not (1900 < y <= 2200 and 1 <= mo <= 12 and 1 <= d <= 31):
        return None
    if (y, mo, d) in ((1904, 1, 1), (1970, 1, 1)):
        return None  # QuickTime's and Unix's "not set"
    try:
        secs = calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0))
    except (OverflowError, ValueError):
        return None
    zone = m.group(7)
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        hh, mm = int(zone[1:3]), int(zone[-2:])
        secs -= sign * (hh * 3600 + mm * 60)
    return float(secs)


def camera_name(make: Any, model: Any) -> str | None:
    """'Canon' + 'Canon EOS 5D' → 'Canon EOS 5D'; 'Apple' + 'iPhone 12' → 'Apple iPhone 12'."""
    parts = []
    for value in (make, model):
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if isinstance(value, str):
            value = " ".join(value.replace("\x00", " ").split())
            if value:
                parts.append(value)
    if not parts:
        return None
    if len(parts) == 2 and parts[1].lower().startswith(parts[0].lower().split()[0]):
        return parts[1][:80]  # the model repeats the make
    return " ".join(parts)[:80]


def photo_facts(exif: Any) -> tuple[float | None, str | None]:
    """(taken, camera) from a PIL Image.Exif, or (None, None) when it says nothing."""
    try:
        sub = exif.get_ifd(EXIF_IFD)
    except Exception:  # noqa: BLE001 - a broken EXIF block is not fatal
        sub = {}
    taken = None
    for source, tag in ((sub, DATE_ORIGINAL), (sub, DATE_DIGITIZED), (exif, DATE_TIME)):
        try:
            taken = exif_date(source.get(tag))
        except Exception:  # noqa: BLE001
            taken = None
        if taken is not None:
            break
    try:
        camera = camera_name(exif.get(MAKE), exif.get(MODEL))
    except Exception:  # noqa: BLE001
        camera = None
    return taken, camera


def video_facts(metadata: Any) -> tuple[float | None, str | None]:
    """(recorded, camera) from a container's tags (PyAV `container.metadata`)."""
    if not isinstance(metadata, dict):
        return None, None
    tags = {str(k).lower(): v for k, v in metadata.items()}
    taken = iso_date(tags.get("creation_time")) or iso_date(
        tags.get("com.apple.quicktime.creationdate"))
    camera = camera_name(tags.get("com.apple.quicktime.make") or tags.get("make"),
                         tags.get("com.apple.quicktime.model") or tags.get("model"))
    return taken, camera
