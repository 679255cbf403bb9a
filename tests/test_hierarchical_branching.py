"""Hierarchical Gaussian families with branching b ≠ 4: structured MI against dense covariances,
likelihoods and samples against the covariance, fitted β = ln k / ln b, and bad input."""

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from infoscale import make_family
from infoscale.errors import InvalidInput
from infoscale.exact.gaussian import gaussian_mi
from infoscale.exact.hierarchical import MIXING, mixing_matrix
from infoscale.theory.scaling import fit_scaling_law

CASES = [(2, 1, False), (2, 2, False), (6, 2, True), (6, 4, False), (8, 3, True), (8, 5, True), (10, 7, True)]


@pytest.mark.parametrize("b", [2, 3, 5, 6, 8])
def test_mixing_matrix_keeps_unit_variances(b):
    m = mixing_matrix(b)
    expected = (1 + 1 / b) * np.eye(b) - np.ones((b, b)) / b
    assert np.allclose(m @ m.T, expected, atol=1e-14)
    assert mixing_matrix(4) is MIXING  # b = 4 is the paper's matrix itself


@pytest.mark.parametrize("b,k,boundary", CASES)
def test_structured_half_mi_matches_the_dense_covariance(b, k, boundary):
    family = make_family("hierarchical", k=k, boundary=boundary, branching=b)
    lengths = family.lengths_up_to(1300)  # small depths: dense log-determinants
    curve = family.mi_curve(lengths)
    for length, value in zip(lengths, curve):
        cov = family.covariance(length)
        assert np.allclose(np.diag(cov), 1.0, atol=1e-12)
        assert value == pytest.approx(gaussian_mi(cov, length // 2), abs=1e-10)


@pytest.mark.parametrize("b,k,boundary", [(3, 2, True), (6, 4, True), (5, 3, False)])
def test_log_prob_and_samples_follow_the_covariance(b, k, boundary):
    family = make_family("hierarchical", k=k, boundary=boundary, branching=b)
    length = b**2
    cov = family.covariance(length)
    x = family.sample(4000, length, rng=7)
    dense = multivariate_normal(np.zeros(length), cov).logpdf(x[:5, :, 0])
    assert np.allclose(family.log_prob(x[:5]), dense, atol=1e-10)
    empirical = np.cov(x[:, :, 0], rowvar=False)
    assert np.max(np.abs(empirical - cov)) < 6 / np.sqrt(4000)


@pytest.mark.parametrize("b,k", [(6, 2), (6, 4), (8, 3), (8, 5), (10, 7)])
def test_fitted_beta_is_ln_k_over_ln_b(b, k):
    family = make_family("hierarchical", k=k, branching=b)  # with the boundary step
    assert family.scaling.exponent == pytest.approx(np.log(k) / np.log(b))
    lengths = [n for n in family.lengths_up_to(10**12) if n >= 16]
    fit = fit_scaling_law(lengths, family.mi_curve(lengths))
    assert fit.law == "power" and abs(fit.exponent - np.log(k) / np.log(b)) < 0.02


def test_odd_branching_uses_the_dense_covariance():
    family = make_family("hierarchical", k=2, branching=3)
    length = 27
    assert family.bipartite_mi(14, length) == pytest.approx(gaussian_mi(family.covariance(length), 14), abs=1e-12)


def test_bad_branching_and_copies_name_the_parameter():
    with pytest.raises(InvalidInput, match="branching"):
        make_family("hierarchical", branching=1, boundary=False)
    with pytest.raises(InvalidInput, match="branching"):
        make_family("hierarchical", k=1, branching=2)  # the boundary step needs b >= 3
    with pytest.raises(InvalidInput, match="k must be"):
        make_family("hierarchical", k=7, branching=6)
    with pytest.raises(InvalidInput, match="power of 6"):
        make_family("hierarchical", k=2, branching=6).sample(1, 64)
    with pytest.raises(InvalidInput, match="max_length must be >= 6"):
        make_family("hierarchical", k=2, branching=6).lengths_up_to(5)


def test_params_name_the_branching_only_when_it_is_not_four():
    assert "branching" not in make_family("hierarchical", k=2).params  # b = 4 runs keep their labels
    params = make_family("hierarchical", k=2, branching=6).params
    assert params["branching"] == 6 and make_family("hierarchical", **params).branching == 6
