"""Fetching a file over HTTP(S) into a part file, resumable, with progress and cancel; and
why a connection failed, in words a person can act on. Model weights (manager.py) and ONNX
graphs (graph_download.py) are both fetched through it."""

from __future__ import annotations

import http.client
import os
import time
import urllib.error
import urllib.request
from collections.abc import Generator
from pathlib import Path
from urllib.parse import urlparse

from mediabrowser.core.types import CancelToken, Progress, UserError

CHUNK = 1 << 20


class DownloadFailed(UserError, RuntimeError):
    pass


def network_words(host: str, reason: object, timeout: float) -> str:
    """"[Errno -3] Temporary failure in name resolution" in words a person can act on."""
    import socket

    if isinstance(reason, socket.gaierror):
        return f"no connection: {host} could not be found (is this computer offline?)"
    if isinstance(reason, ConnectionRefusedError):
        return f"{host} refused the connection"
    if isinstance(reason, TimeoutError | socket.timeout):
        return f"{host} did not answer within {timeout:g} s"
    if isinstance(reason, ssl_errors()):
        return f"the secure connection to {host} failed (a proxy or the system clock?)"
    return f"could not reach {host}"


def ssl_errors() -> tuple[type[BaseException], ...]:
    import ssl

    return (ssl.SSLError, ssl.CertificateError)


def fetch(url: str, part: Path, expected: int, cancel: CancelToken, timeout: float
           ) -> Generator[Progress, None, None]:
    have = part.stat().st_size if part.exists() else 0
    req = urllib.request.Request(url, headers={"User-Agent": "mediabrowser"})
    if have:
        req.add_header("Range", f"bytes={have}-")
    host = urlparse(url).netloc or url
    try:
        resp = urllib.request.urlopen(req, timeout=timeout)  # noqa: S310 - http(s) only
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # nothing left to fetch: the part file is complete
            return
        raise DownloadFailed(f"{host} answered {exc.code} {exc.reason} for {url}") from None
    except (TimeoutError, urllib.error.URLError, OSError) as exc:
        raise DownloadFailed(network_words(host, getattr(exc, "reason", exc), timeout)) from None
    with resp:
        content_range = resp.headers.get("Content-Range") or ""
        if have and (resp.status != 206 or not content_range.startswith(f"bytes {have}-")):
            have = 0  # the server ignored or changed the range: start again
        length = int(resp.headers.get("Content-Length") or 0)
        total = (have + length) if length else expected
        start, done = time.monotonic(), have
        last = 0.0
        with open(part, "ab" if have else "wb") as f:
            while True:
                cancel.raise_if_cancelled()
                try:
                    chunk = resp.read(CHUNK)
                except (TimeoutError, OSError, http.client.HTTPException) as exc:
                    raise DownloadFailed(f"the connection to {host} broke after {done} bytes "
                                         f"({exc}); run the download again to resume") from None
                if not chunk:
                    break
                f.write(chunk)
                done += len(chunk)
                now = time.monotonic()
                if now - last > 0.2:
                    last = now
                    rate = (done - have) / max(1e-6, now - start)
                    yield Progress("download", done, total, current=part.name, rate=rate)
            f.flush()
            os.fsync(f.fileno())
        if total and done < total:
            raise DownloadFailed(f"the connection to {host} closed after {done} of {total} "
                                 "bytes; run the download again to resume")
        yield Progress("download", done, total or done, current=part.name)
