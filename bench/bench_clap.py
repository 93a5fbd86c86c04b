"""How fast CLAP indexes recordings and answers words, at its real size, on this machine.

    .venv/bin/python bench/bench_clap.py [--media /tmp/mb-bench-quality] [--runs 2]

The published weights cannot be downloaded here, so this builds larger_clap_general's
architecture (HTSAT-base audio tower, RoBERTa-base text tower, 512-d) with random weights in a
temporary models folder, installs it through the model manager (its ONNX export included) and
times indexing set B's 132 recordings of 2-5 s and a text query. Speed only: what the vectors
mean needs the real weights.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_audio import cpu, recordings  # noqa: E402

from mediabrowser.core.jobs.pipeline import index_paths  # noqa: E402
from mediabrowser.core.library import Library  # noqa: E402

# larger_clap_general: HTSAT-base (LAION-CLAP's "HTSAT-base") and RoBERTa-base.
AUDIO = {"patch_embeds_hidden_size": 128, "depths": [2, 2, 12, 2],
         "num_attention_heads": [4, 8, 16, 32], "hidden_size": 1024, "window_size": 8}


def random_snapshot(folder: Path) -> Path:
    import torch
    from transformers import ClapConfig, ClapFeatureExtractor, ClapModel

    from mediabrowser.core.embed.clip_tokenizer import byte_to_unicode

    torch.manual_seed(0)
    ClapModel(ClapConfig(audio_config=AUDIO, projection_dim=512)).save_pretrained(folder)
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for u in byte_to_unicode().values():
        vocab.setdefault(u, len(vocab))
    (folder / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    (folder / "merges.txt").write_text("#version: 0.2\n", encoding="utf-8")
    ClapFeatureExtractor(truncation="rand_trunc", frequency_min=50).save_pretrained(folder)
    return folder / "model.safetensors"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--media", type=Path, default=Path("/tmp/mb-bench-quality"))
    ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args()
    from mediabrowser.core.embed.manager import import_weights
    from mediabrowser.core.embed.registry import get_spec, load_embedder
    from mediabrowser.core.search import search_text

    tmp = Path(tempfile.mkdtemp())
    try:
        folder = tmp / "recordings"
        n = recordings(args.media, folder)
        models = tmp / "models"
        models.mkdir()
        (tmp / "snap").mkdir()
        t = time.perf_counter()
        import_weights(get_spec("clap-general"), random_snapshot(tmp / "snap"), models,
                       check_checksum=False)
        print(f"install (checks, exports both towers to ONNX): {time.perf_counter() - t:.0f} s")
        emb = load_embedder("clap-general", "cpu", models)
        print(f"engine: {emb.engine}; {n} recordings")  # type: ignore[attr-defined]
        windows = np.concatenate([emb.prepare(f) for f in sorted(folder.iterdir())[:8]])
        t = time.perf_counter()
        emb.audio_runner(windows.astype(np.float32))  # type: ignore[attr-defined]
        print(f"audio tower: {1000 * (time.perf_counter() - t) / len(windows):.0f} ms a window")
        print("| model | run | files/s | CPU per file, indexing process |\n|---|---|---|---|")
        for i in range(args.runs):
            with Library(tmp / f"lib{i}", models_dir=models) as lib:
                lib.config.models["audio"] = "clap-general"
                lib.embedder("clap-general")
                c, t = cpu(), time.perf_counter()
                report = index_paths(lib, [folder])
                wall, used = time.perf_counter() - t, cpu() - c
                print(f"| clap-general | run {i + 1} | {report.embedded / wall:.1f} files/s | "
                      f"{1000 * used / max(report.embedded, 1):.0f} ms |", flush=True)
                search_text(lib, "warm up", kind="audio")
                times = []
                for q in range(20):
                    t = time.perf_counter()
                    search_text(lib, f"a dog barking {q}", k=10, kind="audio")
                    times.append(time.perf_counter() - t)
                print(f"search by words: p50 {1000 * np.median(times):.0f} ms")
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
