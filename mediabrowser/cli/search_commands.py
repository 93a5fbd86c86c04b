"""`similar` and `search`: what the library holds that is like a file, or matches words."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from mediabrowser.cli.common import open_library
from mediabrowser.cli.filter_args import filters_from


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
    from mediabrowser.core.search import find_similar
    from mediabrowser.core.types import UserError

    if args.k < 1:
        print("mediabrowser: -k must be at least 1", file=sys.stderr)
        return 2
    if not args.files and not args.texts:
        print("mediabrowser: similar needs at least one FILE or --text WORDS", file=sys.stderr)
        return 2
    try:
        filters = filters_from(args)
        examples = _examples(args)
        if args.save is not None:
            from mediabrowser.core.collections import clean_name

            args.save = clean_name(args.save)  # before searching, not after
    except UserError as exc:
        print(f"mediabrowser: {exc}", file=sys.stderr)
        return 2
    lib = open_library(args, queries=True)
    out: dict[str, list[dict[str, Any]]] = {}
    failed = 0
    together = bool(args.negatives or args.texts or args.not_texts or args.together
                    or any(e.weight != 1.0 for e in examples))
    kept: list[Any] = []  # every result, for --save
    shared = None
    try:
        shared = _shared_vectors(lib)
        if together:
            failed = _together(lib, args, examples, filters, out, kept, shared)
        for q in [] if together else args.files:
            try:
                if shared is not None:
                    from mediabrowser.core.shared_search import find_in_shared

                    matches = find_in_shared(lib, shared, q, k=args.k, kind=args.kind,
                                             model=args.model, filters=filters or None)
                else:
                    matches = find_similar(lib, q, k=args.k, kind=args.kind,
                                           model=args.model, filters=filters or None)
            except Exception as exc:  # noqa: BLE001 - report this query, answer the others
                failed += 1
                out[q] = []
                print(f"mediabrowser: {q}: {exc}", file=sys.stderr)
                continue
            out[q] = [item_json(m) for m in matches]
            kept += matches
        if args.save is not None and not _save(lib, args.save, kept, "similar to " + ", ".join(
                [*args.files, *args.texts])):
            failed += 1
    except Exception as exc:  # noqa: BLE001 - the shared store cannot be reached
        from mediabrowser.core.types import UserError as _UserError

        if not isinstance(exc, _UserError):
            raise
        print(f"mediabrowser: {exc}", file=sys.stderr)
        return 1
    finally:
        if shared is not None:
            shared.close()
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


def _examples(args: argparse.Namespace) -> list[Any]:
    """The examples given, in order: FILEs, --text, --not, --not-text (weights read off)."""
    from mediabrowser.core.examples import Example, weighted

    out = []
    for given in args.files:
        name, w = weighted(given)
        out.append(Example(file=name, weight=w))
    for given in args.texts:
        words, w = weighted(given, is_file=False)
        out.append(Example(text=words, weight=w))
    for given in args.negatives:
        name, w = weighted(given)
        out.append(Example(file=name, weight=w, negative=True))
    for given in args.not_texts:
        words, w = weighted(given, is_file=False)
        out.append(Example(text=words, weight=w, negative=True))
    return out


def _shared_vectors(lib: Any) -> Any:
    """The library's Milvus vectors when its settings name them (index --vectors), else
    None; VectorsError (a UserError) when they cannot be reached."""
    from mediabrowser.core.index.milvus import MilvusVectors, VectorsUri

    uri = VectorsUri.parse(lib.config.vectors)
    return None if uri.kind == "embedded" else MilvusVectors(uri)


def _save(lib: Any, name: str, matches: list[Any], query: str) -> bool:
    """Keep these results as the collection `name`; False (said on stderr) when it cannot."""
    from mediabrowser.core import collections as col

    best: dict[int, float] = {}  # several queries: each item once, at its best score
    for m in matches:
        best[m.item.id] = max(best.get(m.item.id, m.score), m.score)
    try:
        order = sorted(best, key=lambda fid: -best[fid])
        saved = col.save(lib, name, [(fid, best[fid]) for fid in order], query)
    except col.CollectionError as exc:
        print(f"mediabrowser: cannot save the collection: {exc}", file=sys.stderr)
        return False
    print(f"saved {saved.items} results as “{saved.name}”", file=sys.stderr)
    return True


def _together(lib: Any, args: argparse.Namespace, examples: list[Any], filters: Any,
              out: dict[str, list[dict[str, Any]]], kept: list[Any], shared: Any) -> int:
    """All examples as one query: each FILE and each --text given maps to the one result
    list (so a script reading any of them gets it). 1 when the query could not be made."""
    from mediabrowser.core.examples import find_like

    keys = [*args.files, *args.texts]
    try:
        search = None
        if shared is not None:
            from mediabrowser.core.shared_search import shared_search

            search = shared_search(lib, shared)
        matches = find_like(lib, examples, k=args.k, kind=args.kind, filters=filters or None,
                            search=search)
    except Exception as exc:  # noqa: BLE001 - one query: say why it could not be made
        print(f"mediabrowser: {exc}", file=sys.stderr)
        for q in keys:
            out[q] = []
        return 1
    rows = [item_json(m) for m in matches]
    for q in keys:
        out[q] = rows
    kept += matches
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from mediabrowser.core.search import search_text
    from mediabrowser.core.types import UserError

    text = " ".join(args.text)
    try:
        filters = filters_from(args)
        if args.save is not None:
            from mediabrowser.core.collections import clean_name

            args.save = clean_name(args.save)
    except UserError as exc:
        print(f"mediabrowser: {exc}", file=sys.stderr)
        return 2
    lib = open_library(args, queries=True)
    try:
        matches = search_text(lib, text, k=args.k, kind=args.kind, filters=filters or None)
        saved = args.save is None or _save(lib, args.save, matches, f"matching “{text}”")
    finally:
        lib.close()
    rows = [item_json(m) for m in matches]
    if args.json:
        json.dump({text: rows}, sys.stdout, indent=2)
        print()
    else:
        for r in rows or [{"score": 0, "kind": "", "path": "(no results)"}]:
            print(f"  {r['score']:.3f}  {r['kind']:5}  {r['path']}")
    return 0 if saved else 1
