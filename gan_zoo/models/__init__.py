"""The model zoo: ``available()`` lists names, ``build(name, dataset, **overrides)`` builds one.

Importing this package registers every built-in model; a user's model is one file in the user's
own package, registered with ``register`` and found through the ``gan_zoo.models`` entry points.
"""

from gan_zoo.models import gan, cgan, acgan, infogan, sgan  # noqa: F401, I001  (registration order = listing order)
from gan_zoo.models.base import GanModel, Samples
from gan_zoo.models.registry import (
    available,
    build,
    build_run,
    canonical,
    check_nets,
    describe,
    fused_families,
    fuses,
    register,
    unregister,
)

__all__ = [
    "GanModel",
    "Samples",
    "available",
    "build",
    "build_run",
    "canonical",
    "check_nets",
    "describe",
    "fused_families",
    "fuses",
    "register",
    "unregister",
]
