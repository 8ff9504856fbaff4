"""Loss terms against values worked out by hand."""

from __future__ import annotations

import math

import torch

from gan_zoo.losses import CodeSpec, d_adversarial, g_adversarial, gaussian_nll, information_term


def test_adversarial_losses_at_an_undecided_discriminator():
    zeros = torch.zeros(8)
    assert math.isclose(float(d_adversarial(zeros, zeros)), 2 * math.log(2), rel_tol=1e-6)
    assert math.isclose(float(g_adversarial(zeros, "ns")), math.log(2), rel_tol=1e-6)
    assert math.isclose(float(g_adversarial(zeros, "minimax")), -math.log(2), rel_tol=1e-6)


def test_information_bound_is_zero_for_uniform_q_and_entropy_for_perfect_q():
    spec = CodeSpec(categorical=(10,))
    codes = torch.arange(10).repeat(5).unsqueeze(1)
    uniform = information_term(torch.zeros(50, 10), spec, codes)
    assert abs(float(uniform.categorical_bounds[0])) < 1e-6
    perfect = information_term(
        torch.nn.functional.one_hot(codes[:, 0], 10).float() * 100, spec, codes
    )
    assert math.isclose(float(perfect.categorical_bounds[0]), math.log(10), rel_tol=1e-6)


def test_gaussian_nll_with_fixed_std_is_half_squared_error_plus_constant():
    mean, target = torch.zeros(4, 3), torch.ones(4, 3)
    expected = 3 * (0.5 * math.log(2 * math.pi) + 0.5)
    assert math.isclose(float(gaussian_nll(mean, target)), expected, rel_tol=1e-6)


def test_one_estimator_serves_infogan_codes_and_stacked_gan_noise():
    """Stacked GAN's entropy loss is the information term with only continuous targets."""
    z = torch.rand(6, 50)
    via_info = information_term(z + 0.1, CodeSpec(continuous=50), cont_targets=z).loss
    assert math.isclose(float(via_info), float(gaussian_nll(z + 0.1, z)), rel_tol=1e-6)
