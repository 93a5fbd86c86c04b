"""Library folders watched while the window is open: a file added, changed, moved or removed
is picked up within seconds (changes settle for DEBOUNCE_MS, then only the folders that
changed are indexed again, without adding them as library folders).

The folders to watch are listed off the GUI thread. The operating system bounds how many can
be watched (Linux: inotify's max_user_watches); past WATCH_LIMIT the library folders and the
most recently changed folders are watched, and the rest are picked up by Rescan (F5).
A file written over in place, keeping its name, is not always seen (inotify tells the
folder of creations, deletions, renames and attribute changes); Rescan picks it up."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer

from mediabrowser.gui.library_owner import LibraryOwner
from mediabrowser.gui.workers import call_later

DEBOUNCE_MS = 1500
WATCH_LIMIT = 8000


def watch_limit() -> int:
    """What this system lets one program watch, with room left for others."""
    try:
        allowed = int(Path("/proc/sys/fs/inotify/max_user_watches").read_text())
    except (OSError, ValueError):
        return WATCH_LIMIT
    return max(64, min(WATCH_LIMIT, allowed // 2))


def folders_to_watch(roots: list[str], limit: int) -> tuple[list[str], int]:
    """(the folders to watch, how many there are): every folder under the roots when they
    fit, else the roots and the most recently changed ones."""
    found: list[tuple[float, str]] = []
    for root in roots:
        stack = [root]
        while stack:
            d = stack.pop()
            try:
                with os.scandir(d) as it:
                    mtime = os.stat(d).st_mtime
                    found.append((mtime, d))
                    for e in it:
                        if e.is_dir(follow_symlinks=False) and not e.name.startswith("."):
                            stack.append(e.path)
            except OSError:
                continue  # away or unreadable: a rescan says why
    total = len(found)
    if total <= limit:
        return [d for _m, d in found], total
    present = [r for r in roots if os.path.isdir(r)]
    rest = sorted((x for x in found if x[1] not in present), reverse=True)
    return present + [d for _m, d in rest[:max(0, limit - len(present))]], total


class FolderWatch(QObject):
    """`index_changed(folders)` indexes the folders whose contents changed."""

    def __init__(self, owner: LibraryOwner, index_changed: Callable[[list[str]], None],
                 parent: QObject) -> None:
        super().__init__(parent)
        self.owner = owner
        self.index_changed = index_changed
        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(self._changed)
        self.changed: set[str] = set()
        self.timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self.timer.timeout.connect(self._settled)
        self.watched = 0
        self.total = 0  # folders under the library folders
        self._listing = False
        self._again = False

    def refresh(self) -> None:
        """List the folders under the library folders again (after a run, a folder added).
        MEDIABROWSER_WATCH=0 turns watching off (a library on a slow network share)."""
        if self.owner.closing or os.environ.get("MEDIABROWSER_WATCH", "1") == "0":
            return
        if self._listing:
            self._again = True
            return
        self._listing = True
        roots = self.owner.reader.store.roots()
        limit = watch_limit()
        call_later(self.owner.map_pool, lambda: folders_to_watch(roots, limit), self._listed,
                   lambda _reason: self._listed(([], 0)))

    def _listed(self, got: tuple[list[str], int]) -> None:
        self._listing = False
        if self.owner.closing:
            return
        folders, self.total = got
        old = set(self.watcher.directories())
        new = set(folders)
        if old - new:
            self.watcher.removePaths(sorted(old - new))
        if new - old:
            self.watcher.addPaths(sorted(new - old))
        self.watched = len(self.watcher.directories())
        if self._again:
            self._again = False
            self.refresh()

    def _changed(self, folder: str) -> None:
        self.changed.add(folder)
        self.timer.start()  # changes settle before anything is read

    def _settled(self) -> None:
        if self.owner.closing or not self.changed:
            return
        folders, self.changed = sorted(self.changed), set()
        # a folder inside another changed one is indexed with it
        tops = [f for f in folders if not any(f.startswith(o + os.sep) for o in folders)]
        self.index_changed(tops)

    def stop(self) -> None:
        self.timer.stop()
        if self.watcher.directories():
            self.watcher.removePaths(self.watcher.directories())
