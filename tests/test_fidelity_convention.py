"""Precision and recall keep their meaning: generated images are torch-fidelity's input1.

Before torch-fidelity 0.4 its precision and recall were swapped (toshas/torch-fidelity issue
#58); with input1 = generated and input2 = real, precision is the share of generated images on
the real manifold and recall the share of real images the generated ones cover. A generator
that draws only ones is precise (each sample is a real-looking digit) with poor recall.
"""

from __future__ import annotations

from pathlib import Path

from gan_zoo.data import load_dataset
from gan_zoo.metrics.fidelity import sample_quality


def test_a_generator_of_ones_only_is_precise_but_recalls_little(real_data_root: Path) -> None:
    test = load_dataset("mnist", split="test", root=real_data_root)
    ones = test.images[test.labels == 1][:1000]
    res = sample_quality(
        ones,
        "mnist",
        root=real_data_root,
        device="cpu",
        num_samples=1000,
        reference_images=test.images[:2000],  # every digit, about 11% of them ones
    )
    assert res["precision"] > 0.8, res
    assert res["recall"] < 0.3, res
