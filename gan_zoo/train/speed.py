"""Speed options: switches in the hyperparameters that keep the model's mathematics (bf16 rounding
aside; ``python -m benchmarks.speed.equivalence`` checks the metrics stay within seed spread).

``amp``: bf16 autocast (CPUs with native bf16, e.g. AMX or AVX512-BF16, and CUDA; elsewhere it
falls back to fp32 with one plain note per process, since emulated bf16 is slower than fp32); ``channels_last``:
memory format of real batches and conv weights; ``compile``: ``torch.compile`` of the generator
and the discriminator (compiling the whole step breaks on the fake batch shared by the D and G
backward passes); ``fused_adam``: one fused Adam kernel over all parameters (CPU and CUDA,
torch >= 2.4) instead of the default per-tensor loop; ``cuda_graph``: each kind of training
step captured once and replayed as a CUDA graph (``step_graphs.py``; CUDA only, capturable
Adam, autocast without its cast cache);
``freeze_d_in_g``: D's parameters stop asking for gradients during the G update, whose D
weight-gradients would be discarded anyway (same G gradients, less work).

Measured on the 2-core CPU this suite is built on (``python -m benchmarks.speed.compare``):
amp + channels_last + freeze_d_in_g + fused_adam pay; compile does not pay there (slower or
within noise, plus 20-30 s of compilation) and stays off by default.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from gan_zoo.errors import ConfigError
from gan_zoo.progress import note_once

#: every speed switch in the hyperparameters; all False is the plain fp32 eager loop
SPEED_OPTIONS = ("amp", "channels_last", "compile", "cuda_graph", "freeze_d_in_g", "fused_adam")
ALL_OFF: dict[str, bool] = dict.fromkeys(SPEED_OPTIONS, False)


def bf16_is_fast(device: torch.device) -> bool:
    """Whether bf16 autocast runs on native hardware rather than being emulated."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        try:  # a private but long-standing oneDNN probe (AVX512-BF16 / AMX)
            return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
        except (AttributeError, RuntimeError):
            return False
    return False


def check_combination(hp: dict[str, Any], device: torch.device) -> None:
    """Refuse, before any training, the option combinations known to crash on ``device``.

    ``compile`` with ``channels_last`` on CUDA: the compiled convolution backward failed
    inductor's ``assert_size_stride`` (its predicted strides and cuDNN's actual ones differ
    in memory format; seen on an H100 with torch 2.11, related upstream report
    pytorch/pytorch#171622). Inductor chooses convolution layouts itself, so the remedy is
    ``channels_last=0``.
    """
    if device.type == "cuda" and hp.get("compile") and hp.get("channels_last"):
        raise ConfigError(
            "compile=1 with channels_last=1 crashes on CUDA (an inductor stride check in the "
            "convolution backward); add --set channels_last=0 (inductor picks conv layouts itself)"
        )
    if hp.get("cuda_graph") and device.type != "cuda":
        raise ConfigError(f"cuda_graph=1 needs a CUDA device, not {device.type}")
    if hp.get("cuda_graph") and hp.get("compile"):
        raise ConfigError("cuda_graph=1 and compile=1 each take over the step: choose one")


def bf16_fallback(hp: dict[str, Any], device: torch.device) -> str | None:
    """The note a run with ``hp`` on ``device`` gives when it asks for bf16 the hardware would
    only emulate (it trains in fp32 instead); None when there is nothing to say."""
    if not hp.get("amp") or bf16_is_fast(device):
        return None
    return (
        f"amp=1 asks for bf16, which {device.type} would only emulate (slower than fp32); "
        "training in fp32 instead"
    )


@dataclass(frozen=True)
class SpeedOptions:
    amp: bool
    channels_last: bool
    compile: bool
    device: torch.device
    freeze_d_in_g: bool = False
    fused_adam: bool = False
    cuda_graph: bool = False

    @classmethod
    def from_hparams(cls, hp: dict[str, Any], device: torch.device) -> SpeedOptions:
        check_combination(hp, device)
        amp = bool(hp.get("amp"))
        if (fallback := bf16_fallback(hp, device)) is not None:
            note_once(fallback)  # a fact of the machine: one line per plan, not per run
            amp = False
        return cls(
            amp,
            bool(hp.get("channels_last")),
            bool(hp.get("compile")),
            device,
            bool(hp.get("freeze_d_in_g")),
            bool(hp.get("fused_adam")),
            bool(hp.get("cuda_graph")),
        )

    def frozen(self, params: list[torch.nn.Parameter]) -> contextlib.AbstractContextManager:
        """Turn off ``requires_grad`` on ``params`` inside the block (if the option is on)."""
        if not self.freeze_d_in_g:
            return contextlib.nullcontext()
        return _no_grad_params(params)

    def autocast(self) -> contextlib.AbstractContextManager:
        if not self.amp:
            return contextlib.nullcontext()
        # a graph replays the casts it captured: autocast's cast cache would go stale
        return torch.autocast(
            self.device.type, dtype=torch.bfloat16, cache_enabled=not self.cuda_graph
        )

    def adam_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"fused": True} if self.fused_adam else {}
        if self.cuda_graph:
            kwargs["capturable"] = True  # step count and bias corrections on the device
        return kwargs

    def prepare_images(self, images_uint8: torch.Tensor) -> torch.Tensor:
        # the default float type (float32 unless a test asks for float64 to compare runs exactly)
        x = images_uint8.to(torch.get_default_dtype()).div_(255.0)
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x

    def compile_networks(self, networks: list[nn.Module]) -> None:
        """Compile each network in place (state_dict keys unchanged, so checkpoints still load)."""
        if self.compile:
            for net in networks:
                net.compile(dynamic=False)


@contextlib.contextmanager
def _no_grad_params(params: list[torch.nn.Parameter]):
    flags = [p.requires_grad for p in params]
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p, flag in zip(params, flags, strict=True):
            p.requires_grad_(flag)
