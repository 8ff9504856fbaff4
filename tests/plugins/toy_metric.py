"""A user's metric in one file: the mean brightness of the generated images, on every dataset.

Registered by import, as a ``gan_zoo.metrics`` entry point would import it.
"""

from __future__ import annotations

from gan_zoo.metrics.registry import Key, register_metric


def brightness(model, samples, dataset, context) -> dict[str, float]:
    """Mean pixel value of the bank, in [0, 1]."""
    return {"toy_brightness": float(samples.images.float().mean() / 255.0)}


register_metric(
    "toy_brightness",
    (
        Key(
            "toy_brightness",
            "mean pixel value of the samples (a plugin example)",
            "none",
            ("mnist",),
        ),
    ),
    compute=brightness,
)
