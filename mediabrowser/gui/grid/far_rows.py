"""The library grid's far rows: the scrollbar spans the whole listing (a million rows), and a
block of rows is read where the person jumps to, not every page before it.

The listing is read a page at a time from its start (listing_model.py). Once the reader
thread has found the sort key at every BLOCK-th row (`Store.listing_marks`, one pass over the
order's index), the model counts every row; a row past those read shows an empty tile until
its block is read, starting after the mark before it (a seek by key: a few milliseconds).
While an import slots new rows in, the far rows are dropped (they would all shift), and
marked again once it is over."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mediabrowser.core.store.repo import Store
from mediabrowser.gui.grid.page_fetcher import NewestReader

BLOCK = 512


class MarksReader(NewestReader):
    """The listing's marks and row count (seconds at a million rows): ([], 0) when the
    database could not answer."""

    def __init__(self, db_path: Path, parent: Any = None) -> None:
        super().__init__(db_path, "listing-marks", parent)

    def read(self, store: Store, **args: Any) -> tuple[list[tuple[Any, ...]], int]:
        try:
            return (store.listing_marks(args["kind"], args["sort"], BLOCK),
                    store.listing_count(args["kind"]))
        except Exception:  # noqa: BLE001 - a busy or damaged database: no far rows
            return [], 0
