"""What the window's rooms (indexing, searching, item actions) share: the widgets and state
MainWindow builds, declared once here so each room can be read — and type-checked — alone."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QMainWindow

if TYPE_CHECKING:
    from PySide6.QtCore import QThreadPool, SignalInstance
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import (
        QComboBox,
        QLabel,
        QLineEdit,
        QProgressBar,
        QPushButton,
        QSlider,
        QStackedWidget,
        QWidget,
    )

    from mediabrowser.core.library import Library
    from mediabrowser.core.types import Match
    from mediabrowser.gui.grid.listing_model import ListingModel
    from mediabrowser.gui.grid.model import ItemsModel
    from mediabrowser.gui.grid.thumb_loader import ThumbLoader
    from mediabrowser.gui.grid.view import GridView
    from mediabrowser.gui.library_owner import LibraryOwner
    from mediabrowser.gui.pages import PageTabs
    from mediabrowser.gui.preview.panel import PreviewPanel
    from mediabrowser.gui.problems_dock import ProblemsDock
    from mediabrowser.gui.workers import GeneratorWorker


class WindowParts(QMainWindow):
    # the library (its owner: the Library of each thread, the threads, the settings)
    library_dir: Path
    owner: LibraryOwner
    lib: Library
    search_lib: Library
    jobs_pool: QThreadPool
    search_pool: QThreadPool
    thumbs: ThumbLoader
    # views
    tabs: PageTabs
    center: QStackedWidget
    welcome: QWidget
    grid: GridView
    library_model: ListingModel
    results: GridView
    results_model: ItemsModel
    preview: PreviewPanel
    problems_dock: ProblemsDock
    # toolbar, results header, status bar
    kind_box: QComboBox
    sort_box: QComboBox
    name_filter: QLineEdit
    text_search: QLineEdit
    results_title: QLabel
    threshold: QSlider
    threshold_label: QLabel
    count_label: QLabel
    more_button: QPushButton
    status_text: QLabel
    count_text: QLabel
    progress: QProgressBar
    pause_button: QPushButton
    cancel_button: QPushButton
    # actions
    act_similar: QAction
    act_preview: QAction
    act_view: QAction
    act_open: QAction
    act_reveal: QAction
    act_copy: QAction
    act_remove: QAction
    act_back: QAction
    act_forward: QAction
    viewer: QWidget | None
    # signals (declared on MainWindow)
    indexing_finished: SignalInstance
    results_ready: SignalInstance
    # state
    worker: GeneratorWorker | None
    pending_paths: list[str]
    history: list[Any]
    history_pos: int
    results_k: int
    last_matches: list[Match]
    _job_problems_seen: int
    _last_refresh: float
    _last_results_refresh: float
    _closing: bool

    # Each room calls a few methods of the others; MainWindow's bases provide them.
    def refresh_listing(self, if_count_changed: bool = False) -> None:
        raise NotImplementedError

    def rerun_query(self, keep_position: bool = False) -> None:
        raise NotImplementedError

    def update_text_search(self) -> None:
        raise NotImplementedError

    def _update_history_actions(self) -> None:
        raise NotImplementedError

    def _active_view(self) -> GridView | None:
        raise NotImplementedError

    @staticmethod
    def _current_id(view: GridView) -> int | None:
        raise NotImplementedError

    def _check_preview(self) -> None:
        raise NotImplementedError
