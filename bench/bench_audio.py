"""Indexing recordings with an audio model, and the sounds CNN's float and 8-bit graphs.

    .venv/bin/python bench/bench_audio.py [--media /tmp/mb-bench-quality] [--model NAME]
                                          [--runs 2]

Indexes set B's voices and instruments (bench/audio_sets.py; 132 recordings of 2-5 s) into a
fresh library per run, in one process (the first run starts the decode workers), and prints
files/s and the indexing process's CPU per file. Then times the default audio model's sounds
CNN on eight blocks: its float graph (exported here into a temporary folder) against the 8-bit
one the app runs.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import audio_sets  # noqa: E402

from mediabrowser.core.jobs.pipeline import index_paths  # noqa: E402
from mediabrowser.core.library import Library  # noqa: E402


def recordings(root: Path, folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    files = (audio_sets.speakers(root / "speech-B", "B")[0]
             + audio_sets.instruments(root / "music-B", "B")[0])
    for i, f in enumerate(files):
        shutil.copyfile(f, folder / f"{i:03d}_{f.name}")
    return len(files)


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def index_runs(folder: Path, model: str, runs: int) -> None:
    for i in range(runs):
        tmp = Path(tempfile.mkdtemp())
        try:
            with Library(tmp / "lib") as lib:
                lib.config.models["audio"] = model
                lib.embedder(model)  # loading the model is not counted
                c, t = cpu(), time.perf_counter()
                report = index_paths(lib, [folder])
                wall, used = time.perf_counter() - t, cpu() - c
                print(f"| {model} | run {i + 1} | {report.embedded / wall:.1f} files/s | "
                      f"{1000 * used / max(report.embedded, 1):.0f} ms |", flush=True)
        finally:
            shutil.rmtree(tmp)


def sounds_graphs(root: Path) -> None:
    import torch

    from mediabrowser.core.embed.engine import OrtRunner
    from mediabrowser.core.embed.registry import get_spec, load_embedder
    from mediabrowser.core.embed.sound_inputs import SFX_RATE, sfx_blocks, sfx_mel
    from mediabrowser.core.embed.sound_voice import (
        SoundVoiceEmbedder,
        aisfx_network,
        sound_source,
    )
    from mediabrowser.core.media.audio import load_audio

    emb = load_embedder("sounds-voices")
    assert isinstance(emb, SoundVoiceEmbedder)
    paths = audio_sets.melodies(root / "music-C")[0][:8]
    blocks = np.concatenate([sfx_blocks(sfx_mel(load_audio(p, rate=SFX_RATE)), 1)
                             for p in paths]).astype(np.float32)
    from mediabrowser.core.embed.registry import locate_package_file

    weights = locate_package_file(sound_source(get_spec("sounds-voices"))).path
    assert weights is not None
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "float.onnx"
        with torch.inference_mode(False):
            torch.onnx.export(aisfx_network(weights), (torch.from_numpy(blocks[:2]),), str(path),
                              dynamo=False, opset_version=17, input_names=["input"],
                              output_names=["features"],
                              dynamic_axes={"input": {0: "batch"}, "features": {0: "batch"}})
        runners = {"float": OrtRunner(str(path), "cpu"), "8-bit (the app's)": emb.sounds}
        out = {}
        for name, run in runners.items():
            run(blocks)
            t = time.perf_counter()
            for _ in range(3):
                out[name] = run(blocks)
            ms = (time.perf_counter() - t) / 3 / len(blocks) * 1000
            print(f"| sounds CNN, {name} graph | {ms:.1f} ms a block |", flush=True)
        a, b = out.values()
        cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
        print(f"| cosine, 8-bit against float (8 set-C blocks) | min {cos.min():.4f} |")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--media", default="/tmp/mb-bench-quality")
    ap.add_argument("--model", action="append", help="audio model(s) (default: both)")
    ap.add_argument("--runs", type=int, default=2)
    a = ap.parse_args()
    root = Path(a.media)
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d) / "recordings"
        print(f"{recordings(root, folder)} recordings")
        print("| model | run | files/s | CPU per file, indexing process |\n|---|---|---|---|")
        for model in a.model or ["sounds-voices", "voice-timbre"]:
            index_runs(folder, model, a.runs)
    sounds_graphs(root)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
