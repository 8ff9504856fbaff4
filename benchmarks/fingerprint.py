"""Fingerprints of training: every family trained at the ``smoke`` budget (no curve, no
evaluation), printed as a SHA-256 of its loss history and of its final weights.

A change that must leave results as they were (a refactor of the trainer, the runner, a model's
file) is checked by running this in the checkout before and after it, on the same machine and
thread count, and comparing the two outputs: floats differ between CPU makes and thread counts,
so fingerprints are compared only within one machine.

    python -m benchmarks.fingerprint > before.json   # at the old commit
    python -m benchmarks.fingerprint > after.json    # at the new one; then diff them
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys

import torch

from benchmarks.cli import refused
from gan_zoo.data import load_dataset
from gan_zoo.errors import ConfigError, GanZooError
from gan_zoo.run_config import RunConfig
from gan_zoo.train.run import train_run

#: what is fingerprinted: every MNIST family and the dSprites nets (their data is rendered here)
RUNS = {
    "mnist": ("gan", "cgan", "acgan", "infogan", "infogan_noinfo", "sgan"),
    "dsprites": ("gan", "infogan"),
}


def fingerprint(model: str, dataset: str, seed: int = 0) -> dict[str, object]:
    """Train ``model`` on ``dataset`` at the smoke budget on the CPU; hash what it learnt."""
    config = RunConfig.resolve(model, dataset, seed, "smoke", {}, "cpu")
    net, result = train_run(config, load_dataset(dataset, "train"), None, progress=False)
    history = json.dumps(result.history, sort_keys=True).encode()
    weights = hashlib.sha256()
    for name, tensor in sorted(net.state_dict().items()):
        weights.update(name.encode())
        weights.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return {
        "status": result.status,
        "steps": result.step,
        "history_sha256": hashlib.sha256(history).hexdigest(),
        "weights_sha256": weights.hexdigest(),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.fingerprint", description=__doc__)
    p.add_argument("--threads", type=int, default=1, help="torch threads (default: 1)")
    args = p.parse_args(argv)
    try:
        if args.threads < 1:
            raise ConfigError("--threads must be at least 1")
        torch.set_num_threads(args.threads)
        prints = {
            f"{dataset}/{model}": fingerprint(model, dataset)
            for dataset, models in RUNS.items()
            for model in models
        }
    except GanZooError as exc:
        return refused(exc)
    print(json.dumps({"threads": args.threads, "runs": prints}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
