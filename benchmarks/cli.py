"""How every command line of the suite ends on a refused input or write: one line, one code."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from gan_zoo.errors import ConfigError, GanZooError
from gan_zoo.io import WRITE_FAILED, WriteError

if TYPE_CHECKING:
    from benchmarks.runner.eval_options import EvalOptions


def refused(exc: GanZooError) -> int:
    """Print ``exc`` as one ``error:`` line on stderr and return the exit code it stands for:
    ``WRITE_FAILED`` (74) when the disk or a folder refused a file, 2 for bad input."""
    print(f"error: {exc}", file=sys.stderr)
    return WRITE_FAILED if isinstance(exc, WriteError) else 2


def check_data_root(data_root: str | None) -> None:
    """Refuse a ``--data-root`` that is not a folder, before anything is loaded: it is never
    created (a typo must not become a folder), and a file there would only fail later, as if
    the data were missing."""
    if data_root is None:
        return
    path = Path(data_root).expanduser()
    if path.is_dir():
        return
    what = "is a file, not a folder" if path.exists() else "does not exist (it is never created)"
    raise ConfigError(
        f"--data-root {data_root} {what}; point it at the folder that holds the data "
        "(e.g. MNIST/raw/), or leave it out to use GAN_ZOO_DATA"
    )


def add_plan_arguments(p: argparse.ArgumentParser, overrides_help: str) -> None:
    """``--models``, ``--seeds`` and ``--set``: which runs a command means, named alike by every
    command that plans runs (``run``, ``untrained``)."""
    p.add_argument("--models", default="all", help="comma list of model names, or 'all'")
    p.add_argument(
        "--seeds",
        default="1",
        help="a count (3 = seeds 0,1,2) or a list (0,4,7; one chosen seed: 2,)",
    )
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=overrides_help,
    )


def add_inception_arguments(p: argparse.ArgumentParser, inception_help: str) -> None:
    """``--inception`` and ``--inception-weights``, alike in every command that evaluates."""
    p.add_argument("--inception", action="store_true", help=inception_help)
    p.add_argument(
        "--inception-weights",
        default=None,
        help="Inception v3 weights file (default: the converted offline weights, else "
        "torch-fidelity's download)",
    )


def eval_options(args: argparse.Namespace, weights_imply_inception: bool = False) -> EvalOptions:
    """The evaluation options of ``run``, ``evaluate`` or ``sample``, made once from its
    arguments (as ``RunConfig`` is for training) and passed whole from there on.

    An option the command does not have keeps its default: ``--num-samples`` (``run``: once the
    budget's default and the data's fit are applied), the budget's draw (``args.eval_draw``),
    ``--inception`` (also meant by ``--inception-weights`` where ``weights_imply_inception``),
    ``--inception-weights`` (``~`` expanded; where Inception would read it, a path that is not
    a file is refused in one line), ``--data-root`` and ``--eval-threads``.
    """
    from benchmarks.runner.eval_options import EvalOptions

    default = EvalOptions()
    given = getattr(args, "inception_weights", None)
    weights = None if given is None else str(Path(given).expanduser())
    inception = bool(getattr(args, "inception", False))
    inception = inception or (weights_imply_inception and weights is not None)
    if inception and weights is not None and not Path(weights).is_file():
        raise ConfigError(f"--inception-weights {given} is not a file")
    num_samples = getattr(args, "num_samples", None)
    return EvalOptions(
        num_samples=default.num_samples if num_samples is None else num_samples,
        inception=inception,
        inception_weights=weights,
        draw=getattr(args, "eval_draw", default.draw),
        data_root=getattr(args, "data_root", None),
        threads=_eval_threads(getattr(args, "eval_threads", None)),
    )


def _eval_threads(count: int | None) -> int | None:
    if count is not None and count < 1:
        raise ConfigError(f"--eval-threads {count}: expected at least 1")
    return count


def print_written(write: Callable[[], list[Path]]) -> int:
    """Run a command's ``write`` and print each file it wrote, one per line (exit 0), or its
    refusal as one ``error:`` line (``refused``): how tables, plots and sample finish."""
    try:
        paths = write()
    except GanZooError as exc:
        return refused(exc)
    for path in paths:
        print(path)
    return 0
