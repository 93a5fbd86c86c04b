"""The window's search process (issue 25, point 5): the same answers as in-process, errors
of their own kind, the library's changes followed, and a process that died started again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mediabrowser.core.filters import Filters
from mediabrowser.core.jobs.pipeline import index_paths
from mediabrowser.core.search import QueryError
from mediabrowser.core.search_service import SearchService, run


def test_the_process_answers_as_the_library_does(photo_dir: Path, library: Any) -> None:
    index_paths(library, [photo_dir])
    cat = str(photo_dir / "chelsea.jpg")
    here = run(library, "find_similar", cat, k=5, turns=False)
    svc = SearchService(library.folder)
    try:
        assert svc.call("prepare") is False
        there = svc.call("find_similar", cat, k=5, turns=False)
        assert [(m.item.path, round(m.score, 5)) for m in there] == \
            [(m.item.path, round(m.score, 5)) for m in here]
        kept = svc.call("find_similar", cat, k=5, filters=Filters(types=("png",)))
        assert [Path(m.item.path).name for m in kept] == ["rocket_cropped.png"]
        with pytest.raises(QueryError, match="CLIP"):
            svc.call("search_text", "a cat")
        # what the window's indexing adds is found: the process follows the change log
        (photo_dir / "more").mkdir()
        (photo_dir / "more" / "cat_again.jpg").write_bytes((photo_dir / "chelsea.jpg")
                                                           .read_bytes())
        index_paths(library, [photo_dir])
        again = svc.call("find_similar", cat, k=3, turns=False)
        assert "cat_again.jpg" in [Path(m.item.path).name for m in again]
        # a process that died is started again by the next call
        first = svc._proc.pid
        svc._proc.kill()
        svc._proc.join()
        assert len(svc.call("find_similar", cat, k=3, turns=False)) == 3
        assert svc._proc.pid != first
        svc.call("config")  # settings read again from disk
    finally:
        svc.close()
    assert svc._proc is None
