"""Latent layouts built from hyperparameters, so every family on a dataset gets the same inputs."""

from __future__ import annotations

from typing import Any

from gan_zoo.losses import CodeSpec
from gan_zoo.models.latent import CategoricalCode, ContinuousCode, LatentLayout


def layout_from(hp: dict[str, Any], label_classes: int | None = None) -> LatentLayout:
    """Noise, ``num_cat`` Cat(cat_size) codes named c1.., ``num_cont`` Unif(-1, 1) codes after them."""
    cats = tuple(CategoricalCode(f"c{i + 1}", hp["cat_size"]) for i in range(hp["num_cat"]))
    conts = tuple(ContinuousCode(f"c{hp['num_cat'] + i + 1}") for i in range(hp["num_cont"]))
    return LatentLayout(
        noise_dim=hp["noise_dim"], categorical=cats, continuous=conts, label_classes=label_classes
    )


def code_spec(layout: LatentLayout, hp: dict[str, Any]) -> CodeSpec:
    """What a Q head must predict to read back every code of ``layout``."""
    return CodeSpec(
        categorical=tuple(c.num_categories for c in layout.categorical),
        continuous=len(layout.continuous),
        learn_std=bool(hp["learn_std"]),
    )
