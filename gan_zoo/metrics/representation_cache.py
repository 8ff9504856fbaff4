"""Encode each distinct observation of a finite ground-truth set once.

FactorVAE and BetaVAE draw about 2.9 million dSprites images at their default counts, but the
set has only 737,280 distinct images; with a conv encoder the repeats would dominate the whole
evaluation. This wrapper hands the metrics observation *indices* and answers the
representation for each index from a table that is filled on first use, so every metric sees
exactly the representation it would have seen, computed once per image.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from gan_zoo.progress import progress_bar


class IndexedGroundTruth:
    """A ground-truth source whose observations are dataset indices (int64, shape (num, 1))."""

    def __init__(self, source, encode: Callable[[np.ndarray], np.ndarray], size: int) -> None:
        self.source, self.encode, self.size = source, encode, size
        self.factor_names = source.factor_names
        self.factors_num_values = source.factors_num_values
        self.num_factors = len(source.factors_num_values)
        self._table: np.ndarray | None = None
        self._known = np.zeros(size, dtype=bool)
        self.encoded = 0  # how many images were actually encoded (for reports and tests)

    def sample_factors(self, num: int, random_state: np.random.Generator) -> np.ndarray:
        return self.source.sample_factors(num, random_state)

    def sample_observations_from_factors(
        self, factors: np.ndarray, random_state: np.random.Generator
    ) -> np.ndarray:
        return self.source.index_of(factors).reshape(-1, 1)

    def sample(self, num: int, random_state: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        factors = self.sample_factors(num, random_state)
        return factors, self.sample_observations_from_factors(factors, random_state)

    def representation(self, indices: np.ndarray, chunk: int = 4096) -> np.ndarray:
        """The representation of each index, encoding only indices not seen before."""
        flat = np.asarray(indices, dtype=np.int64).reshape(-1)
        missing = np.unique(flat[~self._known[flat]])
        bar = progress_bar(  # FactorVAE and BetaVAE encode up to the whole set: minutes
            total=len(missing),
            desc="encoding dSprites",
            unit="img",
            disable=len(missing) <= chunk,
            leave=False,
            mininterval=1.0,
        )
        for start in range(0, len(missing), chunk):
            part = missing[start : start + chunk]
            images = self.source.sample_observations_from_factors(self._factors_of(part), None)
            codes = np.asarray(self.encode(images), dtype=np.float32)
            if self._table is None:
                self._table = np.zeros((self.size, codes.shape[1]), dtype=np.float32)
            self._table[part] = codes
            self._known[part] = True
            self.encoded += len(part)
            bar.update(len(part))
        bar.close()
        return self._table[flat]

    def _factors_of(self, indices: np.ndarray) -> np.ndarray:
        """Factor classes (num, F) of flat indices, by mixed-radix digits (last factor fastest)."""
        sizes = np.asarray(self.factors_num_values, dtype=np.int64)
        out = np.empty((len(indices), len(sizes)), dtype=np.int64)
        rest = indices.copy()
        for j in range(len(sizes) - 1, -1, -1):
            out[:, j] = rest % sizes[j]
            rest //= sizes[j]
        return out
