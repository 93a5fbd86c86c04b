"""The Collections menu: keep the results shown (or the items selected in them) under a name,
open a collection on the Similar page, write it out as a list, copy its files to a folder,
delete it. Saving and copying run on the owner's writer thread."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu, QMessageBox, QWidget

from mediabrowser.core.format import count
from mediabrowser.gui.library_owner import LibraryOwner

LIST_FILTER = "CSV (*.csv);;JSON (*.json);;Playlist (*.m3u);;Paths, one a line (*.txt)"


class CollectionsRoom(QObject):
    """`search`: the search room (its results, and showing items); `say`: the status bar."""

    def __init__(self, owner: LibraryOwner, search: Any, menu: QMenu,
                 say: Callable[[str], None], window: QWidget) -> None:
        super().__init__(window)
        self.owner = owner
        self.lib = owner.reader
        self.search = search
        self.say = say
        self.window = window
        self.menu = menu
        # The questions asked (a test answers them instead).
        self.ask_name: Callable[[str], str | None] = self._ask_name
        self.ask_file: Callable[[str], str] = lambda name: QFileDialog.getSaveFileName(
            window, f"Export “{name}”", f"{name}.csv", LIST_FILTER)[0]
        self.ask_folder: Callable[[], str] = lambda: QFileDialog.getExistingDirectory(
            window, "Copy the collection's files into")
        self.confirm: Callable[[str], bool] = lambda text: QMessageBox.question(
            window, "Delete Collection", text) == QMessageBox.StandardButton.Yes
        self.save_action = menu.addAction("Save Results as Collection…", self.save_shown)
        self.save_action.setShortcut("Ctrl+S")
        self.open_menu = menu.addMenu("Open Collection")
        self.open_menu.aboutToShow.connect(self._fill_open)
        menu.addSeparator()
        self.export_action = menu.addAction("Export Collection…", self.export_shown)
        self.copy_action = menu.addAction("Copy Collection to Folder…", self.copy_shown)
        self.delete_action = menu.addAction("Delete Collection…", self.delete_shown)
        menu.aboutToShow.connect(self.update_actions)
        search.results_ready.connect(self.update_actions)
        self.update_actions()

    def _ask_name(self, suggested: str) -> str | None:
        name, ok = QInputDialog.getText(self.window, "Save as Collection",
                                        "Name of the collection:", text=suggested)
        return name if ok else None

    def shown(self) -> str | None:
        """The collection on the Similar page now, if one is."""
        q = self.search.current_query()
        return getattr(q, "collection", None) if q is not None else None

    def update_actions(self) -> None:
        self.save_action.setEnabled(bool(self.search.last_matches))
        for a in (self.export_action, self.copy_action, self.delete_action):
            a.setEnabled(self.shown() is not None)

    def _fill_open(self) -> None:
        self.open_menu.clear()
        found = self.lib.store.collections()
        for c in found:
            self.open_menu.addAction(f"{c.name}  ({c.items})", partial(self.open, c.name))
        if not found:
            self.open_menu.addAction("(none yet: save a result set first)").setEnabled(False)

    # ---- actions ----------------------------------------------------------------------------
    def save_shown(self) -> None:
        """The results shown (the selected ones, when several are selected), with scores."""
        from mediabrowser.core import collections as col

        matches = self.search.shown_matches()
        chosen = set(self.search.selected_result_ids())
        if len(chosen) > 1:
            matches = [m for m in matches if m.item.id in chosen]
        if not matches:
            return
        query = self.search.current_query()
        label = getattr(query, "label", "") or ""
        name = self.ask_name(label[:60])
        if not name:
            return
        items = [(m.item.id, None if getattr(query, "members", None) is not None else m.score)
                 for m in matches]
        words = f"similar to {label}" if label else ""

        def saved(row: Any) -> None:
            self.say(f"Saved {count(row.items, 'item')} as the collection “{row.name}”")

        self.owner.write(lambda lib: col.save(lib, name, items, words), saved,
                         lambda reason: self.say(f"Could not save the collection: {reason}"))

    def open(self, name: str) -> None:
        from mediabrowser.core import collections as col

        try:
            rows = col.rows(self.lib, col.find(self.lib, name))
        except col.CollectionError as exc:
            self.say(str(exc))
            return
        if not rows:
            self.say(f"The collection “{name}” is empty: its files are not in the library now")
            return
        self.search.show_items([r.id for r, _s in rows], f"“{name}”", collection=name)

    def export_shown(self) -> None:
        from mediabrowser.core import collections as col

        name = self.shown()
        if name is None:
            return
        target = self.ask_file(name)
        if not target:
            return
        try:
            rows = col.rows(self.lib, col.find(self.lib, name))
            col.write(Path(target), rows)
        except (col.CollectionError, OSError) as exc:
            self.say(f"Could not write {target}: {getattr(exc, 'strerror', None) or exc}")
            return
        self.say(f"Saved {count(len(rows), 'item')} of “{name}” to {target}")

    def copy_shown(self) -> None:
        from mediabrowser.core import collections as col
        from mediabrowser.core.dupes.selected import copy_selected

        name = self.shown()
        folder = self.ask_folder() if name is not None else ""
        if not folder or name is None:
            return
        ids = [r.id for r, _s in col.rows(self.lib, col.find(self.lib, name))]
        self.say(f"Copying {count(len(ids), 'file')} to {folder}…")

        def done(action: Any) -> None:
            said = f"Copied {count(len(action.moved), 'file')} to {folder}"
            if action.problems:
                said += f"; {count(len(action.problems), 'file')} could not be"
            self.say(said)

        self.owner.write(lambda lib: copy_selected(lib, ids, folder), done,
                         lambda reason: self.say(f"Could not copy: {reason}"))

    def delete_shown(self) -> None:
        from mediabrowser.core import collections as col

        name = self.shown()
        if name is None or not self.confirm(
                f"Delete the collection “{name}”? Its files stay where they are."):
            return
        self.owner.write(lambda lib: col.delete(lib, name),
                         lambda _r: self.say(f"Deleted the collection “{name}”"),
                         lambda reason: self.say(f"Could not delete: {reason}"))
