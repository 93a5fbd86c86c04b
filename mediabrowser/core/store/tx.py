"""The handle of an open write transaction (Store.transaction)."""

from __future__ import annotations

import sqlite3

from mediabrowser.core.store.pixels import write_pixels


class Tx:
    """An open write transaction of the library database, handed to the store's methods that
    write so that a batch is one transaction. It runs no SQL of its own: that stays in
    core/store, which reaches the connection through `conn_of`."""

    __slots__ = ("_conn",)

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def put_pixels(self, file_id: int, size: int, mtime: float, grey: bytes | None,
                   summary: bytes | None) -> None:
        """Keep a photo's grey picture and summary (None: could not be made). On the handle
        because core/media/grey.py, which makes them, sits beside the store (it cannot import
        it) and is handed only the transaction."""
        write_pixels(self._conn, file_id, size, mtime, grey, summary)


def conn_of(tx: Tx) -> sqlite3.Connection:
    """The connection a transaction writes through (for the store's own modules)."""
    return tx._conn
