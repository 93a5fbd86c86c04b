"""The `mediabrowser` command: the window (`mediabrowser`, `mediabrowser DIR`,
`mediabrowser --library DIR [DIR]`), a command (mediabrowser.cli), or the smoke test. Above
both the window and the command line, so neither needs the other."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from mediabrowser.cli.parser import COMMANDS


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if argv is None:  # the real command, not a test calling main() in its own process
        quiet_terminal()
    if args_list[:1] == ["--smoke-test"]:
        from mediabrowser.smoke import run

        return run()
    if not any(a in COMMANDS for a in args_list) and not any(
            a in ("-h", "--help", "--version") for a in args_list):
        return open_window(args_list)
    from mediabrowser.cli import main as run_command

    return run_command(args_list, open_window if display_available() else None)


def quiet_terminal() -> None:
    """File names are printed as the bytes they are (as ls does); native decoders' own
    messages go to a log file, never to the terminal."""
    from mediabrowser.core.quiet import capture_native_output
    from mediabrowser.paths import log_dir

    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="surrogateescape")
    capture_native_output(log_dir() / "decoders.log")


def open_window(args: list[str]) -> int:
    """`mediabrowser [--library DIR] [PATH...]`: the window, importing PATHs if given."""
    p = argparse.ArgumentParser(prog="mediabrowser", add_help=False)
    p.add_argument("--library", metavar="DIR")
    p.add_argument("paths", nargs="*")
    ns, _unknown = p.parse_known_args(args)
    if not display_available():
        print("mediabrowser: no display to open the window on (set DISPLAY, or use the "
              "commands: mediabrowser --help)", file=sys.stderr)
        return 2
    try:
        from mediabrowser.gui.application import run
    except ImportError as exc:
        print(f"mediabrowser: the window needs PySide6 ({exc}); pip install "
              "'mediabrowser[gui]'", file=sys.stderr)
        return 2
    return run(Path(ns.library).expanduser() if ns.library else None, ns.paths)


def display_available() -> bool:
    """Somewhere to show a window: not on a headless Linux box, nor on Qt's invisible
    platforms (a window there would run on unseen)."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform in ("offscreen", "minimal"):
        return False
    if sys.platform != "linux" or platform:
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
