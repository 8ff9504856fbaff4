"""Live training logs in TensorBoard or W&B (``benchmarks.run --log tensorboard,wandb``).

A :class:`LiveLog` is a trainer callback (``gan_zoo.train.callbacks``). Under the run id it
records the losses of every history row (every ``log_every`` steps), the learning-curve metrics
at each curve point, and a grid of samples from fixed latents at each curve step. An
interrupted run resumes the same log: TensorBoard drops what the killed session wrote after
the checkpoint the run resumes from (``purge_step``), and W&B resumes the run of the same id.

Both backends are optional extras, imported only when asked for; a missing one is refused
before any training, in one line naming the ``pip install`` to run.
"""

from __future__ import annotations

import importlib.util
import os
import socket
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

import torch

from gan_zoo.errors import ConfigError
from gan_zoo.train.callbacks import StepEnd
from gan_zoo.train.probe import curve_steps
from gan_zoo.train.seeding import rng_states, set_rng_states

#: backend -> (module it needs, the extra that installs it)
BACKENDS = {"tensorboard": ("tensorboard", "tensorboard"), "wandb": ("wandb", "wandb")}
#: fixed latents of the live sample grids, apart from the evaluation's and the curve bank's
GRID_SEED = 30_000
GRID_SIZE = 64
#: curve-row keys that say where a point is, not what was measured
_POSITION = ("step", "images_seen", "train_seconds")


def parse_log(value: str | None) -> tuple[str, ...]:
    """``--log``: a comma list of backends; unknown or not installed is a ConfigError."""
    if not value:
        return ()
    names = tuple(dict.fromkeys(n.strip() for n in value.split(",") if n.strip()))
    for name in names:
        if name not in BACKENDS:
            raise ConfigError(f"--log {name}: unknown logger (choose from {', '.join(BACKENDS)})")
        module, extra = BACKENDS[name]
        if not installed(module):
            raise ConfigError(
                f"--log {name} needs the {module} package: pip install 'gan-zoo[{extra}]'"
            )
    return names


def installed(module: str) -> bool:
    """Whether ``module`` can be imported, without importing it."""
    try:
        return importlib.util.find_spec(module) is not None
    except ValueError:  # present in sys.modules as None: deliberately blocked
        return False


class Sink(Protocol):
    def scalars(self, values: dict[str, float], step: int) -> None: ...
    def image(self, tag: str, grid: torch.Tensor, step: int) -> None: ...
    def close(self) -> None: ...


class TensorBoardSink:
    """Event files in ``<run folder>/tensorboard``; events of a killed session after the
    step this one resumes from are purged by TensorBoard's reader (``purge_step``)."""

    def __init__(self, folder: Path, resume_step: int) -> None:
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(str(folder), purge_step=resume_step)

    def scalars(self, values: dict[str, float], step: int) -> None:
        for key, value in values.items():
            self.writer.add_scalar(key, value, step)
        self.writer.flush()  # a SIGKILL must not lose what came before the checkpoint

    def image(self, tag: str, grid: torch.Tensor, step: int) -> None:
        self.writer.add_image(tag, grid, step)
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()


def wandb_mode() -> str:
    """``WANDB_MODE`` if set; else online only with an API key and W&B reachable, else
    offline (``wandb sync`` uploads the run folder later)."""
    if mode := os.environ.get("WANDB_MODE"):
        return mode
    if not os.environ.get("WANDB_API_KEY") and not (Path.home() / ".netrc").exists():
        return "offline"
    try:
        socket.create_connection(("api.wandb.ai", 443), timeout=2).close()
    except OSError:
        return "offline"
    return "online"


class WandbSink:
    """One W&B run per run id (resumed by id), its files in the run folder."""

    def __init__(self, folder: Path, run_id: str, config: dict[str, Any]) -> None:
        import wandb

        folder.mkdir(parents=True, exist_ok=True)
        self.wandb = wandb
        self.run = wandb.init(
            project=os.environ.get("WANDB_PROJECT", "gan-zoo"),
            id=run_id,
            name=run_id,
            dir=str(folder),
            config=config,
            resume="allow",
            mode=wandb_mode(),
            settings=wandb.Settings(console="off", silent=True),
        )
        self.run.define_metric("step")
        self.run.define_metric("*", step_metric="step")

    def scalars(self, values: dict[str, float], step: int) -> None:
        self.run.log({"step": step, **values})

    def image(self, tag: str, grid: torch.Tensor, step: int) -> None:
        array = (grid.permute(1, 2, 0).clamp(0, 1) * 255).to(torch.uint8).numpy()
        self.run.log({"step": step, tag: self.wandb.Image(array)})

    def close(self) -> None:
        self.run.finish()


class LiveLog:
    """The trainer callback: losses, curve metrics and sample grids, to every backend."""

    def __init__(
        self,
        backends: Iterable[str],
        run_id: str,
        run_dir: Path,
        total_steps: int,
        config: dict[str, Any] | None = None,
    ) -> None:
        self.backends = tuple(backends)
        self.run_id, self.run_dir = run_id, Path(run_dir)
        self.grid_steps = set(curve_steps(total_steps))
        self.config = config or {}
        self.sinks: list[Sink] = []
        self.started = False

    def at_steps(self, steps: Iterable[int]) -> None:
        """Draw the grids at ``steps`` (the run's own curve points, fewer with ``--curve cheap``)
        instead of the default schedule's ten."""
        self.grid_steps = set(steps)

    def _start(self, event: StepEnd) -> None:
        """Open the backends at this session's first step; re-log what the step the run
        resumed from wrote (its events may have been lost with the killed process)."""
        resume_step = event.step - 1
        for name in self.backends:
            if name == "tensorboard":
                self.sinks.append(TensorBoardSink(self.run_dir / "tensorboard", resume_step))
            elif name == "wandb":
                self.sinks.append(WandbSink(self.run_dir, self.run_id, self.config))
        self.started = True
        trainer = event.trainer
        if resume_step > 0:
            for row in trainer.history.rows:
                if int(row["step"]) == resume_step:
                    self._losses(row)
            self._curve(trainer, resume_step)

    def __call__(self, event: StepEnd) -> None:
        if not self.started:
            self._start(event)
        if event.row:
            self._losses(event.row)
        self._curve(event.trainer, event.step)
        if event.step in self.grid_steps:
            self._grid(event.trainer.model, event.step)

    def _losses(self, row: dict[str, float] | Any) -> None:
        step = int(row["step"])
        values = {f"train/{k}": float(v) for k, v in row.items() if k != "step"}
        for sink in self.sinks:
            sink.scalars(values, step)

    def _curve(self, trainer: Any, step: int) -> None:
        curve = getattr(trainer, "curve", None)
        for row in [] if curve is None else curve.rows:
            if int(row["step"]) == step:
                values = {f"curve/{k}": float(v) for k, v in row.items() if k not in _POSITION}
                for sink in self.sinks:
                    sink.scalars(values, step)

    def _grid(self, model: Any, step: int) -> None:
        from gan_zoo.metrics.traversal import sample_grid

        states = rng_states()  # the run trains the same with or without live logs
        try:
            labels = None
            if model.latent.label_classes:
                labels = torch.arange(GRID_SIZE) % model.latent.label_classes
            generator = torch.Generator(device=model.device).manual_seed(GRID_SEED)
            with torch.no_grad():
                samples = model.sample(GRID_SIZE, labels=labels, generator=generator)
        finally:
            set_rng_states(states)
        grid = sample_grid(samples.images, GRID_SIZE)
        for sink in self.sinks:
            sink.image("samples", grid, step)

    def close(self) -> None:
        for sink in self.sinks:
            sink.close()
        self.sinks = []
