"""Make real media files from what installed packages ship: scikit-image's sample photographs,
speech from espeak-ng, videos and tones from ffmpeg. Used by the demo library and the tests;
nothing is downloaded.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from PIL import Image

from mediabrowser.core.types import UserError

# Photographs and pictures shipped inside scikit-image's wheel (skimage/data).
PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "motorcycle_left", "motorcycle_right",
          "hubble_deep_field", "ihc", "retina", "horse", "brick", "grass", "gravel", "coins",
          "camera", "clock_motion", "page", "color", "logo", "moon", "cell")


class ToolMissing(UserError, RuntimeError):
    pass


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise ToolMissing(f"{tool} is not installed (apt-get install {tool})")
    return path


def sample_photo(name: str) -> Image.Image:
    import skimage

    folder = Path(skimage.__file__).parent / "data"
    hits = sorted(folder.glob(f"{name}.*"))
    if not hits:
        raise FileNotFoundError(f"scikit-image ships no sample picture named {name!r}")
    with Image.open(hits[0]) as src:
        im = src.copy()
    if im.mode == "1" or im.mode.startswith("I"):
        im = im.convert("L")
    if im.mode not in ("RGB", "L"):
        im = im.convert("RGBA")
        bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(bg, im)
    return im.convert("RGB")


def run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def video_from_photo(photo: Path, out: Path, seconds: float = 3.0, zoom: bool = True,
                     size: str = "320x240", fps: int = 15) -> Path:
    """A short H.264 clip: a slow Ken Burns zoom (or a still) over a photograph."""
    ffmpeg = need("ffmpeg")
    frames = int(seconds * fps)
    vf = (f"scale=960:-2,zoompan=z='min(zoom+0.0025,1.3)':d={frames}:s={size}:fps={fps}"
          if zoom else f"scale={size.replace('x', ':')}")
    run([ffmpeg, "-y", "-loglevel", "error", "-loop", "1", "-i", str(photo), "-vf", vf,
         "-t", str(seconds), "-r", str(fps), "-pix_fmt", "yuv420p", "-c:v", "libx264",
         "-preset", "veryfast", str(out)])
    return out


def video_from_frames(frames: list[Image.Image], out: Path, fps: int = 5) -> Path:
    """An H.264 clip from PIL frames (each shown 1/fps s)."""
    ffmpeg = need("ffmpeg")
    tmp = out.with_suffix(".frames")
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        for i, fr in enumerate(frames):
            fr.convert("RGB").save(tmp / f"{i:04d}.png")
        run([ffmpeg, "-y", "-loglevel", "error", "-framerate", str(fps), "-i",
             str(tmp / "%04d.png"), "-pix_fmt", "yuv420p", "-c:v", "libx264",
             "-preset", "veryfast", str(out)])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def speech(text: str, out: Path, voice: str = "en", speed: int = 160, pitch: int = 50) -> Path:
    """Speech from espeak-ng; converted by ffmpeg when `out` is not a .wav."""
    espeak = need("espeak-ng")
    wav = out if out.suffix == ".wav" else out.with_suffix(".tmp.wav")
    run([espeak, "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(wav), text])
    if wav != out:
        convert_audio(wav, out)
        wav.unlink()
    return out


def tone(out: Path, expr: str = "sine=frequency=440", seconds: float = 3.0) -> Path:
    """A synthetic sound from an ffmpeg lavfi source (sine, anoisesrc, aevalsrc …)."""
    ffmpeg = need("ffmpeg")
    run([ffmpeg, "-y", "-loglevel", "error", "-f", "lavfi", "-i", f"{expr}:duration={seconds}"
         if "=" in expr and "duration" not in expr else expr, "-t", str(seconds), str(out)])
    return out


def convert_audio(src: Path, out: Path, *filters: str) -> Path:
    ffmpeg = need("ffmpeg")
    cmd = [ffmpeg, "-y", "-loglevel", "error", "-i", str(src)]
    if filters:
        cmd += ["-af", ",".join(filters)]
    run(cmd + [str(out)])
    return out


DEMO_VERSION = "2"  # bumped when the demo gains files: an older demo folder is completed


def build_demo(folder: Path) -> Path:
    """The demo library: photos with near-duplicates, videos made from them, speech and sounds.

    Written once; a finished marker makes later calls instant.
    """
    marker = folder / ".complete"
    if marker.exists() and marker.read_text().strip() == DEMO_VERSION:
        return folder
    photos, videos, audio = folder / "photos", folder / "videos", folder / "audio"
    for d in (photos, videos, audio):
        d.mkdir(parents=True, exist_ok=True)
    for name in PHOTOS:
        sample_photo(name).save(photos / f"{name}.jpg", quality=92)
    # Near-duplicates a person would have: a resized copy, a crop, a recompressed one.
    cat = Image.open(photos / "chelsea.jpg")
    cat.resize((cat.width // 2, cat.height // 2)).save(photos / "chelsea_small.jpg", quality=80)
    cat.transpose(Image.Transpose.ROTATE_270).save(photos / "chelsea_turned.jpg", quality=88)
    coffee = Image.open(photos / "coffee.jpg")
    w, h = coffee.size
    coffee.crop((w // 10, h // 10, w - w // 10, h - h // 10)).save(photos / "coffee_crop.png")
    Image.open(photos / "astronaut.jpg").save(photos / "astronaut_lowq.webp", quality=40)
    # and byte-identical copies under other names, as downloads and phone backups leave them
    shutil.copyfile(photos / "coffee.jpg", photos / "coffee (1).jpg")
    (photos / "backup").mkdir(exist_ok=True)
    shutil.copyfile(photos / "coffee.jpg", photos / "backup" / "IMG_0412.jpg")
    for name in ("chelsea", "coffee", "rocket", "astronaut"):
        video_from_photo(photos / f"{name}.jpg", videos / f"{name}_zoom.mp4")
    speech("Welcome to media browser. Find similar photos, videos and sounds.",
           audio / "welcome_en.wav")
    speech("Welcome to media browser. Find similar photos, videos and sounds.",
           audio / "welcome_en_slow.mp3", speed=110)
    speech("Bienvenue dans le navigateur de médias.", audio / "bienvenue_fr.ogg", voice="fr")
    speech("One two three four five six seven eight nine ten.", audio / "counting.flac",
           voice="en-us", pitch=20)
    tone(audio / "tone_440.wav", "sine=frequency=440")
    tone(audio / "tone_466.wav", "sine=frequency=466")
    tone(audio / "rain_noise.wav", "anoisesrc=color=pink:amplitude=0.3")
    marker.write_text(DEMO_VERSION + "\n")
    return folder
