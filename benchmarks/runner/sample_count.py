"""``--num-samples`` checked before any run: a count every metric of the plan is defined on,
and one the dataset's own splits can be measured against.

A run scores a bank of ``--num-samples`` generated images against the test split (FID, KID,
precision/recall), and its record's floors draw as many real train images (``count / 10`` of
each class for the intra-class floor). A built-in dataset holds at least 10,000 test images;
the user's own data (``folder:PATH``, ``npz:PATH``: already read when the plan is made, so its
split sizes cost nothing) often far fewer. Such a count is lowered to the largest the data
supports, with a one-line note naming it, rather than found wrong after minutes of training
(or scored against a few hundred test images unsaid).
"""

from __future__ import annotations

from gan_zoo.data.registry import DatasetEntry, resolve
from gan_zoo.errors import ConfigError
from gan_zoo.metrics.builtin import JUDGED_CLASSES
from gan_zoo.metrics.registry import Metric, metrics


def bank_metrics(entry: DatasetEntry, inception: bool) -> list[Metric]:
    """The metrics that score a run's whole bank on ``entry`` (per-label ones aside: a
    conditional model's bank is split among its labels)."""
    chosen = []
    for metric in metrics():
        if metric.compute is None or "labels" in metric.needs or not metric.applies(entry.name):
            continue
        if "test_split" in metric.data_needs and not (entry.has_judge or inception):
            continue  # quality without a judge scores nothing unless Inception is asked for
        chosen.append(metric)
    return chosen


def largest_count(entry: DatasetEntry, bank: list[Metric]) -> tuple[int, str] | None:
    """(the largest count the user's data supports, why), or None where its splits are not
    known without loading them (built-in and plugin datasets)."""
    if entry.spec == entry.name:  # not made from a spec: its files are read later, checked
        return None
    limits = []
    if any("test_split" in m.data_needs for m in bank):
        test = len(entry.load("test"))
        limits.append((test, f"its test split holds {test} images (FID and KID compare with it)"))
    if entry.has_judge:  # real data's floors (metrics.builtin): N train images, N // 10 a class
        train = entry.load("train")
        limits.append((len(train), f"its train split holds {len(train)} images"))
        smallest = int(train.labels.bincount(minlength=entry.num_classes or 1).min())
        limits.append(
            (
                JUDGED_CLASSES * (smallest + 1) - 1,
                f"a class has {smallest} train images (the intra-class floor draws a tenth of "
                "the count from each)",
            )
        )
    return min(limits) if limits else None


def fit_num_samples(num_samples: int, dataset: str, inception: bool) -> tuple[int, str | None]:
    """(the count the runs evaluate on, a note when the data lowered it); a count that is not
    positive, or below a metric's minimum where the data holds more, is a one-line ConfigError.

    Data smaller than a metric's minimum is still run, at the most it supports, with the note
    saying so: a small folder of one's own images is worth a rough score."""
    if num_samples < 1:
        raise ConfigError(f"--num-samples must be a positive integer, got {num_samples}")
    entry = resolve(dataset)
    bank = bank_metrics(entry, inception)
    low, needs = max(((m.min_samples, m.name) for m in bank), default=(1, ""))
    largest = largest_count(entry, bank)
    least = low if largest is None else min(low, largest[0])
    if num_samples < least:
        raise ConfigError(
            f"--num-samples {num_samples} is below the {low} samples metric {needs!r} is "
            f"defined on; pass --num-samples {least} or more"
        )
    if largest is None or num_samples <= largest[0]:
        return num_samples, None
    count, why = largest
    rough = f", fewer than the {low} metric {needs!r} is defined on" if count < low else ""
    return count, (
        f"--num-samples {num_samples} is more than {entry.spec} supports ({why}); "
        f"evaluating on {count} samples{rough}"
    )
