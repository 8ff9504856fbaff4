"""Discovery of users' models, metrics and datasets through Python entry points.

A package adds a GAN family or a metric to gan-zoo without editing it, the way pytest and
torch-fidelity take plugins: it declares an entry point in its ``pyproject.toml``::

    [project.entry-points."gan_zoo.models"]
    wgan_gp = "my_package.wgan_gp"

    [project.entry-points."gan_zoo.metrics"]
    my_metric = "my_package.my_metric"

    [project.entry-points."gan_zoo.datasets"]
    my_data = "my_package.my_data"

Loading an entry point imports its module, whose ``register`` calls add the model, metric or
dataset.
Each group is loaded once per process, the first time the registry is asked for names; a plugin
that fails to import is reported in one line and skipped, so one broken plugin cannot stop a run
of the built-in models.
"""

from __future__ import annotations

import logging
from importlib.metadata import entry_points

log = logging.getLogger(__name__)

MODELS_GROUP = "gan_zoo.models"
METRICS_GROUP = "gan_zoo.metrics"
DATASETS_GROUP = "gan_zoo.datasets"

_loaded: set[str] = set()


def load_plugins(group: str) -> list[str]:
    """Import every entry point of ``group`` (once per process); returns the names loaded."""
    if group in _loaded:
        return []
    _loaded.add(group)
    names = []
    for point in entry_points(group=group):
        try:
            point.load()
        except Exception as exc:  # a broken plugin must not break the built-in suite
            log.warning(
                "plugin %s (%s) failed to load: %s: %s",
                point.name,
                point.value,
                type(exc).__name__,
                exc,
            )
            continue
        names.append(point.name)
    return names
