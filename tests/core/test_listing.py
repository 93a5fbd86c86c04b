"""The grid's listing in SQL: pages by key give exactly the order the whole table sorted in
Python would, for every sort and filter; counts follow every write."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mediabrowser.core.store.repo import Store

NAMES = ["b.jpg", "A.jpg", "c.mp4", "a.jpg", "Ä.jpg", "z.wav", "b.jpg", "e\udcff.jpg"]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "l.db")
    with s.transaction() as c:
        for i in range(300):
            name = NAMES[i % len(NAMES)]
            kind = {"mp4": "video", "wav": "audio"}.get(name[-3:], "image")
            status = "missing" if i % 37 == 5 else ("error" if i % 41 == 3 else "ok")
            s.insert_file(c, path=f"/lib/d{i % 7}/{i:03d}{name}", kind=kind, size=1,
                          mtime=float(i // 3), status=status)  # ties in mtime on purpose
    return s


def _expected(store: Store, kind: str | None, sort: str, needle: str) -> list[int]:
    from mediabrowser.core.filenames import display, is_readable_text

    def at(r: object) -> tuple[int, bytes]:  # SQLite orders TEXT paths before BLOB ones
        path = r.path  # type: ignore[attr-defined]
        return (0 if is_readable_text(path) else 1, os.fsencode(path))

    rows = [r for r in store.files() if r.status in ("ok", "error", "offline")
            and (kind is None or r.kind == kind)
            and needle in display(os.path.basename(r.path)).lower()]
    key = {"name": lambda r: (display(os.path.basename(r.path)).lower(), at(r)),
           "date": lambda r: (-r.mtime, at(r)),
           "folder": at}[sort]
    return [r.id for r in sorted(rows, key=key)]


@pytest.mark.parametrize("sort", ["name", "date", "folder"])
@pytest.mark.parametrize("kind", [None, "image", "video"])
@pytest.mark.parametrize("needle", ["", "b.j", "ä"])
def test_pages_by_key_follow_the_sorted_table(store: Store, sort: str, kind: str | None,
                                              needle: str) -> None:
    got: list[int] = []
    after = None
    while True:
        page = store.listing_page(kind, sort, needle, after, limit=17)
        got += page.ids
        if page.done:
            break
        after = page.keys[-1]
    assert got == _expected(store, kind, sort, needle)
    assert len(got) == len(set(got))


def test_counts_follow_inserts_status_changes_and_deletes(store: Store) -> None:
    shown = len(_expected(store, None, "name", ""))
    assert store.listing_count() == shown
    assert store.listing_count("video") == len(_expected(store, "video", "name", ""))
    with store.transaction() as c:
        fid = store.insert_file(c, path="/lib/new.mp4", kind="video", size=1, mtime=1.0)
        store.update_file(c, 1, status="removed")
    assert store.listing_count() == shown  # one in, one out
    with store.transaction() as c:
        store.delete_files(c, [fid])
    assert store.listing_count() == shown - 1
    assert store.counts()["image"]["removed"] == 1


def test_no_page_sorts_the_table(store: Store) -> None:
    """Each page walks the index of its order from the key (a million rows, a few ms)."""
    statements: list[str] = []
    store.trace_statements(statements.append)
    for sort in ("name", "date", "folder"):
        for kind in (None, "video"):
            first = store.listing_page(kind, sort, "", None, 5)
            store.listing_page(kind, sort, "", first.keys[-1], 5)
    store.trace_statements(None)
    pages = [q for q in statements if q.startswith("SELECT id")]
    assert len(pages) == 12
    for sql in pages:
        plan = store.query_plan(sql)
        assert "TEMP B-TREE" not in plan and "USING INDEX files_status" not in plan, (sql, plan)
