"""GUI tests run offscreen; a Qt warning fails a test (pyproject: qt_log_level_fail), and so
does a worker thread left running when a window has closed."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Folders are watched only in the tests of watching (a change made by a test would start a
# run of its own in every other one).
os.environ["MEDIABROWSER_WATCH"] = "0"

import pytest  # noqa: E402
from PySide6.QtCore import QSettings, QThreadPool  # noqa: E402

from mediabrowser.gui.main_window import MainWindow  # noqa: E402


@pytest.fixture
def make_window(qtbot: object, tmp_path: Path) -> Iterator[object]:
    windows: list[MainWindow] = []

    def make(library: Path | None = None) -> MainWindow:
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        w = MainWindow(library or tmp_path / "lib", settings)
        qtbot.addWidget(w)  # type: ignore[attr-defined]
        w.show()
        windows.append(w)
        return w

    yield make
    for w in windows:
        w.shutdown()
        for pool in (w.jobs_pool, w.search_pool, w.thumbs.pool, w.preview.pool):
            assert pool.activeThreadCount() == 0
    assert QThreadPool.globalInstance().waitForDone(5000)
    leftovers = [t.name for t in threading.enumerate()
                 if t.name.startswith(("decode", "listing-pages", "index-build"))]
    assert leftovers == [], f"threads left running: {leftovers}"
