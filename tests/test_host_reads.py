"""The training loop reads no tensor on the host between its check points.

A host read (``bool``, ``float``, ``int``, ``.item()``, ``.tolist()``, ``.cpu()``) waits for
every kernel queued so far; one per step keeps a GPU idle while Python prepares the next step.
On the CPU the same code path runs, so counting the reads here guards the GPU's behaviour.
"""

from __future__ import annotations

import pytest
import torch

from gan_zoo.config import Budget
from gan_zoo.train import Trainer

READS = ("__bool__", "__float__", "__int__", "item", "tolist", "cpu")


@pytest.mark.parametrize("name", ["infogan", "sgan"])
def test_steps_between_check_points_read_nothing_on_the_host(name, data, make_trainer, monkeypatch):
    budget = Budget("t", 20, 20, 10, "test")  # check points: steps 10 and 20 only
    trainer = make_trainer(data, name=name, budget=budget, seed=0)
    reads: list[tuple[int, bool]] = []  # (steps done, inside a training step?)
    inside = [False]

    for method in READS:
        real = getattr(torch.Tensor, method)

        def spy(self, *args, _real=real, **kwargs):
            reads.append((trainer.step, inside[0]))
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, method, spy)

    real_step = Trainer.train_step

    def step(self, total_steps=None):
        inside[0] = True
        try:
            return real_step(self, total_steps)
        finally:
            inside[0] = False

    monkeypatch.setattr(Trainer, "train_step", step)
    result = trainer.fit()
    monkeypatch.undo()

    assert result.status == "complete" and result.step == 20
    assert [r["step"] for r in result.history] == [10.0, 20.0]
    assert not [r for r in reads if r[1]], "a training step read a tensor on the host"
    assert {steps for steps, _ in reads} <= {10, 20}, sorted(set(reads))
