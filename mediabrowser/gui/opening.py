"""Handing files to other programs (the default app, the file manager): one way for every
page, through a plain-named alias when a name is not valid UTF-8 (core/filenames), and a
clear line in the status bar when nothing could open them."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from mediabrowser.core.filenames import display_name, openable_alias
from mediabrowser.core.format import count


def open_paths(paths: Sequence[str], verb: str, status: Callable[[str], None]) -> bool:
    """Open each of `paths` ("open", "show the folder of"); False when any failed, and then
    `status` has said which."""
    failed = [p for p in paths
              if not QDesktopServices.openUrl(QUrl.fromLocalFile(openable_alias(p)))]
    if failed:
        what = display_name(failed[0]) if len(failed) == 1 else count(len(failed), "item")
        status(f"No application could {verb} {what} (is a default app or file manager "
               "installed?)")
    return not failed
