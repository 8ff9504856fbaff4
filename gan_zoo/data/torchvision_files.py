"""Datasets read through torchvision's own dataset classes, with their own file checksums.

torchvision knows each file's name and MD5 (``train_list``, ``split_list``, ...) and how to
parse it; gan-zoo adds what a benchmark needs around it: every file hashed once and refused by
name on a mismatch, a download only where the data root is writable, and one ``DataError`` that
says which files to put where when the machine is offline.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gan_zoo.data.checksums import verify_md5
from gan_zoo.data.folders import is_writable
from gan_zoo.errors import DataError

#: (file name relative to the dataset folder, official MD5)
Files = list[tuple[str, str]]


def _reason(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__


def ensure_files(
    title: str, folder: Path, files: Files, download: Callable[[], object], hint: str
) -> None:
    """Make sure every file is in ``folder`` and official, downloading once if any is missing.

    ``download()`` runs torchvision's own download (its class with ``download=True``); ``hint``
    says where the files come from, for the offline message.
    """
    missing = [name for name, _ in files if not (folder / name).is_file()]
    if missing:
        names = ", ".join(name for name, _ in files)
        if not is_writable(folder):
            raise DataError(
                f"{title} files are missing from {folder}, which is not writable: put "
                f"{names} there ({hint})"
            )
        try:
            download()
        except Exception as error:  # torchvision raises URLError, RuntimeError, HTTP errors
            raise DataError(
                f"{title} files are missing from {folder} and could not be downloaded "
                f"({_reason(error)}): put {names} there ({hint})"
            ) from error
    for name, md5 in files:
        path = folder / name
        if not path.is_file():
            raise DataError(f"{title}: {path} is still missing after the download; {hint}")
        verify_md5(path, md5, f"Delete {path} and load {title} again, or copy the official file.")
