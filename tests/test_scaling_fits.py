"""Scaling-law fits recover known laws and parameters, and say when laws cannot be told apart.

The two-point fit is tested in test_two_point_fit.py; noisy curves, parsimony, goodness of fit
and drift in test_scaling_selection.py."""

import numpy as np
import pytest

from infoscale.theory.scaling import fit_scaling_law, law_curve

L = 4.0 ** np.arange(2, 8)  # 16 … 4^7, the range the family checks use


@pytest.mark.parametrize("law, params", [
    ("area", {"c": 0.37}),
    ("log", {"a": 0.2, "c": 0.5}),
    ("power", {"A": 0.29, "beta": 0.79}),
    ("volume", {"c": 0.12}),
])
def test_exact_curves_recover_law_and_parameters(law, params):
    fit = fit_scaling_law(L, law_curve(law, params, L))
    assert fit.law == law
    assert not fit.ambiguous
    for name, value in params.items():  # noise-free data: parameters to rounding error
        assert fit.best.params[name] == pytest.approx(value, rel=1e-8)


def test_small_finite_size_corrections_do_not_change_the_class():
    # A power law with a 1/L correction, and a volume law with a constant offset.
    power = 0.29 * L**0.79 * (1 + 0.05 / L)
    assert fit_scaling_law(L, power).law == "power"
    volume = 0.1 * L - 0.05
    fit = fit_scaling_law(L, volume)
    assert fit.law == "volume"
    assert fit.exponent == 1.0


def test_noisy_power_law_with_standard_errors():
    rng = np.random.default_rng(7)
    truth = 2.27 * L**0.76
    err = 0.03 * truth
    y = truth + err * rng.standard_normal(L.size)
    fit = fit_scaling_law(L, y, stderr=err)
    assert fit.law == "power"
    # With known σ the reported β standard error is honest: truth within 4 SE.
    assert abs(fit.exponent - 0.76) < 4 * fit.exponent_stderr


def test_log_and_power_are_ambiguous_on_a_noisy_range():
    lengths = np.array([16.0, 32.0, 64.0, 128.0])
    y = 0.5 + 0.3 * np.log(lengths)
    fit = fit_scaling_law(lengths, y, stderr=0.05 * y)
    assert fit.law == "log" and fit.alternatives == ("power",)


def test_a_range_too_short_to_rule_out_a_constant_is_area():
    # On 16..32 with 5 % errors the log law's AIC gain over area is 1.7 < 2: parsimony picks area.
    short = np.array([16.0, 24.0, 32.0])
    y = 0.5 + 0.3 * np.log(short)
    fit = fit_scaling_law(short, y, stderr=0.05 * y)
    assert fit.fits["area"].aic - fit.fits["log"].aic == pytest.approx(1.72, abs=0.01)
    assert fit.law == "area" and not fit.ambiguous


def test_zero_curve_is_area():
    fit = fit_scaling_law(L, np.zeros_like(L))
    assert fit.law == "area" and fit.coefficient == 0.0


def test_fit_errors_name_the_problem():
    with pytest.raises(ValueError, match="same shape"):
        fit_scaling_law(L, L[:-1])
    with pytest.raises(ValueError, match="at least 3"):
        fit_scaling_law(L[:2], L[:2])
    with pytest.raises(ValueError, match="NaN"):
        fit_scaling_law(L, np.full_like(L, np.nan))
    with pytest.raises(ValueError, match="positive"):
        fit_scaling_law(-L, L)
