"""Start the desktop app: QApplication, the window, and the library to open."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from mediabrowser import __version__
from mediabrowser.gui.main_window import MainWindow


def run(library: Path | None, paths: list[str]) -> int:
    from mediabrowser.core.quiet import capture_native_output
    from mediabrowser.paths import log_dir

    # Decoders and Qt print on stderr; in the app that belongs in a log, not on a terminal.
    capture_native_output(log_dir() / "window.log")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("mediabrowser")
    app.setOrganizationName("mediabrowser")
    app.setApplicationVersion(__version__)
    from PySide6.QtGui import QIcon

    from mediabrowser.paths import resource_dir

    app.setWindowIcon(QIcon(str(resource_dir() / "icons" / "mediabrowser.png")))
    settings = QSettings("mediabrowser", "mediabrowser")
    if library is None:
        from mediabrowser.paths import default_library_dir

        env = os.environ.get("MEDIABROWSER_LIBRARY")
        library = Path(env) if env else Path(str(settings.value("library",
                                                                 default_library_dir())))
    window = MainWindow(library, settings)
    window.exit_if_stuck = True
    window.show()
    if paths:
        window.indexing.add_paths([str(Path(p).expanduser().absolute()) for p in paths])
    return app.exec()
