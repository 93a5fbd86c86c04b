"""The library grid's model: the listing read from SQL a page at a time, in the order the
person chose, as they scroll (Qt's fetchMore); never the whole table. New items found while
indexing are slotted in where they belong among the rows already shown; the rest arrive with
the next pages."""

from __future__ import annotations

import bisect
from typing import Any

from PySide6.QtCore import QTimer, Signal

from mediabrowser.core.store.db import name_key
from mediabrowser.core.store.listing import SHOWN, Page
from mediabrowser.core.store.repo import QueryTooSlow, Store
from mediabrowser.gui.grid.far_rows import BLOCK, MarksReader
from mediabrowser.gui.grid.model import ItemsModel, _Index
from mediabrowser.gui.grid.page_fetcher import GUI_BUDGET_S, PageFetcher
from mediabrowser.gui.grid.thumb_loader import ThumbLoader

PAGE_ROWS = 512


def _order_key(sort: str, key: tuple[Any, ...]) -> tuple[Any, ...]:
    """A Python key that orders rows as SQLite does (NULL, then TEXT, then BLOB; newest
    first)."""
    def v(x: Any) -> tuple[int, Any]:
        return (-1, "") if x is None else (1, x) if isinstance(x, bytes) else (0, x)

    if sort == "date":
        return (-key[0], v(key[1]))
    return tuple(v(x) for x in key)


class ListingModel(ItemsModel):
    rows_arrived = Signal()  # a page landed: the window restores selection, counts

    def __init__(self, store: Store, thumbs: ThumbLoader, parent: Any = None) -> None:
        super().__init__(store, thumbs, parent)
        self.query: dict[str, Any] = {"kind": None, "sort": "name", "name_filter": ""}
        self._keys: list[tuple[Any, ...]] = []  # order keys of the loaded rows
        self._raw_last: tuple[Any, ...] | None = None  # the last loaded row's key as stored
        self._done = True
        self._pending = False
        self._gen = 0
        self._reload = False  # the pending page replaces the rows (a refresh in place)
        self._newest_id = 0  # rows added after this are looked at by append_new()
        self.fetcher = PageFetcher(store.path, self)
        self.fetcher.ready.connect(self._arrived)
        # far rows (far_rows.py): every row counted once the marks are known
        self._total: int | None = None
        self._marks: list[tuple[Any, ...]] = []
        self._blocks: dict[int, list[int]] = {}
        self._asked: set[int] = set()
        self._marks_gen = -1
        self._listing_gen = 0  # changes when the rows are read again from the start
        self.far_allowed = True  # off while an import slots rows in
        self.marks = MarksReader(store.path, self)
        self.marks.ready.connect(self._marks_arrived)

    # ---- far rows ---------------------------------------------------------------------------
    def _count(self) -> int:
        return self._total if self._total is not None else len(self._ids)

    def _id_at(self, row: int) -> int | None:
        if row < len(self._ids):
            return self._ids[row] if row >= 0 else None
        if self._total is None or row >= self._total:
            return None
        b = row // BLOCK
        block = self._blocks.get(b)
        if block is None:
            self._want(b)
            return None
        i = row - b * BLOCK
        return block[i] if i < len(block) else None

    def _ids_around(self, row: int, n: int) -> list[int]:
        if row < len(self._ids):
            return super()._ids_around(row, n)
        return list(self._blocks.get(row // BLOCK, []))

    def _want(self, b: int) -> None:
        """Read block b soon (not inside data(): the model must not change while asked)."""
        if b not in self._asked and b >= 1 and b - 1 < len(self._marks):
            self._asked.add(b)
            QTimer.singleShot(0, self, lambda: self._read_block(b, self._marks_gen))

    def _read_block(self, b: int, gen: int) -> None:
        if gen != self._marks_gen or self._total is None:
            return
        args = {**self.query, "after": self._marks[b - 1], "limit": BLOCK}
        try:
            page = self.store.within(GUI_BUDGET_S * 5, lambda: self.store.listing_page(**args))
        except QueryTooSlow:
            self._asked.discard(b)  # asked again when the row is painted again
            return
        first = b * BLOCK
        ids = page.ids[:max(0, self._total - first)]
        self._blocks[b] = ids
        for i, fid in enumerate(ids):
            self._pos.setdefault(fid, first + i)
        if ids:
            self.dataChanged.emit(self.index(first), self.index(first + len(ids) - 1))

    def _ask_marks(self) -> None:
        """Count every row and find where each block starts (after the first page)."""
        if self.far_allowed and not self._done and not self.query["name_filter"].strip():
            self._marks_gen = self._listing_gen
            self.marks.request(self._listing_gen, kind=self.query["kind"],
                               sort=self.query["sort"])

    def _marks_arrived(self, gen: int, got: tuple[list[tuple[Any, ...]], int]) -> None:
        marks, total = got
        if gen != self._listing_gen or not self.far_allowed or self._total is not None:
            return  # the listing changed meanwhile: asked again after its next page
        if total <= len(self._ids) or len(marks) < (total - 1) // BLOCK:
            return
        self._marks, self._blocks, self._asked = marks, {}, set()
        self.beginInsertRows(self.index(0).parent(), len(self._ids), total - 1)
        self._total = total
        self.endInsertRows()

    def drop_far_rows(self) -> None:
        """Back to the rows read from the start (before rows are slotted in)."""
        self._marks_gen = -1
        if self._total is None:
            return
        far = self._total
        self._total = None
        self.beginRemoveRows(self.index(0).parent(), len(self._ids), far - 1)
        for block in self._blocks.values():
            for fid in block:
                if self._pos.get(fid, -1) >= len(self._ids):
                    del self._pos[fid]
        self._blocks, self._asked, self._marks = {}, set(), []
        self.endRemoveRows()

    # ---- what is shown ----------------------------------------------------------------------
    def set_query(self, kind: str | None, sort: str, name_filter: str) -> None:
        """Show the listing for this filter and order, from its first page."""
        self.query = {"kind": kind, "sort": sort, "name_filter": name_filter}
        self._newest_id = self.store.max_file_id()
        self._request(after=None, limit=PAGE_ROWS, reload=True)

    def refresh(self) -> None:
        """Read again the rows shown so far (items changed), keeping their number."""
        self._newest_id = self.store.max_file_id()
        self._request(after=None, limit=max(PAGE_ROWS, len(self._ids)), reload=True)

    def exhausted(self) -> bool:
        return self._done and not self._pending

    def _request(self, after: tuple[Any, ...] | None, limit: int, reload: bool) -> None:
        self._gen += 1
        self._pending, self._reload = True, reload
        args = {**self.query, "after": after, "limit": limit}
        try:
            page = self.store.within(GUI_BUDGET_S, lambda: self.store.listing_page(**args))
        except QueryTooSlow:
            self.fetcher.request(self._gen, **args)
            return
        self._arrived(self._gen, page)

    def _arrived(self, gen: int, page: Page | None) -> None:
        if gen != self._gen:
            return  # an older request
        self._pending = False
        if page is None:
            self._done = True
            return
        keys = [_order_key(self.query["sort"], k) for k in page.keys]
        if self._reload:
            self._listing_gen += 1
            self._total, self._marks, self._blocks, self._asked = None, [], {}, set()
            self.forget_rows()
            self._keys = keys
            self.set_items(page.ids)
        else:
            # A row renamed since it was shown comes again under its new key: keep one.
            fresh = [(fid, key) for fid, key in zip(page.ids, keys, strict=True)
                     if fid not in self._pos]
            if fresh:
                first = len(self._ids)
                self.beginInsertRows(self.index(0).parent(), first, first + len(fresh) - 1)
                self._ids += [fid for fid, _ in fresh]
                self._keys += [key for _, key in fresh]
                self._pos.update({fid: first + i for i, (fid, _) in enumerate(fresh)})
                self.endInsertRows()
        if page.keys:
            self._raw_last = page.keys[-1]
        elif self._reload:
            self._raw_last = None
        self._done = page.done
        if self._reload and self._total is None:
            self._ask_marks()
        self.rows_arrived.emit()

    # ---- Qt's incremental loading -----------------------------------------------------------
    def canFetchMore(self, parent: _Index) -> bool:
        return not parent.isValid() and not self._done and not self._pending \
            and self._total is None

    def fetchMore(self, parent: _Index) -> None:
        if self.canFetchMore(parent):
            self._request(after=self._raw_last, limit=PAGE_ROWS, reload=False)

    # ---- new items while indexing -----------------------------------------------------------
    def append_new(self) -> int:
        """Slot in the browsable rows added since the last look that fall among the rows
        loaded so far (later ones come with the next pages); how many were added."""
        kind, sort = self.query["kind"], self.query["sort"]
        needle = self.query["name_filter"].strip().lower()
        new: list[tuple[tuple[Any, ...], int]] = []
        if self._total is not None and self.store.max_file_id() > self._newest_id:
            self.drop_far_rows()  # they would all shift: read from the start again
        while not self._pending:
            rows = self.store.rows_added_after(self._newest_id, 2000)
            if not rows:
                break
            self._newest_id = rows[-1][0]
            for fid, k, status, nkey, mtime, path in rows:
                if status not in SHOWN or (kind and k != kind) or fid in self._pos:
                    continue
                nkey = nkey if nkey is not None else name_key(path)
                if needle and needle not in nkey:
                    continue
                raw = {"name": (nkey, path), "date": (mtime, path), "folder": (path,)}[sort]
                key = _order_key(sort, raw)
                if self._done or (self._keys and key < self._keys[-1]):
                    new.append((key, fid))  # past the loaded rows: the next page brings it
        if new:
            self._insert_sorted(sorted(new))
        return len(new)

    def _insert_sorted(self, new: list[tuple[tuple[Any, ...], int]]) -> None:
        """Insert rows (sorted by key) where they belong: one insertion per run of rows that
        go to the same place, from the end so earlier places stay put; positions once."""
        runs: list[tuple[int, list[tuple[tuple[Any, ...], int]]]] = []
        for key, fid in new:
            at = bisect.bisect(self._keys, key)
            if runs and runs[-1][0] == at:
                runs[-1][1].append((key, fid))
            else:
                runs.append((at, [(key, fid)]))
        parent = self.index(0).parent()
        for at, run in reversed(runs):
            self.beginInsertRows(parent, at, at + len(run) - 1)
            self._keys[at:at] = [key for key, _ in run]
            self._ids[at:at] = [fid for _, fid in run]
            self.endInsertRows()
        self._pos = {f: i for i, f in enumerate(self._ids)}

    def close(self) -> None:
        self.fetcher.close()
        self.marks.close()
