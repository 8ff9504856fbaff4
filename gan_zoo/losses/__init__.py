"""Loss terms shared by every model: the math lives here, models only choose and weight them."""

from gan_zoo.losses.adversarial import d_adversarial, g_adversarial
from gan_zoo.losses.information import CodeSpec, InformationResult, information_term
from gan_zoo.losses.likelihood import categorical_nll, gaussian_nll, squared_error
from gan_zoo.losses.terms import Context, Term

__all__ = [
    "CodeSpec",
    "Context",
    "InformationResult",
    "Term",
    "categorical_nll",
    "d_adversarial",
    "g_adversarial",
    "gaussian_nll",
    "information_term",
    "squared_error",
]
