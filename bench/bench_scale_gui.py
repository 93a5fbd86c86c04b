"""The window part of bench/bench_scale.py: first paint, then the longest GUI-thread stall
while scrolling page by page, changing the sort order and typing a name filter, measured by
a 5 ms heartbeat timer; then the first Find Similar (its time, and the longest stall while it
runs: a large saved index is loaded then). Run in a child process (the launch time counts
from before Python)."""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path


def peak_rss_mb(pid: int | None = None) -> float:
    """A process's peak resident memory, this one's by default (VmHWM: unlike ru_maxrss,
    not inherited across exec from a parent that was larger)."""
    for line in Path(f"/proc/{pid or 'self'}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_window(folder: Path, pages: int = 150) -> dict[str, float]:
    from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    t_start = float(os.environ.get("MB_BENCH_T0", time.time()))
    app = QApplication.instance() or QApplication([])
    from mediabrowser.gui.main_window import MainWindow

    w = MainWindow(folder, QSettings(str(folder / "bench.ini"), QSettings.Format.IniFormat))
    result: dict[str, float] = {}
    gaps: list[float] = []
    last = [time.perf_counter()]
    bar = w.grid.verticalScrollBar()
    script: list = []

    def beat() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    search: dict[str, float] = {}

    def start_search() -> None:
        w.tabs.setCurrentIndex(0)
        w.grid.setCurrentIndex(w.library_model.index(0))
        search["t0"] = time.perf_counter()
        search["gap_from"] = len(gaps)
        w.search.results_ready.connect(search_done)
        w.act_similar.trigger()

    def search_done() -> None:
        if "done" not in search:
            search["done"] = time.perf_counter() - search["t0"]
            result["first_search_s"] = search["done"]
            result["search_stall_ms"] = max(gaps[int(search["gap_from"]):] or [0.0]) * 1000

    def step() -> None:
        if "t0" in search and "done" not in search:
            return  # the first search is still running
        if not script:
            heart.stop()
            driver.stop()
            result["rows_loaded"] = w.library_model.rowCount()
            browsing = gaps[:int(jump.get("gap_from", search["gap_from"]))]
            result["max_stall_ms"] = max(browsing) * 1000
            result["p99_stall_ms"] = sorted(browsing)[int(len(browsing) * 0.99)] * 1000
            result["gui_rss_mb"] = peak_rss_mb()
            svc = w.owner.search_service  # the window's search process, on a large library
            if svc is not None and svc._proc is not None:
                result["search_process_rss_mb"] = peak_rss_mb(svc._proc.pid)
            w.shutdown()
            app.quit()
            return
        script.pop(0)()

    def page_down() -> None:
        bar.setValue(bar.value() + bar.pageStep())

    def type_filter(text: str) -> None:
        w.name_filter.setText(text)

    script += [page_down] * pages
    script += [lambda: result.__setitem__("rows_after_scrolling", w.library_model.rowCount())]
    script += [lambda i=i: w.sort_box.setCurrentIndex(i) for i in (1, 2, 0)]
    script += [page_down] * 20
    for text in ("e", "ev", "eve", "event 12", "event 123", "zzz-nothing", ""):
        script += [lambda t=text: type_filter(t)] + [lambda: None] * 10  # 300 ms each
    jump: dict[str, float] = {}  # the scrollbar's jump to the end

    def start_jump() -> None:
        """Once every row is counted (the listing's marks read), to the end and the middle."""
        model = w.library_model
        jump.setdefault("wait0", time.perf_counter())
        if model.rowCount() < model.store.listing_count() \
                and time.perf_counter() - jump["wait0"] < 60:
            script.insert(0, start_jump)  # not yet: look again next step
            return
        result["marks_wait_s"] = time.perf_counter() - jump["wait0"]
        jump["rows"] = model.rowCount()
        jump["t0"] = time.perf_counter()
        jump["gap_from"] = len(gaps)
        bar.setValue(bar.maximum())
        script.insert(0, jumped)

    def jumped() -> None:
        model = w.library_model
        last = model.index(model.rowCount() - 1)
        if last.data(0) is None and time.perf_counter() - jump["t0"] < 30:
            script.insert(0, jumped)
            return
        result["jump_rows"] = jump["rows"]
        result["jump_to_end_s"] = time.perf_counter() - jump["t0"]
        result["jump_stall_ms"] = max(gaps[int(jump["gap_from"]):] or [0.0]) * 1000

    script += [start_jump, start_search]
    heart = QTimer()
    heart.setInterval(5)
    heart.timeout.connect(beat)
    driver = QTimer()
    driver.setInterval(30)
    driver.timeout.connect(step)

    class FirstPaint(QObject):
        def eventFilter(self, obj: QObject, ev: QEvent) -> bool:
            if ev.type() == QEvent.Type.Paint and "first_paint_s" not in result \
                    and w.library_model.rowCount() > 0:
                result["first_paint_s"] = time.time() - t_start
                QTimer.singleShot(300, start)
            return False

    def start() -> None:
        last[0] = time.perf_counter()
        heart.start()
        driver.start()

    f = FirstPaint()
    w.grid.viewport().installEventFilter(f)
    w.resize(1280, 800)
    w.show()
    QTimer.singleShot(300_000, app.quit)
    app.exec()
    return result
