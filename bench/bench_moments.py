"""A sound found inside a long recording: pieces cut at random times from long recordings,
re-encoded and quieter, looked up in a library that holds the recordings and other sounds.

    .venv/bin/python bench/bench_moments.py [--media /tmp/mb-bench-quality] [--pieces 24]
                                            [--seconds 4] [--seed 0]

Long recordings (40-70 s) are made by joining recordings of set C (flite voices, TimGM6mb
melodies) and set A (espeak voices, FluidR3 notes) in random order; the library also holds
set B's recordings as distractors. Each piece: `--seconds` long from a random time, MP3 at
96 kbit/s, volume 0.6. Reported: hit@1 (its recording first), "located" (the result's start
within 2 s of where the piece was cut), the score and its tier, through the real pipeline
(index_paths, find_similar).
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import audio_sets  # noqa: E402

from mediabrowser.core.jobs.pipeline import index_paths  # noqa: E402
from mediabrowser.core.library import Library  # noqa: E402
from mediabrowser.core.search import find_similar  # noqa: E402
from mediabrowser.core.tiers import tier  # noqa: E402


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-y", "-v", "error", *args], check=True)


def long_recordings(root: Path, out: Path, n: int, rng: random.Random) -> list[Path]:
    pool = (audio_sets.flite_speakers(root / "speech-C")[0]
            + audio_sets.melodies(root / "music-C")[0]
            + audio_sets.speakers(root / "speech-A", "A")[0]
            + audio_sets.instruments(root / "music-A", "A")[0])
    made = []
    rng.shuffle(pool)  # each recording of the pool is used once: a piece has one true source
    for i in range(n):
        parts = [pool.pop() for _ in range(rng.randint(12, 18))]
        inputs = [x for p in parts for x in ("-i", str(p))]
        chain = "".join(f"[{j}:a]aresample=44100,aformat=channel_layouts=mono[a{j}];"
                        for j in range(len(parts)))
        joined = "".join(f"[a{j}]" for j in range(len(parts)))
        dest = out / f"long_{i}.wav"
        ffmpeg(*inputs, "-filter_complex", f"{chain}{joined}concat=n={len(parts)}:v=0:a=1",
               str(dest))
        made.append(dest)
    return made


def duration(path: Path) -> float:
    from mediabrowser.core.media.audio import audio_info

    return audio_info(path)[0]


def three_hours(folder: Path) -> None:
    """Time and memory for one three-hour recording (a tone in pink noise, MP3), through the
    decode worker's code and the model, in this process."""
    import resource

    from mediabrowser.core.embed.registry import load_embedder
    from mediabrowser.core.embed.sound_voice import SoundVoiceEmbedder

    path = folder / "three_hours.mp3"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-f", "lavfi", "-i",
           "anoisesrc=color=pink:amplitude=0.05:sample_rate=44100", "-filter_complex",
           "[0][1]amix=inputs=2", "-t", "10800", "-ac", "1", "-b:a", "64k", str(path))
    emb = load_embedder("sounds-voices")
    assert isinstance(emb, SoundVoiceEmbedder)
    read = emb.file_input()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    t = time.perf_counter()
    item = read(str(path))[0]
    decode = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    t = time.perf_counter()
    _vectors, moments = emb.embed_with_moments([item])
    print(f"\n| three-hour recording | decode and features | model | moments | peak RSS "
          f"before / after decoding |\n|---|---|---|---|---|\n| 64 kbit/s MP3 | "
          f"{decode:.1f} s | {time.perf_counter() - t:.1f} s | {len(moments[0])} | "
          f"{before} / {after} MB |")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--media", default="/tmp/mb-bench-quality")
    ap.add_argument("--pieces", type=int, default=24)
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--recordings", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--three-hours", action="store_true",
                    help="also time one three-hour recording (makes it: about a minute)")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    root = Path(a.media)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        lib_dir, pieces_dir = tmp / "library-media", tmp / "pieces"
        lib_dir.mkdir()
        pieces_dir.mkdir()
        longs = long_recordings(root, lib_dir, a.recordings, rng)
        for p in (audio_sets.speakers(root / "speech-B", "B")[0]
                  + audio_sets.instruments(root / "music-B", "B")[0]):
            shutil.copyfile(p, lib_dir / f"other_{p.parent.name}_{p.name}")
        with Library(tmp / "lib") as lib:
            t = time.perf_counter()
            report = index_paths(lib, [lib_dir])
            print(f"indexed {report.embedded} files in {time.perf_counter() - t:.1f} s "
                  f"({a.recordings} long recordings, model {lib.config.models['audio']})")
            hits = located = 0
            rows = []
            for i in range(a.pieces):
                src = rng.choice(longs)
                start = rng.uniform(0, duration(src) - a.seconds)
                piece = pieces_dir / f"piece_{i}.mp3"
                ffmpeg("-ss", f"{start:.3f}", "-t", str(a.seconds), "-i", str(src), "-af",
                       "volume=0.6", "-b:a", "96k", str(piece))
                found = find_similar(lib, piece, k=5)
                top = found[0] if found else None
                hit = top is not None and top.item.path == str(src)
                near = hit and top.start is not None and abs(top.start - start) <= 2.0
                hits += hit
                located += near
                rows.append((top.score if top else 0.0, tier(top.score) if top else ""))
                print(f"piece {i:2d} from {src.name} at {start:5.1f} s: "
                      + (f"{Path(top.item.path).name} at {top.start} score {top.score:.2f} "
                         f"({tier(top.score)})" if top else "nothing"), flush=True)
            scores = sorted(s for s, _ in rows)
            print(f"\n| pieces | hit@1 | located within 2 s | median score | tiers |\n"
                  f"|---|---|---|---|---|\n| {a.pieces} × {a.seconds:g} s | "
                  f"{hits}/{a.pieces} | {located}/{a.pieces} | {scores[len(scores) // 2]:.2f} | "
                  + ", ".join(f"{w or 'none'} {sum(1 for _, x in rows if x == w)}"
                              for w in sorted({x for _, x in rows})) + " |")
        if a.three_hours:
            three_hours(tmp)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
