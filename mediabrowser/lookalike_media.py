"""Look-alike sets for the duplicate checks: many distinct pictures of one kind on plain
backgrounds, a few of them copied (for tests and bench/bench_duplicates.py). Two coins of one
design with another number, two signs, two letters are *different* pictures; a resized,
recompressed, cropped, turned, mirrored or converted file is a copy.

- `rendered_set`: drawn here with Pillow and DejaVu — coins (one design, another number), speed
  signs, letters and digits on tiles, traffic lights with another lamp lit.
- `stamps_set`: Tux Paint's clip-art stamps (Debian's tuxpaint-stamps-default), read from where
  the package puts them: made by other hands, to confirm what the rendered set chose.
- `moments_set`: clips of one static-camera film at different moments (look-alikes) and
  re-encodes of some of them (copies).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from mediabrowser import mediamaker
from mediabrowser.dupe_media import Labelled, encode_once

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
STAMPS = Path("/usr/share/tuxpaint/stamps")


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(FONT, size)
    except OSError:
        return ImageFont.load_default(size)


def _centred(d: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, size: int,
             fill: tuple[int, int, int]) -> None:
    d.text(xy, text, font=_font(size), fill=fill, anchor="mm")


def coin(value: str, metal: tuple[int, int, int] = (196, 160, 60), side: int = 400) -> Image.Image:
    """One coin design (rim, ring of stars, a map-like band); only the number differs."""
    im = Image.new("RGB", (side, side), (255, 255, 255))
    d = ImageDraw.Draw(im)
    c, r = side // 2, side * 9 // 20
    d.ellipse((c - r, c - r, c + r, c + r), fill=metal, outline=(90, 70, 20), width=6)
    d.ellipse((c - r + 24, c - r + 24, c + r - 24, c + r - 24), outline=(120, 95, 30), width=3)
    for i in range(12):
        a = 2 * math.pi * i / 12
        x, y = c + (r - 40) * math.cos(a), c + (r - 40) * math.sin(a)
        d.regular_polygon((x, y, 8), 5, fill=(120, 95, 30))
    d.rectangle((c - r + 60, c + 40, c + r - 60, c + 60), fill=(150, 120, 40))
    _centred(d, (c, c - 20), value, side // 4, (90, 70, 20))
    _centred(d, (c, c + 100), "CENT", side // 12, (90, 70, 20))
    return im


def speed_sign(value: str, side: int = 400) -> Image.Image:
    im = Image.new("RGB", (side, side), (235, 240, 245))
    d = ImageDraw.Draw(im)
    c, r = side // 2, side * 9 // 20
    d.ellipse((c - r, c - r, c + r, c + r), fill=(210, 20, 30))
    d.ellipse((c - r + 40, c - r + 40, c + r - 40, c + r - 40), fill=(255, 255, 255))
    _centred(d, (c, c), value, side * 3 // 10, (10, 10, 10))
    return im


def tile(char: str, side: int = 300, colour: tuple[int, int, int] = (30, 60, 160)
         ) -> Image.Image:
    im = Image.new("RGB", (side, side), (250, 250, 250))
    d = ImageDraw.Draw(im)
    d.rounded_rectangle((20, 20, side - 20, side - 20), radius=30, outline=colour, width=8)
    _centred(d, (side // 2, side // 2), char, side * 6 // 10, colour)
    return im


def traffic_light(lit: int, side: int = 400) -> Image.Image:
    im = Image.new("RGB", (side * 3 // 5, side), (255, 255, 255))
    d = ImageDraw.Draw(im)
    w = side * 3 // 5
    d.rounded_rectangle((w // 5, 20, w * 4 // 5, side - 20), radius=30, fill=(40, 40, 40))
    on = ((230, 30, 30), (240, 200, 20), (40, 200, 60))
    off = ((90, 40, 40), (90, 80, 40), (40, 80, 50))
    for i in range(3):
        y = 20 + (side - 40) * (2 * i + 1) // 6
        r = w // 5
        d.ellipse((w // 2 - r, y - r, w // 2 + r, y + r), fill=on[i] if i == lit else off[i])
    return im


def rendered_pictures() -> dict[str, Image.Image]:
    out: dict[str, Image.Image] = {}
    for v in ("1", "2", "5", "10", "20", "50"):
        out[f"coin{v}"] = coin(v)
    for v in ("30", "50", "60", "80", "100", "120"):
        out[f"speed{v}"] = speed_sign(v)
    for ch in "pcoeab":  # no mirror pairs (p and q are one glyph mirrored)
        out[f"letter_{ch}"] = tile(ch)
    for ch in "3856":
        out[f"digit{ch}"] = tile(ch, colour=(20, 120, 60))
    for i, name in enumerate(("red", "yellow", "green")):
        out[f"light_{name}"] = traffic_light(i)
    return out


def stamp_pictures(root: Path = STAMPS, folders: Iterable[str] = (
        "symbols/money", "town/roadsigns", "clothes", "symbols/alphabets/english/filled",
        "symbols/math", "symbols/chess", "vehicles/locomotive")) -> dict[str, Image.Image]:
    """Tux Paint's stamps under these folders (PNG, transparency kept: the app puts it on white)."""
    out: dict[str, Image.Image] = {}
    for folder in folders:
        for p in sorted((root / folder).rglob("*.png")):
            name = str(p.relative_to(root).with_suffix("")).replace("/", "_")
            with Image.open(p) as im:
                out[name] = im.convert("RGBA")
    return out


Copier = Callable[[Image.Image], Image.Image]


def _copies_a() -> dict[str, tuple[str, Copier]]:
    T = Image.Transpose
    return {
        "resized": (".jpg", lambda im: im.resize((im.width * 2 // 3, im.height * 2 // 3))),
        "recompressed": (".jpg", lambda im: im),
        "cropped": (".jpg", lambda im: im.crop((im.width // 20, im.height // 20,
                                                im.width - im.width // 20,
                                                im.height - im.height // 20))),
        "rotated90": (".jpg", lambda im: im.transpose(T.ROTATE_90)),
        "mirrored": (".png", lambda im: im.transpose(T.FLIP_LEFT_RIGHT)),
        "webp": (".webp", lambda im: im),
    }


def _copies_b() -> dict[str, tuple[str, Copier]]:
    T = Image.Transpose
    return {
        "resized": (".png", lambda im: im.resize((im.width * 3 // 7, im.height * 3 // 7),
                                                 Image.Resampling.BICUBIC)),
        "recompressed": (".jpg", lambda im: im),
        "cropped": (".jpg", lambda im: im.crop((im.width * 2 // 25, im.height // 30,
                                                im.width - im.width // 30,
                                                im.height - im.height * 2 // 25))),
        "rotated270": (".jpg", lambda im: im.transpose(T.ROTATE_270)),
        "flipped": (".webp", lambda im: im.transpose(T.FLIP_TOP_BOTTOM)),
        "bmp": (".bmp", lambda im: im),
    }


def _on_white(im: Image.Image) -> Image.Image:
    if im.mode == "RGBA":
        bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
        return Image.alpha_composite(bg, im).convert("RGB")
    return im.convert("RGB")


def lookalike_set(folder: Path, pictures: dict[str, Image.Image], style: str = "A",
                  copied: float = 0.25, seed: int = 3) -> list[Labelled]:
    """Every picture as an original (PNG, so transparency stays); one in four (chosen by
    `seed`) also gets its copies, made the `style` way. Labels: the picture's name."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    copies = _copies_b() if style == "B" else _copies_a()
    quality = 30 if style == "B" else 55
    out: list[Labelled] = []
    for name, im in pictures.items():
        orig = folder / f"{name}.png"
        if not orig.exists():
            im.save(orig)
        out.append(Labelled(orig, name, "original"))
        if rng.random() >= copied:
            continue
        flat = _on_white(im)
        for variant, (ext, make) in copies.items():
            p = folder / "copies" / f"{name}_{variant}{ext}"
            if not p.exists():
                p.parent.mkdir(exist_ok=True)
                made = make(flat if ext != ".png" else im)
                if ext in (".jpg", ".webp"):
                    made.convert("RGB").save(p, quality=quality)
                else:
                    made.save(p)
            out.append(Labelled(p, name, variant))
    return out


def moments_set(folder: Path, film: Path, starts: Iterable[float], seconds: float = 3.0,
                copied: Iterable[int] = (0, 2)) -> list[Labelled]:
    """Clips of `film` from each start (look-alikes of one another: one scene, other moments),
    and re-encoded / rescaled copies of the clips numbered in `copied`."""
    ffmpeg = mediamaker.need("ffmpeg")
    folder.mkdir(parents=True, exist_ok=True)
    out: list[Labelled] = []
    keep = set(copied)
    for i, start in enumerate(starts):
        label = f"{film.stem}@{start:g}"
        clip = folder / f"{film.stem}_{i:02d}.mp4"
        if not clip.exists():
            mediamaker.run([ffmpeg, "-y", "-loglevel", "error", "-ss", f"{start}", "-i",
                            str(film), "-t", f"{seconds}", "-c:v", "libx264", "-crf", "18",
                            "-pix_fmt", "yuv420p", "-an", str(clip)])
        out.append(Labelled(clip, label, "original"))
        if i not in keep:
            continue
        for variant, opts, ext in (
                ("reencoded", ["-c:v", "libx264", "-crf", "32"], ".mp4"),
                ("rescaled", ["-vf", "scale=iw/2:-2", "-c:v", "libx264", "-crf", "26"], ".mp4"),
                ("webm", ["-c:v", "libvpx-vp9", "-b:v", "300k", "-deadline", "realtime"],
                 ".webm")):
            p = encode_once(clip, folder / "copies" / f"{clip.stem}_{variant}{ext}", opts,
                            False)
            out.append(Labelled(p, label, variant))
    return out


def static_film(out: Path, seconds: float = 14.0, photo: str = "coffee") -> Path:
    """A static-camera film made here: a photograph that stays put, with a small patch that
    sways across it (as a branch in the wind), so moments differ only where it moves."""
    ffmpeg = mediamaker.need("ffmpeg")
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    still = out.with_suffix(".png")
    mediamaker.sample_photo(photo).resize((320, 240)).save(still)
    mediamaker.run([
        ffmpeg, "-y", "-loglevel", "error", "-loop", "1", "-i", str(still), "-f", "lavfi",
        "-i", "color=c=0x2e6b30:s=36x36", "-filter_complex",
        "[0][1]overlay=x='150+40*sin(t*1.3)':y='90+12*sin(t*2.1)',format=yuv420p",
        "-t", f"{seconds}", "-r", "15", "-c:v", "libx264", "-crf", "18", str(out)])
    still.unlink()
    return out


SENTENCES = (
    "The quick brown fox jumps over the lazy dog.", "Please call me back when you get home.",
    "The weather will be cold and windy tomorrow.", "I would like a cup of tea with milk.",
    "Turn left at the second set of traffic lights.", "Our train leaves at half past nine.",
    "She sells sea shells by the sea shore.", "The meeting has been moved to Thursday.",
    "Remember to water the plants on Sunday.", "Twenty five cents for a cup of coffee.",
    "The children are playing in the garden.", "Could you pass me the salt, please?")


def spoken(folder: Path, voice: str = "en", count: int = 12) -> list[Path]:
    """One voice saying `count` different sentences (espeak-ng): one speaker's recordings."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i, text in enumerate(SENTENCES[:count]):
        p = folder / f"{voice}_{i:02d}.wav"
        if not p.exists():
            mediamaker.speech(text, p, voice=voice)
        out.append(p)
    return out


def recordings_set(folder: Path, sources: Iterable[Path], copied: float = 0.34,
                   seed: int = 5) -> list[Labelled]:
    """Recordings (converted to WAV here when they are not) and, for about a third of them,
    MP3, OGG and low-rate MP3 copies. Labels: the recording's name."""
    ffmpeg = mediamaker.need("ffmpeg")
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    out: list[Labelled] = []
    for src in sources:
        name = src.stem if src.parent == folder else f"{src.parent.name}_{src.stem}"
        orig = folder / f"{name}.wav"
        if not orig.exists():
            mediamaker.run([ffmpeg, "-y", "-loglevel", "error", "-i", str(src), str(orig)])
        out.append(Labelled(orig, name, "original"))
        if rng.random() >= copied:
            continue
        for variant, ext, opts in (("mp3", ".mp3", ["-b:a", "128k"]),
                                   ("ogg", ".ogg", ["-c:a", "libvorbis", "-q:a", "3"]),
                                   ("mp3-low", ".mp3", ["-ac", "1", "-ar", "22050",
                                                        "-b:a", "32k"])):
            p = encode_once(orig, folder / "copies" / f"{name}_{variant}{ext}", opts)
            out.append(Labelled(p, name, variant))
    return out
