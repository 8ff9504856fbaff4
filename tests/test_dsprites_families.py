"""Every family on dSprites: it builds, trains and is scored by the disentanglement curve probe
on a small rendered set (never skipped: no real data needed), a model given shape as a label is
not credited for shape, and the curve's rows survive a resume.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from synthetic import synthetic_dsprites
from test_disentanglement import FactorClasses, true_factors

from gan_zoo.config import Budget, budget, hparams_for
from gan_zoo.errors import ConfigError
from gan_zoo.metrics.curves import DisentanglementProbe, curve_probe
from gan_zoo.metrics.disentanglement import compute_all
from gan_zoo.metrics.disentanglement.given_factors import WithoutFactors

FAMILIES = ("gan", "infogan", "infogan_noinfo", "cgan", "acgan")
#: 4 steps, a checkpoint every 2
SHORT = Budget("t", 4, 2, 2, "test")
CURVE_KEYS = {"mig", "sap", "factorvae"}


@pytest.fixture(scope="module")
def data():
    return synthetic_dsprites(128)


def _probe(data, steps: tuple[int, ...]) -> DisentanglementProbe:
    """The runner's probe at a plumbing size, measuring at ``steps`` only."""
    probe = curve_probe("dsprites", SHORT.steps, num_samples=100, dataset=data)
    assert isinstance(probe, DisentanglementProbe)
    probe.steps = steps
    return probe


class _Counting:
    """A probe that counts its calls."""

    def __init__(self, probe: DisentanglementProbe) -> None:
        self.probe, self.steps, self.calls = probe, probe.steps, 0

    def __call__(self, model) -> dict[str, float]:
        self.calls += 1
        return self.probe(model)


def _trainer(make_trainer, data, name, run_dir=None, stop=None, probe=None, callbacks=()):
    return make_trainer(
        data,
        run_dir,
        "cpu",
        stop,
        name=name,
        budget=SHORT,
        seed=0,
        probe=probe,
        callbacks=callbacks,
    )


@pytest.mark.parametrize("name", FAMILIES)
def test_every_family_trains_on_dsprites_and_is_scored_by_the_curve_probe(data, name, make_trainer):
    probe = _probe(data, (SHORT.steps,))
    trainer = _trainer(make_trainer, data, name, probe=probe)
    model = trainer.model
    before = [p.detach().clone() for p in model.generator.parameters()]
    result = trainer.fit()
    assert (result.status, result.step) == ("complete", SHORT.steps)
    assert any(
        not torch.equal(a, p) for a, p in zip(before, model.generator.parameters(), strict=True)
    )
    (row,) = trainer.curve.rows
    assert row["step"] == SHORT.steps and row.keys() >= CURVE_KEYS
    assert all(np.isfinite(row[k]) for k in CURVE_KEYS)
    scored = probe.protocol(model)
    conditional = name in ("cgan", "acgan")
    assert scored["given_factors"] == (["shape"] if conditional else [])
    assert ("shape" in scored["scored_factors"]) is not conditional
    assert len(scored["scored_factors"]) == (4 if conditional else 5)
    own_q = name in ("infogan", "infogan_noinfo")
    assert scored["representation"] == ("own Q" if own_q else "post-hoc encoder")
    # the probe measured the model as it stands: measuring it again gives the same row
    again = probe(model)
    assert all(again[k] == pytest.approx(row[k], abs=1e-9) for k in again)


def test_a_model_given_shape_is_scored_on_the_other_factors_only() -> None:
    """A code of exactly the four unsupervised factors ignores shape. Against all five factors it
    loses FactorVAE votes on shape; with shape given (redrawn as noise) it is perfect."""
    full = FactorClasses()
    without_shape = WithoutFactors(full, ["factor0"])
    assert without_shape.factor_names == ("factor1", "factor2", "factor3", "factor4")
    assert without_shape.factors_num_values == [6, 40, 32, 32]

    def no_shape(observations: np.ndarray) -> np.ndarray:
        return true_factors()(observations)[:, 1:]

    settings = {"num_train": 2000, "num_eval": 1000, "num_variance_estimate": 2000}
    credited = compute_all(without_shape, no_shape, 0, only=["factorvae"], **settings)["factorvae"]
    charged = compute_all(full, no_shape, 0, only=["factorvae"], **settings)["factorvae"]
    assert credited == 1.0
    assert charged < 0.85  # shape's votes (1/5 of them) go to a code that does not carry it
    # each observation's shape is redrawn: the same factors twice give other shapes
    rng = np.random.default_rng(0)
    factors = np.zeros((200, 4), dtype=np.int64)
    shapes = without_shape.sample_observations_from_factors(factors, rng)[:, 0]
    assert set(np.unique(shapes)) == {0.0, 1.0, 2.0}
    assert compute_all(without_shape, no_shape, 0, only=["mig"], num_train=2000)["mig"] > 0.8


def test_an_unknown_or_every_factor_given_is_refused() -> None:
    with pytest.raises(ConfigError, match="no factor colour"):
        WithoutFactors(FactorClasses(), ["colour"])
    with pytest.raises(ConfigError, match="nothing is left"):
        WithoutFactors(FactorClasses((2, 3)), ["factor0", "factor1"])


def test_the_dsprites_curve_rows_survive_a_resume(
    data, tmp_path, counted, make_trainer, checkpoints
):
    """Cut after step 3 with the points at 1 and 3 measured: the resumed session starts at 3,
    keeps both rows, measures only 4, and ends with the rows of an uninterrupted run."""
    whole = _trainer(
        make_trainer, data, "infogan", tmp_path / "whole", probe=_probe(data, (1, 3, 4))
    )
    whole.fit()
    cut = _trainer(make_trainer, data, "infogan", tmp_path / "cut", 3, _probe(data, (1, 3, 4)))
    assert cut.fit().status == "interrupted"
    saved = checkpoints.read(tmp_path / "cut")
    first_session = saved["curve"]["rows"]
    assert [r["step"] for r in first_session] == [1.0, 3.0]
    probe = _Counting(_probe(data, (1, 3, 4)))
    resumed = _trainer(
        make_trainer, data, "infogan", tmp_path / "cut", probe=probe, callbacks=[counted]
    )
    assert resumed.fit().status == "complete" and counted[0] == 3
    assert probe.calls == 1  # only step 4: the rows of the first session are not measured again
    assert resumed.curve.rows[:2] == first_session
    assert [r["step"] for r in resumed.curve.rows] == [1.0, 3.0, 4.0]
    for mine, theirs in zip(resumed.curve.rows, whole.curve.rows, strict=True):
        for key in CURVE_KEYS:
            assert mine[key] == pytest.approx(theirs[key], abs=1e-9), key


def test_sgan_on_dsprites_and_the_dsprites_budgets_elsewhere_are_refused_in_one_line():
    with pytest.raises(ConfigError, match="sgan is not run on dsprites: a Stacked GAN has no"):
        hparams_for("sgan", "dsprites")
    with pytest.raises(ConfigError, match="budget 'anchor' is for dsprites only, not 'mnist'"):
        budget("anchor", "mnist")
    assert budget("anchor", "dsprites").steps == 28 * 737_280 // 64
    assert budget("dsprites", "dsprites").steps == 10_000
