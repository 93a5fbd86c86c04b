"""Open the window on the demo library under a real X server (Xvfb), do what a person would do,
and save screenshots of the screen to docs/. Run through `make screenshot`.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from mediabrowser.gui.grid.model import RowRole
from mediabrowser.gui.main_window import MainWindow
from mediabrowser.mediamaker import build_demo
from mediabrowser.paths import demo_dir


def wait(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.02)


def wait_signal(signal: object, timeout: float = 300) -> None:
    loop = QEventLoop()
    signal.connect(loop.quit)  # type: ignore[attr-defined]
    QTimer.singleShot(int(timeout * 1000), loop.quit)
    loop.exec()


def select(view: object, name: str) -> None:
    model = view.model()  # type: ignore[attr-defined]
    for r in range(model.rowCount()):
        if Path(model.index(r).data(RowRole).path).name == name:
            view.setCurrentIndex(model.index(r))  # type: ignore[attr-defined]
            view.scrollTo(model.index(r))  # type: ignore[attr-defined]
            return
    raise SystemExit(f"{name} is not shown")


def play_briefly(window: MainWindow, seconds: float = 1.5) -> None:
    window.preview.player.toggle()
    wait(seconds)
    window.preview.player.toggle()


def shoot(window: MainWindow, path: Path) -> None:
    wait(0.5)
    screen = QGuiApplication.primaryScreen()
    g = window.frameGeometry()
    screen.grabWindow(0, g.x(), g.y(), g.width(), g.height()).save(str(path))
    print(f"wrote {path}")


def map_shots(w: MainWindow, out: Path) -> None:
    """The map: photos and videos laid out by similarity, a group selected, the sounds."""
    import numpy as np
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent

    from mediabrowser.gui.pages import Page

    def ready() -> None:
        for _ in range(600):
            if w.map.map is not None and w.map.worker is None:
                return
            wait(0.1)

    w.tabs.show_page(Page.MAP)
    ready()
    wait(4)  # thumbnails
    shoot(w, out / "map.png")
    c = w.map_page.canvas
    for rect, cluster in c._label_rects:  # noqa: SLF001 - where the names were drawn
        if "coffee" in next(lb.name for lb in c.labels if lb.cluster == cluster):
            c.set_selected(c.cluster == cluster)
    w.map_page.tool_buttons["lasso"].click()
    wait(1)
    shoot(w, out / "map-selection.png")
    box = w.map_page.space_box
    box.setCurrentIndex(next(i for i in range(box.count()) if "Sounds" in box.itemText(i)))
    w.map.load()
    ready()
    wait(1)
    row = int(np.argmax(c.xy[:, 0]))
    x, y = c.to_screen(c.xy[row, 0], c.xy[row, 1])
    pos = QPointF(float(x), float(y))
    QApplication.sendEvent(c, QMouseEvent(QEvent.Type.MouseMove, pos, c.mapToGlobal(pos),
                                          Qt.MouseButton.NoButton, Qt.MouseButton.NoButton,
                                          Qt.KeyboardModifier.NoModifier))
    wait(2)
    shoot(w, out / "map-sounds.png")
    w.tabs.show_page(Page.LIBRARY)


def main() -> int:
    only_map = "--map" in sys.argv
    args = [a for a in sys.argv[1:] if a != "--map"]
    out = Path(args[0] if args else "docs")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    media = build_demo(demo_dir())
    tmp = Path(tempfile.mkdtemp(prefix="mb-shots-"))
    settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(tmp / "library", settings)
    w.resize(1360, 860)
    w.move(0, 0)
    w.show()
    if not only_map:
        shoot(w, out / "welcome.png")
    w.indexing.add_paths([str(media)])
    wait_signal(w.indexing.finished)
    wait(3)  # thumbnails
    map_shots(w, out)
    if only_map:
        w.close()
        app.quit()
        return 0
    select(w.grid, "astronaut.jpg")
    wait(2)
    shoot(w, out / "grid.png")

    select(w.grid, "chelsea.jpg")
    w.act_similar.trigger()
    wait_signal(w.search.results_ready)
    w.threshold.setValue(30)
    select(w.results, "chelsea_small.jpg")
    wait(3)
    shoot(w, out / "results.png")

    select(w.results, "chelsea_zoom.mp4")
    wait(1)
    play_briefly(w)
    shoot(w, out / "video-preview.png")

    # duplicates: the demo's copies, grouped, side by side
    w.tabs.setCurrentWidget(w.duplicates_page)
    w.duplicates_page.find_button.click()
    wait_signal(w.duplicates.finished)
    page = w.duplicates_page
    for r in range(page.groups_model.rowCount()):
        if "chelsea" in page.groups_model.index(r).data():
            page.groups.setCurrentIndex(page.groups_model.index(r))
    wait(3)
    shoot(w, out / "duplicates.png")

    w.tabs.setCurrentIndex(0)
    select(w.grid, "chelsea.jpg")
    w.items.open_viewer()
    wait(3)
    screen = QGuiApplication.primaryScreen()
    screen.grabWindow(0).save(str(out / "viewer.png"))
    print(f"wrote {out / 'viewer.png'}")
    assert w.items.viewer is not None
    w.items.viewer.close()
    wait(1)

    # files from an old archive: a name that is not UTF-8, an HTML page saved as .jpg, a cut copy
    import os

    odd = tmp / "old archive"
    odd.mkdir()
    with open(os.path.join(os.fsencode(odd), b"caf\xe9 cr\xe8me.jpg"), "wb") as f:
        f.write((media / "photos" / "coffee.jpg").read_bytes())
    (odd / "download.jpg").write_text("<!DOCTYPE html><html><body>Not found</body></html>")
    data = (media / "videos" / "coffee_zoom.mp4").read_bytes()
    (odd / "copied-halfway.mp4").write_bytes(data[: len(data) // 2])
    (odd / "empty.mp3").write_bytes(b"")
    w.indexing.add_paths([str(odd)])
    wait_signal(w.indexing.finished)
    w.problems_dock.show()
    select(w.grid, "caf\udce9 cr\udce8me.jpg")
    wait(2)
    shoot(w, out / "problems.png")
    w.problems_dock.hide()

    select(w.grid, "welcome_en.wav")
    wait(2)
    play_briefly(w)
    shoot(w, out / "audio-preview.png")

    from mediabrowser.gui.dialogs.models import ModelsDialog

    dlg = ModelsDialog(None, w)
    dlg.move(40, 40)
    dlg.show()
    dlg.select("clip-vit-b-32")
    wait(1)
    screen = QGuiApplication.primaryScreen()
    g = dlg.frameGeometry()
    screen.grabWindow(0, g.x(), g.y(), g.width(), g.height()).save(str(out / "models.png"))
    print(f"wrote {out / 'models.png'}")
    dlg.done(0)
    w.close()
    app.quit()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
