"""The filters `similar` and `search` share: options in, core Filters out."""

from __future__ import annotations

import argparse
import os

from mediabrowser.core.filters import (
    FilterError,
    Filters,
    parse_date,
    parse_duration,
    parse_orientation,
    parse_size,
    parse_types,
)


def add_filter_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group(
        "filters", "keep only results that match all of these (dates: when a photo was "
                   "taken or a video recorded, else when the file was last changed)")
    g.add_argument("--in", dest="folder", metavar="DIR",
                   help="only results in this folder or below it")
    g.add_argument("--after", metavar="DATE", help="on or after DATE (YYYY, YYYY-MM, "
                                                   "YYYY-MM-DD or YYYY-MM-DD HH:MM)")
    g.add_argument("--before", metavar="DATE", help="before DATE (--before 2020: up to 2019)")
    g.add_argument("--min-size", metavar="SIZE", help="files at least this big (800KB, 2MB)")
    g.add_argument("--max-size", metavar="SIZE", help="files at most this big")
    g.add_argument("--min-width", type=int, metavar="PX", help="pictures at least this wide")
    g.add_argument("--min-height", type=int, metavar="PX", help="pictures at least this tall")
    g.add_argument("--orientation", metavar="landscape|portrait|square",
                   help="pictures wider than tall, taller than wide, or square")
    g.add_argument("--min-duration", metavar="TIME", help="videos and sounds at least this "
                                                          "long (90, 1:30, 2m)")
    g.add_argument("--max-duration", metavar="TIME", help="videos and sounds at most this long")
    g.add_argument("--camera", metavar="TEXT", help="taken with a camera whose make or model "
                                                    "holds TEXT (any case)")
    g.add_argument("--type", dest="types", metavar="EXT[,EXT]",
                   help="only these file types, by extension (jpg,png,mp4)")


def filters_from(args: argparse.Namespace) -> Filters:
    """Raises FilterError (a BadInput with the value's problem) on a value it cannot read."""
    folder = os.path.abspath(os.path.expanduser(args.folder)) if args.folder else None
    if folder is not None and not os.path.isdir(folder):
        raise FilterError(f"--in {args.folder}: " + (
            "a file, not a folder" if os.path.exists(folder) else "no such folder"))
    return Filters(
        folder=folder,
        after=parse_date(args.after) if args.after else None,
        before=parse_date(args.before, end=False) if args.before else None,
        min_size=parse_size(args.min_size) if args.min_size else None,
        max_size=parse_size(args.max_size) if args.max_size else None,
        min_width=args.min_width, min_height=args.min_height,
        orientation=parse_orientation(args.orientation) if args.orientation else None,
        min_duration=parse_duration(args.min_duration) if args.min_duration else None,
        max_duration=parse_duration(args.max_duration) if args.max_duration else None,
        camera=args.camera.strip() or None if args.camera else None,
        types=parse_types(args.types) if args.types else ())
