"""Where things live: platform user folders, overridable for portable use and tests.

MEDIABROWSER_LIBRARY — the library folder (database, index files, thumbnails).
MEDIABROWSER_MODELS  — the folder of model weights (shared by all libraries).
"""

from __future__ import annotations

import os
from pathlib import Path

APP = "mediabrowser"


def _data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP, appauthor=False))


def default_library_dir() -> Path:
    env = os.environ.get("MEDIABROWSER_LIBRARY")
    return Path(env).expanduser() if env else _data_dir() / "library"


def models_dir() -> Path:
    env = os.environ.get("MEDIABROWSER_MODELS")
    return Path(env).expanduser() if env else _data_dir() / "models"


def resource_dir() -> Path:
    """Icons, the .desktop file and the smoke-test media: inside the package, so a source
    checkout, an installed wheel and the frozen app all find them the same way."""
    return Path(__file__).with_name("resources")


def demo_dir() -> Path:
    env = os.environ.get("MEDIABROWSER_DEMO")
    return Path(env).expanduser() if env else _data_dir() / "demo-media"


def log_dir() -> Path:
    """Where what native decoders print goes instead of the terminal."""
    from platformdirs import user_log_dir

    return Path(user_log_dir(APP, appauthor=False))
