"""A lease on a shared library for bulk jobs (a whole library sent, or moved there).

Milvus keeps no lock of its own, and its upsert is a delete and an insert: two jobs upserting
the same rows at once could leave a key twice. Rows are keyed by path and segment
(core/index/milvus.py), so small sendings after a run (a few files, the same file rarely
at once, the last writer wins with a vector of that very file) need no more; a bulk job holds
the lease, a row in `mb_lease` with its holder and an expiry it renews as it goes. Another
machine's sending is refused with who holds it and until when, its vectors kept locally for
the next run; a holder that died lets it lapse. Milvus has no compare-and-set, so a claim is
written, then read back after a moment: of two machines claiming at once, one reads the
other's claim and stands down.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from typing import Any

from mediabrowser.core.index.milvus import STRONG, MilvusVectors, VectorsError, now_ms

LEASE = "mb_lease"
TTL_MS = 120_000  # a holder that stopped renewing for this long has died
SETTLE_S = 0.5  # between writing a claim and reading it back


class SharedLibraryBusy(VectorsError):
    """Another machine holds the lease; the message says who, doing what, until when."""


def _me() -> str:
    return f"{socket.gethostname()} (process {os.getpid()}) {uuid.uuid4().hex[:8]}"


class Lease:
    def __init__(self, mv: MilvusVectors) -> None:
        self.mv = mv
        self.holder = _me()
        self.held = False
        self._renewed = 0

    def _collection(self) -> None:
        self.mv.small_collection(LEASE, [("name", 64), ("info", 2048)])

    def current(self) -> dict[str, Any] | None:
        """The lease as written ({"holder", "what", "expires"}), or None."""
        if not self.mv.client.has_collection(LEASE):
            return None
        self.mv.client.load_collection(LEASE)
        rows = self.mv.client.query(LEASE, filter='name == "bulk"', output_fields=["info"],
                                    consistency_level=STRONG)
        return json.loads(str(rows[0]["info"])) if rows else None

    def check(self) -> None:
        """Raise SharedLibraryBusy when another holds a live lease."""
        got = self.current()
        if got and got.get("holder") != self.holder and int(got.get("expires", 0)) > now_ms():
            since = time.strftime("%H:%M", time.localtime(int(got.get("since", 0)) / 1000))
            until = time.strftime("%H:%M", time.localtime(int(got["expires"]) / 1000))
            raise SharedLibraryBusy(
                f"{self.mv.uri} is busy: {got.get('holder', 'another machine')} is "
                f"{got.get('what', 'sending vectors')} since {since}; try again when it ends "
                f"(if it stopped, its claim lapses at {until})")

    def acquire(self, what: str) -> None:
        self._collection()
        self.check()
        self._write(what)
        time.sleep(SETTLE_S)
        got = self.current()
        if not got or got.get("holder") != self.holder:
            self.check()  # another machine claimed it at the same moment, and won
            raise SharedLibraryBusy(f"{self.mv.uri} is busy with another machine's job; "
                                    "try again when it ends")
        self.held = True

    def _write(self, what: str) -> None:
        now = now_ms()
        info = {"holder": self.holder, "what": what, "since": now, "expires": now + TTL_MS}
        self.mv.client.upsert(LEASE, [{"name": "bulk", "info": json.dumps(info),
                                       "dummy": [0.0, 0.0]}])
        self._renewed = now
        self._what = what

    def renew(self) -> None:
        """Between batches: pushed further while the job is alive (a third of the TTL)."""
        if self.held and now_ms() - self._renewed > TTL_MS // 3:
            self._write(self._what)

    def release(self) -> None:
        """Let it go (a store that cannot be reached now lets it lapse on its own)."""
        if self.held:
            self.held = False
            try:
                got = self.current()
                if got and got.get("holder") == self.holder:
                    self.mv.client.delete(LEASE, ids=["bulk"])
            except Exception:  # noqa: BLE001 - it lapses after TTL_MS
                return
