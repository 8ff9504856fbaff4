"""The ``cuda_graph`` option: refused where it cannot run, and on CUDA the same training as the
eager step (fresh noise every replay, phases captured separately, resume intact).

The CUDA tests skip on machines without a GPU; the refusals run everywhere.
"""

from __future__ import annotations

import pytest
import torch
from synthetic import synthetic_mnist

from benchmarks.run import main
from gan_zoo.config import Budget
from gan_zoo.errors import ConfigError
from gan_zoo.models import build
from gan_zoo.train import Trainer
from gan_zoo.train.callbacks import stop_at
from gan_zoo.train.seeding import seed_everything
from gan_zoo.train.speed import ALL_OFF, SpeedOptions
from gan_zoo.train.step_graphs import WARMUP_STEPS


def cuda_only(test):
    """Skipped without CUDA, and marked ``cuda`` so the CUDA check's ``-k cuda`` selects it (its
    name does not say cuda)."""
    skip = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")
    return pytest.mark.cuda(skip(test))


def test_cuda_graph_is_refused_on_the_cpu_in_one_line_before_any_training(tmp_path, capsys):
    with pytest.raises(ConfigError, match="needs a CUDA device"):
        SpeedOptions.from_hparams({**ALL_OFF, "cuda_graph": True}, torch.device("cpu"))
    argv = ["--models", "gan", "--budget", "smoke", "--device", "cpu", "--no-progress"]
    assert main([*argv, "--set", "cuda_graph=1", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cuda_graph=1 needs a CUDA device" in err[0]
    assert not (tmp_path / "records").exists() or not any((tmp_path / "records").iterdir())


def test_cuda_graph_and_compile_are_refused_together():
    with pytest.raises(ConfigError, match="choose one"):
        SpeedOptions.from_hparams(
            {**ALL_OFF, "cuda_graph": True, "compile": True}, torch.device("cuda")
        )


def test_graphed_adam_is_capturable_and_the_eager_one_is_not():
    on = SpeedOptions.from_hparams({**ALL_OFF, "fused_adam": True}, torch.device("cpu"))
    assert "capturable" not in on.adam_kwargs()
    graphed = SpeedOptions(False, False, False, torch.device("cuda"), cuda_graph=True)
    assert graphed.adam_kwargs() == {"capturable": True}


def _fit(name: str, steps: int, run_dir=None, stop=None, callbacks=(), **options):
    data = synthetic_mnist(512)
    seed_everything(5)
    model = build(name, data, batch_size=32, **options)
    budget = Budget("t", steps, 6, 1, "test")
    stops = [] if stop is None else [stop_at(stop)]
    trainer = Trainer(
        model, data, budget, 5, run_dir, "cuda", False, callbacks=[*callbacks, *stops]
    )
    return trainer, trainer.fit()


@cuda_only
@pytest.mark.parametrize("name", ["infogan", "sgan", "cgan"])
def test_graph_replays_train_like_the_eager_step(name):
    """Losses step by step within float tolerance of the eager loop (capturable Adam computes
    its bias correction on the device, so bits may differ); a replay that reused its noise or
    a stale phase would drift away at once. Stacked GAN switches to joint training at step 5
    of 18, so it captures one graph per phase."""
    steps = 18
    _, eager = _fit(name, steps)
    graphed, fast = _fit(name, steps, cuda_graph=True)
    assert eager.status == fast.status == "complete"
    expected_keys = 2 if name == "sgan" else 1
    assert len(graphed.graphs.captured) == expected_keys
    for a, b in zip(eager.history, fast.history, strict=True):
        assert a.keys() == b.keys()
        for key in a:
            assert b[key] == pytest.approx(a[key], rel=2e-3, abs=2e-4), (a["step"], key)
    # replays after capture drew fresh latents: the losses keep changing step to step
    later = [row["loss_g"] for row in fast.history[WARMUP_STEPS + 1 :]]
    assert len(set(later)) == len(later)


@cuda_only
def test_a_graphed_run_interrupted_resumes_at_its_step(tmp_path, counted):
    _, first = _fit("infogan", 12, tmp_path, stop=7, cuda_graph=True)
    assert (first.status, first.step) == ("interrupted", 7)
    _, rest = _fit("infogan", 12, tmp_path, callbacks=[counted], cuda_graph=True)
    assert (rest.status, rest.step) == ("complete", 12)
    assert counted == list(range(6, 12))  # resumed at the step-6 checkpoint
