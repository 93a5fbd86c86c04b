"""Help: the keyboard shortcuts (F1) and About (version, licence, where the library lives)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMainWindow,
    QVBoxLayout,
    QWidget,
)

from mediabrowser import __version__

SHORTCUTS = (
    ("Ctrl+O", "Add a folder (or drop one on the window)"),
    ("Ctrl+F", "Find items similar to the selected ones"),
    ("Space", "Preview; again: play or pause a video or sound"),
    ("Enter", "View full screen (← → step through, Esc back)"),
    ("Esc / Alt+Right", "Back / Forward through result sets"),
    ("Ctrl+M", "Show the selected item on the map"),
    ("Ctrl+Shift+M", "The map"),
    ("F5", "Rescan the library's folders"),
    ("Ctrl+Shift+P", "Problems: files that could not be used, and why"),
    ("Ctrl+,", "Settings"),
    ("Ctrl+Z", "Undo a clean-up (Duplicates)"),
    ("Map", "Wheel zooms, drag moves; Rectangle and Lasso select (Shift adds, Ctrl "
            "takes away); a click on a group's name selects the group"),
    ("F1", "This list"),
)


class _Text(QDialog):
    def __init__(self, title: str, html: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.text = QLabel(html)
        self.text.setWordWrap(True)
        self.text.setOpenExternalLinks(False)
        self.text.setMinimumWidth(460)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.text)
        lay.addWidget(buttons)


def shortcuts_dialog(parent: QWidget | None = None) -> QDialog:
    rows = "".join(f"<tr><td style='padding-right:16px'><b>{k}</b></td><td>{v}</td></tr>"
                   for k, v in SHORTCUTS)
    return _Text("Keyboard shortcuts", f"<table>{rows}</table>", parent)


def about_dialog(library: Path, models: Path | None, parent: QWidget | None = None) -> QDialog:
    return _Text("About mediabrowser", (
        f"<h3>mediabrowser {__version__}</h3>"
        "<p>Browse photos, videos and sounds by similarity, offline, on this computer.</p>"
        "<p>Open source (MIT). Each model keeps its own licence: Settings → Models lists "
        "them.</p>"
        f"<p>Library: {library}<br>Models: {models or 'the default folder'}</p>"), parent)


class HelpRoom(QObject):
    """The Help menu: its two actions, and the dialog open now (kept so it stays open)."""

    def __init__(self, window: QMainWindow, library: Path, models: Path | None) -> None:
        super().__init__(window)
        self.window = window
        self.library = library
        self.models = models
        self.dialog: QDialog | None = None
        self.shortcuts = QAction("Keyboard Shortcuts", window)
        self.shortcuts.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))
        self.shortcuts.triggered.connect(
            lambda: self._show(shortcuts_dialog(self.window)))
        self.about = QAction("About mediabrowser", window)
        self.about.triggered.connect(
            lambda: self._show(about_dialog(self.library, self.models, self.window)))
        window.addAction(self.shortcuts)
        menu = window.menuBar().addMenu("&Help")
        menu.addActions([self.shortcuts, self.about])

    def _show(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.show()
