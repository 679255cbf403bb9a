"""Symbolic closed forms agree with float computations done independently."""

import numpy as np
import pytest
import sympy as sp

from infoscale.theory import symbolic


def test_layer1_mi_is_half_log_nine_fifths(dense_gaussian_mi):
    assert sp.simplify(symbolic.hierarchical_layer1_mi() - sp.log(sp.Rational(9, 5)) / 2) == 0
    # Independent float check from M Mᵀ with numpy slogdet.
    m = np.array(symbolic.symbolic_mixing_matrix().evalf(), dtype=float)
    cov = m @ m.T
    np.testing.assert_allclose(np.diag(cov), 1.0, atol=1e-15)
    np.testing.assert_allclose(cov[~np.eye(4, dtype=bool)], -0.25, atol=1e-15)
    assert float(symbolic.hierarchical_layer1_mi()) == pytest.approx(dense_gaussian_mi(cov, 2), abs=1e-14)


def test_reference_values_of_design_table():
    expected = [0.294, 0.882, 2.645, 7.935, 23.805, 71.416]  # ½ ln(9/5)·3^(l−1) rounded, k = 3, no boundary
    got = [float(symbolic.symbolic_half_mi(3, level)) for level in range(1, 7)]
    np.testing.assert_allclose(got, expected, atol=6e-4)  # the table is rounded to 3 decimals


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_symbolic_matches_the_family(k):
    from infoscale import make_family

    family = make_family("hierarchical", k=k, boundary=False)
    for level in range(1, 5):
        L = 4**level
        assert family.bipartite_mi(L // 2, L) == pytest.approx(float(symbolic.symbolic_half_mi(k, level)), rel=1e-12)
    assert float(symbolic.hierarchical_exponent(3)) == pytest.approx(0.792481250360578, abs=1e-15)


def test_ar1_closed_form():
    phi = 0.6
    assert float(symbolic.ar1_mi(phi)) == pytest.approx(-0.5 * np.log(1 - phi**2), abs=1e-15)
