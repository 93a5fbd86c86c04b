"""Items per second for each model on this machine, on the same media (decode + embed).

    .venv/bin/python bench/bench_models.py [--write BENCHMARKS.md]

Models whose weights are not on the machine get randomly initialised weights saved to a
temporary models folder: speed does not depend on the weights' values.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as the app sets it

import torch  # noqa: E402

from mediabrowser import mediamaker  # noqa: E402
from mediabrowser.core.embed.registry import get_spec, load_embedder, locate_weights  # noqa: E402

IMAGE = ["efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2", "resnet18", "resnet50",
         "efficientnet-b0", "convnext-tiny", "vit-b-16", "clip-vit-b-32"]
VIDEO = ["frames:efficientnet-lite0", "r3d-18", "r2plus1d-18", "mc3-18", "s3d", "mvit-v2-s",
         "swin3d-t"]
AUDIO = ["mfcc", "melspec", "voice-ge2e", "wav2vec2-base", "hubert-base", "wavlm-base"]


def ensure_weights(name: str, models: Path) -> str:
    spec = get_spec(name)
    if locate_weights(spec, models).available:
        return "shipped" if spec.weights.kind in ("package", "none") else "present"
    torch.manual_seed(0)
    target = models / spec.weights.filename
    if spec.loader.endswith(":clip"):
        import open_clip
        from safetensors.torch import save_file

        m = open_clip.create_model(spec.options["arch"])
        save_file({k: v.contiguous() for k, v in m.state_dict().items()}, str(target))
    elif spec.loader.endswith(":torchaudio_ssl"):
        import torchaudio.models as TM
        from torchaudio import pipelines

        params = dict(getattr(pipelines, spec.options["bundle"])._params)
        build = TM.wavlm_model if "encoder_max_distance" in params else TM.wav2vec2_model
        torch.save(build(**params).state_dict(), target)
    else:
        import torchvision.models as M
        import torchvision.models.video as V

        b = spec.options["builder"]
        torch.save((getattr(M, b, None) or getattr(V, b))().state_dict(), target)
    return "random (speed only)"


def make_media(d: Path) -> dict[str, list[Path]]:
    photos = []
    for i, name in enumerate(("astronaut", "coffee", "chelsea", "rocket", "horse", "retina",
                              "brick", "grass")):
        p = d / f"{name}.jpg"
        mediamaker.sample_photo(name).resize((1600, 1200)).save(p, quality=90)
        photos.append(p)
        if i < 4:
            mediamaker.video_from_photo(p, d / f"{name}.mp4", seconds=4)
    videos = sorted(d.glob("*.mp4"))
    sounds = [mediamaker.speech(f"Sentence number {i}: the weather is fine and the sea is calm.",
                                d / f"speech{i}.wav", speed=140 + 10 * i) for i in range(4)]
    return {"image": photos * 4, "video": videos, "audio": sounds * 2}


def rate(name: str, files: list[Path], models: Path, batch: int) -> float:
    emb = load_embedder(name, "cpu", models)
    emb.embed([emb.prepare(files[0])])  # warm-up
    t = time.perf_counter()
    for i in range(0, len(files), batch):
        emb.embed([emb.prepare(f) for f in files[i:i + batch]])
    return len(files) / (time.perf_counter() - t)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--write", metavar="FILE")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="mb-bench-models-"))
    models = tmp / "models"
    models.mkdir()
    media = make_media(tmp)
    rows = []
    for kind, names, batch in (("image", IMAGE, 16), ("video", VIDEO, 2), ("audio", AUDIO, 8)):
        for name in names:
            weights = ensure_weights(name, models)
            r = rate(name, media[kind], models, batch)
            rows.append(f"| {name} | {kind} | {get_spec(name).dim} | {r:.1f} | {weights} |")
            print(rows[-1], file=sys.stderr)
    text = "\n".join([
        f"### Items per second per model — {time.strftime('%Y-%m-%d')}",
        "",
        f"`.venv/bin/python bench/bench_models.py` on {platform.machine()}, {os.cpu_count()} "
        f"cores, CPU, torch {torch.__version__}. Decode + preprocess + embed, batches of 16 "
        "photos (1600×1200 JPEG), 2 videos (4 s, 320×240) or 8 recordings (speech, ~5 s).",
        "",
        "| model | kind | dim | items/s | weights |",
        "|---|---|---|---|---|",
        *rows,
        "",
    ])
    print(text)
    if args.write:
        with open(args.write, "a") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
