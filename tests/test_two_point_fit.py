"""The two-point fit chooses between a decaying power law, exponential decay and a constant."""

import numpy as np
import pytest

from infoscale.theory.two_point import fit_two_point


def test_two_point_fit_recovers_parameters():
    d = np.arange(1.0, 300.0)
    exact = 1.10 * d**-0.91 + 0.02
    fit = fit_two_point(d, exact)
    assert fit.model == "power"
    assert fit.A == pytest.approx(1.10, rel=1e-5)
    assert fit.alpha == pytest.approx(0.91, rel=1e-5)
    assert fit.C == pytest.approx(0.02, rel=1e-4)
    assert 0 < fit.C < exact.min()


def test_two_point_fit_with_noise_and_bounds():
    rng = np.random.default_rng(3)
    d = np.arange(1.0, 500.0)
    noisy = (0.8 * d**-0.6 + 0.01) * np.exp(0.02 * rng.standard_normal(d.size))
    fit = fit_two_point(d, noisy)
    assert abs(fit.alpha - 0.6) < 5 * fit.stderr["alpha"] + 0.02
    assert 0 < fit.C < noisy.min()
    with pytest.raises(ValueError, match="positive"):
        fit_two_point(d, noisy - 1.0)


def test_exponential_decay_is_not_called_a_power_law():
    # A Markov chain's I(d) decays as λ^d onto the estimator's positive bias floor.
    rng = np.random.default_rng(11)
    d = np.arange(1.0, 200.0)
    noisy = (0.3 * np.exp(-d / 6.0) + 1e-5) * np.exp(0.05 * rng.standard_normal(d.size))
    fit = fit_two_point(d, noisy)
    assert fit.model == "exponential" and fit.alpha is None
    assert fit.params["xi"] == pytest.approx(6.0, rel=0.05)
    assert "not a power law" in fit.describe() and "--" not in fit.describe()


def test_constant_curve_is_constant_and_no_exponent_is_negative():
    # Pure bias (no dependence): a noisy constant. Any power law fitted to it would be meaningless.
    for seed in range(4):
        rng = np.random.default_rng(seed)
        d = np.arange(1.0, 300.0)
        noisy = 1e-4 * np.exp(0.1 * rng.standard_normal(d.size))
        fit = fit_two_point(d, noisy)
        assert fit.model == "constant", (seed, fit.describe())
        assert fit.C == pytest.approx(1e-4, rel=0.05)
        assert "no decay" in fit.describe()


def test_growing_curve_never_gives_a_negative_exponent():
    d = np.arange(1.0, 100.0)
    fit = fit_two_point(d, 1e-3 * d**0.27)
    assert fit.alpha is None or fit.alpha >= 0
    assert "^--" not in fit.describe() and "−-" not in fit.describe()


def test_independent_tokens_give_a_constant_for_every_estimator():
    # I(d) = 0 at every d: the estimates scatter around their bias with delta-method errors near 0,
    # which the curve's fit floors at the null spread √2(V − 1)/(2N).
    from infoscale.estimators.two_point_sample import two_point_mi_curve

    for seed in range(3):
        x = np.random.default_rng(seed).integers(0, 4, 100_000)
        for method in ("plugin", "miller-madow", "grassberger"):
            fit = two_point_mi_curve(x, max_distance=128, method=method).fit()
            assert fit.model == "constant", (seed, method, fit.describe())
