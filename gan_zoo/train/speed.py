"""Speed options, each a switch in the hyperparameters that leaves the model's mathematics alone.

``amp``: bf16 autocast on CPU (fp16 with loss scaling is not needed for these nets on CUDA: bf16
there too); ``channels_last``: memory format of real batches and conv weights; ``compile``:
``torch.compile`` of the whole step; Adam uses the foreach implementation everywhere and the
fused one on CUDA; ``freeze_d_in_g``: D's parameters stop asking for gradients during the G
update, whose D weight-gradients would be discarded anyway (same G gradients, less work).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch


@dataclass(frozen=True)
class SpeedOptions:
    amp: bool
    channels_last: bool
    compile: bool
    device: torch.device
    freeze_d_in_g: bool = False

    @classmethod
    def from_hparams(cls, hp: dict[str, Any], device: torch.device) -> SpeedOptions:
        return cls(
            bool(hp.get("amp")),
            bool(hp.get("channels_last")),
            bool(hp.get("compile")),
            device,
            bool(hp.get("freeze_d_in_g")),
        )

    def frozen(self, params: list[torch.nn.Parameter]) -> contextlib.AbstractContextManager:
        """Turn off ``requires_grad`` on ``params`` inside the block (if the option is on)."""
        if not self.freeze_d_in_g:
            return contextlib.nullcontext()
        return _no_grad_params(params)

    def autocast(self) -> contextlib.AbstractContextManager:
        if not self.amp:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=torch.bfloat16)

    def adam_kwargs(self) -> dict[str, Any]:
        return {"fused": True} if self.device.type == "cuda" else {"foreach": True}

    def prepare_images(self, images_uint8: torch.Tensor) -> torch.Tensor:
        x = images_uint8.float().div_(255.0)
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x

    def wrap_step(self, step: Callable) -> Callable:
        if not self.compile:
            return step
        return torch.compile(step, dynamic=False)


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
