"""Footage for the video-moments benchmark, made offline with ffmpeg: long videos of several
shots (slow pans over scikit-image's photographs, and ffmpeg's moving sources: Conway's life,
the Mandelbrot zoom, cellular automata), look-alike videos built from the same sources, and
clips of 5 s cut from the long videos at random times, then resized, mirrored, cropped or
recompressed (kept outside the library).
"""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

SIZE = (480, 270)
FPS = 25
SHOT = 12.0  # seconds
PHOTOS = ["astronaut", "chelsea", "coffee", "rocket", "hubble_deep_field", "retina",
          "motorcycle_left", "ihc", "brick", "gravel", "grass", "page", "camera", "coins"]
TRANSFORMS = {
    "resized": "scale=640:360",
    "mirrored": "hflip",
    "cropped": "crop=iw*0.8:ih*0.8",
    "recompressed": "scale=320:180",
}


def _run(args: list[str]) -> None:
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", *args], check=True)


def _photo_path(name: str) -> str:
    import skimage

    folder = Path(skimage.__file__).parent / "data"
    return str(sorted(folder.glob(f"{name}.*"))[0])


def _shot(kind: str, seed: int, out: Path, seconds: float = SHOT) -> Path:
    w, h = SIZE
    n = int(seconds * FPS)
    if kind == "photo":
        name = PHOTOS[seed % len(PHOTOS)]
        direction = "x='(iw-iw/zoom)*on/{n}'" if seed % 2 else "y='(ih-ih/zoom)*on/{n}'"
        vf = (f"scale=1280:-2,format=yuv420p,zoompan=z='1.2+0.1*on/{n}':"
              f"{direction.format(n=n)}:d={n}:s={w}x{h}:fps={FPS}")
        _run(["-loop", "1", "-i", _photo_path(name), "-vf", vf, "-t", str(seconds),
              "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "veryfast", str(out)])
        return out
    if kind == "life":
        src = f"life=s={w // 4}x{h // 4}:r={FPS}:seed={seed}:mold=8:ratio=0.{2 + seed % 6}," \
              f"scale={w}:{h}:flags=neighbor"
    elif kind == "mandelbrot":
        src = (f"mandelbrot=s={w}x{h}:r={FPS}:start_x={-0.75 + 0.01 * seed}:"
               f"start_scale={2 + seed % 3}")
    else:  # cellauto
        src = f"cellauto=s={w}x{h}:r={FPS}:rule={[18, 30, 90, 110, 150][seed % 5]}:seed={seed}"
    _run(["-f", "lavfi", "-i", src, "-t", str(seconds), "-pix_fmt", "yuv420p", "-c:v",
          "libx264", "-preset", "veryfast", str(out)])
    return out


def _concat(parts: list[Path], out: Path) -> Path:
    listing = out.with_suffix(".txt")
    listing.write_text("".join(f"file '{p}'\n" for p in parts))
    _run(["-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", str(out)])
    listing.unlink()
    return out


def library_videos(root: Path, count: int = 6, shots: int = 4, seed: int = 0
                   ) -> tuple[list[Path], list[Path]]:
    """(long videos, look-alike videos) under root/library; made once."""
    lib = root / "library"
    lib.mkdir(parents=True, exist_ok=True)
    kinds = ["photo", "life", "photo", "mandelbrot", "photo", "cellauto"]
    longs, alikes = [], []
    rng = random.Random(seed)
    photos = iter(range(len(PHOTOS)))  # each photograph in one shot of one video only
    for v in range(count):
        out = lib / f"video{v}.mp4"
        plan = [kinds[(v + s) % len(kinds)] for s in range(shots)]
        seeds = [next(photos) if k == "photo" else 7 * v + 3 * s + 1 for s, k in enumerate(plan)]
        if not out.exists():
            parts = [_shot(k, sd, root / f"shot{v}_{s}.mp4")
                     for s, (k, sd) in enumerate(zip(plan, seeds, strict=True))]
            _concat(parts, out)
            for p in parts:
                p.unlink()
        longs.append(out)
    synthetic = ["life", "mandelbrot", "cellauto"]
    for a in range(3):  # the same moving sources with other seeds: look-alikes
        out = lib / f"lookalike{a}.mp4"
        if not out.exists():
            parts = [_shot(synthetic[(a + s) % 3], 100 + rng.randrange(50),
                           root / f"alike{a}_{s}.mp4", 8.0) for s in range(3)]
            _concat(parts, out)
            for p in parts:
                p.unlink()
        alikes.append(out)
    return longs, alikes


def clips(root: Path, longs: list[Path], per_video: int = 4, seconds: float = 5.0,
          seed: int = 0) -> list[tuple[Path, Path, float, str]]:
    """(clip, source video, start in the source, transform), under root/clips."""
    folder = root / "clips"
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    names = list(TRANSFORMS)
    out = []
    for v, src in enumerate(longs):
        length = float(subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
             str(src)], check=True, capture_output=True, text=True).stdout)
        for c in range(per_video):
            start = round(rng.uniform(0, length - seconds), 2)
            how = names[(v + c) % len(names)]
            clip = folder / f"clip{v}_{c}_{how}.mp4"
            if not clip.exists():
                crf = "36" if how == "recompressed" else "23"
                _run(["-ss", str(start), "-i", str(src), "-t", str(seconds), "-vf",
                      TRANSFORMS[how], "-c:v", "libx264", "-crf", crf, "-preset", "veryfast",
                      "-an", str(clip)])
            out.append((clip, src, start, how))
    return out


# ---- a second set, made another way, to confirm on ------------------------------------------
CONFIRM_TRANSFORMS = {
    "letterboxed": "scale=400:-2,pad=480:360:(ow-iw)/2:(oh-ih)/2",
    "brighter": "eq=brightness=0.08:contrast=1.15",
    "grey": "format=gray,format=yuv420p",
    "tilted": "rotate=3*PI/180:fillcolor=black",
}


def _slideshow(photos: list[str], out: Path, seconds: float = SHOT) -> Path:
    """Still photographs, each held then cross-faded into the next (no camera movement)."""
    w, h = SIZE
    each = seconds / len(photos)
    inputs = [x for p in photos for x in ("-loop", "1", "-t", f"{each + 1:.2f}", "-i",
                                          _photo_path(p))]
    chain = "".join(f"[{i}:v]scale={w}:{h}:force_original_aspect_ratio=increase,"
                    f"crop={w}:{h},setsar=1,fps={FPS},format=yuv420p[v{i}];"
                    for i in range(len(photos)))
    last = "[v0]"
    for i in range(1, len(photos)):
        chain += f"{last}[v{i}]xfade=transition=fade:duration=1:offset={i * each:.2f}[x{i}];"
        last = f"[x{i}]"
    _run([*inputs, "-filter_complex", chain.rstrip(";"), "-map", last, "-t", str(seconds),
          "-c:v", "libx264", "-preset", "veryfast", "-g", "50", str(out)])
    return out


def _source(kind: str, seed: int, out: Path, seconds: float = SHOT) -> Path:
    w, h = SIZE
    src = {"sierpinski": f"sierpinski=s={w}x{h}:rate={FPS}:seed={seed}:jump={50 + seed}",
           "gradients": f"gradients=s={w}x{h}:r={FPS}:seed={seed}:speed=0.02",
           "mandelbrot": f"mandelbrot=s={w}x{h}:r={FPS}:start_x={-1.2 + 0.05 * seed}:"
                         f"start_y={0.2 + 0.02 * seed}:start_scale=1.5"}[kind]
    _run(["-f", "lavfi", "-i", src, "-t", str(seconds), "-pix_fmt", "yuv420p", "-c:v",
          "libx264", "-preset", "veryfast", "-g", "50", str(out)])
    return out


def confirm_videos(root: Path, count: int = 6) -> list[Path]:
    """Set B: a slideshow with a cross-fade (each photograph in one video only) and two other
    moving sources (Sierpinski, gradients, another part of the Mandelbrot set) per video,
    2 s key frames; made once under root/confirm."""
    lib = root / "confirm"
    lib.mkdir(parents=True, exist_ok=True)
    photos = PHOTOS[::-1]
    sources = ["sierpinski", "gradients", "mandelbrot"]
    out = []
    for v in range(count):
        dest = lib / f"other{v}.mp4"
        if not dest.exists():
            parts = [_slideshow([photos[2 * v], photos[2 * v + 1]], root / f"b{v}_0.mp4"),
                     _source(sources[v % 3], v + 3, root / f"b{v}_1.mp4"),
                     _source(sources[(v + 1) % 3], v + 11, root / f"b{v}_2.mp4")]
            _concat(parts, dest)
            for p in parts:
                p.unlink()
        out.append(dest)
    return out


def confirm_clips(root: Path, videos: list[Path], per_video: int = 4, seconds: float = 5.0,
                  seed: int = 1) -> list[tuple[Path, Path, float, str]]:
    folder = root / "confirm-clips"
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    names = list(CONFIRM_TRANSFORMS)
    out = []
    for v, src in enumerate(videos):
        for c in range(per_video):
            start = round(rng.uniform(0, 3 * SHOT - seconds), 2)
            how = names[(v + c) % len(names)]
            clip = folder / f"clip{v}_{c}_{how}.mp4"
            if not clip.exists():
                _run(["-ss", str(start), "-i", str(src), "-t", str(seconds), "-vf",
                      CONFIRM_TRANSFORMS[how], "-c:v", "libx264", "-crf", "26", "-preset",
                      "veryfast", "-an", str(clip)])
            out.append((clip, src, start, how))
    return out
