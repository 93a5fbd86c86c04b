"""Vectors in Milvus: a server (`milvus://HOST:PORT[/DB]`) or Milvus Lite (a path ending in
`.db`, the same client API in one file), so several machines can share one library.

One collection per vector space, named `mb_<space>`; each row is one vector of one file (a
segment of a video or recording has its own row) with the fields a filtered search needs.
A row's key is the file's path digest and the segment: indexing the same file again, on any
machine, replaces its row (an upsert), so two writers never make two rows of one file, and a
bulk job that dies and runs again is idempotent. Vectors are FLOAT16 on a server (half the
memory) and FLOAT32 on Milvus Lite, which has no FLOAT16 vectors.

The item records live in the rows with the vectors (path, kind, size, dates, content hash …),
not in a second shared table: one upsert writes a file's vector and its record together, so
no reader ever sees one without the other, and there is one thing to back up. Each row is
stamped with when it was sent; each row deleted leaves its key and stamp in `mb_gone`, so
another machine follows the changes since its last look (core/jobs/vector_follow.py).

A collection `mb_meta` says which version of mediabrowser made each space's collection and
with which model and dimension; a collection made otherwise is refused with what to do.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from mediabrowser.core.filters import Filters, extension
from mediabrowser.core.types import BadInput

FORMAT = 2  # 2: rows carry mtime, hash and stamp; rows deleted are kept in mb_gone
META = "mb_meta"
GONE = "mb_gone"
# Reads that must see every write made before them (a follow, the lease, the meta); a search
# keeps the server's default (bounded staleness: a row sent a moment ago may be missed).
STRONG = "Strong"
PATH_MAX = 4096
CONNECT_SECONDS = 10.0


class VectorsError(BadInput):
    """The vector store cannot be used as asked; the message says what to do."""


@dataclass(frozen=True)
class VectorsUri:
    """Where a library's vectors live: the embedded store, a Milvus server or Milvus Lite."""

    kind: str  # "embedded" | "milvus" | "lite"
    address: str = ""  # http://HOST:PORT, or the .db file
    db: str = ""  # the server's database ("" = default)

    @classmethod
    def parse(cls, text: str | None) -> VectorsUri:
        t = (text or "").strip()
        if not t or t == "embedded":
            return cls("embedded")
        m = re.fullmatch(r"milvus://([^/:\s]+):(\d{1,5})(?:/([A-Za-z_][A-Za-z0-9_]*))?/?", t)
        if m:
            return cls("milvus", f"http://{m.group(1)}:{m.group(2)}", m.group(3) or "")
        if t.startswith("milvus://"):
            raise VectorsError(f"cannot read the vectors address {t!r}: write "
                               "milvus://HOST:PORT or milvus://HOST:PORT/DATABASE")
        if t.lower().endswith(".db"):
            return cls("lite", os.path.abspath(os.path.expanduser(t)))
        raise VectorsError(f"cannot read the vectors address {t!r}: write "
                           "milvus://HOST:PORT[/DB] for a Milvus server, a path ending in .db "
                           "for Milvus Lite, or 'embedded'")

    def __str__(self) -> str:
        if self.kind == "milvus":
            return "milvus://" + self.address.removeprefix("http://") + \
                (f"/{self.db}" if self.db else "")
        return self.address if self.kind == "lite" else "embedded"


T = TypeVar("T")


def worded(job: Generator[Any, None, T], uri: VectorsUri) -> Generator[Any, None, T]:
    """A job on the shared store whose Milvus errors (a server that fails mid-way, a call it
    refuses) stop it in words, as a VectorsError; what is here is kept."""
    try:
        return (yield from job)
    except VectorsError:
        raise
    except Exception as exc:
        from pymilvus.exceptions import MilvusException

        if not isinstance(exc, MilvusException):
            raise
        why = str(getattr(exc, "message", "") or exc).strip().splitlines()[0][:200]
        raise VectorsError(f"{uri} failed a call ({why}); what is here is kept: try again, "
                           "and see the server's logs if it goes on") from exc


def row_key(path: str, segment: int) -> str:
    """A row's key: the path's digest (any bytes a name holds) and the segment."""
    digest = hashlib.blake2b(os.fsencode(path), digest_size=12).hexdigest()
    return f"{digest}:{segment}"


def now_ms() -> int:
    """A row's stamp: when it was sent, in ms (machines' clocks differ by seconds, so a
    follower looks back further than its last stamp; core/jobs/vector_follow.py)."""
    return int(time.time() * 1000)


def collection_of(space: str) -> str:
    return "mb_" + re.sub(r"[^A-Za-z0-9_]", "_", space)


def _quote(text: str) -> str:
    return json.dumps(text)  # a Milvus string literal: double quotes, backslash escapes


def _like_prefix(text: str) -> str:
    """A `like` pattern matching names that start with `text` (its % and _ escaped)."""
    return _quote(_escape_like(text) + "%")


def expression(kinds: list[str] | None, f: Filters | None, infix: bool = True) -> str:
    """A Milvus boolean expression for these kinds and filters ("" keeps everything);
    without `infix` (servers before 2.4 match only prefixes) the camera is left out."""
    parts: list[str] = []
    if kinds:
        parts.append(f"kind in {json.dumps(list(kinds))}")
    if f:
        if f.folder:
            top = os.path.abspath(f.folder).rstrip(os.sep) or os.sep
            parts.append(f"(folder == {_quote(top)} or folder like "
                         f"{_like_prefix(top.rstrip(os.sep) + os.sep)})")
        for field, op, value in (("date", ">=", f.after), ("date", "<", f.before),
                                 ("size", ">=", f.min_size), ("size", "<=", f.max_size),
                                 ("width", ">=", f.min_width), ("height", ">=", f.min_height),
                                 ("duration", ">=", f.min_duration),
                                 ("duration", "<=", f.max_duration)):
            if value is not None:  # integer fields take integers (older servers insist)
                number = float(value) if field in ("date", "duration") else (
                    math.ceil(value) if op == ">=" else math.floor(value))
                parts.append(f"{field} {op} {number!r}")
        if f.orientation == "landscape":
            parts.append("width > height and height > 0")
        elif f.orientation == "portrait":
            parts.append("height > width and width > 0")
        elif f.orientation == "square":
            parts.append("width == height and width > 0")
        if f.camera and infix:
            parts.append(f"camera like {_quote('%' + _escape_like(f.camera.lower()) + '%')}")
        if f.types:
            parts.append(f"ext in {json.dumps(list(f.types))}")
    return " and ".join(parts)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class VectorRow:
    """One vector of one file, with what filters compare."""

    path: str
    segment: int
    kind: str
    vector: np.ndarray
    size: int = 0
    date: float = 0.0
    width: int = 0
    height: int = 0
    duration: float = -1.0  # -1: a photo (no length)
    camera: str = ""
    start: float = -1.0  # -1: the whole file
    end: float = -1.0
    model: str = ""
    mtime: float = 0.0  # the file's own modification time and fast content hash: another
    hash: str = ""  # machine indexing the same shared file knows it has its vector already

    def record(self, float16: bool, stamp: int) -> dict[str, Any]:
        v = np.asarray(self.vector, np.float32)
        v = v / (float(np.linalg.norm(v)) or 1.0)
        return {"key": row_key(self.path, self.segment), "path": self.path,
                "folder": os.path.dirname(self.path), "ext": extension(self.path),
                "kind": self.kind, "size": int(self.size), "date": float(self.date),
                "width": int(self.width or 0), "height": int(self.height or 0),
                "duration": float(self.duration if self.duration is not None else -1.0),
                "camera": (self.camera or "").lower()[:200], "segment": int(self.segment),
                "camera_name": (self.camera or "")[:200],  # as the file says it (shown)
                "start": float(self.start), "end": float(self.end), "model": self.model,
                "mtime": float(self.mtime), "hash": self.hash[:64], "stamp": int(stamp),
                "vector": v.astype(np.float16) if float16 else v}


_OUTPUT = ["path", "kind", "size", "date", "width", "height", "duration", "start", "end",
           "segment"]
_ROW_FIELDS = [*_OUTPUT, "key", "camera_name", "model", "mtime", "hash", "stamp", "vector"]


class MilvusVectors:
    """The vectors of a library in Milvus (one client; calls from one thread at a time)."""

    def __init__(self, uri: VectorsUri) -> None:
        if uri.kind not in ("milvus", "lite"):
            raise VectorsError(f"{uri} is not a Milvus address")
        self.uri = uri
        self.client = _connect(uri)
        # FLOAT16 vectors (half the memory) on servers from 2.4; 2.3 accepts the type but
        # searches it wrongly (measured on 2.3.5), and Milvus Lite has none
        modern = uri.kind == "lite" or server_version(self.client) >= (2, 4)
        self.float16 = uri.kind == "milvus" and modern
        self.infix = modern  # `like "%x%"`: 2.3 matches prefixes only
        self._known: dict[str, dict[str, Any]] = {}
        self._loaded: set[str] = set()

    def _load(self, name: str) -> bool:
        """Whether the collection is there, loaded for searching (once per client)."""
        if name in self._loaded:
            return True
        if not self.client.has_collection(name):
            return False
        self.client.load_collection(name)
        self._loaded.add(name)
        return True

    # ---- collections ------------------------------------------------------------------------
    def _meta(self) -> dict[str, dict[str, Any]]:
        self.small_collection(META, [("space", 512), ("info", 4096)])
        rows = self.client.query(META, filter='space != ""', output_fields=["space", "info"],
                       consistency_level=STRONG)
        return {str(r["space"]): json.loads(str(r["info"])) for r in rows}

    def spaces(self) -> dict[str, dict[str, Any]]:
        """space → {"format", "model", "dim"} of the collections here."""
        return self._meta()

    def open_space(self, space: str, model: str, dim: int) -> str:
        """The space's collection, made when missing; refused when another version or model
        made it (its vectors would not compare with these)."""
        name = collection_of(space)
        known = self._known.get(space)
        meta = known if known is not None else self._meta().get(space)
        self._refuse(space, meta, model, dim)
        if not self.client.has_collection(name):
            self._create(name, dim)
        if meta is None:
            info = {"format": FORMAT, "model": model, "dim": dim, "space": space}
            self.client.upsert(META, [{"space": space, "info": json.dumps(info),
                                       "dummy": [0.0, 0.0]}])
        self._known[space] = {"format": FORMAT, "dim": dim, "model": model}
        return name

    def check(self, dims: dict[str, int]) -> None:
        """Refuse, before anything is written, a store whose collections this library cannot
        use: another version's, another dimension's (`dims`: space → this library's), or
        one mediabrowser did not make."""
        meta = self._meta()
        for space, info in meta.items():
            self._refuse(space, info, "", dims.get(space, int(info.get("dim", 0))))
        for space, dim in dims.items():
            if space not in meta:
                self._refuse(space, None, "", dim)

    def _refuse(self, space: str, meta: dict[str, Any] | None, model: str, dim: int) -> None:
        name = collection_of(space)
        other = (f"; use another database (milvus://HOST:PORT/OTHER, or another .db), or "
                 f"drop {name} there and send again")
        if meta is None:
            if self.client.has_collection(name):
                raise VectorsError(f"{self.uri}: a collection {name} is there that mediabrowser "
                                   f"did not make" + other)
            return
        if int(meta.get("format", 0)) != FORMAT:
            raise VectorsError(
                f"{self.uri}: the collection {name} was made by another version of "
                f"mediabrowser (format {meta.get('format')}, this one reads {FORMAT})" + other)
        if int(meta.get("dim", 0)) != dim:
            raise VectorsError(
                f"{self.uri}: the collection {name} holds {meta.get('dim')}-d vectors of "
                f"{meta.get('model')}; this library's model{f' ({model})' if model else ''} "
                f"makes {dim}-d ones" + other)

    def _create(self, name: str, dim: int) -> None:
        from pymilvus import DataType

        c = self.client
        s = c.create_schema(auto_id=False)
        s.add_field("key", DataType.VARCHAR, is_primary=True, max_length=64)
        s.add_field("vector", DataType.FLOAT16_VECTOR if self.float16 else
                    DataType.FLOAT_VECTOR, dim=dim)
        for field, max_length in (("path", PATH_MAX), ("folder", PATH_MAX), ("ext", 16),
                                  ("kind", 8), ("camera", 200), ("camera_name", 200),
                                  ("model", 128), ("hash", 64)):
            s.add_field(field, DataType.VARCHAR, max_length=max_length)
        for field in ("size", "width", "height", "segment", "stamp"):
            s.add_field(field, DataType.INT64)
        for field in ("date", "duration", "start", "end", "mtime"):
            s.add_field(field, DataType.DOUBLE)
        index = c.prepare_index_params()
        if self.float16:  # a server: a graph index (Milvus Lite offers flat search)
            index.add_index("vector", index_type="HNSW", metric_type="COSINE",
                            params={"M": 16, "efConstruction": 100})
        else:
            index.add_index("vector", index_type="AUTOINDEX", metric_type="COSINE")
        c.create_collection(name, schema=s, index_params=index)

    # ---- rows -------------------------------------------------------------------------------
    def upsert(self, space: str, rows: list[VectorRow]) -> int:
        """Write these rows; the stamp they carry (ms)."""
        stamp = now_ms()
        if rows:
            self.client.upsert(collection_of(space),
                               [r.record(self.float16, stamp) for r in rows])
        return stamp

    def stamps_there(self, space: str, keys: list[str]) -> dict[str, int]:
        """key → the latest stamp the store has for it: its row's sending, or its deletion
        (in mb_gone) when later; keys it never had are left out."""
        out: dict[str, int] = {}
        name = collection_of(space)
        has_gone = self.client.has_collection(GONE)
        if has_gone:
            self._load(GONE)
        for i in range(0, len(keys), 1000):
            part = keys[i:i + 1000]
            if self._load(name):
                for r in self.client.query(name, filter=f"key in {json.dumps(part)}",
                                           output_fields=["key", "stamp"],
                                           consistency_level=STRONG):
                    out[str(r["key"])] = int(r["stamp"])
            if has_gone:
                ids = [f"{space}/{k}" for k in part]
                for r in self.client.query(GONE, filter=f"id in {json.dumps(ids)}",
                                           output_fields=["key", "stamp"],
                                           consistency_level=STRONG):
                    k = str(r["key"])
                    out[k] = max(out.get(k, 0), int(r["stamp"]))
        return out

    def flush(self, space: str) -> None:
        """Seal what was sent into indexed segments (Milvus Lite searches an unsealed
        memtable by building a snapshot of it per query: seconds at 100k rows)."""
        for name in (collection_of(space), GONE):
            if self.client.has_collection(name):
                self.client.flush(name)

    def delete(self, space: str, keys: list[str]) -> None:
        """Delete these rows, and say so in mb_gone (for the machines that follow)."""
        if keys:
            self._gone_collection()
            stamp = now_ms()
            self.client.upsert(GONE, [{"id": f"{space}/{k}", "space": space, "key": k,
                                       "stamp": stamp, "dummy": [0.0, 0.0]} for k in keys])
            self.client.delete(collection_of(space), ids=keys)

    def _gone_collection(self) -> None:
        self.small_collection(GONE, [("id", 600), ("space", 512), ("key", 64), ("stamp", 0)])

    def small_collection(self, name: str, fields: list[tuple[str, int]]) -> None:
        """A bookkeeping collection (meta, gone, lease), made when missing, and loaded:
        (field, max length of its text; 0 for an integer), the first the key. Milvus wants a
        vector in every collection: a dummy one."""
        from pymilvus import DataType

        c = self.client
        if not c.has_collection(name):
            schema = c.create_schema(auto_id=False)
            for i, (field, length) in enumerate(fields):
                if length:
                    schema.add_field(field, DataType.VARCHAR, is_primary=i == 0,
                                     max_length=length)
                else:
                    schema.add_field(field, DataType.INT64, is_primary=i == 0)
            schema.add_field("dummy", DataType.FLOAT_VECTOR, dim=2)
            index = c.prepare_index_params()
            index.add_index("dummy", index_type="FLAT", metric_type="L2")
            c.create_collection(name, schema=schema, index_params=index)
        self._load(name)

    def gone_since(self, stamp: int, batch: int = 2000) -> Iterator[list[dict[str, Any]]]:
        """The rows deleted after `stamp` (ms): {"space", "key", "stamp"}, a batch at a time."""
        if not self.client.has_collection(GONE):
            return
        self._load(GONE)
        yield from self._since(GONE, stamp, ["id", "space", "key", "stamp"], "id", batch)

    def count(self, space: str) -> int:
        name = collection_of(space)
        if not self._load(name):
            return 0
        got = self.client.query(name, filter="", output_fields=["count(*)"],
                                consistency_level=STRONG)
        return int(got[0]["count(*)"]) if got else 0

    def search(self, space: str, vector: np.ndarray, k: int, kinds: list[str] | None = None,
               filters: Filters | None = None, ef: int = 96) -> list[tuple[dict[str, Any],
                                                                          float]]:
        """The k rows nearest to `vector` (cosine, best first) that the filters keep."""
        name = collection_of(space)
        if k <= 0 or not self._load(name):
            return []
        v = np.asarray(vector, np.float32)
        v = v / (float(np.linalg.norm(v)) or 1.0)
        data = v.astype(np.float16) if self.float16 else v
        params = {"metric_type": "COSINE", "params": {"ef": max(ef, k)}} if self.float16 \
            else {"metric_type": "COSINE"}
        camera = (filters.camera or "").lower() if filters and not self.infix else ""
        limit = min(16_384, 8 * k) if camera else k  # the camera compared here: ask more
        hits = self.client.search(name, data=[data], limit=limit,
                                  filter=expression(kinds, filters, self.infix),
                                  output_fields=[*_OUTPUT, "camera"] if camera else _OUTPUT,
                                  search_params=params)
        found = [(dict(h["entity"]), float(h["distance"])) for h in hits[0]]
        if camera:
            found = [(r, d) for r, d in found if camera in str(r.pop("camera", ""))][:k]
        return found

    def stamps(self, space: str, since: int | None = None, batch: int = 5000
               ) -> Iterator[list[tuple[str, int]]]:
        """(key, stamp) of the rows sent after `since` (ms): what a follow compares before
        asking for the few rows it lacks, vectors and all (rows_by_keys)."""
        name = collection_of(space)
        if not self._load(name):
            return
        for got in self._since(name, since, ["key", "stamp"], "key", batch):
            yield [(str(r["key"]), int(r["stamp"])) for r in got]

    def _since(self, name: str, since: int | None, fields: list[str], key: str, batch: int
               ) -> Iterator[list[dict[str, Any]]]:
        """The rows stamped after `since` (all when None), a batch at a time."""
        seen: set[str] = set()
        for got in self._iterate(name, "" if since is None else f"stamp > {int(since)}",
                                 fields, batch):
            seen.update(str(r[key]) for r in got)
            yield got
        # A server's iterator reads a snapshot up to seconds old (2.3 ignores the strong
        # consistency asked): the last minute's rows again, strongly.
        recent = max(-1 if since is None else int(since), now_ms() - 60_000)
        tail = self.client.query(name, filter=f"stamp > {recent}", output_fields=fields,
                                 limit=16_384, consistency_level=STRONG)
        extra = [dict(r) for r in tail if str(r[key]) not in seen]
        if extra:
            yield extra

    def rows_by_keys(self, space: str, keys: list[str]) -> list[dict[str, Any]]:
        """These rows with their vectors and fields (those still there)."""
        out: list[dict[str, Any]] = []
        if not self._load(collection_of(space)):
            return out
        for i in range(0, len(keys), 1000):
            part = keys[i:i + 1000]
            out += [dict(r) for r in self.client.query(
                collection_of(space), filter=f"key in {json.dumps(part)}",
                output_fields=_ROW_FIELDS, consistency_level=STRONG)]
        return out

    def _iterate(self, name: str, where: str, fields: list[str], batch: int
                 ) -> Iterator[list[dict[str, Any]]]:
        it = self.client.query_iterator(name, batch_size=batch, filter=where,
                                        output_fields=fields, consistency_level=STRONG)
        while True:
            got = it.next()
            if not got:
                it.close()
                return
            yield [dict(r) for r in got]

    def close(self) -> None:
        self.client.close()
        path = self.uri.address
        if self.uri.kind == "lite" and path in _LITE_HERE:
            _LITE_HERE[path] -= 1
            if _LITE_HERE[path] <= 0:  # its last client here: let other programs open it
                del _LITE_HERE[path]
                from milvus_lite import server_manager_instance

                server_manager_instance.release_server(path)


def server_version(client: Any) -> tuple[int, ...]:
    """The server's version as numbers ("v2.3.5-lite" → (2, 3, 5)); (0,) when unknown."""
    try:
        text = str(client.get_server_version())
    except Exception:  # noqa: BLE001 - an old server without the call: the safe choice
        return (0,)
    m = re.match(r"v?(\d+)\.(\d+)(?:\.(\d+))?", text.strip())
    return tuple(int(x) for x in m.groups() if x is not None) if m else (0,)


def _connect(uri: VectorsUri) -> Any:
    import logging

    try:
        from pymilvus import MilvusClient
    except ImportError:
        raise VectorsError("Milvus needs the pymilvus package (and milvus-lite for a .db "
                           "file), which this installation lacks: pip install pymilvus "
                           "milvus-lite") from None
    for name in ("pymilvus", "milvus_lite"):
        logging.getLogger(name).setLevel(logging.CRITICAL)  # errors are ours to word
    try:
        if uri.kind == "lite":
            folder = os.path.dirname(uri.address)
            if folder and not os.path.isdir(folder):
                raise VectorsError(f"{uri.address}: its folder does not exist")
            _lite_place(uri.address)
            _wait_for_lite(uri.address)
            client = MilvusClient(uri.address)
            _LITE_HERE[uri.address] = _LITE_HERE.get(uri.address, 0) + 1
            return client
        client = MilvusClient(uri.address, timeout=CONNECT_SECONDS)
        if uri.db:  # milvus://HOST:PORT/DB: the database, made on first use
            if uri.db not in client.list_databases():
                client.create_database(uri.db)
            client.close()  # (2.3 servers lack use_database's call: a client of its own)
            client = MilvusClient(uri.address, timeout=CONNECT_SECONDS, db_name=uri.db)
        return client
    except VectorsError:
        raise
    except Exception as exc:  # noqa: BLE001 - pymilvus raises many kinds; the message is ours
        where = uri.address.removeprefix("http://")
        why = str(getattr(exc, "message", "") or exc).strip().splitlines()[0][:200]
        raise VectorsError(
            f"cannot reach the Milvus server at {where} ({why}); is it running? "
            "docs/scale-out.md shows how to start one; nothing was changed"
            if uri.kind == "milvus" else
            f"cannot open Milvus Lite at {uri.address} ({why})") from exc


def _lite_place(path: str) -> None:
    """Milvus Lite 3 keeps its data in a folder named PATH.db: refuse a file, or a folder
    holding something else, rather than write into it."""
    if os.path.isdir(path):
        inside = set(os.listdir(path))
        if inside and not inside & {"LOCK", "databases", "collections"}:
            raise VectorsError(f"{path} is a folder that does not hold Milvus Lite data; "
                               "choose a new path ending in .db")
    elif os.path.lexists(path):
        raise VectorsError(f"{path} is a file, not Milvus Lite data (Milvus Lite keeps a "
                           "folder of that name); choose a new path ending in .db")


LITE_WAIT_SECONDS = 20.0
_LITE_HERE: dict[str, int] = {}  # Milvus Lite folders this process serves: clients open


def _wait_for_lite(path: str) -> None:
    """Milvus Lite serves one program at a time (a lock in its folder): wait a while for
    another one to finish (a window looking for changes holds it a second), then say so."""
    lock = os.path.join(path, "LOCK")
    if path in _LITE_HERE or not os.path.exists(lock):
        return
    try:
        import fcntl
    except ImportError:  # Windows: Milvus Lite says so itself
        return
    deadline = time.monotonic() + LITE_WAIT_SECONDS
    while True:
        fd = os.open(lock, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(fd, fcntl.LOCK_UN)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise VectorsError(
                    f"Milvus Lite at {path} is in use by another program (Milvus Lite serves "
                    "one at a time): close it and try again, or share the library through a "
                    "Milvus server (docs/scale-out.md); nothing was changed") from None
        finally:
            os.close(fd)
        time.sleep(0.2)

