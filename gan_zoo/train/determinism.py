"""The ``deterministic`` option: the same run, interrupted and resumed on CUDA, ends bit for bit
where the uninterrupted run ends (the CPU is deterministic without it).

On CUDA the default kernels are not: cuDNN benchmarks and picks algorithms per process, some
backward kernels accumulate with atomics, and TF32 rounds convolutions and matrix products. The
option turns all of that off for the duration of training and restores the process's settings
afterwards, so one deterministic run does not slow down the next.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import torch

#: cuBLAS needs a fixed workspace for reproducible products (the value NVIDIA documents)
CUBLAS_WORKSPACE = ":4096:8"


@contextlib.contextmanager
def deterministic_algorithms(enabled: bool) -> Iterator[None]:
    """Inside the block, only deterministic algorithms run and TF32 is off (if ``enabled``)."""
    if not enabled:
        yield
        return
    cudnn, matmul = torch.backends.cudnn, torch.backends.cuda.matmul
    saved = (
        torch.are_deterministic_algorithms_enabled(),
        torch.is_deterministic_algorithms_warn_only_enabled(),
        cudnn.benchmark,
        cudnn.deterministic,
        cudnn.allow_tf32,
        matmul.allow_tf32,
        os.environ.get("CUBLAS_WORKSPACE_CONFIG"),
    )
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", CUBLAS_WORKSPACE)
    torch.use_deterministic_algorithms(True)
    cudnn.benchmark, cudnn.deterministic = False, True
    cudnn.allow_tf32 = matmul.allow_tf32 = False
    try:
        yield
    finally:
        algorithms, warn_only, benchmark, deterministic, tf32_conv, tf32_mm, workspace = saved
        torch.use_deterministic_algorithms(algorithms, warn_only=warn_only)
        cudnn.benchmark, cudnn.deterministic = benchmark, deterministic
        cudnn.allow_tf32, matmul.allow_tf32 = tf32_conv, tf32_mm
        if workspace is None:
            os.environ.pop("CUBLAS_WORKSPACE_CONFIG", None)
