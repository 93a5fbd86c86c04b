"""`mediabrowser duplicates`: groups of copies, and moving the extra copies to the trash.
Contract in shared/DESIGN.md (JSON: a list of groups, largest first)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from mediabrowser.cli.common import ProgressPrinter, open_library
from mediabrowser.core.format import count, format_duration, format_size, plural


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    dp = sub.add_parser(
        "duplicates", parents=[common],
        help="groups of copies (identical, same content, similar), with the copy to keep")
    dp.add_argument("paths", nargs="*", metavar="PATH",
                    help="only groups holding a file under these paths (default: everything)")
    dp.add_argument("--tier", choices=("identical", "same", "similar"), default="same",
                    help="identical: same bytes; same (default): also re-encoded, resized, "
                         "cropped or converted copies; similar: also near takes")
    dp.add_argument("--reference", action="append", metavar="DIR", default=[],
                    help="compare PATH (or every other file) only against this folder, whose "
                         "copies are kept (may be given more than once)")
    dp.add_argument("--trash", action="store_true",
                    help="move every copy but the keeper to the system trash (asks once)")
    dp.add_argument("--yes", action="store_true", help="with --trash: do not ask")


def group_json(g: Any) -> dict[str, Any]:
    return {"tier": g.tier, "keep": g.keeper.path,
            "items": [{"path": m.item.path, "score": round(float(m.score), 6),
                       # a clip cut from the keeper: where it is in it (seconds)
                       **({"contained": {"start": round(m.part[0], 2),
                                         "end": round(m.part[1], 2)}} if m.part else {})}
                      for m in g.members]}


def cmd_duplicates(args: argparse.Namespace) -> int:
    from mediabrowser.core.driver import drive_until_interrupted
    from mediabrowser.core.dupes.grouping import find_duplicates_job
    from mediabrowser.core.types import CancelToken

    lib = open_library(args)
    try:
        if args.trash:
            lib.lock_for_writing()
        for p in args.paths:
            if not os.path.exists(p) and lib.store.file_by_path(os.path.abspath(p)) is None:
                print(f"mediabrowser: {p}: no such file or folder", file=sys.stderr)
        cancel = CancelToken()
        printer = ProgressPrinter(sys.stderr)
        job = find_duplicates_job(lib, args.tier, args.paths or None, args.reference or None,
                                  cancel)
        report, interrupted = drive_until_interrupted(job, cancel, printer)
        printer.finish()
        if interrupted or report is None:
            print("interrupted", file=sys.stderr)
            return 130
        groups = report.groups
        if args.json:
            json.dump([group_json(g) for g in groups], sys.stdout, indent=2)
            print()
        else:
            _print_groups(groups)
        if args.trash and groups:
            return _trash(lib, groups, args)
    finally:
        lib.close()
    return 0


def _print_groups(groups: list) -> None:
    if not groups:
        print("no duplicates found")
        return
    from mediabrowser.core.dupes.keeper import keeper_reason

    extra = sum(len(g.members) - 1 for g in groups)
    size = sum(g.reclaimable for g in groups)
    clips = sum(1 for g in groups for m in g.members if m.part is not None)
    print(f"{count(len(groups), 'group')}; {count(extra, 'file')} besides "
          f"the keepers, {format_size(size)}"
          + (f" ({count(clips, 'clip')} contained in longer videos, kept)" if clips else ""))
    for g in groups:
        why = keeper_reason(g.keeper, [m.item for m in g.members],
                            contained=[m.item.id for m in g.members if m.part is not None])
        print(f"\n[{g.tier}] keep {g.keeper.path}{_details(g.keeper)}  kept: {why}")
        for m in g.members[1:]:
            inside = (f"  contained in it at {format_duration(m.part[0])}–"
                      f"{format_duration(m.part[1])}" if m.part else "")
            print(f"  {m.score:.3f}  {m.item.path}{_details(m.item)}{inside}")


def _details(item: Any) -> str:
    parts = []
    if item.width and item.height:
        parts.append(f"{item.width}×{item.height}")
    if item.duration:
        parts.append(f"{item.duration:.1f} s")
    parts.append(format_size(item.size))
    return "  (" + ", ".join(parts) + ")"


def _trash(lib: Any, groups: list, args: argparse.Namespace) -> int:
    from mediabrowser.core.dupes.actions import trash_files
    from mediabrowser.core.dupes.decisions import BULK_TIERS

    out = sys.stderr if args.json else sys.stdout
    similar = [g for g in groups if g.tier not in BULK_TIERS]
    if similar:  # look-alikes are for a person to judge, one group at a time
        print(f"{count(len(similar), 'similar group')} {plural(len(similar), 'is')} left alone: "
              "only identical and same-content copies are moved in bulk", file=out)
    groups = [g for g in groups if g.tier in BULK_TIERS]
    if not groups:
        print("nothing was moved", file=out)
        return 0
    # A clip cut from the keeper is left alone: a cut is often made on purpose.
    plan = [(g.keeper.id, [m.item.id for m in g.members[1:] if m.part is None]) for g in groups]
    plan = [(k, others) for k, others in plan if others]
    ids = [f for _k, others in plan for f in others]
    size = sum(g.reclaimable for g in groups)
    if not args.yes:
        print(f"Move {count(len(ids), 'file')} ({format_size(size)}) to the trash, "
              f"keeping one copy of each of {count(len(groups), 'group')}? [y/N] ",
              end="", file=sys.stderr, flush=True)
        answer = sys.stdin.readline().strip().lower()
        if answer not in ("y", "yes"):
            print("nothing was moved", file=out)
            return 0
    action = trash_files(lib, plan)
    for m in action.moved:
        print(f"moved to the trash: {m.original}", file=out)
    for p in action.problems:
        print(f"mediabrowser: {p.path}: not moved: {p.reason}", file=sys.stderr)
    left = len(action.problems) + action.protected
    print(f"{count(len(action.moved), 'file')}, {format_size(action.bytes)}, moved "
          "to the trash"
          + (f"; {left} left in place" if left else "")
          + (f" ({action.protected} in a reference folder or chosen to keep)"
             if action.protected else ""), file=out)
    return 0  # it ran; each file that stayed is named on stderr
