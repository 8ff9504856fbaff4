"""Learning curves on the training side: the schedule, and rows that survive resume."""

from __future__ import annotations

from itertools import pairwise

import pytest
import torch

from gan_zoo.config import BUDGETS
from gan_zoo.train.probe import CURVE_POINTS, curve_steps


@pytest.mark.parametrize("name", ["smoke", "quick", "paper", "dsprites", "dsprites_long", "anchor"])
def test_schedule_is_ten_distinct_log_spaced_steps_ending_at_the_budget(name: str) -> None:
    total = BUDGETS[name].steps
    steps = curve_steps(total)
    assert len(steps) == CURVE_POINTS == len(set(steps))
    assert list(steps) == sorted(steps) and steps[0] >= 1 and steps[-1] == total
    if total >= 1000:  # log spacing: constant ratio between neighbours, two decades in all
        ratios = [b / a for a, b in pairwise(steps)]
        assert max(ratios) / min(ratios) < 1.1
        assert steps[0] == pytest.approx(total / 100, rel=0.05)


def test_schedule_handles_tiny_budgets() -> None:
    assert curve_steps(1) == (1,)
    assert curve_steps(3) == (1, 2, 3)
    assert curve_steps(12) == (1, 2, 3, 4, 5, 6, 7, 8, 9, 12)
    with pytest.raises(ValueError):
        curve_steps(0)


class PixelProbe:
    """A cheap deterministic probe: mean pixel of a fixed latent bank, and a call counter."""

    def __init__(self, steps: tuple[int, ...]) -> None:
        self.steps = steps
        self.calls = 0

    def __call__(self, model: torch.nn.Module) -> dict[str, float]:
        self.calls += 1
        samples = model.sample(64, generator=torch.Generator(model.device).manual_seed(1))
        return {"mean_pixel": float(samples.images.float().mean())}


def _without_time(rows: list[dict[str, float]]) -> list[dict[str, float]]:
    return [{k: v for k, v in r.items() if k != "train_seconds"} for r in rows]


def test_curve_rows_survive_an_interrupted_and_resumed_run(
    mnist_small, tmp_path, device, train
) -> None:
    steps = curve_steps(30)
    kwargs = dict(seed=3, device=device)
    _, full = train(
        "gan", mnist_small, "smoke", run_dir=tmp_path / "full", probe=PixelProbe(steps), **kwargs
    )
    assert [r["step"] for r in full.curve] == list(steps)
    assert all(r["images_seen"] == r["step"] * 128 for r in full.curve)
    seconds = [r["train_seconds"] for r in full.curve]
    assert seconds == sorted(seconds) and full.curve_seconds > 0

    first = PixelProbe(steps)
    _, cut = train(
        "gan", mnist_small, "smoke", run_dir=tmp_path / "cut", probe=first, stop=11, **kwargs
    )
    assert cut.status == "interrupted" and [r["step"] for r in cut.curve] == [1, 2, 3, 4, 5, 7, 10]
    second = PixelProbe(steps)
    _, resumed = train(
        "gan", mnist_small, "smoke", run_dir=tmp_path / "cut", probe=second, **kwargs
    )
    assert second.calls == len(steps) - 7  # the rows before the cut come from the checkpoint
    assert [r["step"] for r in resumed.curve] == list(steps)  # kept once, none duplicated
    if device.type == "cpu":  # resume is exact on the CPU, so the curve is the same curve
        assert _without_time(resumed.curve) == _without_time(full.curve)
    # a finished run reports its curve again without probing
    third = PixelProbe(steps)
    _, again = train("gan", mnist_small, "smoke", run_dir=tmp_path / "cut", probe=third, **kwargs)
    assert third.calls == 0 and again.curve == resumed.curve


def test_a_probe_does_not_change_training(mnist_small, device, train) -> None:
    kwargs = dict(seed=5, device=device)
    plain, _ = train("infogan", mnist_small, "smoke", **kwargs)
    probed, res = train(
        "infogan", mnist_small, "smoke", probe=PixelProbe(curve_steps(30)), **kwargs
    )
    assert len(res.curve) == CURVE_POINTS
    if device.type == "cpu":
        a, b = plain.state_dict(), probed.state_dict()
        assert all(torch.equal(a[k], b[k]) for k in a)
