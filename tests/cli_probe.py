"""``python tests/cli_probe.py ARGS``: the runner's CLI (``benchmarks.run.main``) with test hooks.

Hooks, chosen by environment variables, all through the runner's services
(``benchmarks.runner.execute.SERVICES``; the CLI itself is unchanged):
- always: prints ``probe: trained steps A..B (N)`` to stderr at exit, the steps this process
  trained, so a test can see where a rerun restarted;
- ``PROBE_SYNTHETIC=1``: random MNIST-shaped data and a stand-in evaluation (fast, no real
  digits needed; the training, checkpoints and records are the real ones);
- ``PROBE_KILL_AFTER_CHECKPOINT=1``: SIGKILL this process right after the first mid-training
  checkpoint is on disk, a kill that lands during training by construction;
- ``PROBE_SIGNAL=<stage>:<SIGINT|SIGTERM>``: this process sends itself the signal once, at
  that stage of the run: ``planning`` (while the plan is made), ``training`` (right after the
  first mid-training checkpoint), ``evaluation`` (inside the evaluation) or ``record`` (as the
  record is about to be written); the signal arrives as a terminal's Ctrl-C or a scheduler's
  SIGTERM would;
- ``PROBE_FILL=<file>``: right after the first mid-training checkpoint, fill the file system
  holding the run folder with ``<file>`` (a disk that fills up during training).
"""

from __future__ import annotations

import os
import signal
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import benchmarks.runner.execute
from gan_zoo.train.callbacks import StepEnd
from gan_zoo.train.trainer import Trainer

steps: list[int] = []


def count(event: StepEnd) -> None:
    steps.append(event.step - 1)


def kill_after_checkpoint(event: StepEnd) -> None:
    """A step's callbacks run after its checkpoint is written: die right after one."""
    budget = event.trainer.budget
    if event.step % budget.checkpoint_every == 0 and event.step < budget.steps:
        os.kill(os.getpid(), signal.SIGKILL)


services = replace(benchmarks.runner.execute.SERVICES, callbacks=(count,))
if os.environ.get("PROBE_KILL_AFTER_CHECKPOINT"):
    services = replace(services, callbacks=(count, kill_after_checkpoint))

_SIGNAL_AT = os.environ.get("PROBE_SIGNAL", "")
if _SIGNAL_AT:
    _stage, _name = _SIGNAL_AT.split(":")
    _signum = getattr(signal, _name)

    def _signal_once() -> None:
        global _stage
        if _stage:
            _stage = ""
            os.kill(os.getpid(), _signum)

    def _at(stage: str, module, name: str) -> None:
        """Send the signal when ``module.name`` is first called, if this is the stage."""
        if _stage != stage:
            return
        real = getattr(module, name)

        def wrapped(*args, **kwargs):
            _signal_once()
            return real(*args, **kwargs)

        setattr(module, name, wrapped)


if os.environ.get("PROBE_FILL"):
    _save_fill = Trainer.save

    def _save_then_fill(self, status="running"):
        _save_fill(self, status)
        filler = Path(os.environ["PROBE_FILL"])
        if status == "running" and not filler.exists():
            with open(filler, "wb") as handle:  # until the file system refuses
                try:
                    while True:
                        handle.write(b"\0" * 65536)
                        handle.flush()
                except OSError:
                    pass

    Trainer.save = _save_then_fill

if os.environ.get("PROBE_SYNTHETIC"):
    from synthetic import synthetic_mnist

    _data = synthetic_mnist(512)

    def _fake_evaluate(model, dataset, run_dir, seed=0, **kwargs):
        print("probe: evaluated", file=sys.stderr, flush=True)
        return {"fid": 1.0 + seed, "code_acc_c1": 0.5}, {}

    services = replace(
        services,
        dataset=lambda name, root: _data,
        evaluate=_fake_evaluate,
        verify=lambda name, root: None,
    )

if _SIGNAL_AT and _stage == "evaluation":
    _evaluate = services.evaluate

    def _signal_then_evaluate(*args, **kwargs):
        _signal_once()
        return _evaluate(*args, **kwargs)

    services = replace(services, evaluate=_signal_then_evaluate)

benchmarks.runner.execute.SERVICES = services

if _SIGNAL_AT:
    import benchmarks.run

    _at("planning", benchmarks.run, "plan_runs")
    _at("record", benchmarks.runner.execute, "write_record")
    if _stage == "training":
        _save_signal = Trainer.save

        def _save_then_signal(self, status="running"):
            _save_signal(self, status)
            if status == "running":
                _signal_once()

        Trainer.save = _save_then_signal


def main() -> int:
    from benchmarks.run import main as run_main

    code = run_main(sys.argv[1:])
    span = f"{steps[0]}..{steps[-1] + 1}" if steps else "none"
    print(f"probe: trained steps {span} ({len(steps)})", file=sys.stderr, flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
