"""KSG's neighbour counts (estimators.knn) against all pairwise distances in numpy, with ties."""

import numpy as np
import pytest
from scipy import special

from infoscale.estimators import knn
from infoscale.estimators.block import ksg_mi


def _numpy_counts(a, b, k):
    dist_a = np.abs(a[:, None, :] - a[None, :, :]).max(axis=2)
    dist_b = np.abs(b[:, None, :] - b[None, :, :]).max(axis=2)
    eps = np.sort(np.maximum(dist_a, dist_b), axis=1)[:, k]
    return eps, (dist_a < eps[:, None]).sum(axis=1) - 1, (dist_b < eps[:, None]).sum(axis=1) - 1


def _pair(n, p, q, seed, decimals=None):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, p))
    b = 0.7 * a[:, :1] + rng.standard_normal((n, q))
    return (a, b) if decimals is None else (np.round(a, decimals), np.round(b, decimals))


@pytest.mark.parametrize("algorithm", ["kdtree", "brute"])
@pytest.mark.parametrize("p, q, decimals", [(1, 1, None), (1, 1, 1), (2, 3, None), (3, 1, 1), (8, 8, None)])
def test_counts_equal_all_pairs_in_numpy(algorithm, p, q, decimals):
    """Rounded data puts many samples exactly at distance ε: strict counts must exclude them.
    (Counts are compared where ε > 0; at ε = 0 KSG is undefined and ``ksg_mi`` refuses.)"""
    a, b = _pair(400, p, q, seed=p * 10 + q, decimals=decimals)
    for k in (1, 3):
        expected = _numpy_counts(a, b, k)
        got = knn.knn_radius_and_counts(a, b, k, algorithm)
        np.testing.assert_array_equal(got[0], expected[0])
        defined = expected[0] > 0
        assert defined.mean() > 0.5
        np.testing.assert_array_equal(got[1][defined], expected[1][defined])
        np.testing.assert_array_equal(got[2][defined], expected[2][defined])


@pytest.mark.parametrize("algorithm", ["auto", "kdtree", "brute"])
def test_ksg_value_equals_the_formula_on_numpy_counts(algorithm):
    a, b = _pair(300, 2, 2, seed=5)
    _, count_a, count_b = _numpy_counts(a, b, 3)
    expected = np.mean(special.digamma(3) + special.digamma(300) - special.digamma(count_a + 1) - special.digamma(count_b + 1))
    assert ksg_mi(a, b, k=3, algorithm=algorithm).value == pytest.approx(expected, abs=1e-12)


def test_auto_picks_brute_force_in_many_dimensions_only():
    assert knn.resolve("auto", 10_000, 16) == "brute" and knn.resolve("auto", 10_000, 2) == "kdtree"
    assert knn.resolve("auto", 10 ** 6, 16) == "kdtree" and knn.resolve("brute", 10, 2) == "brute"
    a, b = _pair(50, 4, 4, seed=6)
    assert ksg_mi(a, b).extra["algorithm"] == "brute"
