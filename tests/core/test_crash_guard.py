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


def test_only_the_crashing_threads_file_is_blamed(tmp_path: Path) -> None:
    rc = _run(f"""
        import os, signal, threading, time
        from mediabrowser.core.jobs.crash_guard import CrashGuard
        from pathlib import Path
        guard = CrashGuard(Path({str(tmp_path)!r})).__enter__()
        ready = threading.Event()
        def other():
            with guard.reading("/media/innocent.mp4"):
                ready.set()
                time.sleep(60)
        threading.Thread(target=other, daemon=True).start()
        ready.wait()
        with guard.reading("/media/guilty.mp4"):
            signal.pthread_kill(threading.get_ident(), signal.SIGSEGV)
    """)
    assert rc == -11
    with CrashGuard(tmp_path) as guard:
        assert guard.suspects == ["/media/guilty.mp4"]
    with CrashGuard(tmp_path) as guard:  # reported once, then cleared
        assert guard.suspects == []


def test_a_crash_outside_any_decoder_blames_nobody(tmp_path: Path) -> None:
    rc = _run(f"""
        import os, signal, threading, time
        from mediabrowser.core.jobs.crash_guard import CrashGuard
        from pathlib import Path
        guard = CrashGuard(Path({str(tmp_path)!r})).__enter__()
        ready = threading.Event()
        def decoding():
            with guard.reading("/media/innocent.jpg"):
                ready.set()
                time.sleep(60)
        threading.Thread(target=decoding, daemon=True).start()
        ready.wait()
        os.kill(os.getpid(), signal.SIGSEGV)  # the model, say, on the main thread
    """)
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
