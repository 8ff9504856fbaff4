"""``python -m benchmarks.sample RUN_ID``: draw from a run's checkpoint, on any device.

Renders a sample grid, one traversal per chosen code (rows share their noise, columns sweep the
code) and, for conditional models, a sweep over chosen labels; ``--export N`` writes N samples
as the ``.npz`` ``benchmarks.evaluate`` reads. By default everything is drawn as the run's own
evaluation drew it (the evaluation bank's seed, labels balanced), so exporting the run's sample
count and evaluating the file gives the record's own metrics back.
"""

from __future__ import annotations

import argparse
import glob
import sys
from pathlib import Path
from typing import Any

import torch

from benchmarks.cli import check_data_root, eval_options, print_written
from benchmarks.records import read_record
from benchmarks.runner.execute import runs_root
from gan_zoo.data import load_dataset
from gan_zoo.devices import pick_device
from gan_zoo.errors import ConfigError, DataError
from gan_zoo.models import build
from gan_zoo.models.base import GanModel
from gan_zoo.train.checkpoints import CheckpointFiles


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.sample",
        description="Draw a grid, traversals, label sweeps and exported samples from a run.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("run_id", help="a run id, e.g. mnist__infogan__paper__seed0")
    p.add_argument("--out", type=Path, default=Path("results"), help="where the records are")
    p.add_argument("--to", type=Path, default=None, help="folder to write (default: RUN/drawn)")
    p.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N")
    p.add_argument("--seed", type=int, default=None, help="default: the run's seed")
    p.add_argument("--grid", type=int, default=100, help="images in the grid (0: none)")
    p.add_argument("--codes", default="all", help="codes to traverse: comma list, all or none")
    p.add_argument("--labels", default=None, help="labels to sweep, e.g. 0,3,7 (default: all)")
    p.add_argument("--rows", type=int, default=8, help="rows of each traversal")
    p.add_argument("--export", type=int, default=0, metavar="N", help="write N samples as .npz")
    p.add_argument("--npz", type=Path, default=None, help="export path (default: TO/samples.npz)")
    p.add_argument("--data-root", default=None, help="data folder (default: $GAN_ZOO_DATA)")
    return p


def load_run(
    run_id: str, out: Path, device: str | None = None, data_root: str | None = None
) -> tuple[GanModel, dict[str, Any], dict[str, Any]]:
    """(the run's model with its checkpoint's weights on ``device``, its record, the checkpoint)."""
    record = read_record(out, run_id)
    if record is None:
        raise DataError(no_record(run_id, Path(out)))
    if record.get("external"):
        raise ConfigError(f"{run_id} scores samples from a file; there is no model to draw from")
    run_dir = runs_root(out) / run_id
    state = CheckpointFiles(run_dir).load(set_aside=False)  # a reader: never renames
    if state is None:
        raise DataError(
            f"no checkpoint in {run_dir} (run folders stay where they were trained; set "
            "GAN_ZOO_RUNS to the folder that holds them)"
        )
    dataset = load_dataset(record["dataset"], "train", root=data_root)
    dev = pick_device(device)
    model = build(record["model"], dataset, dev.type, **(record.get("overrides") or {}))
    model.load_state_dict(state["model"])
    model = model.to(dev).eval()
    if (record.get("hparams") or {}).get("channels_last"):
        # the layout the run trained and evaluated in: convolutions in another layout round
        # differently, and a few pixels of the exported samples would differ from the run's
        model = model.to(memory_format=torch.channels_last)
    return model, record, state


#: the checkout, whose folders (``results/``, ``results-dsprites/``...) are searched for a record
CHECKOUT = Path(__file__).resolve().parents[1]


def no_record(run_id: str, out: Path) -> str:
    """The one-line error for a run id with no record under ``out``: the ``--out`` to pass
    where a folder beside the working folder or in the checkout holds it (``results/`` and the
    like, one level down), else what ``out`` does hold and that ``--out`` names the folder."""
    here = f"no record {run_id!r} under {out / 'records'}"
    elsewhere = [
        folder
        for root in dict.fromkeys(p.resolve() for p in (Path.cwd(), CHECKOUT))
        for path in sorted(root.glob(f"*/records/{glob.escape(run_id)}.json"))
        if (folder := path.parent.parent).resolve() != out.resolve()
    ]
    if elsewhere:
        where = [shown_path(folder) for folder in dict.fromkeys(elsewhere)]
        return f"{here}; it is under {', '.join(where)}: pass --out {where[0]}"
    found = sorted(p.stem for p in (out / "records").glob("*.json"))[:5]
    some = f" (some there: {', '.join(found)})" if found else ""
    return f"{here}{some}; pass --out DIR where its records are (the --out it was run with)"


def shown_path(path: Path) -> str:
    """``path`` relative to the working folder where it lies inside it, else absolute."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path.resolve())


def parse_choice(text: str | None, known: list[str], what: str) -> list[str] | None:
    """``all`` -> None (every one), ``none`` -> [], else the listed names, each checked."""
    if text is None or text == "all":
        return None
    if text == "none":
        return []
    chosen = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [c for c in chosen if c not in known]
    if unknown:
        raise ConfigError(f"unknown {what} {', '.join(unknown)}; this run has: {', '.join(known)}")
    return chosen


def parse_labels(text: str | None, model: GanModel) -> torch.Tensor | None:
    if text is None:
        return None
    k = model.latent.label_classes
    if not k:
        raise ConfigError(f"{model.name} is not conditional: it has no labels to sweep")
    try:
        labels = [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise ConfigError(f"--labels takes label indices like 0,3,7, not {text!r}") from None
    if not labels or min(labels) < 0 or max(labels) >= k:
        raise ConfigError(f"--labels must lie in 0..{k - 1}, got {text!r}")
    return torch.tensor(labels)


def draw(args: argparse.Namespace) -> list[Path]:
    """Everything the command writes, in order; bad options fail before anything is drawn."""
    from gan_zoo.metrics.external import write_samples
    from gan_zoo.metrics.suite import evaluation_bank
    from gan_zoo.metrics.traversal import traversal_codes, write_sample_grid, write_traversals

    if args.grid < 0 or args.export < 0 or args.rows < 1:
        raise ConfigError("--grid and --export must be >= 0 and --rows >= 1")
    options = eval_options(args)  # the data folder the run's model is built for
    check_data_root(options.data_root)
    model, record, state = load_run(args.run_id, args.out, args.device, options.data_root)
    codes = [c for c in traversal_codes(model) if c != "label"]
    chosen = parse_choice(args.codes, codes, "code(s)")
    chosen = codes if chosen is None else chosen
    labels = parse_labels(args.labels, model)
    # a conditional model's label sweep: the chosen labels, or every label with --codes all
    if labels is not None or (model.latent.label_classes and args.codes == "all"):
        chosen = [*chosen, "label"]
    seed = int(record["seed"]) if args.seed is None else args.seed
    to = args.to if args.to is not None else runs_root(args.out) / args.run_id / "drawn"
    written: list[Path] = []
    status = state.get("status")
    print(f"{args.run_id}: checkpoint at step {state['step']} ({status}) on {model.device}")
    if args.grid:
        bank = evaluation_bank(model, args.grid, seed)
        written.append(write_sample_grid(bank.images, to / "samples.png", n=args.grid))
    sweeps = None if labels is None else {"label": labels}
    written += write_traversals(model, to, args.rows, seed, codes=chosen, values=sweeps)
    if args.export:
        bank = evaluation_bank(model, args.export, seed)
        path = args.npz if args.npz is not None else to / "samples.npz"
        written.append(write_samples(path, bank, model.latent))
    return written


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return print_written(lambda: draw(args))


if __name__ == "__main__":
    sys.exit(main())
