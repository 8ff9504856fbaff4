"""A non-finite value in float images is named for what it is (issue 35): one NaN made the
message read "values nan..nan", hiding the range of every other value."""

from __future__ import annotations

import numpy as np
import pytest

from gan_zoo.data.image_files import to_nchw, value_range
from gan_zoo.errors import DataError


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([-0.3, np.nan, 1.2], "-0.3..1.2 and 1 NaN"),
        ([0.5, np.inf, -np.inf, 0.25], "0.25..0.5 and 2 inf"),
        ([np.nan, np.nan, np.inf], "2 NaN and 1 inf (none finite)"),
        ([0.0, 1.0], "0..1"),
    ],
)
def test_value_range_names_non_finite_values_apart(values: list[float], expected: str):
    assert value_range(np.array(values, dtype=np.float32)) == expected


def test_integer_values_have_a_plain_range():
    assert value_range(np.array([3, 250], dtype=np.int16)) == "3..250"


def test_float_images_with_one_nan_are_refused_with_their_range():
    images = np.linspace(-0.3, 1.2, 2 * 28 * 28, dtype=np.float32).reshape(2, 1, 28, 28)
    images[1, 0, 5, 5] = np.nan
    with pytest.raises(DataError) as caught:
        to_nchw(images, (1, 28, 28), "the images")
    message = str(caught.value)
    assert "values -0.3..1.2 and 1 NaN" in message and "nan..nan" not in message
    assert "\n" not in message
