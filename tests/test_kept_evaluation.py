"""A kept evaluation (``result.json`` in a run folder) is reused only when it was made with the
evaluation options the rerun asks for: the sample count, Inception and the very weights it
used, the disentanglement draw."""

from __future__ import annotations

from dataclasses import replace

import torch

from benchmarks.runner.eval_options import EvalOptions
from benchmarks.runner.execute import config_digest, keep_evaluation, kept_evaluation
from gan_zoo.digest_cache import file_sha256
from gan_zoo.metrics import inception_weights
from gan_zoo.run_config import RunConfig
from gan_zoo.train.checkpoints import CheckpointFiles


def _kept_run(run_dir, options: EvalOptions) -> RunConfig:
    """A run folder with a checkpoint and an evaluation of it kept with ``options``."""
    config = RunConfig.resolve("gan", "mnist", 0, "smoke", {}, "cpu")
    files = CheckpointFiles(run_dir)
    files.save({"step": 30, "status": "complete"})
    record = {
        "run_id": "mnist__gan__smoke__seed0",
        "status": "complete",
        "metrics": {"fid": 1.0},
        "config_digest": config_digest(config),
        "checkpoint_digest": file_sha256(files.current),
    }
    keep_evaluation(run_dir, record, options)
    return config


def test_a_kept_evaluation_is_reused_with_its_own_options_only(tmp_path):
    made = EvalOptions(num_samples=200)
    config = _kept_run(tmp_path, made)
    assert kept_evaluation(tmp_path, made, config)["metrics"] == {"fid": 1.0}
    weights = tmp_path / "inception.pt"
    torch.save({"fc.weight": torch.ones(2, 2)}, weights)
    for other in (
        replace(made, num_samples=300),
        replace(made, inception=True, inception_weights=str(weights)),
        replace(made, draw="smoke"),
    ):
        assert kept_evaluation(tmp_path, other, config) is None, other


def test_other_weights_under_the_same_file_name_are_other_options(tmp_path):
    """The key holds the weights' digest: a file replaced between two processes is not the
    evaluation's Inception any more, though ``--inception-weights`` names the same path."""
    weights = tmp_path / "inception.pt"
    torch.save({"fc.weight": torch.ones(2, 2)}, weights)
    made = EvalOptions(num_samples=200, inception=True, inception_weights=str(weights))
    config = _kept_run(tmp_path / "run", made)
    assert kept_evaluation(tmp_path / "run", made, config) is not None
    torch.save({"fc.weight": torch.zeros(2, 2)}, weights)
    inception_weights._resolve.cache_clear()  # as a new process reads it
    assert kept_evaluation(tmp_path / "run", made, config) is None
