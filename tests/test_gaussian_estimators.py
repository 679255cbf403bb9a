"""The core dense Gaussian estimators (infoscale.estimators.gaussian) against independent computations."""

import numpy as np
import pytest
from scipy import linalg

from infoscale.exact.gaussian import cholesky_factor, gaussian_mi, logdet, mi_spectrum


def random_spd(rng, size):
    """A well-conditioned random covariance (Wishart with 3·size degrees of freedom)."""
    a = rng.standard_normal((size, 3 * size))
    return a @ a.T / (3 * size)




def paired_covariance(rho):
    """Blocks A = (a_1..a_k), B = (b_1..b_k) with corr(a_i, b_i) = ρ_i and nothing else correlated."""
    k = len(rho)
    cov = np.eye(2 * k)
    cov[np.arange(k), k + np.arange(k)] = cov[k + np.arange(k), np.arange(k)] = rho
    return cov


@pytest.mark.parametrize("seed, size", [(0, 6), (1, 25), (2, 60)])
def test_gaussian_mi_matches_slogdet(seed, size, dense_gaussian_mi):
    cov = random_spd(np.random.default_rng(seed), size)
    for ell in (1, size // 2, size - 1):
        # 1e-10 absolute: Cholesky and LU log-determinants of a well-conditioned matrix.
        assert gaussian_mi(cov, ell) == pytest.approx(dense_gaussian_mi(cov, ell), abs=1e-10)
    assert logdet(cov) == pytest.approx(np.linalg.slogdet(cov)[1], abs=1e-10)
    np.testing.assert_allclose(cholesky_factor(cov) @ cholesky_factor(cov).T, cov, atol=1e-12)


@pytest.mark.parametrize("seed, size, ell", [(3, 10, 4), (4, 30, 15), (5, 31, 7)])
def test_mi_spectrum_canonical_correlations(seed, size, ell, dense_gaussian_mi):
    cov = random_spd(np.random.default_rng(seed), size)
    spec = mi_spectrum(cov, ell)
    # independent: ρ² are the eigenvalues of Σ_AB Σ_BB⁻¹ Σ_BA v = λ Σ_AA v (generalised eigh)
    a, b, c = cov[:ell, :ell], cov[ell:, ell:], cov[:ell, ell:]
    lam = linalg.eigh(c @ np.linalg.solve(b, c.T), a, eigvals_only=True)[::-1]
    k = min(ell, size - ell)
    np.testing.assert_allclose(spec.correlations[:k] ** 2, lam[:k], atol=1e-10)
    assert np.all(np.diff(spec.correlations) <= 0)
    # the identity I = −½ Σ ln(1 − ρ²), with I from log-determinants
    assert -0.5 * np.sum(np.log1p(-spec.correlations**2)) == pytest.approx(dense_gaussian_mi(cov, ell), abs=1e-10)
    assert spec.mi == pytest.approx(gaussian_mi(cov, ell), abs=1e-10)


def test_spectrum_of_known_pairs_history_dimension_and_residual():
    rho = np.array([0.5, 0.9, 0.1])
    spec = mi_spectrum(paired_covariance(rho), 3)
    np.testing.assert_allclose(spec.correlations, [0.9, 0.5, 0.1], atol=1e-13)
    c = -0.5 * np.log1p(-np.array([0.81, 0.25, 0.01]))  # 0.8304, 0.1438, 0.0050 nats
    np.testing.assert_allclose(spec.contributions, c, atol=1e-13)
    total = c.sum()
    assert spec.history_dimension(0.8) == 1  # 0.8304 / 0.9793 = 0.848
    assert spec.history_dimension(0.9) == 2
    assert spec.history_dimension(c[:2].sum() / total) == 2  # exactly the top two: no third needed
    assert spec.history_dimension(0.999) == 3
    assert spec.history_dimension(1.0) == 3
    assert spec.residual_mi(1) == pytest.approx(c[1] + c[2], abs=1e-13)
    assert spec.residual_mi(3) == 0.0
    assert spec.rank() == 3


def test_rank_of_a_low_rank_cross_covariance():
    rng = np.random.default_rng(6)
    mix = rng.standard_normal((8, 2)) @ rng.standard_normal((2, 5))  # B = M A + noise, rank(M) = 2
    joint = np.vstack([np.eye(5), mix])
    cov = joint @ joint.T + np.diag(np.r_[np.zeros(5), np.ones(8)])
    spec = mi_spectrum(cov, 5)
    assert spec.rank() == 2
    assert spec.history_dimension(1.0) == 2


def test_independent_blocks_have_zero_mi_and_dimension():
    spec = mi_spectrum(np.diag([1.0, 2.0, 3.0, 4.0]), 2)
    assert spec.mi == 0.0 and spec.rank() == 0 and spec.history_dimension(0.99) == 0


def test_non_positive_definite_covariance_is_rejected():
    bad = np.array([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match="not positive definite"):
        gaussian_mi(bad, 1)
    with pytest.raises(ValueError, match="not positive definite"):
        mi_spectrum(np.ones((3, 3)), 1)
    with pytest.raises(ValueError, match="square"):
        logdet(np.ones((2, 3)))
    with pytest.raises(ValueError, match="NaN"):
        cholesky_factor(np.array([[np.nan]]))


def test_bad_cut_and_fraction():
    cov = np.eye(4)
    with pytest.raises(ValueError, match="ell must be"):
        gaussian_mi(cov, 4)
    with pytest.raises(ValueError, match="ell must be"):
        mi_spectrum(cov, 0)
    spec = mi_spectrum(paired_covariance([0.5]), 1)
    for fraction in (0.0, 1.5):
        with pytest.raises(ValueError, match="fraction must be"):
            spec.history_dimension(fraction)
