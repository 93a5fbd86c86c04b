"""The window on a real person's library: odd names readable, problems listed per file with
the full name on hover, offline files marked, no raw exception in the status bar."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from mediabrowser.gui.grid.model import RowRole
from mediabrowser.gui.main_window import MainWindow
from tests.conftest import textured
from tests.gui.test_window import INDEX_TIMEOUT

RAW = re.compile(r"Traceback|Error\b|Exception|surrogates|\.cpp|codec can't")


def _index(qtbot: Any, w: MainWindow, paths: list[str]) -> Any:
    with qtbot.waitSignal(w.indexing.finished, timeout=INDEX_TIMEOUT) as blocker:
        w.indexing.add_paths(paths)
    return blocker.args[0]


def test_odd_names_problems_and_offline_files(qtbot: Any, make_window: Any,
                                              tmp_path: Path) -> None:
    media = tmp_path / "archive"
    media.mkdir()
    base = os.fsencode(media)
    textured((200, 90, 40)).save(os.fsdecode(os.path.join(base, b"caf\xe9.jpg")), "JPEG")
    textured((40, 90, 200), seed=3).save(media / "plain.jpg")
    broken = os.fsdecode(os.path.join(base, b"broken \xff.jpg"))
    with open(broken, "wb") as f:
        f.write(b"<html><body>moved</body></html>")
    w = make_window()
    report = _index(qtbot, w, [str(media)])
    assert report is not None and report.embedded == 2

    shown = {w.library_model.index(r).data(Qt.ItemDataRole.DisplayRole)
             for r in range(w.library_model.rowCount())}
    assert {"caf\ufffd.jpg", "plain.jpg", "broken \ufffd.jpg"} <= shown
    table = w.problems_table
    assert table.rowCount() == 1
    assert table.item(0, 0).text() == "broken \ufffd.jpg"
    assert table.item(0, 0).toolTip() == str(media / "broken \ufffd.jpg")
    assert table.item(0, 1).text() == "not a picture: this is an HTML page"
    assert not RAW.search(w.status_text.text()), w.status_text.text()
    assert "could not be used" in w.status_text.text()

    shutil.move(media, tmp_path / "unplugged")  # the drive goes away
    report = _index(qtbot, w, w.lib.store.roots())
    assert report.offline == 3
    assert "Not found" in w.status_text.text() and "kept offline" in w.status_text.text()
    rows = [w.library_model.index(r) for r in range(w.library_model.rowCount())]
    offline = [i for i in rows if i.data(RowRole).status == "offline"]
    assert len(offline) == 3
    assert all("offline" in i.data(Qt.ItemDataRole.ToolTipRole) for i in offline)
