"""The crash guard blames the file a crashing decoder was reading, and only that one."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

from mediabrowser.core.filenames import openable_alias
from mediabrowser.core.jobs.crash_guard import CrashGuard


def _run(code: str) -> int:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], timeout=120).returncode


def _crash_while_another_thread_reads(folder: Path, other_file: str, crash: str) -> int:
    """A child process whose second thread is reading `other_file` when `crash` (code run on
    the main thread) brings the process down."""
    return _run(f"""
        import os, signal, threading, time
        from mediabrowser.core.jobs.crash_guard import CrashGuard
        from pathlib import Path
        guard = CrashGuard(Path({str(folder)!r})).__enter__()
        ready = threading.Event()
        def other():
            with guard.reading({other_file!r}):
                ready.set()
                time.sleep(60)
        threading.Thread(target=other, daemon=True).start()
        ready.wait()
        {crash}
    """)


def test_only_the_crashing_threads_file_is_blamed(tmp_path: Path) -> None:
    rc = _crash_while_another_thread_reads(
        tmp_path, "/media/innocent.mp4",
        'with guard.reading("/media/guilty.mp4"): '
        "signal.pthread_kill(threading.get_ident(), signal.SIGSEGV)")
    assert rc == -11
    with CrashGuard(tmp_path) as guard:
        assert guard.suspects == ["/media/guilty.mp4"]
    with CrashGuard(tmp_path) as guard:  # reported once, then cleared
        assert guard.suspects == []


def test_a_crash_outside_any_decoder_blames_nobody(tmp_path: Path) -> None:
    # the model, say, crashing on the main thread while a decode thread reads a file
    rc = _crash_while_another_thread_reads(tmp_path, "/media/innocent.jpg",
                                           "os.kill(os.getpid(), signal.SIGSEGV)")
    assert rc == -11
    with CrashGuard(tmp_path) as guard:
        assert guard.suspects == []


def test_a_plain_kill_blames_nobody(tmp_path: Path) -> None:
    rc = _run(f"""
        import os, signal
        from mediabrowser.core.jobs.crash_guard import CrashGuard
        from pathlib import Path
        guard = CrashGuard(Path({str(tmp_path)!r})).__enter__()
        with guard.reading("/media/fine.jpg"):
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    assert rc == -9
    with CrashGuard(tmp_path) as guard:
        assert guard.suspects == []


def test_aliases_made_by_many_threads_at_once(tmp_path: Path) -> None:
    raw = os.path.join(os.fsencode(tmp_path), b"clip\xe9.mp4")
    with open(raw, "wb") as f:
        f.write(b"video")
    errors: list[BaseException] = []
    results: set[str] = set()

    def make() -> None:
        for _ in range(100):
            try:
                results.add(openable_alias(os.fsdecode(raw), str(tmp_path / "aliases")))
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

    threads = [threading.Thread(target=make) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(results) == 1
    assert Path(results.pop()).read_bytes() == b"video"
