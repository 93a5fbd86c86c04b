"""The window's item room: what is selected, the preview of the current item, and what can be
done with a selection (open, reveal, copy paths, remove from the library). A mixin over the
main window's state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu, QMessageBox

from mediabrowser.core.filenames import display, display_name
from mediabrowser.core.format import count
from mediabrowser.gui.grid.model import IdRole, ItemsModel, ScoreRole
from mediabrowser.gui.grid.view import GridView
from mediabrowser.gui.library_owner import Changes
from mediabrowser.gui.opening import open_paths
from mediabrowser.gui.pages import Page
from mediabrowser.gui.window_parts import WindowParts


class ItemActions(WindowParts):
    """Selection, preview and item actions, for MainWindow."""

    def _tab_changed(self) -> None:
        self._update_history_actions()
        # The preview follows the view in front: its current item, or nothing.
        view = self._active_view()
        if view is None:  # the Duplicates page: its cards are the preview there
            self._update_item_actions()
            return
        idx = view.currentIndex()
        current = self.preview.current
        if not idx.isValid():
            self.preview.show_item(None)
        elif current is None or current.id != idx.data(IdRole):
            self._preview_index(view, idx)
        else:
            self._check_preview()
        self._update_item_actions()

    def _check_preview(self) -> None:
        """The preview shows an item of the view in front, with that view's score and model;
        anything else is cleared (no stale item, score or model name)."""
        current = self.preview.current
        if current is None:
            return
        view = self._active_view()
        if view is None:
            return
        model = view.model()
        assert isinstance(model, ItemsModel)
        row = model.row_of(current.id)
        if row is None:
            self.preview.show_item(None)
            return
        index = model.index(row)
        if not view.currentIndex().isValid():  # the item previewed is the one highlighted
            view.setCurrentIndex(index)
        self.preview.update_details(index.data(ScoreRole), self._model_name(current.kind))

    def _model_name(self, kind: str) -> str:
        return self.lib.answering_model(kind)

    def _update_item_actions(self) -> None:
        """Item actions are on only when there is an item to act on, and say when they act on
        several."""
        ids = self._selected_ids() if hasattr(self, "tabs") else []
        for a in (self.act_similar, self.act_preview, self.act_view, self.act_open,
                  self.act_reveal, self.act_copy, self.act_remove):
            a.setEnabled(bool(ids))
        many = len(ids) > 1
        self.act_similar.setText(f"Find Similar to All {len(ids)} Selected" if many
                                 else "Find Similar")
        self.act_copy.setText(f"Copy {len(ids)} Paths" if many else "Copy Path")
        self.act_remove.setText(f"Remove {len(ids)} Items from Library…" if many
                                else "Remove from Library…")

    def _active_view(self) -> GridView | None:
        """The grid in front, whose selection the item actions act on; None on a page with
        no grid (Duplicates has its own actions), so nothing hidden is ever acted on."""
        page = self.tabs.page()
        return {Page.LIBRARY: self.grid, Page.SIMILAR: self.results}.get(page)

    @staticmethod
    def _current_id(view: GridView) -> int | None:
        idx = view.currentIndex()
        return idx.data(IdRole) if idx.isValid() else None

    def _selected_ids(self) -> list[int]:
        view = self._active_view()
        if view is None:
            return []
        ids = [i.data(IdRole) for i in view.selectionModel().selectedIndexes()]
        if not ids and (cur := self._current_id(view)) is not None:
            ids = [cur]
        return ids

    def _selected_paths(self) -> list[str]:
        rows = self.lib.store.files_by_ids(self._selected_ids())
        return [rows[i].path for i in self._selected_ids() if i in rows]

    def _current_changed(self, view: GridView, index: QModelIndex) -> None:
        if not index.isValid() or view is not self._active_view():
            return
        current = self.preview.current
        if current is not None and current.id == index.data(IdRole):
            return  # the same item again (a refresh re-selected it): keep it playing
        self._preview_index(view, index)

    def _preview_index(self, view: GridView, index: QModelIndex) -> None:
        model = view.model()
        assert isinstance(model, ItemsModel)
        row = model.file_row(index.data(IdRole))
        score = index.data(ScoreRole)
        model_name = self._model_name(row.kind) if row is not None else None
        self.preview.show_item(row, score, model_name)

    def open_viewer(self) -> None:
        """The current item full screen; the arrows step through the view it came from."""
        from mediabrowser.gui.viewer import FullScreenViewer

        view = self._active_view()
        idx = view.currentIndex() if view is not None else QModelIndex()
        if view is None or not idx.isValid():
            return
        model = view.model()
        assert isinstance(model, ItemsModel)
        self.preview.player.stop()  # one item plays at a time
        viewer = FullScreenViewer(model, idx.row(), self._model_name, self)
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        viewer.closed.connect(lambda row, v=view, m=model: self._viewer_closed(v, m, row))
        self.viewer = viewer
        screen = self.screen() if hasattr(self, "screen") else None
        if screen is not None:  # also without a window manager to honour full screen
            viewer.setGeometry(screen.geometry())
        viewer.showFullScreen()
        viewer.activateWindow()
        viewer.setFocus()

    def _viewer_closed(self, view: GridView, model: ItemsModel, row: int) -> None:
        self.viewer = None
        if 0 <= row < model.rowCount():
            view.setCurrentIndex(model.index(row))

    def preview_selected(self) -> None:
        view = self._active_view()
        idx = view.currentIndex() if view is not None else QModelIndex()
        if view is None or not idx.isValid():
            return
        current = self.preview.current
        if current is not None and current.id == idx.data(IdRole) and current.kind != "image":
            self.preview.player.toggle()  # Space again plays / pauses
        else:
            self._preview_index(view, idx)

    def _context_menu(self, view: GridView, pos: Any) -> None:
        idx = view.indexAt(pos)
        if not idx.isValid():
            return
        if not view.selectionModel().isSelected(idx):
            view.setCurrentIndex(idx)
        menu = QMenu(self)
        menu.addActions([self.act_similar, self.act_preview, self.act_view])
        menu.addSeparator()
        menu.addActions([self.act_open, self.act_reveal, self.act_copy])
        menu.addSeparator()
        menu.addAction(self.act_remove)
        menu.popup(view.viewport().mapToGlobal(pos))

    def open_selected(self) -> None:
        self._open_urls(self._selected_paths()[:10], "open")

    def reveal_selected(self) -> None:
        self._open_urls(sorted({str(Path(p).parent) for p in self._selected_paths()})[:5],
                        "show the folder of")

    def _open_urls(self, paths: list[str], verb: str) -> None:
        open_paths(paths, verb, self.status_text.setText)

    def copy_selected_paths(self) -> None:
        paths = self._selected_paths()
        if paths:
            QGuiApplication.clipboard().setText("\n".join(display(p) for p in paths))
            self.status_text.setText(f"Copied {count(len(paths), 'path')}.")

    def remove_selected(self) -> None:
        ids = self._selected_ids()
        if not ids:
            return
        rows = self.lib.store.files_by_ids(ids)
        ids = [i for i in ids if i in rows]
        if not ids:
            return
        what = display_name(rows[ids[0]].path) if len(ids) == 1 else f"{len(ids)} items"
        answer = QMessageBox.question(
            self, "Remove from library",
            f"Remove {what} from the library?\n\nThe file itself stays where it is on disk; "
            "it will no longer appear here or in results.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        def done(_none: object) -> None:
            self.status_text.setText(f"Removed {what} from the library (files untouched).")
            self.owner.announce(Changes(files=True))

        self.owner.write(lambda lib: lib.remove_items(ids), done,
                         lambda reason: self.status_text.setText(
                             f"Could not remove {what} from the library: {reason}"))
