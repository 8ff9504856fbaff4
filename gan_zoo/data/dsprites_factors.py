"""The dSprites factor grid and its index order, shared by the renderer, loader and metrics.

Values and order follow the official release (deepmind/dsprites-dataset, README and the
``metadata`` of the npz): six factors, every combination exactly once, the last factor
(posY) varying fastest, so image ``i`` has the mixed-radix digits of ``i`` as classes.
"""

from __future__ import annotations

import numpy as np

FACTOR_NAMES: tuple[str, ...] = ("color", "shape", "scale", "orientation", "posX", "posY")
FACTOR_SIZES: tuple[int, ...] = (1, 3, 6, 40, 32, 32)
SHAPE_NAMES: tuple[str, ...] = ("square", "ellipse", "heart")
NUM_IMAGES = int(np.prod(FACTOR_SIZES))  # 737,280
IMAGE_SIZE = 64

# Stride of each factor in the flat index: [737280, 245760, 40960, 1024, 32, 1].
# (color has one value, so its stride never matters.)
BASES: np.ndarray = np.array([*np.cumprod(FACTOR_SIZES[::-1])[::-1][1:], 1], dtype=np.int64)

# The values stored in the official ``latents_values`` (shape is 1, 2, 3 there, not 0..2).
FACTOR_VALUES: tuple[np.ndarray, ...] = (
    np.array([1.0]),
    np.array([1.0, 2.0, 3.0]),
    np.linspace(0.5, 1.0, 6),
    np.linspace(0.0, 2.0 * np.pi, 40),
    np.linspace(0.0, 1.0, 32),
    np.linspace(0.0, 1.0, 32),
)


def classes_of(indices: np.ndarray) -> np.ndarray:
    """Factor classes (int64, n x 6) of flat image indices."""
    indices = np.asarray(indices, dtype=np.int64)
    if indices.size and (indices.min() < 0 or indices.max() >= NUM_IMAGES):
        raise IndexError(f"dSprites indices must lie in [0, {NUM_IMAGES})")
    return (indices[:, None] // BASES) % np.asarray(FACTOR_SIZES, dtype=np.int64)


def index_of(classes: np.ndarray) -> np.ndarray:
    """Flat image indices of factor classes (n x 6); the inverse of ``classes_of``."""
    classes = np.asarray(classes, dtype=np.int64)
    sizes = np.asarray(FACTOR_SIZES, dtype=np.int64)
    if classes.ndim != 2 or classes.shape[1] != len(FACTOR_SIZES):
        raise ValueError(f"expected factor classes of shape (n, {len(FACTOR_SIZES)})")
    if classes.size and ((classes < 0).any() or (classes >= sizes).any()):
        raise ValueError(f"factor classes out of range; sizes are {FACTOR_SIZES}")
    return classes @ BASES


def values_of(classes: np.ndarray) -> np.ndarray:
    """Factor values (float64, n x 6) as in the official ``latents_values``."""
    classes = np.asarray(classes, dtype=np.int64)
    return np.stack([FACTOR_VALUES[f][classes[:, f]] for f in range(len(FACTOR_SIZES))], axis=1)
