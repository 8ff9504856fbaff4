"""The dSprites factor grid and the procedural renderer, on subsets of the 737,280 images."""

from __future__ import annotations

import numpy as np
import pytest

from gan_zoo.data.dsprites_factors import (
    BASES,
    FACTOR_NAMES,
    FACTOR_SIZES,
    NUM_IMAGES,
    classes_of,
    index_of,
    values_of,
)
from gan_zoo.data.dsprites_render import render

SQUARE, ELLIPSE, HEART = 0, 1, 2
SCALES = np.linspace(0.5, 1.0, 6)


def images(rows: list[list[int]]) -> np.ndarray:
    """Binary masks for factor classes given as [shape, scale, orientation, posX, posY]."""
    full = np.array([[0, *row] for row in rows], dtype=np.int64)
    return render(index_of(full)) > 0


def centroid(mask: np.ndarray) -> tuple[float, float]:
    rows, cols = np.nonzero(mask)
    return float(cols.mean()), float(rows.mean())


def test_grid_sizes_bases_and_names() -> None:
    assert FACTOR_NAMES == ("color", "shape", "scale", "orientation", "posX", "posY")
    assert FACTOR_SIZES == (1, 3, 6, 40, 32, 32)
    assert NUM_IMAGES == 737280
    assert BASES.tolist() == [737280, 245760, 40960, 1024, 32, 1]


def test_classes_are_the_mixed_radix_digits_of_the_index() -> None:
    rng = np.random.default_rng(1)
    indices = np.concatenate(
        [[0, 1, 31, 32, 1023, 1024, NUM_IMAGES - 1], rng.integers(0, NUM_IMAGES, 500)]
    )
    classes = classes_of(indices)
    for index, row in zip(indices, classes, strict=True):
        digits, rest = [], int(index)
        for size in reversed(FACTOR_SIZES):
            rest, digit = divmod(rest, size)
            digits.append(digit)
        assert row.tolist() == digits[::-1]
    np.testing.assert_array_equal(index_of(classes), indices)
    assert classes.dtype == np.int64


def test_index_checks() -> None:
    with pytest.raises(IndexError):
        classes_of(np.array([NUM_IMAGES]))
    with pytest.raises(ValueError, match="out of range"):
        index_of(np.array([[0, 3, 0, 0, 0, 0]]))


def test_values_match_the_official_latents() -> None:
    classes = classes_of(np.arange(0, NUM_IMAGES, 997))
    values = values_of(classes)
    assert values.dtype == np.float64
    np.testing.assert_array_equal(values[:, 0], 1.0)
    np.testing.assert_array_equal(values[:, 1], classes[:, 1] + 1.0)  # shapes 1, 2, 3
    np.testing.assert_allclose(values[:, 2], 0.5 + 0.1 * classes[:, 2], atol=1e-12)
    np.testing.assert_allclose(values[:, 3], classes[:, 3] * 2 * np.pi / 39, atol=1e-12)
    np.testing.assert_allclose(values[:, 4], classes[:, 4] / 31, atol=1e-12)
    np.testing.assert_allclose(values[:, 5], classes[:, 5] / 31, atol=1e-12)
    # Two entries of the official metadata, as printed in its example notebook.
    assert values_of(np.array([[0, 0, 0, 5, 1, 0]]))[0, 3] == pytest.approx(0.80553658)
    assert values_of(np.array([[0, 0, 0, 0, 1, 0]]))[0, 4] == pytest.approx(0.03225806)


def test_render_is_binary_uint8_and_deterministic_whatever_the_batch() -> None:
    rng = np.random.default_rng(7)
    subset = rng.integers(0, NUM_IMAGES, 24)
    first = render(subset)
    assert first.dtype == np.uint8 and first.shape == (24, 64, 64)
    assert set(np.unique(first).tolist()) == {0, 255}
    np.testing.assert_array_equal(render(subset), first)
    # The same images inside a larger, shuffled batch: a cache of the full set made in one
    # pass must hold the very pixels a subset render gives.
    batch = np.concatenate([rng.integers(0, NUM_IMAGES, 16), subset[::-1]])
    np.testing.assert_array_equal(render(batch)[16:], first[::-1])
    out = np.full((24, 64, 64), 7, dtype=np.uint8)
    assert render(subset, out=out) is out
    np.testing.assert_array_equal(out, first)


def test_square_size_and_position_range_follow_the_official_geometry() -> None:
    left_top, right_bottom = images([[SQUARE, 5, 0, 0, 0], [SQUARE, 5, 0, 31, 31]])
    rows, cols = np.nonzero(left_top)
    assert cols.max() - cols.min() + 1 == 20 and rows.max() - rows.min() + 1 == 20
    assert centroid(left_top) == pytest.approx((15.5, 15.5))
    assert centroid(right_bottom) == pytest.approx((47.5, 47.5))
    small = images([[SQUARE, 0, 0, 0, 0]])[0]
    assert small.sum() == 100  # side 10 at scale 0.5


@pytest.mark.parametrize("shape", [SQUARE, ELLIPSE, HEART])
def test_area_grows_with_scale_squared(shape: int) -> None:
    # Averaged over positions, so the sub-pixel phase of the edges cancels out.
    positions = [(x, y) for x in range(0, 32, 5) for y in range(2, 32, 7)]
    areas = []
    for scale in range(6):
        masks = images([[shape, scale, 7, x, y] for x, y in positions])
        areas.append(masks.sum(axis=(1, 2)).mean())
    ratios = np.array(areas) / areas[-1]
    np.testing.assert_allclose(ratios, SCALES**2, rtol=0.03)


@pytest.mark.parametrize("shape", [SQUARE, ELLIPSE, HEART])
def test_rotation_keeps_the_area(shape: int) -> None:
    areas = images([[shape, 5, o, 12, 20] for o in range(40)]).sum(axis=(1, 2))
    assert areas.max() / areas.min() < 1.08
    expected = {SQUARE: 19.2**2, ELLIPSE: np.pi * 12.75 * 7.25, HEART: None}[shape]
    if expected is not None:
        assert areas.mean() == pytest.approx(expected, rel=0.03)


def test_first_and_last_orientation_coincide_as_in_the_official_grid() -> None:
    for shape in (SQUARE, ELLIPSE, HEART):
        a, b = images([[shape, 3, 0, 9, 9], [shape, 3, 39, 9, 9]])
        np.testing.assert_array_equal(a, b)


def test_the_three_shapes_differ() -> None:
    for orientation in (0, 13):
        masks = images([[s, 5, orientation, 16, 16] for s in (SQUARE, ELLIPSE, HEART)])
        for i in range(3):
            for j in range(i + 1, 3):
                differing = (masks[i] ^ masks[j]).sum() / (masks[i] | masks[j]).sum()
                assert differing > 0.15, (i, j, orientation)
    # At posX = posY = 0 the centre is the pixel corner (16, 16): crop a 32 x 32 window
    # around it to check the symmetries.
    ellipse, heart = images([[s, 5, 0, 0, 0] for s in (ELLIPSE, HEART)])[:, :32, :32]
    rows, cols = np.nonzero(ellipse)
    assert np.ptp(cols) > 1.5 * np.ptp(rows)  # long axis horizontal at orientation 0
    np.testing.assert_array_equal(ellipse, ellipse[::-1])
    assert not np.array_equal(heart, heart[::-1])  # a heart is not up-down symmetric
    np.testing.assert_array_equal(heart, heart[:, ::-1])  # but left-right symmetric


def test_heart_points_down_and_rotates_counter_clockwise() -> None:
    upright, quarter = images([[HEART, 5, 0, 15, 15], [HEART, 5, 10, 15, 15]])
    centre = (16 + 32 * 15 / 31) - 0.5
    _, y0 = centroid(upright)
    assert y0 < centre - 1  # lobes (most of the area) above the centre
    x1, y1 = centroid(quarter)  # about 92 degrees on: lobes to the left
    assert x1 < centre - 1 and abs(y1 - centre) < 0.5


def test_position_moves_the_centroid_monotonically() -> None:
    for shape in (SQUARE, ELLIPSE, HEART):
        along_x = images([[shape, 2, 5, x, 11] for x in range(32)])
        along_y = images([[shape, 2, 5, 20, y] for y in range(32)])
        xs = np.array([centroid(m)[0] for m in along_x])
        ys = np.array([centroid(m)[1] for m in along_y])
        assert (np.diff(xs) > 0.5).all() and (np.diff(xs) < 1.6).all()
        assert (np.diff(ys) > 0.5).all() and (np.diff(ys) < 1.6).all()
        assert xs[-1] - xs[0] == pytest.approx(32, abs=1)
        # posY does not move the sprite sideways, nor posX up or down.
        assert np.ptp([centroid(m)[0] for m in along_y]) < 0.5
        assert np.ptp([centroid(m)[1] for m in along_x]) < 0.5


def test_all_positions_of_a_sprite_are_distinct_images() -> None:
    masks = render(np.arange(1024) + 1024 * 123)
    assert len({mask.tobytes() for mask in masks}) == 1024


def test_largest_sprites_stay_inside_the_canvas() -> None:
    corners = [(0, 0), (0, 31), (31, 0), (31, 31)]
    rows = [[s, 5, o, x, y] for s in range(3) for o in range(40) for x, y in corners]
    masks = images(rows)
    assert masks.sum(axis=(1, 2)).min() > 150
    border = masks[:, 0].any() or masks[:, -1].any() or masks[:, :, 0].any()
    assert not (border or masks[:, :, -1].any())
