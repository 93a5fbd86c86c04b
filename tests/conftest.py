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
