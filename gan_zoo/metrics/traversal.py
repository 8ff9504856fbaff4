"""Latent traversals: for each code, rows share their noise and columns sweep the code.

Categorical codes (and the label of a conditional model) show every category; continuous codes
sweep -2..2, beyond the training range [-1, 1], as the InfoGAN paper's Figure 2 does.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torchvision.utils import make_grid, save_image

from gan_zoo.io import atomic_write
from gan_zoo.models.base import GanModel

CONT_VALUES = torch.linspace(-2, 2, 9)


@torch.inference_mode()
def traversal_grid(
    model: GanModel,
    code: str,
    rows: int = 8,
    seed: int = 0,
    values: torch.Tensor | None = None,
) -> tuple[torch.Tensor, int]:
    """Images in [0, 1] (rows * columns, row-major) and the column count, for one code (c1, ...
    or ``label``); ``values`` picks the columns (default: every category, or -2..2)."""
    lay = model.latent
    gen = torch.Generator(device=model.device).manual_seed(seed)
    base = model.latent.sample(rows, gen, model.device)
    cat_names = [c.name for c in lay.categorical]
    cont_names = [c.name for c in lay.continuous]
    if code in cat_names:
        default = torch.arange(lay.categorical[cat_names.index(code)].num_categories)
    elif code in cont_names:
        default = CONT_VALUES
    elif code == "label" and lay.label_classes:
        default = torch.arange(lay.label_classes)
    else:
        raise KeyError(f"{model.name} has no code {code!r}; it has {traversal_codes(model)}")
    values = default if values is None else torch.as_tensor(values)
    cols = len(values)
    # repeat each row's latent across the columns, then set the swept code per column
    rep = lambda t: None if t is None else t.repeat_interleave(cols, dim=0)  # noqa: E731
    cat, cont, labels = rep(base.cat).clone(), rep(base.cont).clone(), rep(base.labels)
    sweep = values.repeat(rows).to(model.device)
    if code in cat_names:
        cat[:, cat_names.index(code)] = sweep.long()
    elif code in cont_names:
        cont[:, cont_names.index(code)] = sweep.float()
    else:
        labels = sweep.long()
    latent = type(base)(
        z=rep(base.z),
        cat=cat,
        cont=cont,
        labels=labels,
        extra={k: rep(v) for k, v in base.extra.items()},
    )
    was_training = model.training
    model.eval()
    try:
        images = model.generate(latent)
    finally:
        model.train(was_training)
    return images.float().cpu(), cols


def traversal_codes(model: GanModel) -> list[str]:
    names = [c.name for c in model.latent.categorical] + [c.name for c in model.latent.continuous]
    return names + (["label"] if model.latent.label_classes else [])


def write_traversals(
    model: GanModel,
    folder: Path,
    rows: int = 8,
    seed: int = 0,
    codes: list[str] | None = None,
    values: dict[str, torch.Tensor] | None = None,
) -> list[Path]:
    """One PNG per code (default: every code, and the label): ``traversal_<code>.png``;
    ``values`` picks the columns of a code (e.g. the labels of a label sweep)."""
    paths = []
    for code in traversal_codes(model) if codes is None else codes:
        images, cols = traversal_grid(model, code, rows, seed, (values or {}).get(code))
        path = folder / f"traversal_{code}.png"
        atomic_write(
            path,
            lambda f, i=images, c=cols: save_image(i, f, "png", nrow=c, padding=1, pad_value=0.5),
        )
        paths.append(path)
    return paths


def sample_grid(images_uint8: torch.Tensor, n: int = 100) -> torch.Tensor:
    """The first ``n`` samples as one square-ish grid image (C, H, W floats in [0, 1]): the
    layout of ``samples.png`` and of the live logs' sample grids."""
    return make_grid(images_uint8[:n].float() / 255.0, nrow=int(n**0.5), padding=1, pad_value=0.5)


def write_sample_grid(images_uint8: torch.Tensor, path: Path, n: int = 100) -> Path:
    """The first ``n`` samples as a square-ish grid."""
    grid = sample_grid(images_uint8, n)
    atomic_write(path, lambda f: save_image(grid, f, "png"))
    return path
