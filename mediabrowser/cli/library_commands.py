"""`index`, `status` and `demo`: filling the library and saying what it holds."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from mediabrowser.cli.common import ProgressPrinter, open_library
from mediabrowser.cli.duplicates import cmd_duplicates
from mediabrowser.cli.search_commands import cmd_similar
from mediabrowser.core.format import count


def cmd_index(args: argparse.Namespace) -> int:
    from mediabrowser.core.driver import drive_until_interrupted
    from mediabrowser.core.index.milvus import VectorsError, VectorsUri
    from mediabrowser.core.jobs.pipeline import index_job, summary
    from mediabrowser.core.types import CancelToken

    if args.ray not in (None, "auto") and os.path.exists(args.ray):
        args.paths.insert(0, args.ray)  # `index --ray PATH`: the path, on a local Ray
        args.ray = "auto"
    if args.vectors is not None and not args.vectors.strip():
        print("mediabrowser: --vectors needs an address: milvus://HOST:PORT[/DB], a path "
              "ending in .db, or 'embedded'", file=sys.stderr)
        return 2
    if not args.paths and args.vectors is None:
        print("mediabrowser: index needs a PATH (or --vectors URI to choose where the "
              "vectors live)", file=sys.stderr)
        return 2
    try:
        uri = VectorsUri.parse(args.vectors) if args.vectors is not None else None
    except VectorsError as exc:
        print(f"mediabrowser: {exc}", file=sys.stderr)
        return 2
    lib = open_library(args)
    sync = None
    try:
        lib.lock_for_writing(timeout=args.wait)
        if uri is not None:
            try:
                check_vectors(uri, lib)  # unreachable, or unusable: said before anything
            except VectorsError as exc:
                print(f"mediabrowser: {exc}", file=sys.stderr)
                return 1
            lib.config.vectors = "" if uri.kind == "embedded" else str(uri)
            lib.save_config()
        cancel = CancelToken()
        printer = ProgressPrinter(sys.stderr)
        report = None
        if args.paths:
            job = index_job(lib, args.paths, cancel, ray=args.ray)
            report, interrupted = drive_until_interrupted(job, cancel, printer)
            if interrupted:
                printer.finish()
                print("interrupted: what was indexed is kept; run the same command to resume",
                      file=sys.stderr)
                return 130
        sync = share_vectors(lib, cancel, printer)
        printer.finish()
        if sync is not None and not isinstance(sync, str) and sync.summary():
            print(sync.summary(), file=sys.stderr)
    finally:
        lib.close()
    if isinstance(sync, str):  # the library is indexed; its vectors could not be sent
        print(f"mediabrowser: {sync}", file=sys.stderr)
    if report is None:
        if args.json:
            json.dump({"library": str(lib.folder), "vectors": lib.config.vectors or "embedded",
                       "sent": getattr(sync, "sent", 0),
                       "taken": getattr(sync, "taken", 0)}, sys.stdout, indent=2)
            print()
        return 1 if isinstance(sync, str) else 0
    if args.json:
        json.dump({
            "library": str(lib.folder), "scanned": report.scanned, "new": report.new,
            "changed": report.changed, "moved": report.moved, "unchanged": report.unchanged,
            "missing": report.missing, "offline": report.offline,
            "offline_folders": report.offline_roots, "embedded": report.embedded,
            "seconds": round(report.seconds, 3), "engine": report.device,
            "problems": [{"path": p.path, "stage": p.stage, "reason": p.reason}
                         for p in report.problems],
        }, sys.stdout, indent=2)
        print()
    else:
        print(summary(report))
        for folder in report.offline_roots:
            print(f"folder not found (a drive unplugged?): {folder}; its files are kept and come "
                  "back when it does")
        if report.problems:
            print(f"\n{count(len(report.problems), 'file')} could not be used:")
            for prob in report.problems:
                print(f"  {prob.path}: {prob.reason}")
    return 0


def check_vectors(uri: Any, lib: Any) -> None:
    """Open the vector store once: a wrong or unreachable address, or collections this
    library cannot use, fail here (before the address is kept in the settings)."""
    from mediabrowser.core.index.milvus import MilvusVectors

    if uri.kind != "embedded":
        mv = MilvusVectors(uri)
        try:
            mv.check(lib.store.space_dims())
        finally:
            mv.close()


def share_vectors(lib: Any, cancel: Any, printer: Any) -> Any:
    """Send what changed to the library's Milvus, when it has one, and take in what other
    machines sent: the ShareReport, None (embedded only) or why it could not be done (a str;
    the local library is whole)."""
    from mediabrowser.core.driver import drive_until_interrupted
    from mediabrowser.core.index.milvus import VectorsError, VectorsUri
    from mediabrowser.core.jobs.vector_share import share_job

    uri = VectorsUri.parse(lib.config.vectors)
    if uri.kind == "embedded":
        return None
    try:
        sync, interrupted = drive_until_interrupted(share_job(lib, uri, cancel), cancel,
                                                    printer)
    except VectorsError as exc:
        return f"{exc}; the vectors are kept here and sent by the next run"
    return "interrupted: the rest is sent by the next run" if interrupted else sync


def cmd_status(args: argparse.Namespace) -> int:
    lib = open_library(args)
    try:
        counts = lib.store.counts()
        vectors = lib.store.vector_counts()
        job = lib.store.last_job()
        data = {"library": str(lib.folder), "files": counts, "vectors": vectors,
                "models": lib.config.models, "roots": lib.store.roots(), "last_job": job,
                "device": lib.device, "engines": _engines(lib), "shared": _shared(lib)}
    finally:
        lib.close()
    if args.json:
        json.dump(data, sys.stdout, indent=2)
        print()
        return 0
    print(f"library: {data['library']}  (device: {data['device']})")
    for r in data["roots"]:
        print(f"  folder: {r}")
    for kind in ("image", "video", "audio"):
        c = counts.get(kind, {})
        if c:
            detail = ", ".join(f"{n} {s}" for s, n in sorted(c.items()))
            print(f"{kind:6} {sum(c.values()):6} files ({detail}), model {lib.config.models[kind]}")
    from mediabrowser.core.embed.engine import ENGINE_NAMES

    for kind, e in data["engines"].items():
        where = (f"{ENGINE_NAMES[e['engine']]} · {e['device']}" if e["engine"]
                 else "cannot run in this build")
        print(f"engine {kind:6} {e['model']}: {where}")
    for model, n in sorted(vectors.items()):
        print(f"vectors {model}: {n}")
    shared = data["shared"]
    if shared:
        seen = shared["last_taken_in"]
        print(f"shared through {shared['uri']}" + (
            f"; newest row taken in: {time.strftime('%Y-%m-%d %H:%M', time.localtime(seen))}"
            if seen else "; nothing taken in yet (mediabrowser vectors sync)"))
    if job:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(job["started_at"]))
        speed = (f", {job['items_per_second']:.1f} items/s on {job['device']}"
                 if job.get("items_per_second") else "")
        print(f"last run: {when}, {job['state']}, {job['errors']} problems{speed}")
    return 0


def _shared(lib: Any) -> dict[str, Any] | None:
    """The shared store's address and when the newest row taken from it was sent (s)."""
    from mediabrowser.core.index.milvus import VectorsUri
    from mediabrowser.core.jobs.vector_follow import FOLLOWED

    uri = VectorsUri.parse(lib.config.vectors)
    if uri.kind == "embedded":
        return None
    seen = (lib.store.meta_value(FOLLOWED) or "").rsplit(" ", 1)
    stamp = int(seen[1]) if len(seen) == 2 and seen[0] == str(uri) else -1
    return {"uri": str(uri), "last_taken_in": stamp / 1000 if stamp > 0 else None}


def _engines(lib: Any) -> dict[str, dict[str, str]]:
    """Per kind of file: its model, and the engine and device it runs on here."""
    from mediabrowser.core.embed.engine import planned
    from mediabrowser.core.embed.registry import UnknownModel, get_spec

    out = {}
    for kind, name in lib.config.models.items():
        try:
            engine, device = planned(get_spec(name), lib.device)
        except (UnknownModel, ImportError):  # open_clip:… names need open_clip to resolve
            engine, device = "", ""
        out[kind] = {"model": name, "engine": engine, "device": device}
    return out


def cmd_demo(args: argparse.Namespace) -> int:
    from mediabrowser.mediamaker import build_demo
    from mediabrowser.paths import demo_dir

    media = Path(args.media).expanduser() if args.media else demo_dir()
    print(f"demo media: {media}", file=sys.stderr)
    build_demo(media)
    if not args.library:
        args.library = str(media.parent / "demo-library")
    if not args.print and args.open_window is not None:  # a display: the window
        return int(args.open_window(["--library", args.library, str(media)]))
    args.paths, args.wait = [str(media)], 30.0
    cmd_index(argparse.Namespace(**{**vars(args), "json": False}))
    queries = [media / "photos" / "chelsea.jpg", media / "videos" / "coffee_zoom.mp4",
               media / "audio" / "welcome_en.wav"]
    ns = argparse.Namespace(**{**vars(args), "files": [str(q) for q in queries], "k": 4,
                               "kind": None, "model": None})
    print()
    status = cmd_similar(ns)
    print("\nduplicates:")
    dup = argparse.Namespace(**{**vars(args), "paths": [], "tier": "same", "reference": [],
                                "trash": False, "yes": False, "json": False})
    return cmd_duplicates(dup) or status
