"""The main window: library grid, "Find similar" results, preview, background work, problems."""

from __future__ import annotations

import copy
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QSettings, Qt, QThreadPool, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSlider,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from mediabrowser.core.filenames import display, display_name, openable_alias
from mediabrowser.core.format import format_duration
from mediabrowser.core.library import Library
from mediabrowser.core.types import FileProblem, Match, Progress
from mediabrowser.gui.grid.model import IdRole, ItemsModel, ScoreRole
from mediabrowser.gui.grid.thumb_loader import ThumbLoader
from mediabrowser.gui.grid.view import GridView, local_paths
from mediabrowser.gui.preview.panel import PreviewPanel
from mediabrowser.gui.workers import GeneratorWorker, call_later

RESULTS_K = 200
CLOSE_TIMEOUT_MS = 8000  # how long closing waits for background work to stop
REFRESH_SECONDS = 1.5
KIND_FILTERS = (("All kinds", None), ("Photos", "image"), ("Videos", "video"), ("Audio", "audio"))
SORTS = (("Name", "name"), ("Date", "date"), ("Folder", "folder"))


def start_folder() -> str:
    """Where "Add Folder…" opens: the Pictures folder, else home (never the working folder)."""
    from PySide6.QtCore import QStandardPaths

    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    return pictures if pictures and os.path.isdir(pictures) else str(Path.home())


@dataclass
class Query:
    """One "Find similar" request: a library item or an outside file."""

    path: str
    label: str
    file_id: int | None = None
    text: str | None = None  # a description, for CLIP text search


class MainWindow(QMainWindow):
    indexing_finished = Signal(object)  # IndexReport, or None when it failed
    results_ready = Signal()

    def __init__(self, library_dir: Path, settings: QSettings | None = None) -> None:
        super().__init__()
        self.setWindowTitle("mediabrowser")
        self.setAcceptDrops(True)
        self.settings = settings or QSettings("mediabrowser", "mediabrowser")
        self.library_dir = library_dir
        self.lib = Library(library_dir)  # GUI thread: listing and item details
        self.search_lib = Library(library_dir)  # used only on the one search thread
        self.jobs_pool = QThreadPool(self)
        self.jobs_pool.setMaxThreadCount(1)
        self.search_pool = QThreadPool(self)
        self.search_pool.setMaxThreadCount(1)
        self.thumbs = ThumbLoader(library_dir / "thumbs")
        self.thumbs.problem.connect(self._thumbnail_problem)
        self._job_problems_seen = 0  # how many of the running job's problems are listed
        self.worker: GeneratorWorker | None = None
        self.pending_paths: list[str] = []
        self.problems: list[FileProblem] = []
        self.history: list[Query] = []
        self.history_pos = -1
        self.results_k = RESULTS_K  # how many results the current search asks for
        self.last_matches: list[Match] = []
        self._last_refresh = 0.0
        self._last_results_refresh = 0.0
        self._closing = False
        self.exit_if_stuck = False  # the app (not a test) exits even if work does not stop

        self._build_actions()
        self._build_ui()
        self._restore_settings()
        self.refresh_listing()
        self._update_item_actions()
        self.update_text_search()
        self._maybe_resume()

    # ---- construction -----------------------------------------------------------------------
    def _build_actions(self) -> None:
        def act(text: str, slot: Any, shortcut: Any = None) -> QAction:
            a = QAction(text, self)
            if shortcut is not None:
                a.setShortcut(QKeySequence(shortcut))
            a.triggered.connect(slot)
            self.addAction(a)
            return a

        self.act_add = act("Add Folder…", self.choose_folder, QKeySequence.StandardKey.Open)
        self.act_similar = act("Find Similar", self.find_similar_selected, "Ctrl+F")
        self.act_preview = act("Preview", self.preview_selected, Qt.Key.Key_Space)
        self.act_open = act("Open with Default App", self.open_selected)
        self.act_reveal = act("Show in Folder", self.reveal_selected)
        self.act_copy = act("Copy Path", self.copy_selected_paths)
        self.act_remove = act("Remove from Library…", self.remove_selected)
        self.act_back = act("Back", self.go_back, Qt.Key.Key_Escape)
        self.act_forward = act("Forward", self.go_forward, "Alt+Right")
        self.act_settings = act("Settings…", self.open_settings, "Ctrl+,")
        self.act_models = act("Models…", self.open_models)
        self.act_rescan = act("Rescan Library", self.rescan, "F5")
        self.act_quit = act("Quit", self.close, QKeySequence.StandardKey.Quit)
        self.act_problems = act("Problems", self.toggle_problems)
        self.act_back.setEnabled(False)
        self.act_forward.setEnabled(False)

        m = self.menuBar().addMenu("&File")
        m.addActions([self.act_add, self.act_rescan])
        m.addSeparator()
        m.addActions([self.act_settings, self.act_models, self.act_quit])
        m = self.menuBar().addMenu("&Item")
        m.addActions([self.act_similar, self.act_preview, self.act_open, self.act_reveal,
                      self.act_copy])
        m.addSeparator()
        m.addAction(self.act_remove)
        m = self.menuBar().addMenu("&View")
        m.addActions([self.act_back, self.act_forward, self.act_problems])

    def _build_ui(self) -> None:
        tb = QToolBar("Browse")
        tb.setObjectName("browse-toolbar")
        tb.setMovable(False)
        self.addToolBar(tb)
        tb.addAction(self.act_back)
        tb.addAction(self.act_forward)
        tb.addAction(self.act_add)
        tb.addSeparator()
        self.kind_box = QComboBox()
        for label, value in KIND_FILTERS:
            self.kind_box.addItem(label, value)
        self.kind_box.currentIndexChanged.connect(self._filters_changed)
        self.sort_box = QComboBox()
        for label, value in SORTS:
            self.sort_box.addItem(f"Sort by {label.lower()}", value)
        self.sort_box.currentIndexChanged.connect(lambda _i: self.refresh_listing())
        self.name_filter = QLineEdit()
        self.name_filter.setPlaceholderText("Filter by file name")
        self.name_filter.setClearButtonEnabled(True)
        self.name_filter.setMaximumWidth(240)
        self._filter_timer = QTimer(self, singleShot=True, interval=200)
        self._filter_timer.timeout.connect(self._name_filter_changed)
        self.name_filter.textChanged.connect(lambda _t: self._filter_timer.start())
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
        self.text_search.returnPressed.connect(self.search_by_text)
        for w in (self.kind_box, self.sort_box, self.name_filter, self.text_search):
            tb.addWidget(w)
        tb.addSeparator()
        tb.addWidget(QLabel(" Size "))
        tb.addWidget(self.zoom)

        # library grid
        self.library_model = ItemsModel(self.lib.store, self.thumbs, self)
        self.grid = GridView()
        self.grid.setModel(self.library_model)
        self.grid.files_dropped.connect(self.add_paths)
        self._wire_view(self.grid)

        # results: header (what was asked, threshold, count) over a grid of scored tiles
        self.results_model = ItemsModel(self.lib.store, self.thumbs, self)
        self.results = GridView()
        self.results.setModel(self.results_model)
        self.results.files_dropped.connect(self.query_outside_files)
        self._wire_view(self.results)
        self.results_title = QLabel("Right-click an item and choose “Find Similar”, or drop a "
                                    "file here to search by it.")
        self.results_title.setWordWrap(True)
        self.threshold = QSlider(Qt.Orientation.Horizontal)
        self.threshold.setRange(0, 100)
        self.threshold.setValue(50)
        self.threshold.setMaximumWidth(200)
        self.threshold.valueChanged.connect(self._apply_threshold)
        self.threshold_label = QLabel()
        self.count_label = QLabel()
        self.more_button = QPushButton("Load more")
        self.more_button.setToolTip(f"Show the next {RESULTS_K} most similar items")
        self.more_button.clicked.connect(self.load_more)
        self.more_button.hide()
        head = QHBoxLayout()
        head.addWidget(self.results_title, 1)
        head.addWidget(self.threshold_label)
        head.addWidget(self.threshold)
        head.addWidget(self.count_label)
        head.addWidget(self.more_button)
        results_page = QWidget()
        rl = QVBoxLayout(results_page)
        rl.setContentsMargins(4, 4, 4, 4)
        rl.addLayout(head)
        rl.addWidget(self.results, 1)

        self.tabs = QTabWidget()
        self.tabs.addTab(self.grid, "Library")
        self.tabs.addTab(results_page, "Similar")
        self.tabs.currentChanged.connect(lambda _i: self._tab_changed())

        # welcome panel for an empty library
        self.welcome = QWidget()
        wl = QVBoxLayout(self.welcome)
        big = QLabel("Drop a folder here")
        big.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = big.font()
        font.setPointSizeF(font.pointSizeF() * 2.2)
        big.setFont(font)
        hint = QLabel("Photos, videos and sound files are indexed on this computer, offline.\n"
                      "Then right-click anything and choose “Find Similar”.")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setStyleSheet("color: gray;")
        add = QPushButton("Add Folder…")
        add.clicked.connect(self.choose_folder)
        wl.addStretch(1)
        wl.addWidget(big)
        wl.addWidget(hint)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(add)
        row.addStretch(1)
        wl.addLayout(row)
        wl.addStretch(2)

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
        self.pause_button.clicked.connect(self.toggle_pause)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_indexing)
        self.count_text = QLabel()
        self.count_text.setToolTip("Items in the library grid (with the filters applied)")
        self.problems_button = QPushButton()
        self.problems_button.setFlat(True)
        self.problems_button.clicked.connect(self.toggle_problems)
        sb = self.statusBar()
        sb.addWidget(self.status_text, 1)
        for permanent in (self.count_text, self.problems_button, self.progress, self.pause_button,
                          self.cancel_button):
            sb.addPermanentWidget(permanent)
        self._set_busy(False)

        self.problems_table = QTableWidget(0, 2)
        self.problems_table.setHorizontalHeaderLabels(["File", "Why it could not be used"])
        self.problems_table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.Interactive)
        self.problems_table.horizontalHeader().setStretchLastSection(True)
        self.problems_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.problems_table.verticalHeader().hide()
        self.problems_dock = QDockWidget("Problems", self)
        self.problems_dock.setObjectName("problems-dock")
        self.problems_dock.setWidget(self.problems_table)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.problems_dock)
        self.problems_dock.hide()
        self._update_problems_button()

    def _wire_view(self, view: GridView) -> None:
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(lambda pos, v=view: self._context_menu(v, pos))
        view.selectionModel().currentChanged.connect(
            lambda cur, _prev, v=view: self._current_changed(v, cur))
        view.doubleClicked.connect(lambda _idx: self.find_similar_selected())
        view.selectionModel().selectionChanged.connect(lambda *_a: self._update_item_actions())
        view.model().modelReset.connect(self._update_item_actions)

    def _restore_settings(self) -> None:
        s = self.settings
        geometry = s.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        state = s.value("window/state")
        if state is not None:
            self.restoreState(state)
        split = s.value("window/splitter")
        if split is not None:
            self.splitter.restoreState(split)
        else:
            self.splitter.setSizes([800, 480])
        self.zoom.setValue(int(str(s.value("view/tile", 160))))
        self.threshold.setValue(int(str(s.value("view/threshold", 50))))
        self.sort_box.setCurrentIndex(int(str(s.value("view/sort", 0))))
        self._apply_threshold()

    def _save_settings(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("window/splitter", self.splitter.saveState())
        s.setValue("view/tile", self.zoom.value())
        s.setValue("view/threshold", self.threshold.value())
        s.setValue("view/sort", self.sort_box.currentIndex())
        s.setValue("library", str(self.library_dir))
        s.sync()

    # ---- library listing --------------------------------------------------------------------
    def refresh_listing(self, if_count_changed: bool = False) -> None:
        """Reload the ids shown in the library grid, keeping the current item and scroll.
        `if_count_changed`: skip the reload when the number of items is what the grid shows
        (the periodic refresh while indexing, cheap even for 100k items)."""
        if if_count_changed and self.library_model.rowCount() == self.lib.store.listing_count(
                self.kind_box.currentData()) and not self.name_filter.text():
            self._last_refresh = time.monotonic()
            return
        current = self._current_id(self.grid)
        scroll = self.grid.verticalScrollBar().value()
        ids = self.lib.store.listing(self.kind_box.currentData(), self.sort_box.currentData(),
                                     self.name_filter.text())
        if ids != self.library_model.ids():
            self.library_model.forget_rows()
            self.library_model.set_items(ids)
            if current is not None and (row := self.library_model.row_of(current)) is not None:
                self.grid.setCurrentIndex(self.library_model.index(row))
            # The grid lays items out in batches after a reset; scroll once that has happened.
            QTimer.singleShot(0, lambda: self.grid.verticalScrollBar().setValue(scroll))
        n = self.library_model.rowCount()
        self.count_text.setText(f"{n:,} item{'s' if n != 1 else ''}")
        has_any = bool(ids) or bool(self.name_filter.text()) or self.kind_box.currentIndex() > 0
        self.center.setCurrentWidget(self.tabs if has_any or self.worker else self.welcome)
        self._last_refresh = time.monotonic()

    def _filters_changed(self) -> None:
        """The toolbar's kind filter applies to the library and to results alike."""
        self.refresh_listing()
        if self.history_pos >= 0:
            self.rerun_query(keep_position=True)

    def _name_filter_changed(self) -> None:
        self.refresh_listing()
        self._apply_threshold(keep_position=True)

    def _zoom_changed(self, px: int) -> None:
        self.grid.set_tile_size(px)
        self.results.set_tile_size(px)

    # ---- importing and indexing -------------------------------------------------------------
    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder to the library",
                                                  start_folder())
        if folder:
            self.add_paths([folder])

    def add_paths(self, paths: list[str]) -> None:
        paths = [p for p in paths if p]
        if not paths:
            return
        if self.worker is not None:
            self.pending_paths.extend(paths)
            self.status_text.setText(f"Queued {len(paths)} item(s); they follow the current work.")
            return
        self.start_indexing(paths)

    def rescan(self) -> None:
        roots = self.lib.store.roots()
        if roots:
            self.add_paths(roots)

    def start_indexing(self, paths: list[str]) -> None:
        from mediabrowser.core.jobs.runner import index_library_job

        folder = self.library_dir
        worker = GeneratorWorker(lambda token: index_library_job(folder, paths, token))
        worker.signals.progress.connect(self._on_progress)
        worker.signals.finished.connect(self._on_finished)
        worker.signals.failed.connect(self._on_failed)
        self.worker = worker
        self.problems.clear()
        self._job_problems_seen = 0
        self.problems_table.setRowCount(0)
        self._update_problems_button()
        self._set_busy(True)
        self.status_text.setText("Looking for media…")
        self.center.setCurrentWidget(self.tabs)
        self.jobs_pool.start(worker)

    def _maybe_resume(self) -> None:
        """A run that was cancelled or cut short (window closed, app killed) goes on."""
        job = self.lib.store.last_job()
        roots = self.lib.store.roots()
        if job and job["state"] != "done" and roots:
            self.status_text.setText("Resuming the indexing that was interrupted…")
            QTimer.singleShot(0, lambda: self.add_paths(roots))

    def _on_progress(self, p: Progress) -> None:
        if self._closing:
            return
        for prob in p.errors[self._job_problems_seen:]:
            self._add_problem(prob)
        self._job_problems_seen = max(self._job_problems_seen, len(p.errors))
        if p.stage == "scan":
            self.progress.setRange(0, 0)
            self.status_text.setText(f"Looking for media… {p.done} files found")
        elif p.stage in ("probe", "embed"):
            self.progress.setRange(0, max(1, p.total))
            self.progress.setValue(p.done)
            verb = "Reading" if p.stage == "probe" else "Analysing"
            eta = f" · about {format_duration(p.eta)} left" if p.eta is not None else ""
            rate = f" · {p.rate:.1f}/s" if p.rate else ""
            name = display_name(p.current) if p.current else ""
            paused = " (paused)" if self.worker and self.worker.paused else ""
            self.status_text.setText(f"{verb} {p.done} of {p.total}{rate}{eta}{paused}  {name}")
        now = time.monotonic()
        if now - self._last_refresh > REFRESH_SECONDS:
            self.refresh_listing(if_count_changed=True)
        if (p.stage == "embed" and self.history_pos >= 0
                and now - self._last_results_refresh > 3 * REFRESH_SECONDS):
            self._last_results_refresh = now
            self.rerun_query(keep_position=True)

    def _on_finished(self, report: Any) -> None:
        if self._closing:
            return
        self.worker = None
        self._set_busy(False)
        if report is not None:
            from mediabrowser.core.jobs.pipeline import summary

            for prob in report.problems[self._job_problems_seen:]:
                self._add_problem(prob)
            self._job_problems_seen = 0
            self.status_text.setText(summary(report).capitalize())
            if report.changed or report.moved:
                self.thumbs.forget_all()  # pictures of changed files are made again
        self.thumbs.retry_failed()
        self.library_model.forget_rows()
        self.refresh_listing()
        self.grid.viewport().update()
        if self.history_pos >= 0:
            self.rerun_query(keep_position=True)
        self.update_text_search()  # a new CLIP model answers once it covers the photos
        self.indexing_finished.emit(report)
        if self.pending_paths and not self._closing:
            paths, self.pending_paths = self.pending_paths, []
            self.start_indexing(paths)

    def _on_failed(self, reason: str) -> None:
        if self._closing:
            return
        self.worker = None
        self._set_busy(False)
        self.status_text.setText(f"Indexing stopped: {reason}")
        self.refresh_listing()
        self.indexing_finished.emit(None)
        if self.pending_paths:
            paths, self.pending_paths = self.pending_paths, []
            self.status_text.setText(f"Indexing stopped: {reason}; going on with the queued "
                                     f"{len(paths)} item(s)")
            self.start_indexing(paths)

    def toggle_pause(self) -> None:
        if self.worker is None:
            return
        if self.worker.paused:
            self.worker.resume()
            self.pause_button.setText("Pause")
        else:
            self.worker.pause()
            self.pause_button.setText("Resume")
            self.status_text.setText(self.status_text.text() + " (paused)")

    def cancel_indexing(self) -> None:
        if self.worker is not None:
            self.pending_paths.clear()
            self.worker.cancel()
            self.status_text.setText("Stopping… what was done is kept.")

    def _set_busy(self, busy: bool) -> None:
        for w in (self.progress, self.pause_button, self.cancel_button):
            w.setVisible(busy)
        self.pause_button.setText("Pause")
        if busy:
            self.progress.setRange(0, 0)

    # ---- problems -------------------------------------------------------------------------------
    def _add_problem(self, prob: FileProblem) -> None:
        self.problems.append(prob)
        r = self.problems_table.rowCount()
        self.problems_table.insertRow(r)
        name = QTableWidgetItem(display_name(prob.path))
        name.setToolTip(display(prob.path))  # the full name on hover
        reason = QTableWidgetItem(prob.reason)
        reason.setToolTip(prob.reason)
        self.problems_table.setItem(r, 0, name)
        self.problems_table.setItem(r, 1, reason)
        self._update_problems_button()

    def _thumbnail_problem(self, path: str, reason: str) -> None:
        # A file whose drive is away has no problem of its own (it shows ⏏ in the grid).
        if os.path.lexists(path) and not any(p.path == path for p in self.problems):
            self._add_problem(FileProblem(path, reason, "thumbnail"))

    def _update_problems_button(self) -> None:
        n = len(self.problems)
        self.problems_button.setVisible(n > 0)
        self.problems_button.setText(f"⚠ {n} problem{'s' if n != 1 else ''}")
        self.problems_dock.setWindowTitle(f"Problems ({n})")

    def toggle_problems(self) -> None:
        self.problems_dock.setVisible(not self.problems_dock.isVisible())

    # ---- selection, preview, context menu ---------------------------------------------------
    def _tab_changed(self) -> None:
        self._update_history_actions()
        self._check_preview()
        self._update_item_actions()

    def _check_preview(self) -> None:
        """The preview shows an item of the view in front, with that view's score and model;
        anything else is cleared (no stale item, score or model name)."""
        current = self.preview.current
        if current is None:
            return
        view = self._active_view()
        model = view.model()
        assert isinstance(model, ItemsModel)
        row = model.row_of(current.id)
        if row is None:
            self.preview.show_item(None)
            return
        index = model.index(row)
        self.preview.update_details(index.data(ScoreRole), self._model_name(current.kind))

    def _model_name(self, kind: str) -> str:
        return self.lib.answering_model(kind)

    def _update_item_actions(self) -> None:
        """Item actions are on only when there is an item to act on."""
        has = bool(self._selected_ids()) if hasattr(self, "tabs") else False
        for a in (self.act_similar, self.act_preview, self.act_open, self.act_reveal,
                  self.act_copy, self.act_remove):
            a.setEnabled(has)

    def _active_view(self) -> GridView:
        return self.results if self.tabs.currentIndex() == 1 else self.grid

    @staticmethod
    def _current_id(view: GridView) -> int | None:
        idx = view.currentIndex()
        return idx.data(IdRole) if idx.isValid() else None

    def _selected_ids(self) -> list[int]:
        view = self._active_view()
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

    def preview_selected(self) -> None:
        view = self._active_view()
        idx = view.currentIndex()
        if not idx.isValid():
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
        menu.addActions([self.act_similar, self.act_preview])
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
        failed = [p for p in paths
                  if not QDesktopServices.openUrl(QUrl.fromLocalFile(openable_alias(p)))]
        if failed:
            what = display_name(failed[0]) if len(failed) == 1 else f"{len(failed)} items"
            self.status_text.setText(f"No application could {verb} {what} (is a default app "
                                     "or file manager installed?)")

    def copy_selected_paths(self) -> None:
        paths = self._selected_paths()
        if paths:
            QGuiApplication.clipboard().setText("\n".join(display(p) for p in paths))
            self.status_text.setText(f"Copied {len(paths)} path(s).")

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
        self.lib.remove_items(ids)
        self.status_text.setText(f"Removed {what} from the library (files untouched).")
        self.refresh_listing()
        if self.history_pos >= 0:
            self.rerun_query(keep_position=True)

    # ---- find similar -----------------------------------------------------------------------
    def find_similar_selected(self) -> None:
        view = self._active_view()
        idx = view.currentIndex()
        if not idx.isValid():
            return
        model = view.model()
        assert isinstance(model, ItemsModel)
        row = model.file_row(idx.data(IdRole))
        if row is None:
            return
        self.run_query(Query(row.path, display_name(row.path), row.id))

    def update_text_search(self) -> None:
        """Text search works with a CLIP image model; otherwise the box says why it is off."""
        from mediabrowser.core.search import QueryError, text_model

        try:
            text_model(self.lib)
        except QueryError as exc:
            self.text_search.setEnabled(False)
            self.text_search.setToolTip(str(exc))
            self.text_search.setPlaceholderText("Text search needs a CLIP model")
        else:
            self.text_search.setEnabled(True)
            self.text_search.setToolTip("Find photos and videos by a description (CLIP)")
            self.text_search.setPlaceholderText("Describe a photo or video…")

    def search_by_text(self) -> None:
        text = self.text_search.text().strip()
        if text:
            self.run_query(Query("", f"“{text}”", text=text))

    def query_outside_files(self, paths: list[str]) -> None:
        files = [p for p in paths if Path(p).is_file()]
        if files:
            self.run_query(Query(files[0], f"{display_name(files[0])} (dropped file)"))

    def run_query(self, query: Query) -> None:
        self.results_k = RESULTS_K
        del self.history[self.history_pos + 1:]
        self.history.append(query)
        self.history_pos = len(self.history) - 1
        self._update_history_actions()
        self.rerun_query()

    def rerun_query(self, keep_position: bool = False) -> None:
        if self.history_pos < 0:
            return
        query = self.history[self.history_pos]
        kind = self.kind_box.currentData()
        k = self.results_k
        if not keep_position:  # a search the user asked for; background refreshes stay quiet
            self.tabs.setCurrentIndex(1)
            verb = "matching" if query.text is not None else "similar to"
            self.results_title.setText(f"Looking for items {verb} <b>{query.label}</b>…")
        lib = self.search_lib

        def search() -> list[Match]:
            from mediabrowser.core.search import find_similar, search_text

            lib.indexes.sync()
            if query.text is not None:
                return search_text(lib, query.text, k=k, kind=kind)
            return find_similar(lib, query.file_id if query.file_id is not None else query.path,
                                k=k, kind=kind)

        def done(matches: list[Match]) -> None:
            self._results(query, matches, keep_position)

        def failed(reason: str) -> None:
            self._results_failed(query, reason)

        call_later(self.search_pool, search, done, failed)

    def _results(self, query: Query, matches: list[Match], keep_position: bool) -> None:
        if self._closing:
            return
        if self.history_pos < 0 or self.history[self.history_pos] is not query:
            return  # an older search finished after a newer one was asked for
        self.last_matches = matches
        verb = "Matching" if query.text is not None else "Similar to"
        self.results_title.setText(f"{verb} <b>{query.label}</b>")
        self._apply_threshold(keep_position=keep_position)
        self.results_ready.emit()

    def _results_failed(self, query: Query, reason: str) -> None:
        if self._closing:
            return
        if self.history_pos >= 0 and self.history[self.history_pos] is query:
            self.last_matches = []
            self.results_model.set_items([], [])
            self.results_title.setText(f"Can't search by <b>{query.label}</b>: {reason}")
            self.count_label.setText("")
            self.results_ready.emit()

    def load_more(self) -> None:
        self.results_k += RESULTS_K
        self.rerun_query(keep_position=True)

    def _apply_threshold(self, *_args: Any, keep_position: bool = False) -> None:
        t = self.threshold.value() / 100
        self.threshold_label.setText(f"score ≥ {t:.2f}")
        needle = self.name_filter.text().strip().lower()
        named = [m for m in self.last_matches
                 if not needle or needle in display_name(m.item.path).lower()]
        kept = [m for m in named if m.score >= t]
        current = self._current_id(self.results)
        self.results_model.forget_rows([m.item.id for m in kept])
        self.results_model.set_items([m.item.id for m in kept], [m.score for m in kept])
        hidden = len(named) - len(kept)
        more = len(self.last_matches) >= self.results_k  # the search stopped at k: more exist
        notes = [f"{hidden} below {t:.2f} hidden"] if hidden else []
        if needle and len(named) < len(self.last_matches):
            notes.append(f"{len(self.last_matches) - len(named)} not matching “{needle}”")
        if more:
            notes.append(f"the {len(self.last_matches)} most similar shown")
        self.count_label.setText(f"{len(kept)} result{'s' if len(kept) != 1 else ''}"
                                 + (f" ({'; '.join(notes)})" if notes else ""))
        self.more_button.setVisible(more and not hidden)
        self._check_preview()
        if keep_position and current is not None:
            row = self.results_model.row_of(current)
            if row is not None:
                self.results.setCurrentIndex(self.results_model.index(row))

    def go_back(self) -> None:
        if self.tabs.currentIndex() == 1 and self.history_pos <= 0:
            self.tabs.setCurrentIndex(0)  # Esc from the first result set: back to the library
            return
        if self.history_pos > 0:
            self.history_pos -= 1
            self._update_history_actions()
            self.rerun_query()

    def go_forward(self) -> None:
        """Like a browser's: from the library (the page before the first result set) to the
        result set it was left at, then on through the later ones."""
        if self.tabs.currentIndex() == 0 and self.history_pos >= 0:
            self.rerun_query()
            self._update_history_actions()
            return
        if self.history_pos < len(self.history) - 1:
            self.history_pos += 1
            self._update_history_actions()
            self.rerun_query()

    def _update_history_actions(self) -> None:
        on_library = self.tabs.currentIndex() == 0
        self.act_back.setEnabled(self.history_pos > 0 or not on_library)
        self.act_forward.setEnabled(self.history_pos < len(self.history) - 1
                                    or (on_library and self.history_pos >= 0))

    # ---- settings ---------------------------------------------------------------------------
    def open_settings(self) -> None:
        from mediabrowser.gui.dialogs.settings import SettingsDialog

        dlg = SettingsDialog(self.lib, self.settings, self)
        dlg.rescan_requested.connect(self.add_paths)
        dlg.roots_changed.connect(self.refresh_listing)
        dlg.models_requested.connect(self.open_models)
        if dlg.exec():
            config = copy.deepcopy(self.lib.config)
            search_lib = self.search_lib

            def apply() -> None:  # on the search thread, between two searches
                search_lib.config = config
                search_lib.forget_embedders()

            call_later(self.search_pool, apply, lambda _r: None, lambda _e: None)
            self.update_text_search()
            self.status_text.setText("Settings saved.")
            if dlg.models_changed and self.lib.store.roots():
                # New models embed in the background; the old vectors keep answering meanwhile.
                self.add_paths(self.lib.store.roots())

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
            self.add_paths(paths)

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
        self._closing = True
        self._save_settings()
        if self.worker is not None:
            self.worker.cancel()
        self.search_pool.clear()  # queued searches are not needed any more
        stopped = self.jobs_pool.waitForDone(timeout_ms)
        stopped = self.search_pool.waitForDone(max(1000, timeout_ms // 2)) and stopped
        if not stopped:
            return False
        self.thumbs.close()
        self.preview.shutdown()
        self.lib.close()
        self.search_lib.close()
        return True
