"""What a record says about where it was made: versions, commit, device."""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import torch

PACKAGES = (
    "torch",
    "torchvision",
    "torch-fidelity",
    "numpy",
    "scipy",
    "scikit-learn",
    "pandas",
    "gan-zoo",
)


@lru_cache(maxsize=1)
def git_commit() -> str:
    """The commit of the code that ran, with ``-dirty`` if the tree had uncommitted changes.

    ``GAN_ZOO_COMMIT``, when set, wins: a launcher that copied a clean commit to another machine
    says which, and the copy's own ``.git`` (if the copier made one) is not that commit."""
    launched = os.environ.get("GAN_ZOO_COMMIT")
    if launched:
        return launched
    root = Path(__file__).resolve().parent.parent
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "gan_zoo", "benchmarks"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        # a copy of the tree without its .git, and no launcher said: the record admits it
        return "unknown"


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[name] = metadata.version(name)
    return out


@lru_cache(maxsize=1)
def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def device_description(device: torch.device) -> dict[str, str | int]:
    desc: dict[str, str | int] = {
        "device": str(device),
        "cpu": cpu_name(),
        "threads": torch.get_num_threads(),
    }
    if device.type == "cuda":
        desc["gpu"] = torch.cuda.get_device_name(device)
    return desc
