"""Published figures to set beside our numbers, each with its source.

Only figures measured the same way as a column are put in that column; the notes say where a
published number used a different feature extractor or protocol.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Anchor:
    """One published figure. ``model`` is the family of ours it is set beside ("" for none);
    ``row`` names the published configuration where the tables show it as a row of its own,
    with ``steps``, the training steps it was measured after (None where not stated)."""

    dataset: str
    model: str
    metric: str
    value: float
    source: str
    row: str = ""
    steps: int | None = None
    batch_size: int | None = None

    @property
    def images_seen(self) -> int | None:
        """Training images behind the figure, where its schedule is known."""
        return (
            None if self.steps is None or self.batch_size is None else self.steps * self.batch_size
        )


#: InfoGAN-CR (Lin et al. 2020, fjxmlzn/InfoGAN-CR, InfoGAN-CR_dSprites/config.py): batch 64,
#: 28 epochs of 737,280 images; the contrastive term switches on at step 288,000, and the
#: "modified InfoGAN" of Table 1 is the checkpoint just before it
INFOGAN_CR_BATCH = 64
INFOGAN_CR_STEPS = 28 * 737_280 // INFOGAN_CR_BATCH
MODIFIED_INFOGAN_STEPS = 288_000
_TABLE1 = "Lin et al. 2020 (InfoGAN-CR) Table 1"


def _table1(model: str, row: str, steps: int | None, **values: float) -> tuple[Anchor, ...]:
    """One row of InfoGAN-CR's Table 1 (dSprites, mean of 50 runs) as anchors."""
    return tuple(
        Anchor("dsprites", model, metric, value, f"{_TABLE1}, {row}", row, steps, INFOGAN_CR_BATCH)
        for metric, value in values.items()
    )


ANCHORS: tuple[Anchor, ...] = (
    Anchor(
        "mnist",
        "infogan",
        "code_acc_c1",
        0.95,
        "Chen et al. 2016, sec. 7.2 (5% error), full schedule",
    ),
    Anchor(
        "mnist",
        "infogan",
        "li_bound_c1",
        2.30,
        "Chen et al. 2016, Fig. 1 (L_I reaches H(c) = ln 10)",
    ),
    Anchor(
        "mnist",
        "infogan_noinfo",
        "li_bound_c1",
        0.0,
        "Chen et al. 2016, Fig. 1 (regular GAN + Q: near 0)",
    ),
    Anchor(
        "mnist",
        "gan",
        "fid_inception",
        6.8,
        "Lucic et al. 2018, NS GAN, Inception-FID, best of a large search",
    ),
    Anchor(
        "fashion-mnist", "gan", "fid_inception", 26.5, "Lucic et al. 2018, NS GAN, Inception-FID"
    ),
    # the schedule of Table 1's original-InfoGAN row is not given in the repository's configs
    *_table1("", "original InfoGAN", None, factorvae=0.59, dci_disentanglement=0.41, mig=0.05),
    # the nets and rates our dSprites setup uses, so its figures sit beside our infogan rows
    *_table1(
        "infogan",
        "modified InfoGAN",
        MODIFIED_INFOGAN_STEPS,
        factorvae=0.82,
        dci_disentanglement=0.60,
        sap=0.41,
        mig=0.22,
        betavae=0.87,
    ),
    *_table1(
        "",
        "InfoGAN-CR",
        INFOGAN_CR_STEPS,
        factorvae=0.88,
        dci_disentanglement=0.71,
        sap=0.58,
        mig=0.37,
        betavae=0.95,
    ),
    Anchor(
        "cifar10",
        "sgan",
        "isc_inception",
        8.59,
        "Huang et al. 2017 (Stacked GAN), Inception Score 8.59 ± 0.12, joint training; 8.37 "
        "without it; official CIFAR-10 code",
    ),
)


def anchors_for(dataset: str, model: str) -> list[Anchor]:
    return [a for a in ANCHORS if a.dataset == dataset and a.model == model]


def published_rows(dataset: str) -> dict[str, list[Anchor]]:
    """The published configurations shown as rows of their own on ``dataset``, in order."""
    rows: dict[str, list[Anchor]] = {}
    for anchor in ANCHORS:
        if anchor.dataset == dataset and anchor.row:
            rows.setdefault(anchor.row, []).append(anchor)
    return rows
