"""`vectors export --to URI`: move a library's vectors between the embedded store and Milvus
without computing any again (the library's settings then name the new place). `vectors sync`:
send what this machine indexed to the library's Milvus and take in what others sent."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from mediabrowser.cli.common import ProgressPrinter, open_library


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("vectors", parents=[common],
                       help="move the library's vectors to Milvus and back, or bring a "
                            "shared library up to date")
    p.add_argument("action", choices=("export", "sync"),
                   help="export: move the vectors (--to); sync: send what was indexed here "
                        "and take in what other machines sent to the shared library")
    p.add_argument("--to", metavar="URI",
                   help="milvus://HOST:PORT[/DB], a path ending in .db (Milvus Lite), or "
                        "'embedded' (back from Milvus into the library's own store)")


def cmd_vectors(args: argparse.Namespace) -> int:
    from mediabrowser.core.driver import drive_until_interrupted
    from mediabrowser.core.index.milvus import VectorsError, VectorsUri, worded
    from mediabrowser.core.jobs.vector_pull import pull_job
    from mediabrowser.core.jobs.vector_sync import sync_job
    from mediabrowser.core.types import CancelToken

    if args.action == "sync":
        return _sync(args)
    if args.to is None or not args.to.strip():
        print("mediabrowser: vectors export needs --to URI (milvus://HOST:PORT[/DB], a path "
              "ending in .db, or 'embedded')", file=sys.stderr)
        return 2
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
                out: dict[str, Any] = {
                    "to": "embedded", "vectors": sum(lib.store.vector_counts().values()),
                    "new_files": getattr(got, "new_files", 0)}
            else:
                from mediabrowser.cli.library_commands import check_vectors

                check_vectors(target, lib)
                sent, stopped = drive_until_interrupted(worded(sync_job(lib, target, cancel),
                                                               target), cancel, printer)
                out = {"to": str(target), "vectors": getattr(sent, "sent", 0)}
                newer = getattr(sent, "kept_newer", 0)
                if newer:
                    print(f"{newer:,} rows there are newer than this library's and were kept "
                          "(another machine indexed or removed those files since)",
                          file=sys.stderr)
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


def _sync(args: argparse.Namespace) -> int:
    from mediabrowser.cli.library_commands import share_vectors
    from mediabrowser.core.index.milvus import VectorsUri
    from mediabrowser.core.types import CancelToken

    lib = open_library(args)
    try:
        if VectorsUri.parse(lib.config.vectors).kind == "embedded":
            print("mediabrowser: this library's vectors are in its own store, not shared; "
                  "name a shared one with: mediabrowser index --vectors URI", file=sys.stderr)
            return 2
        lib.lock_for_writing(timeout=args.wait if hasattr(args, "wait") else 0)
        printer = ProgressPrinter(sys.stderr)
        got = share_vectors(lib, CancelToken(), printer)
        printer.finish()
    finally:
        lib.close()
    if isinstance(got, str):
        print(f"mediabrowser: {got}", file=sys.stderr)
        return 1
    out = {"uri": got.uri, "sent": got.sent, "deleted": got.deleted, "taken": got.taken,
           "new_files": got.new_files, "removed": got.removed}
    if args.json:
        json.dump(out, sys.stdout, indent=2)
        print()
    else:
        print(got.summary() or f"up to date with {got.uri}")
    return 0

