"""Evaluation metrics: sample quality, code information and disentanglement.

Importing the package declares the built-in metrics (``catalog``) before anything else can
register one, so they lead every table; torch-fidelity is still imported only where used.
"""

from gan_zoo.metrics import (
    catalog,  # noqa: F401  (its import registers the built-ins)
    two_sets,  # noqa: F401  (declares the two-set Inception keys)
)
