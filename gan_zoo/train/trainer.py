"""The one training loop every model runs through.

Per step: draw a real batch by index and a latent batch, let the model generate once, sum the
model's D terms and step D, then sum its G terms and step G. Around that: device placement,
seeding, atomic checkpoints with every RNG state (exact resume on CPU, and on CUDA with the
``deterministic`` option), SIGINT and SIGTERM flags checked between steps (both save and
return), divergence detection, history, and a progress bar.

Nothing in the loop reads a tensor on the host between check points (history rows,
checkpoints, curve points, the end), so on a GPU the CPU queues steps ahead of the device:
losses, history sums and the non-finite watch all stay on the device until a check reads them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from gan_zoo.config import Budget
from gan_zoo.data.dataset import ImageDataset
from gan_zoo.devices import pick_device
from gan_zoo.errors import ConfigError
from gan_zoo.io import load_tensors
from gan_zoo.models.base import GanModel
from gan_zoo.models.registry import shown_logs
from gan_zoo.progress import progress_bar
from gan_zoo.run_config import differing_keys
from gan_zoo.train.batches import IndexSampler
from gan_zoo.train.callbacks import Clock, StepCallback, StepEnd
from gan_zoo.train.checkpoints import CheckpointFiles
from gan_zoo.train.determinism import deterministic_algorithms
from gan_zoo.train.divergence import DivergenceWatch
from gan_zoo.train.history import History
from gan_zoo.train.probe import Curve, Probe
from gan_zoo.train.seeding import rng_states, set_rng_states
from gan_zoo.train.space import check_room, checkpoint_bytes
from gan_zoo.train.speed import SpeedOptions
from gan_zoo.train.step_graphs import StepGraphs
from gan_zoo.train.stop_signals import StopFlag

__all__ = ["LOSSES", "TrainResult", "Trainer", "pick_device"]

#: the two totals every step logs, whatever the model: shown by the progress bar and the plots
LOSSES = ("loss_d", "loss_g")


@dataclass
class TrainResult:
    status: str  # complete | diverged | interrupted
    step: int
    seconds: float
    images_per_second: float
    history: list[dict[str, float]] = field(default_factory=list)
    error: str | None = None
    signal: int | None = None  # the signal that interrupted the run (SIGINT, SIGTERM), if any
    resumed_from: int = 0  # the step this session started at (0 unless it resumed)
    curve: list[dict[str, float]] = field(default_factory=list)  # filled by train_run
    curve_seconds: float = 0.0
    shown: tuple[str, ...] = LOSSES  # the history columns a person watches (bar and plots)


class Trainer:
    def __init__(
        self,
        model: GanModel,
        dataset: ImageDataset,
        budget: Budget,
        seed: int,
        run_dir: str | Path | None = None,
        device: str | torch.device | None = None,
        progress: bool = True,
        *,
        probe: Probe | None = None,
        clock: Clock = time.perf_counter,
        callbacks: Sequence[StepCallback] = (),
    ) -> None:
        self.device = pick_device(device)
        self.model = model.to(self.device)
        self.budget, self.seed, self.progress = budget, seed, progress
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.clock = clock
        self.callbacks = list(callbacks)
        self.speed = SpeedOptions.from_hparams(model.hparams, self.device)
        self.images = dataset.images.to(self.device)
        self.labels = None if dataset.labels is None else dataset.labels.to(self.device)
        self.batch_size = int(model.hparams["batch_size"])
        self.generator = torch.Generator(device=self.device).manual_seed(seed)
        self.sampler = IndexSampler(len(dataset), self.batch_size, self.generator, self.device)
        groups = model.param_groups()
        self._d_params = groups["d"].params
        if self.speed.channels_last:
            self.model.to(memory_format=torch.channels_last)
        # each player's optimiser is the model's choice (Adam unless its ParamGroup says)
        self.optimizers = {
            name: group.build(**self.speed.adam_kwargs()) for name, group in groups.items()
        }
        self._last_logs: dict[str, torch.Tensor] = {}
        self.history = History()
        self.step = 0
        self.elapsed = 0.0  # training seconds over every session of this run
        self._stop = StopFlag()
        self.deterministic = bool(model.hparams.get("deterministic", False))
        # learning curve: the probe's rows at its steps, kept in the checkpoint
        self.curve = None if probe is None else Curve(probe, self.batch_size, clock)
        self.speed.compile_networks(model.networks())
        self.graphs = StepGraphs(self.device, [self.generator]) if self.speed.cuda_graph else None

    # --- checkpoints ----------------------------------------------------------------------
    @property
    def checkpoints(self) -> CheckpointFiles | None:
        return None if self.run_dir is None else CheckpointFiles(self.run_dir)

    def state_dict(self, status: str) -> dict[str, Any]:
        return {
            "step": self.step,
            "status": status,
            "model": self.model.state_dict(),
            "optimizers": {k: o.state_dict() for k, o in self.optimizers.items()},
            "generator": self.generator.get_state(),
            "sampler": self.sampler.state_dict(),
            "history": self.history.state_dict(),
            "rng": rng_states(),
            "hparams": self.model.hparams,
            "budget": self.budget.as_dict(),
            "seed": self.seed,
            "elapsed": self.elapsed,
            "device_type": self.device.type,
            "curve": None if self.curve is None else self.curve.state_dict(),
        }

    def save(self, status: str = "running") -> None:
        if self.checkpoints is not None:
            self.checkpoints.save(self.state_dict(status))
            self.history.write_csv(self.run_dir / "history.csv")

    def load(self, state: dict[str, Any] | str | Path) -> str:
        """Restore a checkpoint (a state, or a file read onto the CPU); each tensor goes to the
        device it belongs to. Returns the checkpoint's status.

        A checkpoint resumes on the kind of device that wrote it: the CPU and CUDA generators
        have different states, so a run moved between them could not continue its random
        streams. Moving it is refused with one line that says what to do instead.
        """
        if not isinstance(state, dict):
            state = load_tensors(state)
        written_on = checkpoint_device_type(state)
        if written_on != self.device.type:
            raise ConfigError(
                f"the checkpoint in {self.run_dir} was written on {written_on} and cannot resume "
                f"on {self.device.type}; rerun on {written_on} (--device {written_on}) or start "
                "again with --force"
            )
        self._check_same_hparams(state.get("hparams"))
        self.model.load_state_dict(state["model"])
        for name, opt in self.optimizers.items():
            opt.load_state_dict(state["optimizers"][name])
        self.generator.set_state(state["generator"])
        self.sampler.load_state_dict(state["sampler"])
        self.history.load_state_dict(state["history"], self.device)
        set_rng_states(state["rng"])
        self.step = int(state["step"])
        self.elapsed = float(state.get("elapsed", 0.0))
        if self.curve is not None and state.get("curve"):
            self.curve.load_state_dict(state["curve"])
        return str(state["status"])

    def _check_same_hparams(self, saved: dict[str, Any] | None) -> None:
        """A run continues under the hyperparameters it started with, or not at all."""
        current = self.model.hparams
        keys = [] if saved is None else differing_keys(saved, current)
        if keys:
            changes = ", ".join(f"{k} {saved.get(k)!r} -> {current.get(k)!r}" for k in keys)
            raise ConfigError(
                f"the checkpoint in {self.run_dir} was written under other hyperparameters "
                f"({changes}); resume with the same settings or start again with --force"
            )

    # --- the loop -------------------------------------------------------------------------
    def request_stop(self) -> None:
        """Stop after the step in flight, as SIGINT would: saved as interrupted, resumable."""
        self._stop.set()

    def train_step(self, total_steps: int | None = None) -> dict[str, torch.Tensor]:
        """One step: the model's D updates, then its G updates (one each unless its
        ``update_schedule`` says otherwise); returns the step's detached logs."""
        self.model.schedule(self.step, total_steps or self.budget.steps)
        d_steps, g_steps = self.model.update_schedule.counts(self.step, self._last_logs)
        for _ in range(d_steps - 1):  # extra critic updates, each on its own batch
            self._run("d_only", self._d_only_update, *self._next_batch())
        extra = g_steps - 1

        def step(real_x: torch.Tensor, real_y: torch.Tensor | None) -> dict[str, torch.Tensor]:
            return self._train_step(real_x, real_y, extra_g_steps=extra)

        logs = self._run(("step", extra, self.model.graph_key()), step, *self._next_batch())
        self._last_logs = logs
        return logs

    def _run(self, key: Any, fn: Any, real_x: torch.Tensor, real_y: torch.Tensor | None) -> Any:
        """``fn`` on this batch: eagerly, or through its CUDA graph with ``cuda_graph=1``."""
        if self.graphs is None:
            return fn(real_x, real_y)
        return self.graphs(key, fn, real_x, real_y)

    def _next_batch(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        idx = self.sampler.next()
        real_x = self.speed.prepare_images(self.images[idx])
        return real_x, None if self.labels is None else self.labels[idx]

    def _train_step(
        self, real_x: torch.Tensor, real_y: torch.Tensor | None, extra_g_steps: int = 0
    ) -> dict[str, torch.Tensor]:
        """D and G updates on one batch and one generation (G's graph serves both phases).

        Logs: D's context logs under their names, G's under theirs (prefixed ``g_`` where D
        logged the same name), and each term as ``<phase>_<term>``.
        """
        model = self.model
        latent = model.latent.sample(real_x.shape[0], self.generator, self.device)
        logs: dict[str, torch.Tensor] = {}
        with self.speed.autocast():
            fakes = model.fake_pass(latent, real_x, real_y)
            d_ctx = model.d_context(real_x, real_y, fakes, latent)
            loss_d = self._phase_loss("d", d_ctx, logs)
        self._update("d", loss_d)
        with self.speed.frozen(self._d_params):
            with self.speed.autocast():
                g_ctx = model.g_context(real_x, real_y, fakes, latent)
                loss_g = self._phase_loss("g", g_ctx, logs)
            self._update("g", loss_g)
            for _ in range(extra_g_steps):  # further G updates on fresh latents
                latent = model.latent.sample(real_x.shape[0], self.generator, self.device)
                with self.speed.autocast():
                    fakes = model.fake_pass(latent, real_x, real_y)
                    extra = model.g_context(real_x, real_y, fakes, latent)
                    self._update("g", self._phase_loss("g", extra, {}))
        logs["loss_d"], logs["loss_g"] = loss_d.detach(), loss_g.detach()
        logs.update(d_ctx.log)
        logs.update({(f"g_{k}" if k in d_ctx.log else k): v for k, v in g_ctx.log.items()})
        return {k: v.detach() for k, v in logs.items()}

    def _d_only_update(self, real_x: torch.Tensor, real_y: torch.Tensor | None) -> None:
        """One more D update on a fresh batch and fresh fakes (no G graph is kept)."""
        model = self.model
        latent = model.latent.sample(real_x.shape[0], self.generator, self.device)
        with self.speed.autocast():
            with torch.no_grad():
                fakes = model.fake_pass(latent, real_x, real_y)
            ctx = model.d_context(real_x, real_y, fakes, latent)
            self._update("d", self._phase_loss("d", ctx, {}))

    def _phase_loss(self, phase: str, ctx: Any, logs: dict[str, torch.Tensor]) -> torch.Tensor:
        return phase_loss(self.model.terms, phase, ctx, logs)

    def _update(self, name: str, loss: torch.Tensor) -> None:
        opt = self.optimizers[name]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def fit(self) -> TrainResult:
        """Train to the budget (resuming from the run folder's checkpoint if there is one)."""
        if (finished := self.resume()) is not None:
            return finished
        if self.run_dir is not None:  # room for its checkpoints, before the first step
            check_room(
                self.run_dir, checkpoint_bytes(self.state_dict("running"), self.optimizers.values())
            )
        total = self.budget.steps
        self.model.train()
        start_step, t0 = self.step, self.clock()
        mark, probing = t0, 0.0
        bar = progress_bar(
            total=total,
            initial=self.step,
            desc=f"{self.model.name} seed {self.seed}",
            disable=not self.progress,
            leave=False,
            mininterval=1.0,
            dynamic_ncols=True,
        )
        status, error = "complete", None
        watch = DivergenceWatch(self.device, start_step=self.step)
        shown = self.shown_logs()
        with self._stop.catching(), deterministic_algorithms(self.deterministic), bar:
            while self.step < total:
                if self._stop.is_set():
                    status = "interrupted"
                    break
                logs = self.train_step(total)
                self.history.add(logs, keep=watch.observe(logs["loss_d"], logs["loss_g"]))
                self.step += 1
                bar.update()
                if self._check_point(total) and (bad := watch.first_nonfinite_step()):
                    status, error = "diverged", f"non-finite loss at step {bad}"
                    self.step = bad - 1  # the steps done before it; later ones are discarded
                    break
                row = None
                if self.step % self.budget.log_every == 0 or self.step == total:
                    row = self.history.flush(self.step)
                    bar.set_postfix({k: f"{v:.3g}" for k, v in row.items() if k in shown})
                if self.curve is not None and self.curve.due(self.step):
                    now = self.clock()  # the probe's time is not training time
                    self.elapsed += now - mark
                    bar.set_postfix_str(f"curve point {self.curve.label(self.step)}")
                    probing += self.curve.measure(self.model, self.step, self.elapsed)
                    mark = self.clock()
                if self.step % self.budget.checkpoint_every == 0 and self.step < total:
                    now = self.clock()
                    self.elapsed, mark = self.elapsed + now - mark, now
                    self.save()
                self.end_step(logs, row)
        if status == "interrupted" and (bad := watch.first_nonfinite_step()):
            status, error = "diverged", f"non-finite loss at step {bad}"
            self.step = bad - 1
        seconds = self.clock() - t0 - probing
        self.elapsed += self.clock() - mark
        done = self.step - start_step
        if status == "diverged":
            self.mark_diverged(error)
        else:
            self.save(status)
        ips = images_per_second(done, self.batch_size, seconds)
        return self._result(status, ips, error, resumed_from=start_step)

    def resume(self) -> TrainResult | None:
        """Load the run folder's checkpoint, if any; a run it says is over (complete or
        diverged) gets its result back, one to continue gets None."""
        saved = None if self.checkpoints is None else self.checkpoints.load()
        if saved is None:
            return None
        status = self.load(saved)
        if status not in ("complete", "diverged"):
            return None
        ips = images_per_second(self.step, self.batch_size, self.elapsed)
        # a diverged run keeps saying why
        return self._result(status, ips, saved.get("error"), resumed_from=self.step)

    def mark_diverged(self, error: str) -> None:
        """End a diverged run: its history up to its last good step, and its checkpoint
        keeping the last good weights, marked diverged with ``error``."""
        self.history.flush(self.step)
        if self.checkpoints is not None:
            marker = self.checkpoints.load() or self.state_dict("diverged")
            marker["status"], marker["error"] = "diverged", error
            self.checkpoints.save(marker)

    def end_step(self, logs: dict[str, torch.Tensor], row: dict[str, float] | None) -> None:
        """Call the callbacks on the step just done (after everything it wrote)."""
        if self.callbacks:
            event = StepEnd(self, self.step, logs, row)
            for callback in self.callbacks:
                callback(event)

    def _check_point(self, total: int) -> bool:
        """Whether this step writes something (a history row, a curve point, a checkpoint) or
        ends the run: the non-finite watch is read there and nowhere else."""
        step = self.step
        return (
            step % self.budget.log_every == 0
            or step % self.budget.checkpoint_every == 0
            or step == total
            or (self.curve is not None and self.curve.due(step))
        )

    def shown_logs(self) -> tuple[str, ...]:
        """The two losses and the logs the model's family marks as worth watching."""
        return (*LOSSES, *shown_logs(self.model.name))

    def _result(self, status: str, ips: float, error: str | None, resumed_from: int) -> TrainResult:
        return TrainResult(
            status,
            self.step,
            self.elapsed,
            ips,
            self.history.rows,
            error,
            signal=self._stop.signum,
            resumed_from=resumed_from,
            shown=self.shown_logs(),
        )


def images_per_second(steps: int, batch_size: int, seconds: float) -> float:
    """Training speed over ``steps`` steps in ``seconds``; 0 when there is nothing to measure."""
    return steps * batch_size / seconds if seconds > 0 and steps else 0.0


def phase_loss(
    terms: list[Any], phase: str, ctx: Any, logs: dict[str, torch.Tensor]
) -> torch.Tensor:
    """The weighted sum of ``phase``'s terms on ``ctx``; each term logged as ``<phase>_<name>``
    (one definition for the trainer and the fused trainer)."""
    total = None
    for term in terms:
        if term.phase != phase:
            continue
        value = term.fn(ctx)
        logs[f"{phase}_{term.name}"] = value.detach()
        total = term.weight * value if total is None else total + term.weight * value
    return total


def checkpoint_device_type(state: dict[str, Any]) -> str:
    """``cpu`` or ``cuda``: recorded since checkpoints say so, else read off the generator state
    (a CUDA generator's state is 16 bytes of seed and offset, a CPU generator's far longer)."""
    if "device_type" in state:
        return str(state["device_type"])
    return "cuda" if state["generator"].numel() == 16 else "cpu"
