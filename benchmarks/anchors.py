"""Published figures to set beside our numbers, each with its source.

Only figures measured the same way as a column are put in that column; the notes say where a
published number used a different feature extractor or protocol.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Anchor:
    dataset: str
    model: str
    metric: str
    value: float
    source: str


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
    Anchor(
        "dsprites",
        "infogan",
        "factorvae",
        0.82,
        "Lin et al. 2020 (InfoGAN-CR) Table 1, modified InfoGAN",
    ),
    Anchor(
        "dsprites",
        "infogan",
        "dci_disentanglement",
        0.60,
        "Lin et al. 2020 Table 1, modified InfoGAN",
    ),
    Anchor("dsprites", "infogan", "sap", 0.41, "Lin et al. 2020 Table 1, modified InfoGAN"),
    Anchor("dsprites", "infogan", "mig", 0.22, "Lin et al. 2020 Table 1, modified InfoGAN"),
)


def anchors_for(dataset: str, model: str) -> list[Anchor]:
    return [a for a in ANCHORS if a.dataset == dataset and a.model == model]
