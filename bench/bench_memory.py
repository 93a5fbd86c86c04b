"""Memory per file: no video, recording or picture makes the process grow without bound.

For each long or huge file, a fresh process probes it, decodes it for the default model and
makes its thumbnail, exactly as indexing does; we report that process's peak resident memory
next to the same process on a small file, and the time taken.

    .venv/bin/python bench/bench_memory.py [--media DIR] [--write BENCHMARKS.md]
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

CHILD = r"""
import json, os, sys, threading, time
from mediabrowser.core.media.probe import probe
from mediabrowser.core.media.thumbs import make_thumbnail
from mediabrowser.core.embed.registry import DEFAULT_MODELS, load_embedder
from mediabrowser.core.types import MediaKind
path, kind = sys.argv[1], sys.argv[2]
page = os.sysconf("SC_PAGE_SIZE")
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * page / 2**20
emb = load_embedder(DEFAULT_MODELS[MediaKind(kind)], "cpu")
before = rss()
peak = [before]
done = threading.Event()
def sample():
    while not done.is_set():
        peak[0] = max(peak[0], rss())
        time.sleep(0.002)
threading.Thread(target=sample, daemon=True).start()
t0 = time.monotonic()
result = probe(path)
prepared = emb.prepare(path)
make_thumbnail(path, result.kind)
seconds = time.monotonic() - t0
done.set()
time.sleep(0.01)
print(json.dumps({"seconds": seconds, "before_mb": before, "peak_mb": max(peak[0], rss())}))
"""


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-y", "-v", "error", *args], check=True)


def make_media(folder: Path) -> dict[str, tuple[Path, str]]:
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, tuple[Path, str]] = {}
    small_v = folder / "small.mp4"
    if not small_v.exists():
        ffmpeg("-f", "lavfi", "-i", "testsrc=size=640x360:rate=30", "-t", "5", "-c:v", "libx264",
               "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(small_v))
    files["video, 5 s, 640×360 (baseline)"] = (small_v, "video")
    hour = folder / "hour.mp4"
    if not hour.exists():  # a minute of 720p, repeated sixty times without re-encoding
        minute = folder / "minute.mp4"
        ffmpeg("-f", "lavfi", "-i", "testsrc=size=1280x720:rate=30", "-t", "60", "-c:v",
               "libx264", "-preset", "ultrafast", "-crf", "35", "-g", "300", "-pix_fmt",
               "yuv420p", str(minute))
        ffmpeg("-stream_loop", "59", "-i", str(minute), "-c", "copy", str(hour))
    files["video, 1 hour, 1280×720, 30 fps"] = (hour, "video")
    unknown = folder / "hour-streamed.mkv"
    if not unknown.exists():  # written to a pipe: no duration or frame count in the file
        with open(unknown, "wb") as out:
            subprocess.run(["ffmpeg", "-v", "error", "-i", str(hour), "-c", "copy", "-f",
                            "matroska", "pipe:1"], stdout=out, check=True)
    files["video, 1 hour, length unknown (streamed MKV)"] = (unknown, "video")
    small_a = folder / "small.mp3"
    if not small_a.exists():
        ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=10", str(small_a))
    files["audio, 10 s MP3 (baseline)"] = (small_a, "audio")
    long_a = folder / "three-hours.mp3"
    if not long_a.exists():  # ten minutes of sound, repeated eighteen times
        part = folder / "ten-minutes.mp3"
        ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=600:sample_rate=44100",
               "-b:a", "64k", str(part))
        ffmpeg("-stream_loop", "17", "-i", str(part), "-c", "copy", str(long_a))
    files["audio, 3 hours MP3"] = (long_a, "audio")
    long_w = folder / "three-hours.wav"
    if not long_w.exists():
        ffmpeg("-i", str(long_a), "-ar", "16000", "-ac", "1", str(long_w))
    files["audio, 3 hours WAV (16 kHz mono, 346 MB)"] = (long_w, "audio")
    small_i = folder / "small.jpg"
    pano = folder / "panorama-200mp.jpg"
    if not pano.exists():
        from PIL import Image

        Image.linear_gradient("L").resize((20_000, 10_000)).convert("RGB").save(pano, quality=80)
        Image.linear_gradient("L").resize((4000, 3000)).convert("RGB").save(small_i, quality=80)
    files["photo, 12 MP JPEG (baseline)"] = (small_i, "image")
    files["photo, 200 MP panorama JPEG"] = (pano, "image")
    return files


def measure(path: Path, kind: str) -> dict[str, float]:
    r = subprocess.run([sys.executable, "-c", CHILD, str(path), kind], capture_output=True,
                       text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--media", default="/tmp/mb-bench-memory")
    ap.add_argument("--write", metavar="FILE")
    args = ap.parse_args()
    files = make_media(Path(args.media))
    rows = []
    for label, (path, kind) in files.items():
        m = measure(path, kind)
        rows.append(f"| {label} | {path.stat().st_size / 1e6:,.0f} MB | "
                    f"{m['before_mb']:,.0f} MB | {m['peak_mb']:,.0f} MB | "
                    f"+{m['peak_mb'] - m['before_mb']:,.0f} MB | {m['seconds']:.1f} s |")
        print(rows[-1], flush=True)
    text = (f"\n### Memory per file — {time.strftime('%Y-%m-%d')}\n\n"
            f"`.venv/bin/python bench/bench_memory.py` on {platform.machine()}, "
            f"{platform.python_version()}. A fresh process loads the default model, then probes "
            "each file, decodes it for the model and makes its thumbnail, as indexing does; "
            "resident memory sampled every 2 ms.\n\n"
            "| file | size on disk | resident, model loaded | peak while reading the file | "
            "growth | probe + decode + thumbnail |\n|---|---|---|---|---|---|\n"
            + "\n".join(rows) + "\n")
    print(text)
    if args.write:
        with open(args.write, "a") as f:
            f.write(text)


if __name__ == "__main__":
    main()
