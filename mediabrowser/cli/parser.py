"""The commands and their options (contract in shared/DESIGN.md)."""

from __future__ import annotations

import argparse

from mediabrowser import __version__
from mediabrowser.cli.collections_command import add_parser as add_collections
from mediabrowser.cli.duplicates import add_parser as add_duplicates
from mediabrowser.cli.filter_args import add_filter_options
from mediabrowser.cli.vectors_command import add_parser as add_vectors

COMMANDS = ("index", "similar", "search", "duplicates", "map", "collections", "vectors", "models",
            "status", "demo")


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
    ix.add_argument("paths", nargs="*", metavar="PATH")
    ix.add_argument("--ray", nargs="?", const="auto", metavar="ADDRESS",
                    help="decode and embed as a Ray job: on the cluster at ADDRESS, or a "
                         "local Ray started for the run (auto, the default); files must be "
                         "readable at the same path on every node")
    ix.add_argument("--vectors", metavar="URI",
                    help="where the vectors also live, kept in the library's settings: "
                         "milvus://HOST:PORT[/DB] (a Milvus server), a path ending in .db "
                         "(Milvus Lite) or 'embedded'; each run sends its changes there")
    ix.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                    help="wait this long for another process indexing the same library")

    sm = sub.add_parser(
        "similar", parents=[common], help="files most similar to each FILE",
        description="Files most similar to each FILE. With --not, --text, --together or a "
                    "weight, all examples make one query (more like these, less like those) "
                    "and each example given maps to that one result list. A weight goes "
                    "before an example: 2:photo.jpg, --text 0.5:'red car'.")
    sm.add_argument("files", nargs="*", metavar="FILE")
    sm.add_argument("-k", type=int, default=10, help="how many results per query (default 10)")
    sm.add_argument("--kind", choices=("image", "video", "audio"), help="only results of a kind")
    sm.add_argument("--not", dest="negatives", nargs="+", action="extend", metavar="FILE",
                    default=[], help="less like these files (repeatable)")
    sm.add_argument("--text", dest="texts", action="append", default=[], metavar="WORDS",
                    help="more like these words (needs a CLIP or CLAP model); repeatable")
    sm.add_argument("--not-text", dest="not_texts", action="append", default=[],
                    metavar="WORDS", help="less like these words; repeatable")
    sm.add_argument("--together", action="store_true",
                    help="all FILEs make one query, instead of one query each")
    sm.add_argument("--model", help="vector space to search (default: the library's model "
                                    "for the query's kind)")
    sm.add_argument("--save", metavar="NAME", help="keep the results as a collection "
                                                   "(see: mediabrowser collections)")
    add_filter_options(sm)

    st = sub.add_parser("search", parents=[common], help="photos and videos (a CLIP model) or "
                                                         "sounds (a CLAP model) matching a text")
    st.add_argument("text", nargs="+")
    st.add_argument("-k", type=int, default=10, help="how many results (default 10)")
    st.add_argument("--kind", choices=("image", "video", "audio"),
                    help="only photos, only videos (CLIP) or only sounds (a CLAP sound model)")
    st.add_argument("--save", metavar="NAME", help="keep the results as a collection")
    add_filter_options(st)

    add_duplicates(sub, common)
    mp = sub.add_parser("map", parents=[common],
                        help="the library laid out on a plane by similarity (x, y, cluster)")
    mp.add_argument("--kind", choices=("image", "video", "audio"), help="only files of a kind")
    mp.add_argument("--recompute", action="store_true",
                    help="lay the map out afresh instead of adding new items to the saved one")
    add_collections(sub, common)
    add_vectors(sub, common)
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
