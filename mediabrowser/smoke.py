"""`mediabrowser --smoke-test`: the whole app, end to end, in a few seconds — window
offscreen, index the bundled tiny folder with the offline default models, Find Similar on one
photo, check the top result. Works from a checkout and from the frozen app."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from mediabrowser.core.format import count

QUERY, EXPECTED = "chelsea.jpg", "chelsea_crop.jpg"


def run() -> int:
    t0 = time.monotonic()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from mediabrowser.gui.grid.model import RowRole
    from mediabrowser.gui.main_window import MainWindow
    from mediabrowser.paths import resource_dir

    media = resource_dir() / "smoke"
    if not (media / QUERY).is_file():
        print(f"smoke test: FAILED: the bundled media are missing ({media})", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="mediabrowser-smoke-"))
    # Keep a reference: the application object must outlive the window.
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window: MainWindow | None = None
    try:
        # A copy, so that nothing is ever written next to the bundled files.
        shutil.copytree(media, work / "media")
        shutil.copyfile(work / "media" / "astronaut.jpg", work / "media" / "astronaut (1).jpg")
        settings = QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(work / "library", settings)
        window.show()
        app.processEvents()  # painted, as a person would see it
        t_window = time.monotonic() - t0
        # From the launcher's clock when it passes one (packaging/package-test.sh): the cold
        # start a person waits, interpreter and imports included.
        launched = os.environ.get("MEDIABROWSER_LAUNCHED_AT")
        cold = f", cold start to the first window {time.time() - float(launched):.2f} s" \
            if launched else ""

        def wait(signal: object, seconds: float) -> bool:
            loop = QEventLoop()
            fired: list[bool] = []
            def fire(*_args: object) -> None:
                fired.append(True)
                loop.quit()

            signal.connect(fire)  # type: ignore[attr-defined]
            QTimer.singleShot(int(seconds * 1000), loop.quit)
            loop.exec()
            return bool(fired)

        window.indexing.add_paths([str(work / "media")])
        if window.indexing.worker is None or not wait(window.indexing.finished, 300):
            return _fail("indexing did not finish")
        if window.problems:
            p = window.problems[0]
            return _fail(f"{count(len(window.problems), 'file')} failed, e.g. {p.path}: {p.reason}")
        model = window.library_model
        names = [Path(model.index(r).data(RowRole).path).name for r in range(model.rowCount())]
        if QUERY not in names:
            return _fail(f"{QUERY} is not in the grid ({names})")
        window.grid.setCurrentIndex(model.index(names.index(QUERY)))
        window.act_similar.trigger()
        if not wait(window.search.results_ready, 120):
            return _fail("Find Similar gave no answer")
        results = window.results_model
        if results.rowCount() == 0:
            return _fail(f"Find Similar found nothing: {window.results_title.text()}")
        top = results.index(0)
        top_name = Path(top.data(RowRole).path).name
        if top_name != EXPECTED:
            return _fail(f"the top result for {QUERY} is {top_name}, expected {EXPECTED}")
        # Duplicates: the byte copy made above is grouped with its original.
        import send2trash  # noqa: F401 - clean-up needs it in the build

        window.tabs.setCurrentWidget(window.duplicates_page)
        window.duplicates_page.find_button.click()
        if not wait(window.duplicates.finished, 120):
            return _fail("Find Duplicates gave no answer")
        from mediabrowser.core.dupes.decisions import group_members

        groups = window.duplicates_page.groups_model.rows
        store = window.lib.store
        names_of = [{Path(r.path).name for r in store.files_by_ids(
            f for f, _s in group_members(store, g.id)).values()} for g in groups]
        if not any({"astronaut.jpg", "astronaut (1).jpg"} <= n for n in names_of):
            return _fail(f"Find Duplicates did not group astronaut.jpg with its copy: {names_of}")
        from mediabrowser.core.embed.engine import engine_words

        engines = sorted({f"{name} on {engine_words(window.lib.embedder(name), 'cpu')}"
                          for name in window.lib.config.models.values()})
        print(f"smoke test: OK — window in {t_window:.2f} s{cold}, {len(names)} files indexed "
              f"(photos, a video, a recording), top result {top_name} "
              f"({window.search.last_matches[0].score:.3f}), "
              f"{count(len(groups), 'group')} of duplicates, "
              f"{time.monotonic() - t0:.1f} s in all; "
              f"models: {', '.join(engines)}")
        return 0
    except Exception as exc:  # noqa: BLE001 - the reason is the test's output
        return _fail(f"{type(exc).__name__}: {exc}")
    finally:
        if window is not None:
            window.shutdown()
        shutil.rmtree(work, ignore_errors=True)


def _fail(reason: str) -> int:
    print(f"smoke test: FAILED: {reason}", file=sys.stderr)
    return 1
