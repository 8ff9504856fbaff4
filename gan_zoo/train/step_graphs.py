"""The ``cuda_graph`` speed option: each kind of training step replayed as one CUDA graph.

On a GPU the eager step is bound by Python and kernel launches (hundreds per step, each a few
microseconds of CPU), not by the GPU's arithmetic. A captured graph launches the whole step,
both players' forward, backward and Adam updates, as one unit. One plan serves a single run and
K runs trained fused (``--fuse K``, ``fused.py``): the plan holds K members' generators and
static input buffers, and a single run is the case K = 1.

How the step stays the same mathematics:

- **Inputs**: each member's real batch is drawn eagerly (by index, from the dataset already on
  the device) and copied into the graph's static input buffers before each replay: a single
  run's batch as it is, a fused step's batches stacked ``[K, ...]`` (one slice per member).
- **Noise**: each member's latents are drawn inside the graph from that member's own generator,
  which is registered with every graph (``CUDAGraph.register_generator_state``), so each
  replay advances every member's offset and draws fresh noise, as an eager step would.
- **Optimisers**: Adam is built ``capturable`` (its step count and bias corrections live on
  the device), and updates its state in place, so graphs and eager steps share one state.
- **Warm-up**: the first steps of each kind run eagerly on a side stream (cuDNN picks its
  algorithms, the optimiser creates its state), then the step is captured and replayed.
  Warm-up steps are real training steps; nothing is run twice.
- **Kinds**: one graph per key: the main step per model phase (``GanModel.graph_key``, e.g.
  Stacked GAN's independent and joint phases) and number of extra G updates, and the extra
  critic update (``UpdateSchedule``) as its own graph.
- **Resume**: graphs are never saved. A resumed run, or a fused run stacked again without a
  diverged member, builds a new plan: its first steps warm up again, then it is captured anew.

Autocast runs with its cast cache off inside graphs (the cache does not survive a replay).
The plan (warm-up, capture, buffers, replay) is separate from the CUDA calls (``CudaGraphs``),
so the CPU tests drive the same plan with a stand-in that replays by calling the step again.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import torch

from gan_zoo.errors import ConfigError

#: eager steps of each kind before it is captured
WARMUP_STEPS = 3

Inputs = tuple[torch.Tensor | None, ...]
StepFn = Callable[..., Any]


def check_capturable(device: torch.device) -> None:
    """Refuse, in one line, a device or torch that cannot capture the step."""
    if device.type != "cuda":
        raise ConfigError(f"cuda_graph=1 needs a CUDA device, not {device}")
    if not hasattr(torch.cuda.CUDAGraph, "register_generator_state"):
        raise ConfigError(
            "cuda_graph=1 needs a torch whose CUDA graphs take a user generator "
            "(CUDAGraph.register_generator_state); upgrade torch or use cuda_graph=0"
        )


class Backend(Protocol):
    """How a plan's steps run: eagerly while warming up, then recorded once and replayed."""

    def warm(self, fn: StepFn, inputs: Inputs) -> Any: ...

    def record(
        self, fn: StepFn, inputs: Inputs, generators: Sequence[torch.Generator]
    ) -> tuple[Callable[[], None], Any]:
        """Record ``fn`` on ``inputs`` (the static buffers), drawing from ``generators``;
        returns the replay and ``fn``'s outputs, which every replay overwrites in place."""
        ...


class CudaGraphs:
    """The CUDA backend: warm-up on a side stream, capture with every generator registered."""

    def __init__(self, device: torch.device) -> None:
        check_capturable(device)
        self.device = device
        self._side = torch.cuda.Stream(device)

    def warm(self, fn: StepFn, inputs: Inputs) -> Any:
        main = torch.cuda.current_stream(self.device)
        self._side.wait_stream(main)
        with torch.cuda.stream(self._side):
            out = fn(*inputs)
        main.wait_stream(self._side)
        return out

    def record(
        self, fn: StepFn, inputs: Inputs, generators: Sequence[torch.Generator]
    ) -> tuple[Callable[[], None], Any]:
        graph = torch.cuda.CUDAGraph()
        for generator in generators:
            graph.register_generator_state(generator)
        with torch.cuda.graph(graph):  # records, runs nothing: the replay right after does
            out = fn(*inputs)
        return graph.replay, out


@dataclass
class _Captured:
    replay: Callable[[], None]
    buffers: Inputs
    out: Any


class StepGraphs:
    """Runs step functions eagerly for their warm-up, then as captured graphs, for one run or
    for K fused members.

    ``generators``: one per member, in member order (a single run: its own generator).
    ``stacked``: the inputs hold one slice per member along dim 0 (a fused step), which the
    plan checks at capture. ``backend``: ``CudaGraphs`` unless given (the tests' stand-in).
    """

    def __init__(
        self,
        device: torch.device,
        generators: torch.Generator | Sequence[torch.Generator],
        *,
        stacked: bool = False,
        backend: Backend | None = None,
    ) -> None:
        if isinstance(generators, torch.Generator):
            generators = (generators,)
        self.generators = tuple(generators)
        if not self.generators:
            raise ValueError("a step graph needs at least one member's generator")
        self.stacked = stacked
        self.backend = backend if backend is not None else CudaGraphs(device)
        self._warm: dict[Hashable, int] = {}
        self._graphs: dict[Hashable, _Captured] = {}

    @property
    def members(self) -> int:
        return len(self.generators)

    @property
    def captured(self) -> tuple[Hashable, ...]:
        """The keys captured so far (tests and the speed report read it)."""
        return tuple(self._graphs)

    def buffers(self, key: Hashable) -> Inputs:
        """The static input buffers of ``key``'s graph (what each replay's inputs go into)."""
        return self._graphs[key].buffers

    def __call__(self, key: Hashable, fn: StepFn, *inputs: torch.Tensor | None) -> Any:
        captured = self._graphs.get(key)
        if captured is None:
            if self._warm.get(key, 0) < WARMUP_STEPS:
                self._warm[key] = self._warm.get(key, 0) + 1
                return self.backend.warm(fn, inputs)
            captured = self._graphs[key] = self._capture(key, fn, inputs)
        else:
            load(captured.buffers, inputs, key)
        captured.replay()
        return captured.out

    def _capture(self, key: Hashable, fn: StepFn, inputs: Inputs) -> _Captured:
        """Record ``fn`` on static copies of this step's inputs (capture runs nothing: the
        caller's replay right after is this step's update)."""
        if self.stacked:
            for x in inputs:
                if x is not None and (x.dim() == 0 or x.shape[0] != self.members):
                    raise ValueError(
                        f"step {key!r}: a fused input of shape {tuple(x.shape)} does not hold "
                        f"one slice per member ({self.members})"
                    )
        buffers = tuple(None if x is None else x.clone() for x in inputs)
        replay, out = self.backend.record(fn, buffers, self.generators)
        return _Captured(replay, buffers, out)


def load(buffers: Inputs, inputs: Inputs, key: Hashable = None) -> None:
    """Copy a step's inputs into its graph's static buffers; a different shape, dtype or
    presence is refused rather than broadcast into the buffer."""
    if len(buffers) != len(inputs):
        raise ValueError(f"step {key!r}: {len(inputs)} inputs, captured with {len(buffers)}")
    for buffer, x in zip(buffers, inputs, strict=True):
        if (buffer is None) != (x is None):
            raise ValueError(f"step {key!r}: an input is None on one side only")
        if buffer is None or x is None:
            continue
        if buffer.shape != x.shape or buffer.dtype != x.dtype:
            raise ValueError(
                f"step {key!r}: input {tuple(x.shape)} {x.dtype} does not fit its buffer "
                f"{tuple(buffer.shape)} {buffer.dtype}"
            )
        buffer.copy_(x)
