"""Issue 2's fitted-law checks: each Gaussian family's exact I(L/2; L) over L = 16 … 4^7 picks its class."""

import pytest

from infoscale import make_family
from infoscale.theory.scaling import fit_scaling_law

LENGTHS = [4**level for level in range(2, 8)]  # 16 … 16384


@pytest.mark.parametrize("name, params, law", [
    ("hierarchical", {"k": 3, "boundary": True}, "power"),
    ("hierarchical", {"k": 1, "boundary": True}, "log"),
    ("hierarchical", {"k": 0, "boundary": True}, "area"),
    ("hierarchical", {"k": 4, "boundary": True}, "volume"),
    ("fgn", {"hurst": 0.75}, "log"),
    ("gaussian-mean", {}, "log"),
    ("ar", {"coefficients": (0.5, -0.3)}, "area"),
    ("noisy-copy", {"snr": 2.0}, "volume"),
])
def test_fitted_law(name, params, law):
    family = make_family(name, **params)
    fit = fit_scaling_law(LENGTHS, family.mi_curve(LENGTHS))
    assert fit.law == law, fit.describe()
    assert family.scaling.law == law  # the family's own declared class agrees with the fit
    if name == "hierarchical" and params["k"] == 3:
        # With the boundary step β is close to, not exactly, ln 3 / ln 4 = 0.7925.
        assert abs(fit.exponent - 0.79) < 0.02


def test_power_exponent_without_boundary_is_exact():
    family = make_family("hierarchical", k=2, boundary=False)
    fit = fit_scaling_law(LENGTHS, family.mi_curve(LENGTHS))
    assert fit.law == "power" and fit.exponent == pytest.approx(0.5, abs=1e-9)
