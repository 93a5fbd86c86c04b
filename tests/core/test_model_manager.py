"""Model manager: download from a local HTTP server (progress, checksum, resume), import,
remove, switching models without losing vectors."""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from mediabrowser.core.embed import manager
from mediabrowser.core.embed.registry import forget_loaded, get_spec, load_embedder
from mediabrowser.core.jobs.pipeline import index_paths, run_to_end
from mediabrowser.core.library import Library
from mediabrowser.core.search import find_similar


class WeightsServer:
    """Serves one file on 127.0.0.1 with Range support; can cut the first response short."""

    def __init__(self, payload: bytes) -> None:
        self.payload = payload
        self.cut_after: int | None = None
        self.ranges: list[str | None] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                rng = self.headers.get("Range")
                outer.ranges.append(rng)
                start = int(rng.split("=")[1].split("-")[0]) if rng else 0
                body = outer.payload[start:]
                self.send_response(206 if rng else 200)
                self.send_header("Content-Length", str(len(body)))
                if rng:
                    self.send_header("Content-Range",
                                     f"bytes {start}-{len(outer.payload) - 1}/{len(outer.payload)}")
                self.end_headers()
                if outer.cut_after is not None:
                    self.wfile.write(body[: outer.cut_after])
                    outer.cut_after = None
                    self.wfile.flush()
                    self.connection.shutdown(2)  # the network drops mid-file
                    return
                self.wfile.write(body)

            def do_HEAD(self) -> None:  # noqa: N802
                outer.ranges.append("HEAD")
                self.send_response(200)
                self.send_header("Content-Length", str(len(outer.payload)))
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/weights.pth"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture(scope="module")
def resnet18_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from torchvision.models import resnet18

    torch.manual_seed(1)
    path = tmp_path_factory.mktemp("w") / "resnet18-random.pth"
    torch.save(resnet18().state_dict(), path)
    return path


@pytest.fixture
def server(resnet18_file: Path) -> Iterator[WeightsServer]:
    s = WeightsServer(resnet18_file.read_bytes())
    yield s
    s.close()


@pytest.fixture
def models(tmp_path: Path) -> Iterator[Path]:
    forget_loaded()
    yield tmp_path / "models"
    forget_loaded()


def _spec_for(server: WeightsServer, payload: bytes) -> Any:
    base = get_spec("resnet18")
    weights = dataclasses.replace(base.weights, url=server.url, sha256_prefix="",
                                  sha256=hashlib.sha256(payload).hexdigest(), size=len(payload))
    return dataclasses.replace(base, weights=weights)


def test_download_reports_progress_verifies_and_installs(server: WeightsServer, models: Path,
                                                         resnet18_file: Path) -> None:
    spec = _spec_for(server, server.payload)
    assert manager.status(spec, models).state == manager.ModelState.MISSING
    progress: list[Any] = []
    path = run_to_end(manager.download_job(spec, models), progress.append)
    assert path == models / "resnet18-f37072fd.pth" and path.read_bytes() == server.payload
    stages = [p.stage for p in progress]
    assert "download" in stages and stages[-2:] == ["verify", "done"]
    last_dl = [p for p in progress if p.stage == "download"][-1]
    assert last_dl.done == last_dl.total == len(server.payload)
    assert manager.status(spec, models).state == manager.ModelState.READY
    emb = load_embedder("resnet18", "cpu", models)
    assert emb.spec.dim == 512


def test_checksum_mismatch_is_rejected_and_leaves_no_file(server: WeightsServer,
                                                          models: Path) -> None:
    spec = _spec_for(server, b"something else entirely")
    spec = dataclasses.replace(spec, weights=dataclasses.replace(spec.weights, size=0))
    with pytest.raises(manager.ChecksumMismatch, match="sha256 does not match"):
        run_to_end(manager.download_job(spec, models))
    # nothing but the download lock is left (it stays, so two downloaders never race)
    assert [p.name for p in models.iterdir() if not p.name.endswith(".lock")] == []


def test_interrupted_download_resumes_with_a_range_request(server: WeightsServer,
                                                           models: Path) -> None:
    spec = _spec_for(server, server.payload)
    server.cut_after = 300_000
    with pytest.raises(manager.DownloadFailed, match="resume"):
        run_to_end(manager.download_job(spec, models))
    part = models / "resnet18-f37072fd.pth.part"
    assert part.stat().st_size == 300_000
    assert not (models / "resnet18-f37072fd.pth").exists()  # never a half file in place
    st = manager.status(spec, models)  # still "weights missing", saying why
    assert st.state == manager.ModelState.MISSING and "last download stopped" in st.detail
    run_to_end(manager.download_job(spec, models))
    assert server.ranges[-1] == "bytes=300000-"
    assert (models / "resnet18-f37072fd.pth").read_bytes() == server.payload


def test_unreachable_server_says_what_to_do(models: Path) -> None:
    spec = get_spec("resnet18")
    with pytest.raises(manager.DownloadFailed, match="127.0.0.1:9 refused the connection"):
        run_to_end(manager.download_job(spec, models, url="http://127.0.0.1:9/x.pth",
                                        timeout=2))


def test_import_checks_checksum_and_architecture_then_remove(models: Path, resnet18_file: Path,
                                                             tmp_path: Path) -> None:
    spec = get_spec("resnet18")
    with pytest.raises(manager.ChecksumMismatch, match="not the published"):
        manager.import_weights(spec, resnet18_file, models)
    wrong = tmp_path / "wrong.pth"
    from torchvision.models import resnet34

    torch.save(resnet34().state_dict(), wrong)
    with pytest.raises(ValueError, match="does not match"):
        manager.import_weights(spec, wrong, models, check_checksum=False)
    assert not (models / "resnet18-f37072fd.pth").exists()
    dest = manager.import_weights(spec, resnet18_file, models, check_checksum=False)
    assert manager.status(spec, models).state == manager.ModelState.READY
    assert resnet18_file.exists()  # the user's file is copied, not moved
    assert manager.remove_weights(spec, models) and not dest.exists()
    assert manager.status(spec, models).state == manager.ModelState.MISSING


def test_switching_model_keeps_old_vectors_answering_until_the_new_covers_all(
        photo_dir: Path, tmp_path: Path, resnet18_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    models = tmp_path / "models"
    manager.import_weights(get_spec("resnet18"), resnet18_file, models, check_checksum=False)
    lib = Library(tmp_path / "lib", models_dir=models)
    try:
        index_paths(lib, [photo_dir / "copies"])
        lib.switch_model("image", "resnet18")
        assert lib.config.models["video"] == "frames:resnet18"
        assert lib.answering_model("image") == "efficientnet-lite0"  # nothing embedded yet
        before = find_similar(lib, photo_dir / "copies" / "chelsea_resized.jpg", k=2)
        assert len(before) == 2
        report = index_paths(lib, [photo_dir / "copies"])
        assert report.embedded == 3
        counts = lib.store.vector_counts()
        assert counts["efficientnet-lite0"] == 3 and counts["resnet18"] == 3  # no forced wipe
        assert lib.answering_model("image") == "resnet18"
        res = find_similar(lib, photo_dir / "copies" / "chelsea_resized.jpg", k=2)
        assert {Path(m.item.path).name for m in res} == {"coffee_recompressed.jpg",
                                                         "rocket_cropped.png"}
        assert all(np.isfinite(m.score) for m in res)
    finally:
        lib.close()


def test_the_size_of_an_unpublished_download_is_asked_of_the_server() -> None:
    import dataclasses

    from mediabrowser.core.embed.registry import get_spec

    server = WeightsServer(b"x" * 12_345)
    try:
        spec = get_spec("resnet18")
        unknown = dataclasses.replace(spec, weights=dataclasses.replace(
            spec.weights, url=server.url, size=0))
        assert manager.remote_size(unknown) == 12_345
        offline = dataclasses.replace(unknown, weights=dataclasses.replace(
            unknown.weights, url="http://127.0.0.1:9/x.pth"))
        assert manager.remote_size(offline) is None
    finally:
        server.close()
