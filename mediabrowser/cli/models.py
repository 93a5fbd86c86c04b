"""`mediabrowser models`: the registry and its weights — list, download (resumable, verified),
import a file you have, remove, and choose the model a library uses for a kind."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from mediabrowser.cli.common import ProgressPrinter, open_library


def cmd_models(args: argparse.Namespace) -> int:
    from mediabrowser.core.embed import manager
    from mediabrowser.core.embed.registry import DEFAULT_MODELS, all_specs, get_spec

    if args.action != "list":
        if not args.name:
            print(f"mediabrowser: models {args.action} needs a model name", file=sys.stderr)
            return 2
        spec = get_spec(args.name)
        if args.action == "download":
            return _download(spec, args.url)
        if args.action == "import":
            if not args.file:
                print("mediabrowser: models import NAME FILE", file=sys.stderr)
                return 2
            dest = manager.import_weights(spec, Path(args.file).expanduser(),
                                          check_checksum=not args.skip_checksum)
            print(f"{spec.name} is ready ({dest})")
            return 0
        if args.action == "use":
            return _use_model(args, spec)
        removed = manager.remove_weights(spec)
        print(f"removed the weights of {spec.name}" if removed
              else f"{spec.name} has no weights in the models folder")
        return 0

    from mediabrowser.core.embed.engine import engines_of, planned

    defaults = set(DEFAULT_MODELS.values())
    rows = []
    for spec in all_specs():
        st = manager.status(spec)
        engine = planned(spec, "cpu")[0] if st.state == manager.ModelState.READY else ""
        rows.append({"name": spec.name, "modality": spec.modality.value, "dim": spec.dim,
                     "state": st.state.value, "available": st.state == manager.ModelState.READY,
                     "reason": "" if st.state == manager.ModelState.READY else st.detail,
                     "licence": spec.licence, "family": spec.family, "good_for": spec.good_for,
                     "text_search": spec.text, "default": spec.name in defaults,
                     "download_size": spec.weights.size or None,
                     "engines": list(engines_of(spec)), "engine": engine,
                     "weights": st.detail if st.state == manager.ModelState.READY else None})
    if args.json:
        json.dump(rows, sys.stdout, indent=2)
        print()
        return 0
    for r in rows:
        star = "*" if r["default"] else " "
        runs = {"onnxruntime": "ONNX Runtime", "pytorch": "PyTorch"}.get(str(r["engine"]), "")
        print(f"{star} {r['name']:26} {r['modality']:5} {r['dim']:5}  {r['state']:15}  "
              f"{runs:12}  {r['licence']}")
        if not r["available"]:
            print(f"    {r['reason']}")
    print("\n* default for its kind.  Get weights: mediabrowser models download NAME, or "
          "offline: mediabrowser models import NAME FILE")
    return 0


def _download(spec: Any, url: str | None) -> int:
    from mediabrowser.core.driver import drive_until_interrupted
    from mediabrowser.core.embed import manager
    from mediabrowser.core.types import CancelToken

    cancel = CancelToken()
    printer = ProgressPrinter(sys.stderr)
    try:
        path, interrupted = drive_until_interrupted(
            manager.download_job(spec, cancel=cancel, url=url), cancel, printer)
    except manager.DownloadFailed as exc:
        printer.finish()
        print(f"mediabrowser: {spec.name}: {exc}.\nOffline? Fetch {url or spec.weights.url} "
              f"on another computer, then: mediabrowser models import {spec.name} FILE",
              file=sys.stderr)
        return 1
    printer.finish()
    if interrupted:
        print("interrupted: run the same command to resume", file=sys.stderr)
        return 130
    print(f"{spec.name} is ready ({path})")
    return 0


def _use_model(args: argparse.Namespace, spec: Any) -> int:
    """Make `spec` the library's model for its kind; the next index run embeds with it."""
    from mediabrowser.core.embed.registry import get_spec

    lib = open_library(args)
    try:
        video_before = lib.model_for("video")
        lib.switch_model(spec.modality, spec.name)
        image, video = lib.model_for("image"), lib.model_for("video")
    finally:
        lib.close()
    print(f"{spec.modality.value}: {spec.name} (run mediabrowser index to embed with it; the "
          "previous model keeps answering until then)")
    if video != video_before:
        print(f"video: {video} (follows the photo model, so photos and videos keep finding "
              "each other)")
    if spec.modality.value != "audio" and (
            get_spec(image).index_space != get_spec(video).index_space):
        print(f"note: photos and videos will not find each other: videos use {video}, photos "
              f"{image}; choose frames:{image} for videos to keep them together")
    return 0
