"""The main window: library grid, "Find similar" results, preview, background work, problems."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSlider,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from mediabrowser.gui.browse_filters import BrowseFilters
from mediabrowser.gui.collections_room import CollectionsRoom
from mediabrowser.gui.dialogs.about import HelpRoom
from mediabrowser.gui.duplicates.controller import DuplicatesController
from mediabrowser.gui.duplicates.page import DuplicatesPage
from mediabrowser.gui.grid.listing_model import ListingModel
from mediabrowser.gui.grid.thumb_loader import ThumbLoader
from mediabrowser.gui.grid.view import GridView, local_paths
from mediabrowser.gui.indexing import IndexingRoom, start_folder
from mediabrowser.gui.item_actions import ItemActionSet, ItemsRoom
from mediabrowser.gui.library_listing import ListingRoom
from mediabrowser.gui.library_owner import Changes, LibraryOwner
from mediabrowser.gui.map.page import MapPage
from mediabrowser.gui.map.room import MapRoom
from mediabrowser.gui.opening import open_paths
from mediabrowser.gui.pages import Page, PageTabs
from mediabrowser.gui.preview.panel import PreviewPanel
from mediabrowser.gui.problems_dock import ProblemsDock
from mediabrowser.gui.query import Query
from mediabrowser.gui.results_page import ResultsPage
from mediabrowser.gui.search_controller import RESULTS_K, SearchRoom
from mediabrowser.gui.shared_room import SharedLibraryRoom
from mediabrowser.gui.welcome import WelcomePanel
from mediabrowser.gui.window_settings import restore_window, save_window

CLOSE_TIMEOUT_MS = 8000  # how long closing waits for background work to stop
__all__ = ["MainWindow", "Query", "start_folder"]


class MainWindow(QMainWindow):
    """Builds the window and wires its rooms, each an object given what it works with:
    the library grid (gui/library_listing.py), indexing (gui/indexing.py), searching
    (gui/search_controller.py), the selection and item actions (gui/item_actions.py) and
    duplicates (gui/duplicates/). They share no state: each follows the library owner's
    changes and the toolbar's filters on its own."""

    listing: ListingRoom
    indexing: IndexingRoom
    shared: SharedLibraryRoom
    search: SearchRoom
    items: ItemsRoom
    duplicates: DuplicatesController
    map: MapRoom
    preview: PreviewPanel
    problems_dock: ProblemsDock
    status_text: QLabel

    def __init__(self, library_dir: Path, settings: QSettings | None = None) -> None:
        super().__init__()
        self.setWindowTitle("mediabrowser")
        self.setAcceptDrops(True)
        self.settings = settings or QSettings("mediabrowser", "mediabrowser")
        self.library_dir = library_dir
        self.owner = LibraryOwner(library_dir, self)  # the library, its threads and settings
        self.lib = self.owner.reader  # GUI thread: listing and item details
        self.jobs_pool = self.owner.jobs_pool
        self.search_pool = self.owner.search_pool
        self.thumbs = ThumbLoader(library_dir / "thumbs")
        self._closing = False
        self._last_selection: list[int] = []  # the grid's selection as the map page opens
        self.exit_if_stuck = False  # the app (not a test) exits even if work does not stop
        # Views that follow every change subscribe first: thumbnails are made again before
        # the grids that show them ask.
        self.owner.changed.connect(self._library_changed)

        self._build_actions()
        self._build_ui()
        self._build_rooms()
        # Tab moves through the toolbar, then the grid and the preview, in reading order.
        order = [self.kind_box, self.sort_box, self.name_filter, self.text_search, self.zoom,
                 self.grid, self.results, self.threshold, self.preview]
        for a, b in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(a, b)
        restore_window(self)
        self.listing.refresh()
        self.problems_dock.show_library(self.lib.store)
        self.search.update_text_search()
        self.search.open_indexes()
        self.indexing.resume_interrupted()
        self.shared.start()

    # ---- construction -----------------------------------------------------------------------
    def _build_actions(self) -> None:
        """The actions; the rooms connect the ones they carry out (_build_rooms)."""
        def act(text: str, slot: Any = None, shortcut: Any = None) -> QAction:
            a = QAction(text, self)
            if shortcut is not None:
                a.setShortcut(QKeySequence(shortcut))
            if slot is not None:
                a.triggered.connect(slot)
            self.addAction(a)
            return a

        self.act_add = act("Add Folder…", shortcut=QKeySequence.StandardKey.Open)
        self.act_similar = act("Find Similar", shortcut="Ctrl+F")
        self.act_preview = act("Preview", shortcut=Qt.Key.Key_Space)
        self.act_view = act("View Full Screen", shortcut=Qt.Key.Key_Return)
        self.act_view.setShortcuts([QKeySequence(Qt.Key.Key_Return),
                                    QKeySequence(Qt.Key.Key_Enter)])
        self.act_open = act("Open with Default App")
        self.act_reveal = act("Show in Folder")
        self.act_copy = act("Copy Path")
        self.act_remove = act("Remove from Library…")
        self.act_on_map = act("Show on Map", shortcut="Ctrl+M")
        self.act_less = act("Less Like This", shortcut="Ctrl+Shift+F")
        self.act_more = act("More Like This", shortcut="Ctrl+Shift+G")
        self.act_map = act("Map", shortcut="Ctrl+Shift+M")
        self.act_back = act("Back", shortcut=Qt.Key.Key_Escape)
        self.act_forward = act("Forward", shortcut="Alt+Right")
        self.act_settings = act("Settings…", self.open_settings, "Ctrl+,")
        self.act_models = act("Models…", self.open_models)
        self.act_rescan = act("Rescan Library", shortcut="F5")
        self.act_quit = act("Quit", self.close, QKeySequence.StandardKey.Quit)
        self.act_problems = act("Problems", lambda: self.problems_dock.toggle(), "Ctrl+Shift+P")

        self.act_back.setEnabled(False)
        self.act_forward.setEnabled(False)

        m = self.menuBar().addMenu("&File")
        m.addActions([self.act_add, self.act_rescan])
        m.addSeparator()
        m.addActions([self.act_settings, self.act_models, self.act_quit])
        m = self.menuBar().addMenu("&Item")
        m.addActions([self.act_similar, self.act_more, self.act_less, self.act_preview,
                      self.act_view,
                      self.act_on_map, self.act_open, self.act_reveal, self.act_copy])
        m.addSeparator()
        m.addAction(self.act_remove)
        m = self.menuBar().addMenu("&View")
        m.addActions([self.act_back, self.act_forward, self.act_map, self.act_problems])
        self.collections_menu = self.menuBar().addMenu("&Collections")
        self.help = HelpRoom(self, self.library_dir, self.lib.models_dir)

    def _build_ui(self) -> None:
        tb = QToolBar("Browse")
        tb.setObjectName("browse-toolbar")
        tb.setMovable(False)
        self.addToolBar(tb)
        tb.addAction(self.act_back)
        tb.addAction(self.act_forward)
        tb.addAction(self.act_add)
        tb.addSeparator()
        self.filters = BrowseFilters(self)
        self.kind_box = self.filters.kind_box
        self.sort_box = self.filters.sort_box
        self.name_filter = self.filters.name_filter
        self.zoom = QSlider(Qt.Orientation.Horizontal)
        self.zoom.setRange(80, 320)
        self.zoom.setValue(160)
        self.zoom.setMaximumWidth(140)
        self.zoom.setToolTip("Tile size")
        self.zoom.valueChanged.connect(self._zoom_changed)
        self.text_search = QLineEdit()
        self.text_search.setPlaceholderText("Describe a photo or video…")
        self.text_search.setClearButtonEnabled(True)
        self.text_search.setMaximumWidth(260)
        for a, tip in ((self.act_back, "Back to the previous result set (Esc)"),
                       (self.act_forward, "Forward to the next result set (Alt+Right)"),
                       (self.act_add, "Add a folder to the library (Ctrl+O); or drop one on "
                                      "the window")):
            a.setToolTip(tip)
        for w in (self.kind_box, self.sort_box, self.name_filter, self.text_search):
            tb.addWidget(w)
        tb.addSeparator()
        tb.addWidget(QLabel(" Size "))
        tb.addWidget(self.zoom)

        # library grid
        self.library_model = ListingModel(self.lib.store, self.thumbs, self)
        self.grid = GridView()
        self.grid.setModel(self.library_model)

        # results: what was asked, threshold, count and "Load more" over scored tiles
        self.results_page = results_page = ResultsPage(self.lib.store, self.thumbs, RESULTS_K)
        self.results = results_page.view
        self.results_model = results_page.model
        self.results_title = results_page.title
        self.threshold = results_page.threshold
        self.threshold_label = results_page.threshold_label
        self.count_label = results_page.count_label
        self.more_button = results_page.more_button

        self.tabs = PageTabs()
        self.tabs.add(Page.LIBRARY, self.grid)
        self.tabs.add(Page.SIMILAR, results_page)
        self.duplicates_page = DuplicatesPage(
            self.lib.store, self.thumbs,
            lambda path: open_paths([path], "open", self.status_text.setText))
        self.tabs.add(Page.DUPLICATES, self.duplicates_page)
        self.map_page = MapPage()
        self.tabs.add(Page.MAP, self.map_page)
        self.tabs.page_changed.connect(  # the side-by-side cards (the hover card) are the
            lambda p: self.preview.setVisible(p not in (Page.DUPLICATES, Page.MAP)))  # preview

        # welcome panel for an empty library
        self.welcome = WelcomePanel(self.act_add.trigger)

        self.center = QStackedWidget()
        self.center.addWidget(self.welcome)
        self.center.addWidget(self.tabs)
        self.preview = PreviewPanel()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("main-splitter")
        self.splitter.addWidget(self.center)
        self.splitter.addWidget(self.preview)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.setCentralWidget(self.splitter)

        # status bar: message, progress, pause, cancel, problems
        self.status_text = QLabel()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(True)
        self.pause_button = QPushButton("Pause")
        self.cancel_button = QPushButton("Cancel")
        self.count_text = QLabel()
        self.count_text.setToolTip("Items in the library grid (with the filters applied)")
        self.problems_dock = ProblemsDock(self)
        self.problems_table = self.problems_dock.table
        self.problems = self.problems_dock.problems
        self.problems_button = self.problems_dock.button
        self.thumbs.problem.connect(self.problems_dock.add_thumbnail_problem)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.problems_dock)
        sb = self.statusBar()
        sb.addWidget(self.status_text, 1)
        self.shared_text = QLabel()  # the shared library's address and last look, when shared
        for permanent in (self.shared_text, self.count_text, self.problems_button, self.progress,
                          self.pause_button, self.cancel_button):
            sb.addPermanentWidget(permanent)

    def _build_rooms(self) -> None:
        """Each room gets what it works with; none reaches into another."""
        say = self.status_text.setText
        self.listing = ListingRoom(self.owner, self.library_model, self.grid, self.thumbs,
                                   self.filters, self.count_text, self._show_library)
        self.indexing = IndexingRoom(self.owner, self.status_text, self.progress,
                                     self.pause_button, self.cancel_button, self.problems_dock,
                                     lambda: self.center.setCurrentWidget(self.tabs), self)
        self.shared = SharedLibraryRoom(self.owner, self.indexing, say, self.shared_text, self)
        self.search = SearchRoom(self.owner, self.results_page, self.tabs, self.filters,
                                 self.text_search, self.act_back, self.act_forward,
                                 self.act_less, self.act_more, say, self.status_text.text)
        self.items = ItemsRoom(
            self.owner, self.tabs, {Page.LIBRARY: self.grid, Page.SIMILAR: self.results},
            self.preview, ItemActionSet(self.act_similar, self.act_preview, self.act_view,
                                        self.act_open, self.act_reveal, self.act_copy,
                                        self.act_remove, self.act_on_map, self.act_less,
                                        self.act_more),
            self.search.find_similar, say, self)
        self.collections = CollectionsRoom(self.owner, self.search, self.collections_menu, say,
                                           self)
        self.duplicates = DuplicatesController(self.duplicates_page, self.owner, say)
        self.map = MapRoom(self.owner, self.map_page, self.thumbs, say,
                           self.search.similar_to_items, self.search.show_items)
        self.tabs.page_changed.connect(self._page_changed)
        self.act_on_map.triggered.connect(self.show_on_map)
        self.act_map.triggered.connect(lambda: self.tabs.show_page(Page.MAP))
        self.indexing.progressed.connect(self.listing.indexing_progressed)
        self.indexing.progressed.connect(self.search.indexing_progressed)
        self.grid.files_dropped.connect(self.indexing.add_paths)
        self.act_add.triggered.connect(self.indexing.choose_folder)
        self.act_rescan.triggered.connect(self.indexing.rescan)
        self.act_back.triggered.connect(self.search.go_back)
        self.act_forward.triggered.connect(self.search.go_forward)

    def _page_changed(self, page: Page) -> None:
        # The toolbar's kind, sort, name and size act on the grids; on Duplicates and the Map
        # they would do nothing, so they are off there (sorting is the library's alone).
        grids = page in (Page.LIBRARY, Page.SIMILAR)
        for w in (self.kind_box, self.name_filter, self.zoom):
            w.setEnabled(grids)
        self.sort_box.setEnabled(page is Page.LIBRARY)
        if page is Page.MAP:
            self.map.shown()
            self.map.link(self._last_selection)
        else:
            self._last_selection = self.items.selected_ids()

    def show_on_map(self) -> None:
        """The selected items on the map: selected there and brought into view."""
        ids = self.items.selected_ids()
        if not ids:
            return
        self._last_selection = ids
        self.tabs.show_page(Page.MAP)
        if not self.map.show_on_map(ids):
            say = self.status_text.setText
            say("Not on the map: the item is not analysed yet, or is of another kind")

    def _show_library(self, has_items: bool) -> None:
        """The pages, or the welcome panel of an empty library (not while a run fills it)."""
        busy = self.indexing.worker is not None
        self.center.setCurrentWidget(self.tabs if has_items or busy else self.welcome)

    def _library_changed(self, changes: Changes) -> None:
        """What the window itself shows of a change: thumbnails and the problems panel (the
        rooms follow the changes they show on their own)."""
        if self._closing:  # an answer that arrived after the window closed
            return
        if changes.pictures:
            self.thumbs.forget_all()  # pictures of changed files are made again
        if changes.files or changes.vectors:
            # What the library holds that cannot be used, whichever run found it.
            self.problems_dock.show_library(self.lib.store, changes.problems)

    def _zoom_changed(self, px: int) -> None:
        self.grid.set_tile_size(px)
        self.results.set_tile_size(px)

    # ---- settings ---------------------------------------------------------------------------
    def open_settings(self) -> None:
        from mediabrowser.gui.dialogs.settings import SettingsDialog

        dlg = SettingsDialog(self.lib, self.settings, self)
        dlg.rescan_requested.connect(self.indexing.add_paths)
        dlg.remove_root_requested.connect(self._remove_root)
        dlg.models_requested.connect(self.open_models)
        if dlg.exec():
            self.owner.apply_config(self.lib.config)
            self.status_text.setText("Settings saved.")
            if dlg.models_changed and self.lib.store.roots():
                # New models embed in the background; the old vectors keep answering meanwhile.
                self.indexing.add_paths(self.lib.store.roots())

    def _remove_root(self, folder: str) -> None:
        """Forget a folder (Settings): its items leave the library, on the writer thread."""
        self.owner.write(lambda lib: lib.remove_root(folder),
                         lambda _none: self.owner.announce(Changes(files=True)),
                         lambda reason: self.status_text.setText(
                             f"Could not remove the folder from the library: {reason}"))

    def open_models(self) -> None:
        from mediabrowser.gui.dialogs.models import ModelsDialog

        dlg = ModelsDialog(self.lib.models_dir, self)
        dlg.exec()

    # ---- window-level drag and drop, closing ------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_paths(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = local_paths(event)
        if paths:
            event.acceptProposedAction()
            self.indexing.add_paths(paths)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.shutdown() and self.exit_if_stuck:
            # The library survives a kill at any moment; a decoder stuck on one file must not
            # keep the window from closing. The interrupted work resumes at the next start.
            os._exit(0)
        event.accept()

    def shutdown(self, timeout_ms: int = CLOSE_TIMEOUT_MS) -> bool:
        """Stop background work, waiting at most `timeout_ms`; an interrupted indexing resumes
        at the next start. False when some work did not stop in time."""
        if self._closing:
            return True
        self._closing = self.owner.closing = True
        save_window(self)
        if self.items.viewer is not None and self.items.viewer.isVisible():
            self.items.viewer.close()
        if self.indexing.worker is not None:
            self.indexing.worker.cancel()
        self.shared.cancel()
        self.duplicates.cancel()
        self.map.cancel()
        if not self.owner.stop(timeout_ms):
            return False
        self.thumbs.close()
        self.library_model.close()
        self.preview.shutdown()
        self.owner.close()
        return True
