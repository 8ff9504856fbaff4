"""Where gan-zoo reads data and keeps its caches.

The data root comes from an explicit argument, else ``GAN_ZOO_DATA``, else a per-user cache
folder; derived artefacts (trained judges, encoders, reference statistics) go to
``GAN_ZOO_CACHE`` or a per-user cache folder, so a read-only data root still works.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "GAN_ZOO_DATA"
CACHE_ENV = "GAN_ZOO_CACHE"


def _user_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "gan-zoo"


def data_root(root: str | os.PathLike[str] | None = None) -> Path:
    """The folder datasets live in (torchvision layout: ``<root>/MNIST/raw/...``)."""
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env).expanduser()
    return _user_cache() / "data"


def cache_root() -> Path:
    """The folder for derived artefacts that are expensive to recompute."""
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser() if env else _user_cache() / "cache"
