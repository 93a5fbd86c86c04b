"""Shared fixtures: real media made with Pillow, ffmpeg and espeak-ng; isolated folders."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mediabrowser import mediamaker


@pytest.fixture(scope="session", autouse=True)
def _shared_onnx_graphs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The default models' ONNX graphs, exported once from their real weights for the whole
    session (each test has its own empty models folder; exporting for each would take minutes).
    Tests of exporting itself use folders of their own."""
    import os

    from mediabrowser.core.embed.onnx_graphs import export
    from mediabrowser.core.embed.registry import get_spec, locate_source

    folder = tmp_path_factory.mktemp("onnx-graphs")
    for name in ("efficientnet-lite0", "voice-timbre", "sounds-voices"):
        spec = get_spec(name)
        export(spec, locate_source(spec).path, folder)
    old = os.environ.get("MEDIABROWSER_ONNX_DIR")
    os.environ["MEDIABROWSER_ONNX_DIR"] = str(folder)
    yield
    if old is None:
        os.environ.pop("MEDIABROWSER_ONNX_DIR", None)
    else:
        os.environ["MEDIABROWSER_ONNX_DIR"] = old


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
                   ) -> None:
    """No test reads or writes the real user folders or caches."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("MEDIABROWSER_MODELS", str(home / "models"))
    monkeypatch.setenv("MEDIABROWSER_LIBRARY", str(home / "library"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))  # QSettings of the window
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.delenv("TORCH_HOME", raising=False)
    monkeypatch.delenv("HF_HOME", raising=False)


def textured(color: tuple[int, int, int], size: tuple[int, int] = (320, 240), seed: int = 0,
             spread: int = 40) -> Image.Image:
    """A photo-like picture: a base colour with smooth random texture."""
    rng = np.random.default_rng(seed)
    small = rng.normal(0, spread, (size[1] // 8, size[0] // 8, 3))
    noise = np.asarray(Image.fromarray(np.clip(small + 128, 0, 255).astype(np.uint8)).resize(
        size, Image.Resampling.BICUBIC), dtype=np.float32) - 128
    arr = np.clip(np.array(color, dtype=np.float32) + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(arr)


@pytest.fixture(scope="session")
def photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Real photographs (scikit-image's samples) plus near-duplicate copies of three of them."""
    d = tmp_path_factory.mktemp("photos")
    for name in ("astronaut", "coffee", "chelsea", "rocket", "motorcycle_left", "horse",
                 "hubble_deep_field", "retina", "brick", "grass", "coins", "camera", "ihc",
                 "page", "moon", "gravel"):
        mediamaker.sample_photo(name).save(d / f"{name}.jpg", quality=92)
    dups = d / "copies"
    dups.mkdir()
    cat = Image.open(d / "chelsea.jpg")
    cat.resize((cat.width // 3, cat.height // 3)).save(dups / "chelsea_resized.jpg", quality=85)
    Image.open(d / "coffee.jpg").save(dups / "coffee_recompressed.jpg", quality=25)
    rk = Image.open(d / "rocket.jpg")
    w, h = rk.size
    rk.crop((w // 8, h // 8, w - w // 8, h - h // 8)).save(dups / "rocket_cropped.png")
    return d


@pytest.fixture
def photo_dir(photos: Path, tmp_path: Path) -> Path:
    """A private, writable copy of `photos` a test may change."""
    d = tmp_path / "media"
    shutil.copytree(photos, d)
    return d


@pytest.fixture
def library(tmp_path: Path) -> Iterator[object]:
    from mediabrowser.core.library import Library

    lib = Library(tmp_path / "lib")
    yield lib
    lib.close()


@pytest.fixture
def trash_home(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The freedesktop trash inside this test's own data folder (send2trash reads
    XDG_DATA_HOME once, when first imported)."""
    import os

    from send2trash import plat_other

    data = Path(os.environ["XDG_DATA_HOME"])
    data.mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr(plat_other, "XDG_DATA_HOME", os.fsencode(data))
    monkeypatch.setattr(plat_other, "HOMETRASH_B", os.fsencode(data / "Trash"))
    monkeypatch.setattr(plat_other, "HOMETRASH", str(data / "Trash"))
    return data / "Trash"


@pytest.fixture(scope="session")
def milvus_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Milvus server (2.3 standalone, from the `milvus` wheel scripts/setup.sh
    installs), started once for the session: its address, milvus://127.0.0.1:PORT."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    exe = Path(sys.executable).parent / "milvus-server"
    assert exe.exists(), "milvus-server is missing: scripts/setup.sh installs it (make test)"

    def free_port() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])

    data = tmp_path_factory.mktemp("milvus-server")
    port = free_port()
    proc = subprocess.Popen(
        [str(exe), "--data", str(data), "--proxy-port", str(port), "--etcd-port",
         str(free_port())], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    try:
        from pymilvus import MilvusClient

        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, f"milvus-server ended; its logs: {data}/logs"
            try:
                MilvusClient(f"http://127.0.0.1:{port}", timeout=3).get_server_version()
                break
            except Exception:  # noqa: BLE001 - not up yet
                assert time.monotonic() < deadline, f"milvus-server did not start: {data}/logs"
                time.sleep(1)
        yield f"milvus://127.0.0.1:{port}"
    finally:  # the launcher and the server it runs share a process group: both go
        os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 5  # a test server's data need no graceful end
        while time.monotonic() < deadline:
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                break
            proc.poll()
            time.sleep(0.2)
        else:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


@pytest.fixture(params=["lite", "server"])
def shared_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a test's shared vectors live: Milvus Lite (a folder of its own), or a database
    of its own on the real server."""
    if request.param == "lite":
        return str(tmp_path / "shared.db")
    base = request.getfixturevalue("milvus_server")
    return f"{base}/t_{abs(hash(request.node.nodeid)) % 10**9}"
