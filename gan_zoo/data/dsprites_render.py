"""Procedural dSprites: any subset of the 737,280 images, bit-identical on every call.

Lets gan-zoo run its disentanglement benchmarks without the official npz. The geometry
below was calibrated against the official images shown in ``dsprites.gif`` of
deepmind/dsprites-dataset (320 frames of 64 x 64: scale, rotation and position sweeps);
all numbers are in pixels at scale 1 and shrink with the scale factor:

* canvas 64 x 64, pixel (row i, column j) covers [j, j+1) x [i, i+1); posX moves the sprite
  along columns, posY along rows (posY = 0 at the top);
* sprite centre at 16 + 32 * pos on each axis, i.e. from pixel 16 to 48 in 32 steps of
  32/31 px (the GIF's sweeps put symmetric shapes' centroids at pixel index 15.5 .. 47.5);
* square: side 19.2 (20 px when axis-aligned, as in the GIF; rotated, its area shrinks to
  about 370 px there too);
* ellipse: semi-axes 12.75 x 7.25, long axis horizontal at orientation 0;
* heart: the classic curve x = 16 sin^3 t, y = 13 cos t - 5 cos 2t - 2 cos 3t - cos 4t,
  lobes up, stretched to a 19.2 x 19.2 box centred 0.2 px below the sprite centre;
* orientation rotates counter-clockwise as displayed (row 0 at the top), about the centre;
* a pixel is on when more than half of its 8 x 8 sub-samples fall inside the shape.

With these settings the renderer reproduces the GIF's 138 scale and rotation frames with a
mean intersection-over-union of 0.99 (square 0.996, ellipse 0.996, heart 0.993) and its 64
position-sweep frames with 0.99; the official rasteriser (LOVE) is not reproducible
exactly, so single edge pixels differ.

Speed: each (shape, scale, orientation) sprite is sampled once on a sub-pixel grid and
reduced to 8 x 8 sub-pixel phases of a 33 x 33 binary mask; the 1,024 positions of a sprite
are then gathered from those masks by integer offsets in one vectorised step. Positions are
therefore rounded to 1/8 px (at most 1/16 px off), which keeps every position distinct.
Pixels are 0 or 255, matching MNIST's 0..255 range.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from gan_zoo.data.dsprites_factors import FACTOR_VALUES, IMAGE_SIZE, NUM_IMAGES, classes_of
from gan_zoo.progress import progress_bar

SUBSAMPLES = 8  # sub-samples per pixel and axis; also the position resolution (1/8 px)
_HALF = 16  # the mask spans pixels -16..16 around the sprite's integer position
_BOX = 2 * _HALF + 1
_GRID = (_BOX + 1) * SUBSAMPLES  # one extra pixel of samples for the sub-pixel shift
_PAD = 48  # zero margin so that every 64 x 64 window of the padded mask exists
_POSITIONS = 1024  # posX x posY combinations per sprite

SQUARE_HALF_SIDE = 9.6
ELLIPSE_SEMI_AXES = (12.75, 7.25)
HEART_BOX = 19.2
HEART_DROP = 0.2


@cache
def _heart_outline() -> tuple[np.ndarray, np.ndarray, float]:
    """Polar table (angle, radius) of the heart about its curve origin, and that origin's v.

    The heart curve is star-shaped about its own origin, so "inside" is simply
    ``radius <= outline(angle)``: a cheap analytic test on millions of sub-samples.
    """
    t = np.linspace(0.0, 2.0 * np.pi, 4096, endpoint=False)
    x = 16.0 * np.sin(t) ** 3
    y = 13.0 * np.cos(t) - 5.0 * np.cos(2 * t) - 2.0 * np.cos(3 * t) - np.cos(4 * t)
    sx = HEART_BOX / (x.max() - x.min())
    sy = HEART_BOX / (y.max() - y.min())
    origin_v = HEART_DROP + sy * (y.max() + y.min()) / 2.0  # v grows downwards, y upwards
    u, v = sx * x, -sy * y
    angle, radius = np.arctan2(v, u), np.hypot(u, v)
    order = np.argsort(angle)
    angle, radius = angle[order], radius[order]
    angle = np.concatenate([angle[-1:] - 2 * np.pi, angle, angle[:1] + 2 * np.pi])
    radius = np.concatenate([radius[-1:], radius, radius[:1]])
    return angle, radius, origin_v


def _inside(shape: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Which points (in scale-1 sprite coordinates, v down) lie inside the shape."""
    if shape == 0:
        return (np.abs(u) <= SQUARE_HALF_SIDE) & (np.abs(v) <= SQUARE_HALF_SIDE)
    if shape == 1:
        a, b = ELLIPSE_SEMI_AXES
        return (u / a) ** 2 + (v / b) ** 2 <= 1.0
    angle, radius, origin_v = _heart_outline()
    dv = v - origin_v
    return np.hypot(u, dv) <= np.interp(np.arctan2(dv, u), angle, radius)


def sprite_masks(shape: int, scale: float, orientation: float) -> np.ndarray:
    """Binary masks (phase_y, phase_x, 33, 33) of one sprite for each 1/8-px offset.

    Mask ``[p, q]`` is the sprite with its centre ``p/8`` px below and ``q/8`` px right of
    the centre pixel's top-left corner.
    """
    s = SUBSAMPLES
    coords = (np.arange(_GRID) + 0.5) / s - (_HALF + 1)
    x, y = coords[None, :], coords[:, None]
    cos, sin = np.cos(orientation), np.sin(orientation)
    inside = _inside(shape, (x * cos - y * sin) / scale, (x * sin + y * cos) / scale)
    # Sub-sample counts of every pixel at every phase from one summed-area table.
    table = np.zeros((_GRID + 1, _GRID + 1), dtype=np.int32)
    table[1:, 1:] = inside.cumsum(0, dtype=np.int32).cumsum(1, dtype=np.int32)
    edges = (s - np.arange(s))[:, None] + s * np.arange(_BOX + 1)[None, :]
    corners = table[edges[:, :, None, None], edges[None, None, :, :]]
    counts = corners[:, 1:, :, 1:] - corners[:, :-1, :, 1:] - corners[:, 1:, :, :-1]
    counts += corners[:, :-1, :, :-1]
    return counts.transpose(0, 2, 1, 3) * 2 > s * s


def _padded_windows(masks: np.ndarray) -> np.ndarray:
    """All 64 x 64 windows of the zero-padded 0/255 masks: (8, 8, 50, 50, 64, 64), a view."""
    size = _PAD + _BOX + _PAD - _HALF  # 113; the first 16 rows/columns are never used
    padded = np.zeros((SUBSAMPLES, SUBSAMPLES, size, size), dtype=np.uint8)
    start = _PAD
    padded[:, :, start : start + _BOX, start : start + _BOX] = masks * np.uint8(255)
    return sliding_window_view(padded, (IMAGE_SIZE, IMAGE_SIZE), axis=(2, 3))


def _placement(position_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Window start and sub-pixel phase for each position value in [0, 1]."""
    centre = np.rint((16.0 + 32.0 * position_values) * SUBSAMPLES).astype(np.int64)
    whole, phase = np.divmod(centre, SUBSAMPLES)
    return _PAD + _HALF - whole, phase


def render(
    indices: np.ndarray, out: np.ndarray | None = None, progress: bool = False
) -> np.ndarray:
    """Images (n, 64, 64) uint8 0/255 for flat dSprites indices, in the order given.

    Each distinct sprite among the indices is sampled once; the result for an index never
    depends on which other indices are rendered with it. ``progress``: a bar over the sprites
    (the whole set takes a minute or more on a 2-core CPU).
    """
    indices = np.asarray(indices, dtype=np.int64).reshape(-1)
    classes = classes_of(indices)
    if out is None:
        out = np.empty((len(indices), IMAGE_SIZE, IMAGE_SIZE), dtype=np.uint8)
    elif out.shape != (len(indices), IMAGE_SIZE, IMAGE_SIZE) or out.dtype != np.uint8:
        raise ValueError(f"out must be uint8 of shape ({len(indices)}, 64, 64)")
    row_start, row_phase = _placement(FACTOR_VALUES[5][classes[:, 5]])
    col_start, col_phase = _placement(FACTOR_VALUES[4][classes[:, 4]])
    sprite = indices // _POSITIONS
    order = np.argsort(sprite, kind="stable")
    bounds = np.flatnonzero(np.diff(sprite[order])) + 1
    groups = np.split(order, bounds)
    bar = progress_bar(
        iterable=groups, desc="rendering dSprites", disable=not progress, leave=False
    )
    for group in bar:
        if len(group) == 0:
            continue
        _, shape, scale, orientation = classes[group[0], :4]
        masks = sprite_masks(
            int(shape), float(FACTOR_VALUES[2][scale]), float(FACTOR_VALUES[3][orientation])
        )
        windows = _padded_windows(masks)
        picked = windows[row_phase[group], col_phase[group], row_start[group], col_start[group]]
        if group[-1] - group[0] == len(group) - 1:  # consecutive (indices sort stably): a slice
            out[group[0] : group[-1] + 1] = picked
        else:
            out[group] = picked
    bar.close()
    return out


def render_all() -> np.ndarray:
    """The whole procedural set, (737280, 64, 64) uint8 0/255, in the official order."""
    return render(np.arange(NUM_IMAGES), progress=True)
