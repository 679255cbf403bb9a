"""Block MI estimators: discrete counting, Gaussian from sample covariance (bias-corrected), KSG."""

import collections

import numpy as np
import pytest

from infoscale.estimators.block import (discrete_block_mi, gaussian_sample_mi, ksg_mi, split_blocks,
                                        wishart_logdet_bias)


def _gaussian_pairs(rho, n, rng):
    """(a, b) in 2 + 2 dimensions with corr(a_i, b_i) = rho: I = −ln(1 − ρ²) exactly."""
    cov = np.eye(4)
    cov[0, 2] = cov[2, 0] = cov[1, 3] = cov[3, 1] = rho
    x = rng.standard_normal((n, 4)) @ np.linalg.cholesky(cov).T
    return x[:, :2], x[:, 2:], -np.log(1 - rho**2)


def test_discrete_plugin_equals_word_counting():
    # Independent route: Counter over tuples of each half, then the plug-in formula by hand.
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, size=(500, 5))
    x[:, 3] = (x[:, 0] + x[:, 1]) % 3  # some dependence across the cut at ℓ = 2
    ell, n = 2, x.shape[0]
    joint = collections.Counter(map(tuple, x))
    left = collections.Counter(map(tuple, x[:, :ell]))
    right = collections.Counter(map(tuple, x[:, ell:]))
    expected = sum(c / n * np.log(c * n / (left[k[:ell]] * right[k[ell:]])) for k, c in joint.items())
    assert discrete_block_mi(x, ell, "plugin").value == pytest.approx(expected, abs=1e-12)


def test_discrete_converges_on_markov_block():
    # Two-state Markov chain, L = 4, ℓ = 2: I = I(X_2; X_3) by the Markov property.
    transition = np.array([[0.8, 0.2], [0.4, 0.6]])
    stationary = np.array([2 / 3, 1 / 3])
    joint = stationary[:, None] * transition
    truth = float(np.sum(joint * np.log(joint / np.outer(stationary, stationary))))
    rng = np.random.default_rng(1)
    n = 40_000
    x = np.empty((n, 4), dtype=int)
    x[:, 0] = rng.random(n) < stationary[1]
    for t in range(1, 4):
        x[:, t] = rng.random(n) < transition[x[:, t - 1], 1]
    for method in ("plugin", "miller-madow", "grassberger"):
        est = discrete_block_mi(x, 2, method)
        assert abs(est.value - truth) < 4 * est.stderr, method  # 4 words a side, bias ≈ 9/(2n) ≪ σ


def test_gaussian_estimator_converges_and_is_unbiased():
    rng = np.random.default_rng(2)
    a, b, truth = _gaussian_pairs(0.6, 50_000, rng)
    est = gaussian_sample_mi(a, b)
    assert abs(est.value - truth) < 4 * est.stderr
    # Small n: the raw estimate is biased upwards; the Wishart correction removes it exactly.
    raw, corrected = [], []
    for _ in range(150):
        a, b, _ = _gaussian_pairs(0.6, 8, rng)
        e = gaussian_sample_mi(a, b)
        corrected.append(e.value)
        raw.append(e.extra["raw"])
    spread = np.std(corrected, ddof=1) / np.sqrt(len(corrected))
    assert abs(np.mean(corrected) - truth) < 4 * spread  # unbiased within 4 standard errors of the mean
    assert np.mean(raw) - truth > 8 * spread  # while the raw one is clearly biased (≈ 12 spreads here)


def test_wishart_bias_matches_simulation():
    # E[ln det S] − ln det Σ by simulation of the sample covariance of N(0, I_3), n = 10.
    rng = np.random.default_rng(3)
    z = rng.standard_normal((20_000, 10, 3))
    z -= z.mean(axis=1, keepdims=True)
    logdets = np.linalg.slogdet(np.einsum("sni,snj->sij", z, z) / 9)[1]
    sem = np.std(logdets) / np.sqrt(len(logdets))
    assert abs(np.mean(logdets) - wishart_logdet_bias(3, 9)) < 4 * sem


def test_gaussian_stderr_coverage():
    rng = np.random.default_rng(4)
    hits = []
    for _ in range(120):
        a, b, truth = _gaussian_pairs(0.5, 2000, rng)
        est = gaussian_sample_mi(a, b)
        hits.append(abs(est.value - truth) < 1.96 * est.stderr)
    assert np.mean(hits) >= 0.87  # nominal 95 %; 120 trials give ±2 % spread, plus delta-method error


def test_ksg_matches_gaussian_closed_form_2_plus_2():
    # bmi-like tolerance: KSG within 0.05 nats of the truth at n = 5000, k = 3 (its bias here is ~0.01).
    rng = np.random.default_rng(5)
    a, b, truth = _gaussian_pairs(0.6, 5000, rng)
    assert abs(ksg_mi(a, b, k=3).value - truth) < 0.05
    a, b, _ = _gaussian_pairs(0.0, 5000, rng)
    assert abs(ksg_mi(a, b, k=3).value) < 0.03  # independent blocks


def test_ksg_kdtree_equals_brute_force():
    rng = np.random.default_rng(6)
    a, b, _ = _gaussian_pairs(0.7, 700, rng)
    for k in (1, 4):
        fast, slow = ksg_mi(a, b, k=k), ksg_mi(a, b, k=k, algorithm="brute")
        assert fast.value == slow.value  # identical neighbour counts


def test_split_blocks_flattens_tokens():
    x = np.arange(2 * 4 * 3, dtype=float).reshape(2, 4, 3)
    a, b = split_blocks(x, 1)
    assert a.shape == (2, 3) and b.shape == (2, 9)
    assert np.array_equal(b[1], x[1, 1:].ravel())


def test_bad_input():
    rng = np.random.default_rng(7)
    a, b = rng.standard_normal((10, 2)), rng.standard_normal((10, 2))
    with pytest.raises(ValueError, match="k must be between 1 and 9"):
        ksg_mi(a, b, k=10)
    with pytest.raises(ValueError, match="same number of samples"):
        ksg_mi(a, b[:9])
    with pytest.raises(ValueError, match="at least 2 samples"):
        ksg_mi(a[:1], b[:1], k=1)
    bad = a.copy()
    bad[3, 1] = np.inf
    with pytest.raises(ValueError, match="NaN or infinite"):
        ksg_mi(bad, b)
    with pytest.raises(ValueError, match="NaN or infinite"):
        gaussian_sample_mi(a, np.where(b > 1, np.nan, b))
    with pytest.raises(ValueError, match="more samples than dimensions"):
        gaussian_sample_mi(a[:5], b[:5])
    with pytest.raises(ValueError, match="algorithm"):
        ksg_mi(a, b, algorithm="ball")
    with pytest.raises(ValueError, match="at least 2 samples"):
        discrete_block_mi(np.zeros((1, 4), dtype=int), 2)
    with pytest.raises(ValueError, match="ell must be between 1 and 3"):
        discrete_block_mi(np.zeros((5, 4), dtype=int), 4)
    with pytest.raises(ValueError, match="2 axes"):
        discrete_block_mi(np.zeros(5, dtype=int), 2)
