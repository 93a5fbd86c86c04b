"""The window's item room: what is selected in the view in front, the preview of its current
item, the full-screen viewer, and what can be done with a selection (find similar, open,
reveal, copy paths, remove from the library)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from mediabrowser.core.filenames import display, display_name
from mediabrowser.core.format import count
from mediabrowser.gui.grid.model import IdRole, ItemsModel, MomentRole, ScoreRole, SpansRole
from mediabrowser.gui.grid.view import GridView, selected_ids
from mediabrowser.gui.library_owner import Changes, LibraryOwner
from mediabrowser.gui.opening import open_paths
from mediabrowser.gui.pages import Page, PageTabs
from mediabrowser.gui.preview.panel import PreviewPanel


@dataclass(frozen=True)
class ItemActionSet:
    """The window's actions on items (menu, toolbar, context menu and shortcuts)."""

    similar: QAction
    preview: QAction
    view: QAction
    open: QAction
    reveal: QAction
    copy: QAction
    remove: QAction
    on_map: QAction | None = None  # "Show on Map"
    less: QAction | None = None  # "Less Like This", on results
    more: QAction | None = None  # "More Like This": a result joins the query

    def all(self) -> tuple[QAction, ...]:
        return (self.similar, self.preview, self.view, self.open, self.reveal, self.copy,
                self.remove) + ((self.on_map,) if self.on_map is not None else ())


class ItemsRoom(QObject):
    """`views`: the grid of each page that has one (a page without, such as Duplicates, has
    its own actions, so nothing hidden is ever acted on). `find_similar(view)` searches by
    the view's selection; `say` puts a sentence in the status bar; `window` parents menus,
    questions and the viewer."""

    def __init__(self, owner: LibraryOwner, tabs: PageTabs, views: dict[Page, GridView],
                 preview: PreviewPanel, actions: ItemActionSet,
                 find_similar: Callable[[GridView | None], None], say: Callable[[str], None],
                 window: QWidget) -> None:
        super().__init__(window)
        self.owner = owner
        self.lib = owner.reader
        self.tabs = tabs
        self.views = views
        self.preview = preview
        self.actions = actions
        self.say = say
        self.window = window
        self.viewer: QWidget | None = None  # the full-screen viewer, when open
        a = actions
        for action, slot in ((a.similar, lambda: find_similar(self.active_view())),
                             (a.preview, self.preview_selected), (a.view, self.open_viewer),
                             (a.open, self.open_selected), (a.reveal, self.reveal_selected),
                             (a.copy, self.copy_selected_paths), (a.remove, self.remove_selected)):
            action.triggered.connect(slot)
        for view in views.values():
            self._wire(view)
        tabs.page_changed.connect(lambda _p: self._page_changed())
        self.update_actions()

    def _wire(self, view: GridView) -> None:
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(lambda pos, v=view: self._context_menu(v, pos))
        view.selectionModel().currentChanged.connect(
            lambda cur, _prev, v=view: self._current_changed(v, cur))
        view.doubleClicked.connect(lambda _idx: self.open_viewer())
        view.selectionModel().selectionChanged.connect(lambda *_a: self.update_actions())
        view.model().modelReset.connect(self.update_actions)
        view.model().modelReset.connect(self.check_preview)  # a new result set, a refresh

    def _page_changed(self) -> None:
        # The preview follows the view in front: its current item, or nothing.
        view = self.active_view()
        if view is None:  # the Duplicates page: its cards are the preview there
            self.update_actions()
            return
        idx = view.currentIndex()
        current = self.preview.current
        if not idx.isValid():
            self.preview.show_item(None)
        elif current is None or current.id != idx.data(IdRole):
            self._preview_index(view, idx)
        else:
            self.check_preview()
        self.update_actions()

    def check_preview(self) -> None:
        """The preview shows an item of the view in front, with that view's score and model;
        anything else is cleared (no stale item, score or model name)."""
        current = self.preview.current
        if current is None:
            return
        view = self.active_view()
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

    def update_actions(self) -> None:
        """Item actions are on only when there is an item to act on, and say when they act on
        several."""
        ids = self._selected_ids()
        for a in self.actions.all():
            a.setEnabled(bool(ids))
        many = len(ids) > 1
        self.actions.similar.setText(f"Find Similar to All {len(ids)} Selected" if many
                                     else "Find Similar")
        self.actions.copy.setText(f"Copy {len(ids)} Paths" if many else "Copy Path")
        self.actions.remove.setText(f"Remove {len(ids)} Items from Library…" if many
                                    else "Remove from Library…")

    def active_view(self) -> GridView | None:
        """The grid in front, whose selection the item actions act on; None on a page with
        no grid (Duplicates has its own actions), so nothing hidden is ever acted on."""
        return self.views.get(self.tabs.page())

    def selected_ids(self) -> list[int]:
        """The files selected in the grid in front (none on a page without one)."""
        return self._selected_ids()

    def _selected_ids(self) -> list[int]:
        view = self.active_view()
        return [] if view is None else selected_ids(view)

    def _selected_paths(self) -> list[str]:
        rows = self.lib.store.files_by_ids(self._selected_ids())
        return [rows[i].path for i in self._selected_ids() if i in rows]

    def _current_changed(self, view: GridView, index: QModelIndex) -> None:
        if not index.isValid() or view is not self.active_view():
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
        self.preview.show_item(row, score, model_name, index.data(MomentRole),
                               index.data(SpansRole))

    def open_viewer(self) -> None:
        """The current item full screen; the arrows step through the view it came from."""
        from mediabrowser.gui.viewer import FullScreenViewer

        view = self.active_view()
        idx = view.currentIndex() if view is not None else QModelIndex()
        if view is None or not idx.isValid():
            return
        model = view.model()
        assert isinstance(model, ItemsModel)
        self.preview.player.stop()  # one item plays at a time
        viewer = FullScreenViewer(model, idx.row(), self._model_name, self.window)
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        viewer.closed.connect(lambda row, v=view, m=model: self._viewer_closed(v, m, row))
        self.viewer = viewer
        screen = self.window.screen()
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
        view = self.active_view()
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
        a = self.actions
        menu = QMenu(self.window)
        menu.addAction(a.similar)
        if view is self.views.get(Page.SIMILAR):
            menu.addActions([x for x in (a.more, a.less) if x is not None and x.isEnabled()])
        menu.addActions([a.preview, a.view])
        if a.on_map is not None:
            menu.addAction(a.on_map)
        menu.addSeparator()
        menu.addActions([a.open, a.reveal, a.copy])
        menu.addSeparator()
        menu.addAction(a.remove)
        menu.popup(view.viewport().mapToGlobal(pos))

    def open_selected(self) -> None:
        self._open_urls(self._selected_paths()[:10], "open")

    def reveal_selected(self) -> None:
        self._open_urls(sorted({str(Path(p).parent) for p in self._selected_paths()})[:5],
                        "show the folder of")

    def _open_urls(self, paths: list[str], verb: str) -> None:
        open_paths(paths, verb, self.say)

    def copy_selected_paths(self) -> None:
        paths = self._selected_paths()
        if paths:
            QGuiApplication.clipboard().setText("\n".join(display(p) for p in paths))
            self.say(f"Copied {count(len(paths), 'path')}.")

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
            self.window, "Remove from library",
            f"Remove {what} from the library?\n\nThe file itself stays where it is on disk; "
            "it will no longer appear here or in results.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        def done(_none: object) -> None:
            self.say(f"Removed {what} from the library (files untouched).")
            self.owner.announce(Changes(files=True))

        self.owner.write(lambda lib: lib.remove_items(ids), done,
                         lambda reason: self.say(
                             f"Could not remove {what} from the library: {reason}"))
