"""`vectors export --to URI`: move a library's vectors between the embedded store and Milvus
without computing any again (the library's settings then name the new place)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from mediabrowser.cli.common import ProgressPrinter, open_library


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("vectors", parents=[common],
                       help="move the library's vectors to Milvus and back")
    p.add_argument("action", choices=("export",))
    p.add_argument("--to", required=True, metavar="URI",
                   help="milvus://HOST:PORT[/DB], a path ending in .db (Milvus Lite), or "
                        "'embedded' (back from Milvus into the library's own store)")


def cmd_vectors(args: argparse.Namespace) -> int:
    from mediabrowser.core.driver import drive_until_interrupted
    from mediabrowser.core.index.milvus import VectorsError, VectorsUri
    from mediabrowser.core.jobs.vector_pull import pull_job
    from mediabrowser.core.jobs.vector_sync import sync_job
    from mediabrowser.core.types import CancelToken

    try:
        target = VectorsUri.parse(args.to)
    except VectorsError as exc:
        print(f"mediabrowser: {exc}", file=sys.stderr)
        return 2
    lib = open_library(args)
    try:
        lib.lock_for_writing(timeout=0)
        here = VectorsUri.parse(lib.config.vectors)
        cancel, printer = CancelToken(), ProgressPrinter(sys.stderr)
        try:
            if target.kind == "embedded":
                if here.kind == "embedded":
                    print("mediabrowser: this library's vectors are in its own store already",
                          file=sys.stderr)
                    return 0
                got, stopped = drive_until_interrupted(pull_job(lib, here, cancel), cancel,
                                                       printer)
                out: dict[str, Any] = {"to": "embedded", "vectors": getattr(got, "vectors", 0),
                                       "new_files": getattr(got, "new_files", 0)}
            else:
                sent, stopped = drive_until_interrupted(sync_job(lib, target, cancel), cancel,
                                                        printer)
                out = {"to": str(target), "vectors": getattr(sent, "sent", 0)}
        except VectorsError as exc:
            printer.finish()
            print(f"mediabrowser: {exc}", file=sys.stderr)
            return 1
        printer.finish()
        if stopped:
            print("interrupted: run the same command to go on (nothing is sent twice)",
                  file=sys.stderr)
            return 130
        lib.config.vectors = "" if target.kind == "embedded" else str(target)
        lib.save_config()
    finally:
        lib.close()
    if args.json:
        json.dump(out, sys.stdout, indent=2)
        print()
    else:
        print(f"{out['vectors']:,} vectors now in {out['to']}")
    return 0
