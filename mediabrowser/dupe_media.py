"""Labelled sets of copies and look-alikes, made here from what installed packages ship (for the
duplicate tests and bench/bench_duplicates.py). Each file's label says what it is a copy of:
files with the same label are the *same content*; a look-alike has a label of its own.

- photos: each sample photograph as the original plus copies resized, recompressed, slightly
  cropped, turned 90°/180°, mirrored, and converted to PNG and WebP; an exact byte copy; and
  look-alikes: a hard crop of another part of the scene and a strongly zoomed detail.
- videos: a clip, its re-encode at another quality, a rescaled copy and a WebM conversion
  (look-alikes: clips of the two motorcycle photographs, a stereo pair, when both are asked).
- audio: a recording and its MP3 / OGG / AAC re-encodes at other bitrates and rates; a
  look-alike: the same voice saying the same sentence slower (another take).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from mediabrowser import mediamaker

COPY_VARIANTS = ("resized", "recompressed", "cropped", "rotated90", "rotated180", "mirrored",
                 "png", "webp", "identical")
LOOKALIKES = ("detail", "zoomed")


@dataclass(frozen=True)
class Labelled:
    path: Path
    label: str  # files with one label are the same content
    variant: str


def photo_set(folder: Path, names: tuple[str, ...], strength: str = "A") -> list[Labelled]:
    """`strength` "B" makes the copies and look-alikes another way (other sizes, qualities,
    crops, turns and regions), to confirm on what the "A" set chose."""
    folder.mkdir(parents=True, exist_ok=True)
    out: list[Labelled] = []
    for name in names:
        src = mediamaker.sample_photo(name).convert("RGB")
        orig = folder / f"{name}.jpg"
        if not orig.exists():
            src.save(orig, quality=92)
        out.append(Labelled(orig, name, "original"))
        copies, copy_name, looks = (_set_b if strength == "B" else _set_a)(src)
        out += _write(folder, name, orig, copies, copy_name.format(name=name), looks)
    return out


Copies = dict[str, tuple[str, Image.Image, int]]  # variant → (extension, picture, quality)


def _set_a(src: Image.Image) -> tuple[Copies, str, dict[str, Image.Image]]:
    T = Image.Transpose
    w, h = src.size
    copies = {
        "resized": (".jpg", src.resize((w * 2 // 3, h * 2 // 3), Image.Resampling.LANCZOS), 88),
        "recompressed": (".jpg", src, 45),
        "cropped": (".jpg", src.crop((w // 20, h // 20, w - w // 20, h - h // 20)), 88),
        "rotated90": (".jpg", src.transpose(T.ROTATE_90), 88),
        "rotated180": (".jpg", src.transpose(T.ROTATE_180), 88),
        "mirrored": (".jpg", src.transpose(T.FLIP_LEFT_RIGHT), 88),
        "png": (".png", src, 0),
        "webp": (".webp", src, 88),
    }
    looks = {  # another part of the scene, and a close-up: alike, not the same picture
        "detail": src.crop((0, 0, w * 11 // 20, h * 11 // 20)).resize((w, h)),
        "zoomed": src.crop((w // 4, h // 4, w * 3 // 4, h * 3 // 4)).resize((w, h)),
    }
    return copies, "{name} copy.jpg", looks


def _set_b(src: Image.Image) -> tuple[Copies, str, dict[str, Image.Image]]:
    T = Image.Transpose
    w, h = src.size
    copies = {
        "resized": (".jpg", src.resize((w * 2 // 5, h * 2 // 5), Image.Resampling.BICUBIC), 85),
        "recompressed": (".jpg", src, 25),
        "cropped": (".jpg", src.crop((w * 2 // 25, h // 25, w - w // 25, h - h * 2 // 25)), 90),
        "rotated270": (".jpg", src.transpose(T.ROTATE_270), 80),
        "transposed": (".jpg", src.transpose(T.TRANSPOSE), 80),
        "flipped": (".jpg", src.transpose(T.FLIP_TOP_BOTTOM), 80),
        "bmp": (".bmp", src, 0),
        "webp": (".webp", src, 50),
    }
    looks = {
        "corner": src.crop((w * 2 // 5, h * 2 // 5, w, h)).resize((w, h)),
        "centre": src.crop((w * 3 // 10, h * 3 // 10, w * 7 // 10, h * 7 // 10)).resize((w, h)),
    }
    return copies, "Copy of {name}.jpg", looks


def _write(folder: Path, name: str, orig: Path, copies: Copies, copy_name: str,
           looks: dict[str, Image.Image]) -> list[Labelled]:
    """The copies (quality 0: a format without one), a byte copy and the look-alikes, each
    written once."""
    out = []
    for variant, (ext, im, quality) in copies.items():
        p = folder / "copies" / f"{name}_{variant}{ext}"
        if not p.exists():
            p.parent.mkdir(exist_ok=True)
            if quality:
                im.save(p, quality=quality)
            else:
                im.save(p)
        out.append(Labelled(p, name, variant))
    same = folder / "copies" / copy_name
    if not same.exists():
        shutil.copyfile(orig, same)
    out.append(Labelled(same, name, "identical"))
    for variant, im in looks.items():
        p = folder / "lookalikes" / f"{name}_{variant}.jpg"
        if not p.exists():
            p.parent.mkdir(exist_ok=True)
            im.save(p, quality=90)
        out.append(Labelled(p, f"{name}/{variant}", variant))
    return out


def encode_once(src: Path, dest: Path, opts: list[str], audio: bool = True) -> Path:
    """`src` converted by ffmpeg with `opts` into `dest`, unless it is there already."""
    if not dest.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        mediamaker.run([mediamaker.need("ffmpeg"), "-y", "-loglevel", "error", "-i", str(src),
                        *opts, *([] if audio else ["-an"]), str(dest)])
    return dest


def video_set(folder: Path, names: tuple[str, ...]) -> list[Labelled]:
    folder.mkdir(parents=True, exist_ok=True)
    mediamaker.need("ffmpeg")  # a clear message before any work when it is missing
    out: list[Labelled] = []
    for name in names:
        photo = folder / f"{name}.png"
        if not photo.exists():
            mediamaker.sample_photo(name).save(photo)
        clip = folder / f"{name}.mp4"
        if not clip.exists():
            mediamaker.video_from_photo(photo, clip, seconds=3.0, size="480x360")
        out.append(Labelled(clip, name, "original"))
        variants = {
            "reencoded": ["-c:v", "libx264", "-crf", "34", "-preset", "veryfast"],
            "rescaled": ["-vf", "scale=320:240", "-c:v", "libx264", "-crf", "23"],
            "webm": ["-c:v", "libvpx-vp9", "-b:v", "300k", "-deadline", "realtime"],
        }
        for variant, opts in variants.items():
            ext = ".webm" if variant == "webm" else ".mp4"
            p = encode_once(clip, folder / "copies" / f"{name}_{variant}{ext}", opts, False)
            out.append(Labelled(p, name, variant))
        photo.unlink()
    return out


SENTENCES = ("The quick brown fox jumps over the lazy dog.",
             "Please call me back when you get home tonight.",
             "The weather will be cold and windy tomorrow.",
             "I would like a cup of tea with milk.")


def audio_set(folder: Path, voices: tuple[str, ...] = ("en", "de")) -> list[Labelled]:
    folder.mkdir(parents=True, exist_ok=True)
    out: list[Labelled] = []
    for voice in voices:
        for i, sentence in enumerate(SENTENCES[:2]):
            label = f"{voice}-{i}"
            rec = folder / f"{label}.wav"
            if not rec.exists():
                mediamaker.speech(sentence, rec, voice=voice)
            out.append(Labelled(rec, label, "original"))
            for variant, ext, opts in (("mp3", ".mp3", ["-b:a", "96k"]),
                                       ("ogg", ".ogg", ["-q:a", "3"]),
                                       ("m4a", ".m4a", ["-c:a", "aac", "-b:a", "48k"]),
                                       ("mp3-low", ".mp3", ["-ac", "1", "-ar", "22050",
                                                            "-b:a", "32k"])):
                p = encode_once(rec, folder / "copies" / f"{label}_{variant}{ext}", opts)
                out.append(Labelled(p, label, variant))
            slow = folder / "lookalikes" / f"{label}_slower.wav"
            if not slow.exists():  # the same voice and sentence, another take: alike
                slow.parent.mkdir(exist_ok=True)
                mediamaker.speech(sentence, slow, voice=voice, speed=125)
            out.append(Labelled(slow, f"{label}/slower", "slower"))
    return out
