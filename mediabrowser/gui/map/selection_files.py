"""What the files selected on the map become: a list (CSV, text, M3U), copies in a folder,
or files in the trash after the usual question. The work runs on the owner's writer thread;
the map and other views follow the Changes it announces."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QMessageBox

from mediabrowser.core.format import count, format_size
from mediabrowser.core.layout.saved import SavedMap
from mediabrowser.gui.library_owner import Changes, LibraryOwner
from mediabrowser.gui.map.page import MapPage


class SelectionFiles(QObject):
    def __init__(self, owner: LibraryOwner, page: MapPage, say: Callable[[str], None],
                 selection: Callable[[], tuple[SavedMap | None, np.ndarray]]) -> None:
        super().__init__(page)
        self.owner = owner
        self.lib = owner.reader
        self.say = say
        self.selection = selection  # the map shown and the rows selected on it
        # The questions asked (a test answers them instead).
        self.confirm: Callable[[str, str], bool] = lambda title, text: QMessageBox.question(
            page, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel) == QMessageBox.StandardButton.Yes
        self.choose_folder: Callable[[str], str] = lambda verb: QFileDialog.getExistingDirectory(
            page, f"{verb} the selected files into…")
        self.choose_file: Callable[[], str] = lambda: QFileDialog.getSaveFileName(
            page, "Export the list", "selection.csv",
            "CSV (*.csv);;Paths, one a line (*.txt);;Playlist (*.m3u)")[0]
        page.export_button.clicked.connect(self.export_selection)
        page.copy_button.clicked.connect(self.copy_selection)
        page.move_button.clicked.connect(self.move_selection)
        page.trash_button.clicked.connect(self.trash_selection)

    def selected_ids(self) -> list[int]:
        m, rows = self.selection()
        return [] if m is None else [int(f) for f in m.file_ids[rows]]

    def export_selection(self) -> None:
        """The selected files' paths as CSV (with their place and group), text or M3U."""
        m, rows = self.selection()
        if m is None or not len(rows):
            return
        target = self.choose_file()
        if not target:
            return
        paths = self.lib.store.file_paths(int(f) for f in m.file_ids[rows])
        names = {c.id: c.name for c in m.clusters}
        try:
            write_list(Path(target), [
                (paths.get(int(m.file_ids[r]), ""), str(m.kinds[r]), float(m.xy[r, 0]),
                 float(m.xy[r, 1]), names.get(int(m.cluster[r]), "")) for r in rows])
        except OSError as exc:
            self.say(f"Could not write {target}: {exc.strerror or exc}")
            return
        self.say(f"Saved {count(len(rows), 'path')} to {target}")

    def copy_selection(self) -> None:
        from mediabrowser.core.dupes.selected import copy_selected

        ids = self.selected_ids()
        folder = self.choose_folder("Copy") if ids else ""
        if not folder:
            return
        self.say(f"Copying {count(len(ids), 'file')} to {folder}…")
        self.owner.write(lambda lib: copy_selected(lib, ids, folder),
                         lambda action: self._done(action, f"Copied {{n}} to {folder}"),
                         lambda reason: self.say(f"Could not copy: {reason}"))

    def move_selection(self) -> None:
        from mediabrowser.core.dupes.selected import move_selected

        ids = self.selected_ids()
        folder = self.choose_folder("Move") if ids else ""
        if not folder:
            return
        size = sum(r.size for r in self.lib.store.files_by_ids(ids).values())
        if not self.confirm("Move to Folder", f"Move {count(len(ids), 'file')} "
                            f"({format_size(size)}) selected on the map into {folder}?"):
            return
        self.owner.write(lambda lib: move_selected(lib, ids, folder),
                         lambda action: self._done(action, f"Moved {{n}} to {folder}", True),
                         lambda reason: self.say(f"Could not move: {reason}"))

    def trash_selection(self) -> None:
        from mediabrowser.core.dupes.selected import trash_selected

        ids = self.selected_ids()
        if not ids:
            return
        rows = self.lib.store.files_by_ids(ids)
        size = sum(r.size for r in rows.values())
        if not self.confirm("Move to Trash", f"Move {count(len(ids), 'file')} "
                            f"({format_size(size)}) selected on the map to the trash?"):
            return
        self.owner.write(lambda lib: trash_selected(lib, ids),
                         lambda action: self._done(action, "Moved {n} to the trash", True),
                         lambda reason: self.say(f"Could not move to the trash: {reason}"))

    def _done(self, action: Any, text: str, changed: bool = False) -> None:
        if self.owner.closing:
            return
        said = text.format(n=count(len(action.moved), "file"))
        if action.problems:
            said += f"; {count(len(action.problems), 'file')} could not be (see Problems)"
        self.say(said)
        if changed:
            self.owner.announce(Changes(files=True, problems=tuple(action.problems)))


def write_list(target: Path, rows: list[tuple[str, str, float, float, str]]) -> None:
    """Paths with their kind, place on the map and group: CSV by default, one path a line
    for .txt, an M3U playlist for .m3u (paths a player can open)."""
    suffix = target.suffix.lower()
    if suffix in (".txt", ".m3u", ".m3u8"):
        lines = (["#EXTM3U"] if suffix != ".txt" else []) + [r[0] for r in rows]
        target.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogateescape")
        return
    import csv

    with open(target, "w", newline="", encoding="utf-8", errors="surrogateescape") as f:
        out = csv.writer(f)
        out.writerow(["path", "kind", "x", "y", "group"])
        for path, kind, x, y, group in rows:
            out.writerow([path, kind, f"{x:.4f}", f"{y:.4f}", group])
