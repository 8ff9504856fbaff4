"""Every hyperparameter has a rule, and a value outside it is refused in one line."""

from __future__ import annotations

import pytest

from gan_zoo import config
from gan_zoo.config import hparams_for
from gan_zoo.config_rules import RULES
from gan_zoo.data import available
from gan_zoo.errors import ConfigError
from gan_zoo.losses.adversarial import KINDS
from gan_zoo.models.conditioning import D_CONDITIONING


def test_every_key_of_every_model_and_dataset_has_a_rule_and_its_default_passes():
    keys = set(config.COMMON)
    for model in config.MODELS:
        for dataset in [d for d in available() if (model, d) not in config.REFUSED]:
            keys |= set(hparams_for(model, dataset))  # validates the resolved defaults too
    assert keys == set(RULES)


def test_choices_are_the_ones_the_code_accepts():
    assert RULES["adv_loss"].choices == KINDS
    assert RULES["d_conditioning"].choices == D_CONDITIONING


@pytest.mark.parametrize(
    "key, value, fragment",
    [
        ("batch_size", "-5", "batch_size=-5 is not allowed: expected an integer >= 1"),
        ("batch_size", "0", "expected an integer >= 1"),
        ("adv_loss", "hinge", "expected one of ns, minimax"),
        ("lr_g", "0", "expected a number > 0"),
        ("lr_d", "nan", "expected a number > 0"),
        ("beta1", "1", "expected a number >= 0 and < 1"),
        ("lambda_cat", "-1", "expected a number >= 0"),
        ("cat_size", "1", "expected an integer >= 2"),
        ("d_conditioning", "bilinear", "expected one of concat, projection"),
        ("independent_fraction", "1.5", "<= 1"),
    ],
)
def test_a_bad_value_is_one_line_naming_key_value_and_what_is_allowed(key, value, fragment):
    with pytest.raises(ConfigError) as error:
        hparams_for("cgan" if key == "d_conditioning" else "sgan", "mnist", {key: value})
    assert fragment in str(error.value) and len(str(error.value).splitlines()) == 1


def test_values_given_from_python_are_type_checked_too():
    with pytest.raises(ConfigError, match="expected a boolean"):
        hparams_for("gan", "mnist", {"amp": 1})
    with pytest.raises(ConfigError, match="expected an integer"):
        hparams_for("gan", "mnist", {"batch_size": 12.5})
    assert hparams_for("gan", "mnist", {"lr_g": 1})["lr_g"] == 1  # ints are fine for floats


def test_speed_defaults_follow_the_device_and_a_users_setting_still_wins():
    cpu, cuda = hparams_for("infogan", "mnist"), hparams_for("infogan", "mnist", None, "cuda")
    assert cpu["amp"] and cpu["channels_last"]  # measured to pay on the CPU
    assert not cuda["amp"] and not cuda["channels_last"]  # measured not to, on an H100
    assert cuda["fused_adam"] and cuda["freeze_d_in_g"]
    forced = hparams_for("infogan", "mnist", {"amp": "1", "channels_last": "1"}, "cuda")
    assert forced["amp"] and forced["channels_last"]
    assert {k: v for k, v in cpu.items() if k not in ("amp", "channels_last")} == {
        k: v for k, v in cuda.items() if k not in ("amp", "channels_last")
    }


def test_a_family_declares_its_defaults_rules_and_refusals_in_its_own_registration():
    """Built-in or plugin, a family's own settings come from its ``register`` call alone."""
    from gan_zoo.config_rules import Rule
    from gan_zoo.models import register, unregister
    from gan_zoo.models.gan import build_gan

    register(
        "tmp_family",
        "a temporary family",
        defaults={"tmp_depth": 3, "lr_g": 5e-4},
        rules={"tmp_depth": Rule(int, low=1)},
        refused={"dsprites": "tmp_family is not run on dsprites: no codes"},
    )(build_gan)
    try:
        hp = hparams_for("tmp_family", "mnist")
        assert (hp["tmp_depth"], hp["lr_g"]) == (3, 5e-4)
        with pytest.raises(ConfigError, match="expected an integer >= 1"):
            hparams_for("tmp_family", "mnist", {"tmp_depth": "0"})
        with pytest.raises(ConfigError, match="no codes"):
            hparams_for("tmp_family", "dsprites")
    finally:
        unregister("tmp_family")
    assert ("tmp_family", "dsprites") not in config.REFUSED
    with pytest.raises(ConfigError, match="no registered defaults"):
        hparams_for("tmp_family", "mnist")
