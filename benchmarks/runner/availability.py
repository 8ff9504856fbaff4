"""What can be said about samples of a dataset without labels, said up front.

Without labels no judge can be trained, so the judge's quality metrics (FID, KID,
precision/recall, the judge's Inception-style score) and the label and code metrics that read
its predictions do not exist for that dataset; Inception features still give FID, KID and IS
with ``--inception``. The runner prints this before anything runs and under its summary, and the
tables print it above a dataset's table, instead of a run failing or a column staying empty
without a word.
"""

from __future__ import annotations

from gan_zoo.data.registry import resolve
from gan_zoo.errors import ConfigError

INCEPTION_KEYS = "fid_inception, kid_inception_mean, isc_inception"


def quality_note(dataset: str, inception: bool | None = None) -> str | None:
    """One line for a dataset that has no judge and no ground-truth factors; None otherwise.

    ``inception``: whether this invocation computes the Inception metrics (None: unknown, as in
    the tables, which say what exists either way).
    """
    try:
        entry = resolve(dataset)
    except ConfigError:
        return None
    if entry.has_judge or entry.ground_truth is not None:
        return None
    why = "has no labels" if not entry.labelled else "has no judge"
    if "test" not in entry.splits:
        return (
            f"{entry.name} {why} and no test split: no sample-quality metric is available "
            "(the judge's need labels, Inception's a test split)"
        )
    lead = f"{entry.name} {why}, so no judge: its quality metrics (fid, precision, recall, isc) "
    if inception is False:
        return lead + f"are not available; run with --inception for {INCEPTION_KEYS}"
    if inception:
        return lead + f"are not available; the Inception ones are ({INCEPTION_KEYS})"
    return lead + f"are not available; only {INCEPTION_KEYS}, from runs with --inception"
