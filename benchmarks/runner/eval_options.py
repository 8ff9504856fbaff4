"""What an evaluation depends on besides the model or the samples it scores.

Made once by each command that evaluates or draws (``run``, ``evaluate``, ``sample``: through
``benchmarks.cli.eval_options``), as ``RunConfig`` is for training, and passed whole from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EvalOptions:
    """The evaluation's sample count, Inception and its weights, the disentanglement draw and
    the data folder: a kept evaluation is reused only if it was made with the same
    (:meth:`kept_key`)."""

    num_samples: int = 10_000
    inception: bool = False
    #: the file ``--inception-weights`` names (``~`` expanded); None: the default weights
    inception_weights: str | None = None
    #: the disentanglement metrics' draw (``dsprites_scoring.DRAWS``; the budget's)
    draw: str = "full"
    #: ``--data-root`` (None: ``$GAN_ZOO_DATA``): where the data is, not what it is, so no
    #: part of the key
    data_root: str | None = None
    #: ``--eval-threads``: CPU threads of the evaluation (None: the training's). How fast, not
    #: what: no part of the key (the record says ``eval_threads``)
    threads: int | None = None

    def kept_key(self) -> dict[str, Any]:
        """How a kept evaluation (``result.json``) names the options it was made with: the
        sample count, Inception and, where it is on, the digest of the weights it resolves to
        (the same file name can hold other weights, and no file name means whichever default
        this machine has); the draw only where it is not the full one. Evaluations kept
        without Inception before the digest or the draw were part of it still match."""
        key: dict[str, Any] = {
            "num_samples": self.num_samples,
            "inception": self.inception,
            "inception_weights": self.inception_weights,
        }
        if self.inception:
            key["inception_digest"] = inception_digest(self.inception_weights)
        if self.draw != "full":
            key["draw"] = self.draw
        return key

    def evaluate_kwargs(self) -> dict[str, Any]:
        """The options as ``gan_zoo.metrics.suite.evaluate`` takes them (the data folder aside:
        it is its ``root``)."""
        kwargs: dict[str, Any] = {
            "num_samples": self.num_samples,
            "inception": self.inception,
            "inception_weights": self.inception_weights,
        }
        if self.draw != "full":
            kwargs["draw"] = self.draw
        return kwargs


def inception_digest(weights: str | None) -> str:
    """What the Inception weights an evaluation with ``weights`` uses are: the SHA-256 of the
    file they resolve to (the given file, the converted offline weights), or, for
    torch-fidelity's download, its name (which holds its hash). Resolved as the evaluation
    resolves them (``gan_zoo.metrics.inception_weights.resolve``, once per process)."""
    from gan_zoo.metrics.inception_weights import resolve

    chosen = resolve(weights)
    return chosen.sha256 or chosen.source
