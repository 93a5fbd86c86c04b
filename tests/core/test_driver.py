"""One way to run a job, one way to say where it is."""

from __future__ import annotations

from collections.abc import Generator

from mediabrowser.core.driver import drive, drive_until_interrupted, progress_text
from mediabrowser.core.types import Cancelled, CancelToken, FileProblem, Progress


def _job(cancel: CancelToken, steps: int = 5) -> Generator[Progress, None, str]:
    done = 0
    try:
        for done in range(1, steps + 1):
            cancel.raise_if_cancelled()
            yield Progress("embed", done, steps, current="/m/a.jpg", rate=2.0)
    except Cancelled:
        return f"stopped after {done - 1}"
    return "all done"


def test_drive_returns_the_result_and_shows_each_step() -> None:
    seen: list[int] = []
    assert drive(_job(CancelToken()), lambda p: seen.append(p.done)) == "all done"
    assert seen == [1, 2, 3, 4, 5]


def test_ctrl_c_cancels_and_lets_the_job_end_cleanly() -> None:
    cancel = CancelToken()

    def interrupt(p: Progress) -> None:
        if p.done == 2:
            raise KeyboardInterrupt

    result, interrupted = drive_until_interrupted(_job(cancel), cancel, interrupt)
    assert interrupted and cancel.cancelled and result == "stopped after 2"


def test_progress_text_is_the_same_words_everywhere() -> None:
    p = Progress("embed", 120, 300, current="/m/IMG_0042.jpg", rate=30.0,
                 errors=[FileProblem("/m/x.jpg", "empty file (0 bytes)")])
    assert progress_text(p) == ("Analysing 120 of 300 · 30.0/s · about 0:06 left · 1 problem "
                                "— IMG_0042.jpg")
    assert progress_text(Progress("scan", 42)) == "Looking for media… 42 files found"
    paused = progress_text(p, paused=True)
    assert "(paused)" in paused  # and, paused, no rate and no time left
    assert "/s" not in paused and "left" not in paused
    assert progress_text(Progress("map", 40, 200, rate=10.0, message="laying out")) == \
        "Map: laying out 40 of 200 · about 0:16 left"
    d = progress_text(Progress("download", 5 << 20, 20 << 20, rate=1 << 20))
    assert d.startswith("Downloading 5.0 MB of 20.0 MB · 1.0 MB/s")
