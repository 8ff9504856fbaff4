"""What every metric of one evaluation shares: its options and the costly intermediates.

A metric's compute function receives the context and asks it for intermediates (the judge's
predictions, the post-hoc encoder, the disentanglement draws) through :meth:`EvalContext.shared`,
so each is built once per sample bank whichever metric asks first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from gan_zoo.data import DataSplits
from gan_zoo.data.dataset import ImageDataset

T = TypeVar("T")


@dataclass
class EvalContext:
    """Options of one evaluation and its memo of shared intermediates.

    ``dataset`` is the training dataset when the final evaluation has it (None in the
    learning-curve probe); ``data`` the dataset's splits, each loaded once for the whole
    evaluation (made on first use when not given; the probe gives one for the whole run);
    ``details`` collects non-scalar results (e.g. Hungarian matchings).
    """

    dataset_name: str
    seed: int = 0
    root: str | None = None
    dataset: ImageDataset | None = None
    inception: bool = False
    inception_weights: str | None = None
    prc_samples: int | None = None
    data: DataSplits | None = None
    #: the disentanglement metrics' draw, by name (``dsprites_scoring.DRAWS``)
    draw: str = "full"
    details: dict[str, Any] = field(default_factory=dict)
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # not seeded with ``dataset``: a run may train on part of a split (tests do), while the
        # judge and the references are always the registered splits
        if self.data is None:
            self.data = DataSplits(self.dataset_name, self.root)

    @property
    def splits(self) -> DataSplits:
        """The dataset's splits: what every metric of this evaluation reads its data from."""
        assert self.data is not None
        return self.data

    def shared(self, name: str, build: Callable[[], T]) -> T:
        """``build()`` the first time ``name`` is asked for, the same object afterwards."""
        if name not in self._memo:
            self._memo[name] = build()
        return self._memo[name]
