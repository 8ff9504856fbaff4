"""Several runs of one family trained as one batched computation (``--fuse K``).

A run of these small models is far too small to keep a GPU busy: each step is hundreds of tiny
kernels. K runs of the same family, dataset, budget and hyperparameters have the same
architecture, so their weights are stacked (one ``[K, ...]`` tensor per parameter and buffer) and
each phase of the step runs once for all of them through ``torch.func.vmap`` over
``functional_call``: convolutions become grouped convolutions, linear layers batched products.
Everything that makes a run itself stays its own: its seed and initial weights, its data order
and latents (its own ``Trainer``'s generator and sampler, drawn in the same order as alone), its
optimiser state (Adam is elementwise, so one Adam over the stacked tensors is K Adams), its
history, divergence watch, curve and checkpoint. The members are ordinary ``Trainer`` objects:
at each check point the stacked tensors are copied back into them and each saves its own
ordinary checkpoint, which a separate run could resume, and which a fused run resumes from.

BatchNorm under vmap: each member's running statistics are its own slice of the stacked buffer,
updated in place through vmap's batch rule for ``batch_norm``, once per forward as alone.
Spectral norm's power iteration writes its vectors through ``out=``, which vmap cannot batch; the
fused model's copy does the same iteration with ``copy_`` (``vmap_ready``).

What differs from a separate run is floating-point order only: a grouped convolution or a
batched product may sum in another order than K single ones, so losses agree to about 1e-6
relative, not bit for bit. A member whose loss turns non-finite is marked ``diverged`` at the
next check point exactly as alone (its last good checkpoint kept); the others are stacked again
without it and go on.

With ``cuda_graph=1`` the fused step (every member's latents, D's and G's updates) is captured
as one CUDA graph per model phase by the same plan a single run uses (``step_graphs``, with K
members' generators and their batches stacked into one static buffer); the eager step stays
the reference and the default. Graphs live as long as one stacking: a resumed run, or the
members stacked again after one diverged, warm up and capture anew.
"""

from __future__ import annotations

import copy
import dataclasses
import types
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call, vmap

from gan_zoo.data.dataset import ImageDataset
from gan_zoo.errors import ConfigError
from gan_zoo.models.registry import fused_families, fuses
from gan_zoo.progress import progress_bar
from gan_zoo.train.determinism import deterministic_algorithms
from gan_zoo.train.divergence import DivergenceWatch
from gan_zoo.train.step_graphs import Backend, StepGraphs, check_capturable
from gan_zoo.train.stop_signals import StopFlag
from gan_zoo.train.trainer import Trainer, TrainResult, images_per_second, phase_loss


def check_fusable(model_name: str, hparams: dict[str, Any]) -> None:
    """Refuse, in one line, what fused training does not do: a family fuses where its
    registration declares ``fuses=True`` (``gan_zoo.models.register``), a plugin's alike."""
    if not fuses(model_name):
        raise ConfigError(
            f"--fuse is not available for {model_name}: its registration does not declare "
            f"fuses=True (fused families: {', '.join(fused_families())})"
        )
    if hparams.get("compile"):
        raise ConfigError("--fuse does not combine with compile=1; choose one")


def on_device(dataset: ImageDataset, device: torch.device) -> ImageDataset:
    """The dataset moved once, so K members share one copy on the device (each ``Trainer``
    moves its data, which is then a no-op): dSprites is 3 GB as uint8."""
    labels = None if dataset.labels is None else dataset.labels.to(device)
    return dataclasses.replace(dataset, images=dataset.images.to(device), labels=labels)


# --- dataclasses of tensors, flattened across the vmap boundary ---------------------------------
Spec = Any


def flatten(obj: Any) -> tuple[list[torch.Tensor], Spec]:
    """The tensors of a nest of dataclasses, dicts, lists and tuples, and how to rebuild it."""
    leaves: list[torch.Tensor] = []

    def walk(o: Any) -> Spec:
        if isinstance(o, torch.Tensor):
            leaves.append(o)
            return ("tensor",)
        if dataclasses.is_dataclass(o) and not isinstance(o, type):
            return (
                "dataclass",
                o,
                {f.name: walk(getattr(o, f.name)) for f in dataclasses.fields(o)},
            )
        if isinstance(o, dict):
            return ("dict", {k: walk(v) for k, v in o.items()})
        if isinstance(o, (list, tuple)):
            return ("seq", type(o), [walk(v) for v in o])
        return ("const", o)

    return leaves, walk(obj)


def unflatten(spec: Spec, leaves: list[torch.Tensor]) -> Any:
    it = iter(leaves)

    def build(s: Spec) -> Any:
        kind = s[0]
        if kind == "tensor":
            return next(it)
        if kind == "dataclass":
            new = copy.copy(s[1])
            for name, sub in s[2].items():
                object.__setattr__(new, name, build(sub))
            return new
        if kind == "dict":
            return {k: build(v) for k, v in s[1].items()}
        if kind == "seq":
            return s[1](build(v) for v in s[2])
        return s[1]

    return build(spec)


def stack_leaves(objs: list[Any]) -> tuple[list[torch.Tensor], Spec]:
    """One member's structure with each tensor stacked over the members (dim 0)."""
    flat = [flatten(o) for o in objs]
    return [torch.stack(ts) for ts in zip(*(f[0] for f in flat), strict=True)], flat[0][1]


@torch.no_grad()
def _power_method_in_place(self: nn.Module, weight_mat: torch.Tensor, n_iterations: int) -> None:
    """Spectral norm's power iteration written with ``copy_`` instead of ``out=``, which vmap
    cannot batch; the same values land in the same buffers."""
    for _ in range(n_iterations):
        self._u.copy_(F.normalize(torch.mv(weight_mat, self._v), dim=0, eps=self.eps))
        self._v.copy_(F.normalize(torch.mv(weight_mat.H, self._u), dim=0, eps=self.eps))


def vmap_ready(model: nn.Module) -> None:
    """Let ``model`` run under vmap: each spectral-norm parametrisation gets the power
    iteration above (torch's writes through ``out=``)."""
    for module in model.modules():
        if type(module).__name__ == "_SpectralNorm" and hasattr(module, "_power_method"):
            module._power_method = types.MethodType(_power_method_in_place, module)


class _Call(nn.Module):
    """``functional_call`` calls a module's forward: this one calls ``fn(model, *args)``."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, fn: Callable[..., Any], *args: Any) -> Any:
        return fn(self.model, *args)


class FusedTrainer:
    """Trains ``members`` (Trainers of one family, dataset, budget and hyperparameters, each
    with its own seed and run folder) as one batched computation.

    The members' seams serve the fused run: their shared clock times it, and each member's
    callbacks see that member's steps; a callback's stop (``StepEnd.stop``) stops every member,
    as a signal does, since they train as one.
    """

    def __init__(self, members: list[Trainer], graph_backend: Backend | None = None) -> None:
        if not members:
            raise ValueError("a fused run needs at least one member")
        first = members[0]
        for m in members[1:]:
            if (m.model.name, m.model.hparams, m.budget, m.device, m.clock) != (
                first.model.name,
                first.model.hparams,
                first.budget,
                first.device,
                first.clock,
            ):
                raise ValueError(
                    "fused runs must share family, hyperparameters, budget, device and clock"
                )
        check_fusable(first.model.name, first.model.hparams)
        counts = first.model.update_schedule
        if counts.d_steps != 1 or counts.g_steps != 1:
            raise ConfigError("--fuse needs one D and one G update per step")
        self.members = members
        self.device, self.budget, self.speed = first.device, first.budget, first.speed
        self.clock = first.clock
        # cuda_graph=1: each stacking gets its own plan (``step_graphs``); a given backend
        # (the tests' stand-in) drives the same plan without CUDA
        self._graph_backend = graph_backend
        self.graphed = bool(self.speed.cuda_graph) or graph_backend is not None
        if self.graphed and graph_backend is None:
            check_capturable(self.device)
        self.graphs: StepGraphs | None = None
        self._stop = StopFlag()
        for m in members:  # one flag: a member's request_stop stops the fused run
            m._stop = self._stop

    # --- stacking ---------------------------------------------------------------------------
    def _stack(self, live: list[Trainer]) -> None:
        """Stacked weights, buffers and optimisers built from the ``live`` members' own."""
        self.live = live
        template = live[0].model
        vmap_ready(template)
        self.call = _Call(template)
        self.params = {
            name: torch.stack([m.model.get_parameter(name).detach() for m in live])
            .contiguous()
            .requires_grad_(p.requires_grad)
            for name, p in template.named_parameters()
        }
        self.buffers = {
            name: torch.stack([m.model.get_buffer(name) for m in live]).contiguous()
            for name, _ in template.named_buffers()
        }
        self.state = {f"model.{k}": v for k, v in {**self.params, **self.buffers}.items()}
        names = {id(p): name for name, p in template.named_parameters()}
        self.optimizers = {}
        self.group_names: dict[str, list[str]] = {}
        for player, group in template.param_groups().items():
            self.group_names[player] = [names[id(p)] for p in group.params]
            stacked = dataclasses.replace(
                group, params=[self.params[n] for n in self.group_names[player]]
            )
            opt = stacked.build(**self.speed.adam_kwargs())
            member_states = [m.optimizers[player].state_dict()["state"] for m in live]
            if member_states[0]:
                opt.load_state_dict(
                    {
                        "state": {
                            j: {
                                k: (
                                    v
                                    if k == "step"
                                    else torch.stack([s[j][k] for s in member_states])
                                )
                                for k, v in member_states[0][j].items()
                            }
                            for j in member_states[0]
                        },
                        "param_groups": opt.state_dict()["param_groups"],
                    }
                )
            self.optimizers[player] = opt
        self._d_params = [self.params[n] for n in self.group_names["d"]]
        # new stacked tensors: graphs captured on the old ones are dropped and warm up again
        self.graphs = None
        if self.graphed:
            generators = [m.generator for m in live]
            self.graphs = StepGraphs(
                self.device, generators, stacked=True, backend=self._graph_backend
            )

    @torch.no_grad()
    def _unstack(self, weights_only: bool = False) -> None:
        """Copy each live member's slice of the stacked tensors into its own model and (unless
        ``weights_only``) optimisers, so its checkpoint, curve and evaluation see its weights."""
        for i, m in enumerate(self.live):
            for name, value in self.params.items():
                m.model.get_parameter(name).copy_(value[i])
            for name, value in self.buffers.items():
                m.model.get_buffer(name).copy_(value[i])
            if weights_only:
                continue
            for player, opt in self.optimizers.items():
                stacked = opt.state_dict()
                own = m.optimizers[player]
                own.load_state_dict(
                    {
                        "state": {
                            j: {k: (v if k == "step" else v[i].clone()) for k, v in state.items()}
                            for j, state in stacked["state"].items()
                        },
                        "param_groups": own.state_dict()["param_groups"],
                    }
                )

    # --- one step for every live member -------------------------------------------------------
    def _vmap(self, fn: Callable[..., Any], *args: Any) -> Any:
        def one(state: dict[str, torch.Tensor], *a: Any) -> Any:
            return functional_call(self.call, state, (fn, *a))

        in_dims = (0, *(None if a is None else 0 for a in args))  # real_y may be None
        return vmap(one, in_dims=in_dims)(self.state, *args)

    def _update(self, player: str, loss: torch.Tensor) -> None:
        opt = self.optimizers[player]
        opt.zero_grad(set_to_none=True)
        loss.sum().backward()  # the members' losses share no weights: each gets its own gradient
        opt.step()

    def train_step(self, step: int, total: int) -> dict[str, torch.Tensor]:
        """The step of ``Trainer._train_step`` for every live member at once; logs are [K].

        The batches are drawn here, eagerly; the rest (``_step``) runs eagerly or, with
        ``cuda_graph=1``, as one graph for all members per model phase."""
        live = self.live
        for m in live:
            m.model.schedule(step, total)
        self.call.model.schedule(step, total)
        batches = [m._next_batch() for m in live]  # each member's own order, then its latents
        real_x = torch.stack([b[0] for b in batches])
        real_y = None if batches[0][1] is None else torch.stack([b[1] for b in batches])
        if self.graphs is None:
            return self._step(real_x, real_y)
        return self.graphs(("fused", self.call.model.graph_key()), self._step, real_x, real_y)

    def _step(self, real_x: torch.Tensor, real_y: torch.Tensor | None) -> dict[str, torch.Tensor]:
        """Every live member's latents (from its own generator), then D's and G's updates."""
        live = self.live
        latents = [m.model.latent.sample(m.batch_size, m.generator, m.device) for m in live]
        lat, lat_spec = stack_leaves(latents)
        box: dict[str, Spec] = {}

        def generate(model, rx, ry, lat):
            leaves, box["fakes"] = flatten(model.fake_pass(unflatten(lat_spec, lat), rx, ry))
            return leaves

        def d_phase(model, rx, ry, fakes, lat):
            ctx = model.d_context(rx, ry, unflatten(box["fakes"], fakes), unflatten(lat_spec, lat))
            logs: dict[str, torch.Tensor] = {}
            return phase_loss(model.terms, "d", ctx, logs), logs, dict(ctx.log)

        def g_phase(model, rx, ry, fakes, lat):
            ctx = model.g_context(rx, ry, unflatten(box["fakes"], fakes), unflatten(lat_spec, lat))
            logs: dict[str, torch.Tensor] = {}
            return phase_loss(model.terms, "g", ctx, logs), logs, dict(ctx.log)

        with self.speed.autocast():
            fakes = self._vmap(generate, real_x, real_y, lat)
            loss_d, logs, d_log = self._vmap(d_phase, real_x, real_y, fakes, lat)
        self._update("d", loss_d)
        with self.speed.frozen(self._d_params):
            with self.speed.autocast():
                loss_g, g_terms, g_log = self._vmap(g_phase, real_x, real_y, fakes, lat)
            self._update("g", loss_g)
        logs.update(g_terms)
        logs["loss_d"], logs["loss_g"] = loss_d.detach(), loss_g.detach()
        logs.update(d_log)
        logs.update({(f"g_{k}" if k in d_log else k): v for k, v in g_log.items()})
        return {k: v.detach() for k, v in logs.items()}

    def stepper(self) -> Callable[[], dict[str, torch.Tensor]]:
        """One fused step per call, nothing saved or read back (for speed measurements)."""
        self._stack(self.members)
        for m in self.members:
            m.model.train()
        total = self.budget.steps

        def step() -> dict[str, torch.Tensor]:
            logs = self.train_step(self.members[0].step, total)
            for m in self.members:
                m.step += 1
            return logs

        return step

    # --- the loop -----------------------------------------------------------------------------
    def fit(self) -> list[TrainResult]:
        """Train every member to the budget, resuming each from its own checkpoint; one result
        per member, in order. Members saved at different steps train in one group per step."""
        results: dict[int, TrainResult] = {}
        waiting: dict[int, list[int]] = {}
        for i, m in enumerate(self.members):
            if (finished := m.resume()) is not None:
                results[i] = finished
                continue
            waiting.setdefault(m.step, []).append(i)
        for _, group in sorted(waiting.items()):
            results.update(self._train(group))
            if any(results[i].status == "interrupted" for i in group):
                break  # a stop signal stops every group
        for i, m in enumerate(self.members):
            if i not in results:  # a later group after a stop: untouched, interrupted at its step
                results[i] = m._result("interrupted", 0.0, None, resumed_from=m.step)
        return [results[i] for i in range(len(self.members))]

    def _train(self, group: list[int]) -> dict[int, TrainResult]:
        members = [self.members[i] for i in group]
        index = {id(m): i for i, m in zip(group, members, strict=True)}
        total = self.budget.steps
        for m in members:
            m.model.train()
        self._stack(members)
        step = start = members[0].step
        t0 = self.clock()
        mark, probing = t0, 0.0
        watches = {id(m): DivergenceWatch(self.device, start_step=start) for m in members}
        ended: dict[int, TrainResult] = {}
        status = "complete"
        seeds = ",".join(str(m.seed) for m in members)
        bar = progress_bar(
            total=total,
            initial=start,
            desc=f"{members[0].model.name} seeds {seeds} (fused)",
            disable=not members[0].progress,
            leave=False,
            mininterval=1.0,
            dynamic_ncols=True,
        )

        def charge() -> None:  # the wall time since the last mark, to every live member
            nonlocal mark
            now = self.clock()
            for m in self.live:
                m.elapsed += now - mark
            mark = now

        def diverge(m: Trainer, bad: int) -> None:
            m.step = bad - 1
            error = f"non-finite loss at step {bad}"
            m.mark_diverged(error)
            ips = images_per_second(m.step - start, m.batch_size, self.clock() - t0)
            ended[index[id(m)]] = m._result("diverged", ips, error, resumed_from=start)

        def check_divergence() -> bool:
            """Mark the members whose loss went non-finite diverged and stack the others again
            without them; False when none is left."""
            bad = {id(m): watches[id(m)].first_nonfinite_step() for m in self.live}
            if any(bad.values()):
                charge()
                self._unstack()
                for m in self.live:
                    if bad[id(m)]:
                        diverge(m, bad[id(m)])
                alive = [m for m in self.live if not bad[id(m)]]
                if alive:
                    self._stack(alive)
                else:
                    self.live = []
            return bool(self.live)

        deterministic = bool(members[0].deterministic)
        with self._stop.catching(), deterministic_algorithms(deterministic), bar:
            while step < total and self.live:
                if self._stop.is_set():
                    status = "interrupted"
                    break
                logs = self.train_step(step, total)
                step += 1
                owns = {}
                for i, m in enumerate(self.live):
                    owns[id(m)] = own = {k: v[i] for k, v in logs.items()}
                    m.history.add(own, keep=watches[id(m)].observe(own["loss_d"], own["loss_g"]))
                    m.step = step
                bar.update()
                if self.live[0]._check_point(total) and not check_divergence():
                    break
                rows = {}
                if step % self.budget.log_every == 0 or step == total:
                    for m in self.live:
                        rows[id(m)] = m.history.flush(step)
                first = self.live[0]
                curve_due = first.curve is not None and first.curve.due(step)
                checkpoint_due = step % self.budget.checkpoint_every == 0 and step < total
                if curve_due or checkpoint_due:
                    charge()
                    self._unstack()
                if curve_due:
                    bar.set_postfix_str(f"curve point {first.curve.label(step)}")
                    for m in self.live:
                        probing += m.curve.measure(m.model, step, m.elapsed)
                    mark = self.clock()
                if checkpoint_due:
                    for m in self.live:
                        m.save()
                if any(m.callbacks for m in self.live):
                    self._unstack(weights_only=True)  # a callback may sample the model
                for m in self.live:  # each member's own callbacks, as its Trainer calls them
                    m.end_step(owns[id(m)], rows.get(id(m)))
            if status == "interrupted":
                check_divergence()
        charge()
        seconds = self.clock() - t0 - probing
        if self.live:
            self._unstack()
        for m in self.live:
            m.save(status)
            ips = images_per_second(m.step - start, m.batch_size, seconds)
            result = m._result(status, ips, None, resumed_from=start)
            result.signal = self._stop.signum
            ended[index[id(m)]] = result
        self.live = []
        return ended
