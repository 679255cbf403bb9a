"""Durbin–Levinson log-determinants and MI curves against dense factorisations and closed forms."""

import numpy as np
import pytest
from scipy import linalg

from infoscale.exact.toeplitz import (prediction_log_variances, toeplitz_logdets, toeplitz_mi,
                                           toeplitz_mi_curve)


def fgn_direct(hurst, size):
    """fGn autocovariance straight from the definition (fine for the short lags used here)."""
    k = np.arange(size, dtype=float)
    return 0.5 * (np.abs(k + 1) ** (2 * hurst) - 2 * k ** (2 * hurst) + np.abs(k - 1) ** (2 * hurst))


def ar1_autocov(phi, sigma, size):
    return sigma**2 * phi ** np.arange(size) / (1 - phi**2)


def random_autocov(rng, size):
    """A positive-definite autocovariance: a sum of cosines (PSD) plus a white-noise floor."""
    freqs, weights = rng.uniform(0, np.pi, 5), rng.uniform(0.1, 1.0, 5)
    k = np.arange(size)
    return (weights[:, None] * np.cos(freqs[:, None] * k)).sum(0) + 0.3 * (k == 0)




AUTOCOVS = {
    "fgn-0.75": fgn_direct(0.75, 200),
    "fgn-0.2": fgn_direct(0.2, 200),
    "ar1": ar1_autocov(0.8, 1.5, 200),
    "gaussian-mean": np.r_[1.0 + 4.0, np.full(199, 4.0)],
    "random": random_autocov(np.random.default_rng(0), 200),
}


@pytest.mark.parametrize("name", AUTOCOVS)
def test_logdets_match_dense_slogdet(name):
    r = AUTOCOVS[name]
    ld = toeplitz_logdets(r)
    assert ld.shape == (r.size + 1,) and ld[0] == 0.0
    for n in (1, 2, 3, 17, 100, 200):
        # absolute 1e-9 on log-dets of size up to ~|200 ln v|: both sides are backward stable.
        assert ld[n] == pytest.approx(np.linalg.slogdet(linalg.toeplitz(r[:n]))[1], abs=1e-9)


@pytest.mark.parametrize("name", AUTOCOVS)
def test_half_split_curve_matches_dense_per_length(name, dense_gaussian_mi):
    r = AUTOCOVS[name]
    lengths, mi = toeplitz_mi_curve(r)
    np.testing.assert_array_equal(lengths, np.arange(2, 201, 2))
    for i in range(0, lengths.size, 17):
        # 1e-9 absolute (the bound); observed ~1e-13.
        assert mi[i] == pytest.approx(dense_gaussian_mi(linalg.toeplitz(r[:lengths[i]]), lengths[i] // 2), abs=1e-9)


def test_other_splits_and_explicit_lengths(dense_gaussian_mi):
    r = AUTOCOVS["fgn-0.75"]
    lengths, mi = toeplitz_mi_curve(r, lengths=[10, 37, 190], split=0.3)
    for length, value in zip(lengths, mi):
        assert value == pytest.approx(dense_gaussian_mi(linalg.toeplitz(r[:length]), int(round(0.3 * length))), abs=1e-9)
    ell = np.array([[1], [5], [9]])
    grid = toeplitz_mi(r, ell, np.array([10, 40, 190]))  # broadcasts to (3, 3)
    assert grid.shape == (3, 3)
    assert grid[2, 1] == pytest.approx(dense_gaussian_mi(linalg.toeplitz(r[:40]), 9), abs=1e-9)
    assert isinstance(toeplitz_mi(r, 3, 7), float)


def test_default_lengths_skip_cuts_that_leave_an_empty_block():
    lengths, _ = toeplitz_mi_curve(AUTOCOVS["ar1"][:50], split=0.1)
    assert lengths[0] == 6  # round(0.1·L) >= 1 first at L = 6 (0.4 and 0.2 round to 0)


def test_ar1_prediction_variances_and_mi_are_exact():
    phi, sigma = 0.9, 0.7
    log_var = prediction_log_variances(ar1_autocov(phi, sigma, 2000))
    # v_0 = σ²/(1−φ²), v_t = σ² for t ≥ 1: exact values, rounding only.
    assert log_var[0] == pytest.approx(np.log(sigma**2 / (1 - phi**2)), abs=1e-13)
    np.testing.assert_allclose(log_var[1:], np.log(sigma**2), atol=1e-12)
    # I(ℓ; L) = −½ ln(1 − φ²) at every cut of every length, even where ln det Σ_L ~ 1e3.
    lengths, mi = toeplitz_mi_curve(ar1_autocov(phi, sigma, 2000))
    np.testing.assert_allclose(mi, -0.5 * np.log1p(-phi**2), rtol=0, atol=1e-11)


def test_gaussian_mean_levinson_matches_closed_form():
    q, size = 4.0, 1000
    r = np.r_[1.0 + q, np.full(size - 1, q)]
    t = np.arange(size)
    # v_t = σ²(1 + q/(1 + t q)): the posterior predictive variance after t observations.
    # absolute 1e-13: ln v_t is a running sum of ~1e3 log1p terms starting from ln 5.
    np.testing.assert_allclose(prediction_log_variances(r), np.log1p(q / (1 + t * q)), rtol=0, atol=1e-13)
    lengths, mi = toeplitz_mi_curve(r)
    half = lengths // 2
    closed = 0.5 * (2 * np.log1p(half * q) - np.log1p(lengths * q))
    np.testing.assert_allclose(mi, closed, rtol=1e-10)


@pytest.mark.parametrize("autocov", [[1.0, 0.9, 0.0], [1.0, 1.0, 1.0], [1.0, 1.2], [0.0, 0.0], [-1.0]])
def test_non_positive_definite_autocov_is_rejected(autocov):
    with pytest.raises(ValueError, match="autocov is not positive definite"):
        toeplitz_logdets(autocov)


@pytest.mark.parametrize("kwargs, match", [
    (dict(autocov=[1.0, np.nan]), "autocov contains NaN"),
    (dict(autocov=[]), "autocov must hold at least"),
    (dict(autocov=np.eye(2)), "autocov must have 1 axes"),
])
def test_bad_autocov_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        prediction_log_variances(**kwargs)


def test_bad_lengths_and_splits():
    r = AUTOCOVS["ar1"][:20]
    with pytest.raises(ValueError, match="length must be between 2 and len"):
        toeplitz_mi(r, 5, 21)
    with pytest.raises(ValueError, match="ell must be between 1 and length - 1"):
        toeplitz_mi(r, 10, 10)
    with pytest.raises(ValueError, match="split must be"):
        toeplitz_mi_curve(r, split=1.0)
    with pytest.raises(ValueError, match="ell must be between"):
        toeplitz_mi_curve(r, lengths=[4], split=0.05)
    with pytest.raises(TypeError, match="lengths must hold integers"):
        toeplitz_mi_curve(r, lengths=[4.5])


def test_progress_callback_reports_the_whole_pass():
    seen = []
    prediction_log_variances(0.5 ** np.arange(3000), progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (3000, 3000) and all(total == 3000 for _, total in seen)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
