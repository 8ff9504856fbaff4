"""The model zoo: ``available()`` lists names, ``build(name, dataset, **overrides)`` builds one.

Importing this package registers every model; a new model is one file plus its import here.
"""

from gan_zoo.models import gan, cgan, acgan, infogan, sgan  # noqa: F401, I001  (registration order = listing order)
from gan_zoo.models.base import GanModel, Samples
from gan_zoo.models.registry import available, build, canonical, describe, register

__all__ = ["GanModel", "Samples", "available", "build", "canonical", "describe", "register"]
