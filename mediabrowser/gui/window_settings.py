"""The window's place, size and view settings, kept between runs (QSettings)."""

from __future__ import annotations

from typing import Any


def restore_window(window: Any) -> None:
    """The window as it was left: geometry, docks, splitter, tile size, threshold, sort."""
    s = window.settings
    geometry = s.value("window/geometry")
    if geometry is not None:
        window.restoreGeometry(geometry)
    else:
        # First start: most of the screen, centred (the grid wants room).
        screen = window.screen().availableGeometry() if window.screen() else None
        if screen is not None and screen.width() > 0:
            w, h = int(screen.width() * 0.9), int(screen.height() * 0.9)
            window.setGeometry(screen.x() + (screen.width() - w) // 2,
                               screen.y() + (screen.height() - h) // 2, w, h)
        else:
            window.resize(1280, 800)
    state = s.value("window/state")
    if state is not None:
        window.restoreState(state)
    split = s.value("window/splitter")
    if split is not None:
        window.splitter.restoreState(split)
    else:
        window.splitter.setSizes([800, 480])
    window.zoom.setValue(int(str(s.value("view/tile", 160))))
    window.threshold.setValue(int(str(s.value("view/threshold", 50))))
    window.sort_box.setCurrentIndex(int(str(s.value("view/sort", 0))))
    window.search.apply_threshold()


def save_window(window: Any) -> None:
    """Keep the window's place, size and view for the next start."""
    s = window.settings
    s.setValue("window/geometry", window.saveGeometry())
    s.setValue("window/state", window.saveState())
    s.setValue("window/splitter", window.splitter.saveState())
    s.setValue("view/tile", window.zoom.value())
    s.setValue("view/threshold", window.threshold.value())
    s.setValue("view/sort", window.sort_box.currentIndex())
    s.setValue("library", str(window.library_dir))
    s.sync()
