"""Command line: index, similar, search, duplicates, models, status, demo. Contract in
shared/DESIGN.md. `mediabrowser` alone opens the window: mediabrowser.launch decides which.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from mediabrowser.cli.collections_command import cmd_collections
from mediabrowser.cli.duplicates import cmd_duplicates
from mediabrowser.cli.library_commands import cmd_demo, cmd_index, cmd_status
from mediabrowser.cli.map_command import cmd_map
from mediabrowser.cli.models import cmd_models
from mediabrowser.cli.parser import build_parser
from mediabrowser.cli.search_commands import cmd_search, cmd_similar
from mediabrowser.cli.vectors_command import cmd_vectors
from mediabrowser.paths import default_library_dir


def main(argv: Sequence[str], open_window: Callable[[list[str]], int] | None = None) -> int:
    """Run one command; `open_window` opens the window where there is a display (`demo`
    shows its library there), None where there is none."""
    args_list = list(argv)
    parser = build_parser()
    args = parser.parse_args(args_list)
    if args.command is None:
        parser.print_help()
        return 2
    args.open_window = open_window
    handler = {"index": cmd_index, "similar": cmd_similar, "search": cmd_search,
               "duplicates": cmd_duplicates, "map": cmd_map,
               "models": cmd_models, "status": cmd_status, "demo": cmd_demo,
               "collections": cmd_collections, "vectors": cmd_vectors}[args.command]
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
