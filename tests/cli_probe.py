"""``python tests/cli_probe.py ARGS``: the runner's CLI (``benchmarks.run.main``) with test hooks.

Hooks, chosen by environment variables (the CLI itself is unchanged):
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gan_zoo.train.trainer import Trainer

steps: list[int] = []
_train_step = Trainer.train_step


def _counting(self, total_steps=None):
    steps.append(self.step)
    return _train_step(self, total_steps)


Trainer.train_step = _counting

if os.environ.get("PROBE_KILL_AFTER_CHECKPOINT"):
    _save = Trainer.save

    def _save_then_die(self, status="running"):
        _save(self, status)
        if status == "running":
            os.kill(os.getpid(), signal.SIGKILL)

    Trainer.save = _save_then_die

if os.environ.get("PROBE_SYNTHETIC"):
    from synthetic import synthetic_mnist

    import benchmarks.execute
    import gan_zoo.metrics.suite

    _data = synthetic_mnist(512)
    benchmarks.execute.cached_dataset = lambda name, root: _data

    def _fake_evaluate(model, dataset, run_dir, seed=0, **kwargs):
        return {"fid": 1.0 + seed, "code_acc_c1": 0.5}, {}

    gan_zoo.metrics.suite.evaluate = _fake_evaluate


def main() -> int:
    from benchmarks.run import main as run_main

    code = run_main(sys.argv[1:])
    span = f"{steps[0]}..{steps[-1] + 1}" if steps else "none"
    print(f"probe: trained steps {span} ({len(steps)})", file=sys.stderr, flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
