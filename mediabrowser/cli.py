"""Command line: index, similar, search, duplicates, models, status, demo.
Contract in shared/DESIGN.md.

`mediabrowser` alone opens the window; `mediabrowser DIR` opens it on DIR.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from mediabrowser import __version__
from mediabrowser.paths import default_library_dir

COMMANDS = ("index", "similar", "search", "duplicates", "models", "status", "demo")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--library", metavar="DIR",
                        help="library folder (database, index, thumbnails); default: "
                             "$MEDIABROWSER_LIBRARY or the user data folder")
    common.add_argument("--json", action="store_true", help="print JSON on stdout")
    common.add_argument("--device", choices=("auto", "cpu", "cuda", "dml", "mps"),
                        help="where models run (default: auto)")

    p = argparse.ArgumentParser(
        prog="mediabrowser",
        description="Browse photos, videos and audio by similarity, offline.")
    p.add_argument("--version", action="version", version=f"mediabrowser {__version__}")
    p.add_argument("--smoke-test", action="store_true",
                   help="check the whole app end to end on bundled media; exit 0 when it works")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    ix = sub.add_parser("index", parents=[common], help="add files and folders to the library")
    ix.add_argument("paths", nargs="+", metavar="PATH")
    ix.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                    help="wait this long for another process indexing the same library")

    sm = sub.add_parser("similar", parents=[common], help="files most similar to each FILE")
    sm.add_argument("files", nargs="+", metavar="FILE")
    sm.add_argument("-k", type=int, default=10, help="how many results per query (default 10)")
    sm.add_argument("--kind", choices=("image", "video", "audio"), help="only results of a kind")
    sm.add_argument("--model", help="vector space to search (default: the library's model "
                                    "for the query's kind)")

    st = sub.add_parser("search", parents=[common], help="photos and videos matching a text "
                                                         "(needs a CLIP model)")
    st.add_argument("text", nargs="+")
    st.add_argument("-k", type=int, default=10, help="how many results (default 10)")
    st.add_argument("--kind", choices=("image", "video"), help="only photos or only videos")

    from mediabrowser.cli_duplicates import add_parser as add_duplicates

    add_duplicates(sub, common)
    md = sub.add_parser("models", parents=[common],
                        help="list models; download, import or remove their weights")
    md.add_argument("action", nargs="?", default="list",
                    choices=("list", "download", "import", "remove", "use"))
    md.add_argument("name", nargs="?", help="model name (see: mediabrowser models)")
    md.add_argument("file", nargs="?", help="with import: the weights file you have")
    md.add_argument("--url", help="with download: fetch from this address instead")
    md.add_argument("--skip-checksum", action="store_true",
                    help="with import: accept weights of your own (the model still has to "
                         "load from them)")
    sub.add_parser("status", parents=[common], help="what the library holds")
    dm = sub.add_parser("demo", parents=[common],
                        help="build the demo library from packaged media, index it, show matches")
    dm.add_argument("--media", metavar="DIR", help="where to write the demo media")
    dm.add_argument("--print", action="store_true",
                    help="print matches instead of opening the window")
    return p


def _quiet_terminal() -> None:
    """File names are printed as the bytes they are (as ls does); native decoders' own
    messages go to a log file, never to the terminal."""
    from mediabrowser.core.quiet import capture_native_output
    from mediabrowser.paths import log_dir

    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="surrogateescape")
    capture_native_output(log_dir() / "decoders.log")


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if argv is None:  # the real command, not a test calling main() in its own process
        _quiet_terminal()
    if args_list[:1] == ["--smoke-test"]:
        from mediabrowser.smoke import run

        return run()
    if not any(a in COMMANDS for a in args_list) and not any(
            a in ("-h", "--help", "--version") for a in args_list):
        # `mediabrowser`, `mediabrowser DIR`, `mediabrowser --library DIR [DIR]`: the window
        return open_window(args_list)
    parser = build_parser()
    args = parser.parse_args(args_list)
    if args.command is None:
        parser.print_help()
        return 2
    from mediabrowser.cli_duplicates import cmd_duplicates
    from mediabrowser.cli_models import cmd_models

    handler = {"index": cmd_index, "similar": cmd_similar, "search": cmd_search,
               "duplicates": cmd_duplicates,
               "models": cmd_models, "status": cmd_status, "demo": cmd_demo}[args.command]
    try:
        return int(handler(args))
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    except Exception as exc:  # noqa: BLE001 - a clear one-line error, not a traceback
        from mediabrowser.core.library import LibraryBusy, LibraryFailure

        if isinstance(exc, LibraryBusy):
            print(f"mediabrowser: {exc}", file=sys.stderr)
            return 3
        if os.environ.get("MEDIABROWSER_DEBUG"):
            raise
        if isinstance(exc, LibraryFailure):
            print(f"mediabrowser: {exc}", file=sys.stderr)
            return 1
        import sqlite3

        if isinstance(exc, sqlite3.Error):
            folder = Path(getattr(args, "library", None) or default_library_dir())
            print(f"mediabrowser: {LibraryFailure.from_error(folder, exc)}", file=sys.stderr)
            return 1
        print(f"mediabrowser: error: {exc}", file=sys.stderr)
        return 1


def open_window(args: list[str]) -> int:
    """`mediabrowser [--library DIR] [PATH...]`: the window, importing PATHs if given."""
    p = argparse.ArgumentParser(prog="mediabrowser", add_help=False)
    p.add_argument("--library", metavar="DIR")
    p.add_argument("paths", nargs="*")
    ns, _unknown = p.parse_known_args(args)
    if not _display_available():
        print("mediabrowser: no display to open the window on (set DISPLAY, or use the "
              "commands: mediabrowser --help)", file=sys.stderr)
        return 2
    try:
        from mediabrowser.gui.application import run
    except ImportError as exc:
        print(f"mediabrowser: the window needs PySide6 ({exc}); pip install "
              "'mediabrowser[gui]'", file=sys.stderr)
        return 2
    return run(Path(ns.library).expanduser() if ns.library else None, ns.paths)


def _display_available() -> bool:
    """Somewhere to show a window: not on a headless Linux box, nor on Qt's invisible
    platforms (a window there would run on unseen)."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform in ("offscreen", "minimal"):
        return False
    if sys.platform != "linux" or platform:
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _library(args: argparse.Namespace, queries: bool = False) -> Any:
    """The library of --library; `queries`: the command only searches (its indexes are
    mapped from disk, not loaded: a 1M-item library answers in well under 2 s)."""
    import sqlite3

    from mediabrowser.core.library import Library, LibraryFailure

    folder = Path(args.library).expanduser() if args.library else default_library_dir()
    try:
        lib = Library(folder, device=args.device, scan_index=queries)
    except (sqlite3.Error, OSError) as exc:
        raise LibraryFailure.from_error(folder.absolute(), exc) from exc
    lib.indexes.on_progress = _IndexRebuildNote()
    return lib


class _IndexRebuildNote:
    """Says once on stderr that a missing search index is being rebuilt (and kept)."""

    def __init__(self) -> None:
        self.printer = ProgressPrinter(sys.stderr)
        self.said = False

    def __call__(self, p: Any) -> None:
        if not self.said and p.total >= 20_000:
            self.said = True
            print(f"mediabrowser: building the search index of {p.total:,} items once "
                  "(it is saved for the next commands)…", file=sys.stderr)
        self.printer(p)
        if p.done >= p.total:
            self.printer.finish()


# ---- index ----------------------------------------------------------------------------------
class ProgressPrinter:
    """One self-rewriting line on a terminal; nothing when the stream is not a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.active = stream.isatty()
        self._width = 0

    def __call__(self, p: Any) -> None:
        if not self.active or p.stage in ("done", "cancelled", "verify"):
            return
        from mediabrowser.core.jobs.driver import progress_text

        if p.stage == "scan":
            line = progress_text(p)
        else:
            filled = int(24 * p.done / max(p.total, 1))
            line = "█" * filled + "·" * (24 - filled) + " " + progress_text(p)
        cols = _columns()
        line = line[: cols - 1]
        self.stream.write("\r" + line.ljust(self._width))
        self.stream.flush()
        self._width = len(line)

    def finish(self) -> None:
        if self.active and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()


def _columns() -> int:
    try:
        return os.get_terminal_size(sys.stderr.fileno()).columns
    except OSError:
        return 100


def cmd_index(args: argparse.Namespace) -> int:
    from mediabrowser.core.jobs.driver import drive_until_interrupted
    from mediabrowser.core.jobs.pipeline import index_job, summary
    from mediabrowser.core.types import CancelToken

    lib = _library(args)
    try:
        lib.lock_for_writing(timeout=args.wait)
        cancel = CancelToken()
        printer = ProgressPrinter(sys.stderr)
        job = index_job(lib, args.paths, cancel)
        report, interrupted = drive_until_interrupted(job, cancel, printer)
        if interrupted:
            printer.finish()
            print("interrupted: what was indexed is kept; run the same command to resume",
                  file=sys.stderr)
            return 130
        printer.finish()
    finally:
        lib.close()
    assert report is not None
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
            print(f"\n{len(report.problems)} file(s) could not be used:")
            for prob in report.problems:
                print(f"  {prob.path}: {prob.reason}")
    return 0


# ---- similar --------------------------------------------------------------------------------
def _item_json(m: Any) -> dict[str, Any]:
    from mediabrowser.core.calibration import tier

    it = m.item
    d: dict[str, Any] = {"path": it.path, "score": round(float(m.score), 6), "kind": it.kind.value,
                         "size": it.size}
    if m.cosine is not None:  # the raw similarity the calibrated score comes from
        d["cosine"] = round(float(m.cosine), 6)
    if word := tier(m.score):
        d["tier"] = word
    if it.width:
        d["width"], d["height"] = it.width, it.height
    if it.duration:
        d["duration"] = round(it.duration, 3)
    return d


def cmd_similar(args: argparse.Namespace) -> int:
    from mediabrowser.core.search import find_similar

    if args.k < 1:
        print("mediabrowser: -k must be at least 1", file=sys.stderr)
        return 2
    lib = _library(args, queries=True)
    out: dict[str, list[dict[str, Any]]] = {}
    failed = 0
    try:
        for q in args.files:
            try:
                matches = find_similar(lib, q, k=args.k, kind=args.kind, model=args.model)
            except Exception as exc:  # noqa: BLE001 - report this query, answer the others
                failed += 1
                out[q] = []
                print(f"mediabrowser: {q}: {exc}", file=sys.stderr)
                continue
            out[q] = [_item_json(m) for m in matches]
    finally:
        lib.close()
    if args.json:
        json.dump(out, sys.stdout, indent=2)
        print()
    else:
        for q, rows in out.items():
            print(q)
            if not rows:
                print("  (no results)")
            for r in rows:
                print(f"  {r['score']:.3f}  {r.get('tier', ''):12}  {r['kind']:5}  {r['path']}")
    return 1 if failed else 0


def cmd_search(args: argparse.Namespace) -> int:
    from mediabrowser.core.search import search_text

    text = " ".join(args.text)
    lib = _library(args, queries=True)
    try:
        matches = search_text(lib, text, k=args.k, kind=args.kind)
    finally:
        lib.close()
    rows = [_item_json(m) for m in matches]
    if args.json:
        json.dump({text: rows}, sys.stdout, indent=2)
        print()
    else:
        for r in rows or [{"score": 0, "kind": "", "path": "(no results)"}]:
            print(f"  {r['score']:.3f}  {r['kind']:5}  {r['path']}")
    return 0


# ---- status ---------------------------------------------------------------------------------
def cmd_status(args: argparse.Namespace) -> int:
    lib = _library(args)
    try:
        counts = lib.store.counts()
        vectors = lib.store.vector_counts()
        job = lib.store.last_job()
        data = {"library": str(lib.folder), "files": counts, "vectors": vectors,
                "models": lib.config.models, "roots": lib.store.roots(), "last_job": job,
                "device": lib.device, "engines": _engines(lib)}
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
    if job:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(job["started_at"]))
        speed = (f", {job['items_per_second']:.1f} items/s on {job['device']}"
                 if job.get("items_per_second") else "")
        print(f"last run: {when}, {job['state']}, {job['errors']} problems{speed}")
    return 0


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


# ---- demo -----------------------------------------------------------------------------------
def cmd_demo(args: argparse.Namespace) -> int:
    from mediabrowser.mediamaker import build_demo
    from mediabrowser.paths import demo_dir

    media = Path(args.media).expanduser() if args.media else demo_dir()
    print(f"demo media: {media}", file=sys.stderr)
    build_demo(media)
    if not args.library:
        args.library = str(media.parent / "demo-library")
    if not args.print and _display_available():
        return open_window(["--library", args.library, str(media)])
    args.paths, args.wait = [str(media)], 30.0
    cmd_index(argparse.Namespace(**{**vars(args), "json": False}))
    queries = [media / "photos" / "chelsea.jpg", media / "videos" / "coffee_zoom.mp4",
               media / "audio" / "welcome_en.wav"]
    ns = argparse.Namespace(**{**vars(args), "files": [str(q) for q in queries], "k": 4,
                               "kind": None, "model": None})
    print()
    status = cmd_similar(ns)
    from mediabrowser.cli_duplicates import cmd_duplicates

    print("\nduplicates:")
    dup = argparse.Namespace(**{**vars(args), "paths": [], "tier": "same", "reference": [],
                                "trash": False, "yes": False, "json": False})
    return cmd_duplicates(dup) or status
