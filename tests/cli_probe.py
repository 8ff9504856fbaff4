"""``python tests/cli_probe.py ARGS``: the runner's CLI (``benchmarks.run.main``) with test hooks.

Hooks, chosen by environment variables, all through the runner's services
(``benchmarks.execute.SERVICES``; the CLI itself is unchanged):
- always: prints ``probe: trained steps A..B (N)`` to stderr at exit, the steps this process
  trained, so a test can see where a rerun restarted;
- ``PROBE_SYNTHETIC=1``: random MNIST-shaped data and a stand-in evaluation (fast, no real
  digits needed; the training, checkpoints and records are the real ones);
- ``PROBE_KILL_AFTER_CHECKPOINT=1``: SIGKILL this process right after the first mid-training
  checkpoint is on disk, a kill that lands during training by construction.
"""

from __future__ import annotations

import os
import signal
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import benchmarks.execute
from gan_zoo.train.callbacks import StepEnd

steps: list[int] = []


def count(event: StepEnd) -> None:
    steps.append(event.step - 1)


def kill_after_checkpoint(event: StepEnd) -> None:
    """A step's callbacks run after its checkpoint is written: die right after one."""
    budget = event.trainer.budget
    if event.step % budget.checkpoint_every == 0 and event.step < budget.steps:
        os.kill(os.getpid(), signal.SIGKILL)


services = replace(benchmarks.execute.SERVICES, callbacks=(count,))
if os.environ.get("PROBE_KILL_AFTER_CHECKPOINT"):
    services = replace(services, callbacks=(count, kill_after_checkpoint))

if os.environ.get("PROBE_SYNTHETIC"):
    from synthetic import synthetic_mnist

    _data = synthetic_mnist(512)

    def _fake_evaluate(model, dataset, run_dir, seed=0, **kwargs):
        return {"fid": 1.0 + seed, "code_acc_c1": 0.5}, {}

    services = replace(services, dataset=lambda name, root: _data, evaluate=_fake_evaluate)

benchmarks.execute.SERVICES = services


def main() -> int:
    from benchmarks.run import main as run_main

    code = run_main(sys.argv[1:])
    span = f"{steps[0]}..{steps[-1] + 1}" if steps else "none"
    print(f"probe: trained steps {span} ({len(steps)})", file=sys.stderr, flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
