"""`map`: every indexed item on the library's 2-D map, computed or brought up to date first."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from mediabrowser.cli.common import ProgressPrinter, open_library


class MapProgress:
    """On a terminal, one self-rewriting bar; elsewhere (a pipe, a log) one line per phase."""

    def __init__(self) -> None:
        self.bar = ProgressPrinter(sys.stderr)
        self.phase = ""

    def __call__(self, p: Any) -> None:
        if self.bar.active:
            self.bar(p)
        elif p.message and p.message != self.phase:
            self.phase = p.message
            size = f" ({p.total:,})" if p.message == "reading vectors" and p.total else ""
            print(f"mediabrowser: map: {p.message}{size}…", file=sys.stderr, flush=True)

    def finish(self) -> None:
        self.bar.finish()


def cmd_map(args: argparse.Namespace) -> int:
    from mediabrowser.core.driver import drive_until_interrupted
    from mediabrowser.core.maps.current import plane
    from mediabrowser.core.types import CancelToken

    lib = open_library(args, queries=True)
    progress = MapProgress()
    cancel = CancelToken()
    try:
        rows, interrupted = drive_until_interrupted(
            plane(lib, args.kind, cancel, args.recompute), cancel, progress)
    finally:
        progress.finish()
        lib.close()
    if interrupted or rows is None:
        print("mediabrowser: map: stopped; the layout resumes where it was next time",
              file=sys.stderr)
        return 130
    if args.json:
        json.dump(rows, sys.stdout)
        print()
    else:
        for r in rows:
            c = "-" if r["cluster"] is None else r["cluster"]
            print(f"{r['x']:10.3f} {r['y']:10.3f} {c:>5}  {r['path']}")
    return 0
