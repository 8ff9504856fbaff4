"""The ``cuda_graph`` speed option: each kind of training step replayed as one CUDA graph.

On a GPU the eager step is bound by Python and kernel launches (hundreds per step, each a few
microseconds of CPU), not by the GPU's arithmetic. A captured graph launches the whole step,
both players' forward, backward and Adam updates, as one unit.

How the step stays the same mathematics:

- **Inputs**: the real batch is drawn eagerly (by index, from the dataset already on the
  device) and copied into the graph's static input buffers before each replay.
- **Noise**: the latents are drawn inside the graph from the trainer's own generator, which
  is registered with every graph (``CUDAGraph.register_generator_state``), so each replay
  advances its offset and draws fresh noise, as an eager step would.
- **Optimisers**: Adam is built ``capturable`` (its step count and bias corrections live on
  the device), and updates its state in place, so graphs and eager steps share one state.
- **Warm-up**: the first steps of each kind run eagerly on a side stream (cuDNN picks its
  algorithms, the optimiser creates its state), then the step is captured and replayed.
  Warm-up steps are real training steps; nothing is run twice.
- **Kinds**: one graph per key: the main step per model phase (``GanModel.graph_key``, e.g.
  Stacked GAN's independent and joint phases) and number of extra G updates, and the extra
  critic update (``UpdateSchedule``) as its own graph.

Autocast runs with its cast cache off inside graphs (the cache does not survive a replay).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

import torch

from gan_zoo.errors import ConfigError

#: eager steps of each kind before it is captured
WARMUP_STEPS = 3

StepFn = Callable[[torch.Tensor, torch.Tensor | None], dict[str, torch.Tensor] | None]


@dataclass
class _Captured:
    graph: torch.cuda.CUDAGraph
    real_x: torch.Tensor
    real_y: torch.Tensor | None
    out: dict[str, torch.Tensor] | None


class StepGraphs:
    """Runs step functions eagerly for their warm-up, then as captured CUDA graphs."""

    def __init__(self, device: torch.device, generator: torch.Generator) -> None:
        if device.type != "cuda":
            raise ConfigError(f"cuda_graph=1 needs a CUDA device, not {device}")
        if not hasattr(torch.cuda.CUDAGraph, "register_generator_state"):
            raise ConfigError(
                "cuda_graph=1 needs a torch whose CUDA graphs take a user generator "
                "(CUDAGraph.register_generator_state); upgrade torch or use cuda_graph=0"
            )
        self.device, self.generator = device, generator
        self._side = torch.cuda.Stream(device)
        self._warm: dict[Hashable, int] = {}
        self._graphs: dict[Hashable, _Captured] = {}

    @property
    def captured(self) -> tuple[Hashable, ...]:
        """The keys captured so far (tests and the speed report read it)."""
        return tuple(self._graphs)

    def __call__(
        self, key: Hashable, fn: StepFn, real_x: torch.Tensor, real_y: torch.Tensor | None
    ) -> dict[str, torch.Tensor] | None:
        captured = self._graphs.get(key)
        if captured is None:
            if self._warm.get(key, 0) < WARMUP_STEPS:
                self._warm[key] = self._warm.get(key, 0) + 1
                return self._on_side_stream(fn, real_x, real_y)
            captured = self._graphs[key] = self._capture(fn, real_x, real_y)
        else:
            captured.real_x.copy_(real_x)
            if captured.real_y is not None:
                captured.real_y.copy_(real_y)
        captured.graph.replay()
        return captured.out

    def _on_side_stream(
        self, fn: StepFn, real_x: torch.Tensor, real_y: torch.Tensor | None
    ) -> dict[str, torch.Tensor] | None:
        main = torch.cuda.current_stream(self.device)
        self._side.wait_stream(main)
        with torch.cuda.stream(self._side):
            out = fn(real_x, real_y)
        main.wait_stream(self._side)
        return out

    def _capture(self, fn: StepFn, real_x: torch.Tensor, real_y: torch.Tensor | None) -> _Captured:
        """Record ``fn`` on static copies of this step's inputs (capture runs nothing: the
        caller's replay right after is this step's update)."""
        static_x = real_x.clone()
        static_y = None if real_y is None else real_y.clone()
        graph = torch.cuda.CUDAGraph()
        graph.register_generator_state(self.generator)
        with torch.cuda.graph(graph):
            out = fn(static_x, static_y)
        return _Captured(graph, static_x, static_y, out)
