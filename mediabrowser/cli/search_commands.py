"""`similar` and `search`: what the library holds that is like a file, or matches words."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from mediabrowser.cli.common import open_library


def item_json(m: Any) -> dict[str, Any]:
    from mediabrowser.core.tiers import tier

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
    if m.start is not None:  # the moment of the file that matched (contract: seconds)
        d["start"], d["end"] = round(float(m.start), 3), round(float(m.end), 3)
    return d


def cmd_similar(args: argparse.Namespace) -> int:
    if args.k < 1:
        print("mediabrowser: -k must be at least 1", file=sys.stderr)
        return 2
    lib = open_library(args, queries=True)
    out: dict[str, list[dict[str, Any]]] = {}
    failed = 0
    try:
        if args.negatives:
            failed = _together(lib, args, out)
        for q in [] if args.negatives else args.files:
            try:
                matches = _similar_in(lib, q, args)
            except Exception as exc:  # noqa: BLE001 - report this query, answer the others
                failed += 1
                out[q] = []
                print(f"mediabrowser: {q}: {exc}", file=sys.stderr)
                continue
            out[q] = [item_json(m) for m in matches]
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


def _similar_in(lib: Any, q: str, args: argparse.Namespace) -> list[Any]:
    """One query's results, only those under --in when given (asking for more until k are
    left there, or there are no more)."""
    from mediabrowser.core.search import MOST_ASKED, find_similar, under

    k = args.k
    while True:
        matches = find_similar(lib, q, k=k, kind=args.kind, model=args.model)
        kept = [m for m in matches if under(m.item.path, args.folder)]
        if not args.folder or len(kept) >= args.k or len(matches) < k or k >= MOST_ASKED:
            return kept[:args.k]
        k = min(4 * k, MOST_ASKED)


def _together(lib: Any, args: argparse.Namespace, out: dict[str, list[dict[str, Any]]]) -> int:
    """All FILEs as one query, less like the --not ones: each FILE maps to the one result
    list (so a script reading any of them gets it). 1 when the query could not be made."""
    from mediabrowser.core.search import find_similar_to_all

    try:
        matches = find_similar_to_all(lib, list(args.files), k=args.k, kind=args.kind,
                                      negatives=list(args.negatives), folder=args.folder)
    except Exception as exc:  # noqa: BLE001 - one query: say why it could not be made
        print(f"mediabrowser: {exc}", file=sys.stderr)
        for q in args.files:
            out[q] = []
        return 1
    rows = [item_json(m) for m in matches]
    for q in args.files:
        out[q] = rows
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from mediabrowser.core.search import search_text

    text = " ".join(args.text)
    lib = open_library(args, queries=True)
    try:
        matches = search_text(lib, text, k=args.k, kind=args.kind)
    finally:
        lib.close()
    rows = [item_json(m) for m in matches]
    if args.json:
        json.dump({text: rows}, sys.stdout, indent=2)
        print()
    else:
        for r in rows or [{"score": 0, "kind": "", "path": "(no results)"}]:
            print(f"  {r['score']:.3f}  {r['kind']:5}  {r['path']}")
    return 0
