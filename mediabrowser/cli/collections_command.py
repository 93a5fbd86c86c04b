"""`collections`: the result sets and selections kept under a name (`similar --save NAME`,
or Save as Collection in the window): list them, show one, write one out, delete one."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from mediabrowser.cli.common import open_library


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("collections", parents=[common],
                       help="saved result sets and selections: list, show, export, delete")
    p.add_argument("action", nargs="?", default="list",
                   choices=("list", "show", "export", "delete"))
    p.add_argument("name", nargs="?", help="the collection's name")
    p.add_argument("file", nargs="?", help="with export: where to write it (.csv, .json, "
                                           ".m3u or .txt)")
    p.add_argument("--format", choices=("csv", "json", "m3u", "txt"),
                   help="with export: the format (default: from FILE's suffix)")


def cmd_collections(args: argparse.Namespace) -> int:
    from mediabrowser.core import collections as col

    if args.action != "list" and not args.name:
        print(f"mediabrowser: collections {args.action} needs a NAME", file=sys.stderr)
        return 2
    if args.action == "export" and not args.file:
        print("mediabrowser: collections export needs a NAME and a FILE", file=sys.stderr)
        return 2
    lib = open_library(args, queries=True)
    try:
        if args.action == "list":
            found = [{"name": c.name, "items": c.items, "query": c.query,
                      "updated": c.updated_at} for c in lib.store.collections()]
            if args.json:
                json.dump(found, sys.stdout, indent=2)
                print()
            else:
                for c in found:
                    print(f"{c['items']:6}  {c['name']}" + (f"  ({c['query']})"
                                                           if c["query"] else ""))
            return 0
        try:
            found_one = col.find(lib, args.name)
            if args.action == "delete":
                col.delete(lib, args.name)
                print(f"deleted “{found_one.name}”", file=sys.stderr)
                return 0
            items = col.rows(lib, found_one)
            if args.action == "export":
                target = Path(args.file).expanduser()
                col.write(target, items, args.format)
                print(f"wrote {len(items)} items to {target}", file=sys.stderr)
                return 0
        except col.CollectionError as exc:
            print(f"mediabrowser: {exc}", file=sys.stderr)
            return 1
        except OSError as exc:
            print(f"mediabrowser: cannot write {args.file}: {exc.strerror or exc}",
                  file=sys.stderr)
            return 1
        if args.json:
            json.dump([col.as_json(r, s) for r, s in items], sys.stdout, indent=2)
            print()
        else:
            for r, s in items:
                print(f"  {'' if s is None else f'{s:.3f}':6}  {r.kind:5}  {r.path}")
        return 0
    finally:
        lib.close()
