"""Entropy and MI from counts: exact values, bias reduction, convergence and error coverage."""

import numpy as np
import pytest
from scipy import special

from infoscale.estimators.entropy import (ENTROPY_METHODS, entropy_from_counts, grassberger_g,
                                          mi_from_joint_counts)

EULER = 0.5772156649015329


def test_grassberger_g_known_values_and_recursion():
    # Grassberger (2003): G(1) = −γ − ln 2, G(2n+1) = G(2n), G(2n+2) = G(2n+1) + 2/(2n+1).
    assert grassberger_g(1) == pytest.approx(-EULER - np.log(2), abs=1e-13)
    n = np.arange(1, 201)
    g = grassberger_g(n)
    odd_next = g[2::2]  # G(3), G(5), ...
    assert np.allclose(odd_next, g[1:-1:2], atol=1e-12)  # G(2n+1) = G(2n)
    even = np.arange(2, 201, 2)  # G(2), G(4), ... from G(1), G(3), ...
    assert np.allclose(g[even - 1], g[even - 2] + 2.0 / (even - 1), atol=1e-12)
    # And G(n) → ln n: ≈ ln n for even n, ≈ ln n − 1/n for odd n, so |G(n) − ln n| < 1.1/n for large n.
    large = n > 50
    assert np.all(np.abs(g[large] - np.log(n[large])) < 1.1 / n[large])


def test_exact_formulas_on_a_small_table():
    counts = np.array([3, 1, 0])
    p = np.array([0.75, 0.25])
    plugin = -(p * np.log(p)).sum()
    assert entropy_from_counts(counts, "plugin").value == pytest.approx(plugin, abs=1e-14)
    assert entropy_from_counts(counts, "miller-madow").value == pytest.approx(plugin + 1 / 8, abs=1e-14)
    grass = np.log(4) - (3 * grassberger_g(3) + grassberger_g(1)) / 4
    assert entropy_from_counts(counts, "grassberger").value == pytest.approx(grass, abs=1e-14)


def test_mi_is_sum_of_entropies_for_every_method():
    # Identity check against an independent route: I = H(X) + H(Y) − H(X, Y) from three entropy calls.
    rng = np.random.default_rng(1)
    joint = rng.integers(0, 9, size=(4, 5))
    joint[0, 0] = 0
    for method in ENTROPY_METHODS:
        via_entropies = (entropy_from_counts(joint.sum(1), method).value + entropy_from_counts(joint.sum(0), method).value
                         - entropy_from_counts(joint, method).value)
        assert mi_from_joint_counts(joint, method).value == pytest.approx(via_entropies, abs=1e-12)


def test_product_table_has_zero_plugin_mi():
    joint = np.outer([2, 3, 5], [1, 4])  # exactly independent counts
    assert mi_from_joint_counts(joint, "plugin").value == pytest.approx(0.0, abs=1e-13)


def test_miller_madow_and_grassberger_reduce_plugin_bias():
    # 40 equiprobable-ish bins, N = 60 samples: badly undersampled, plug-in bias ≈ −(K−1)/(2N) ≈ −0.3.
    rng = np.random.default_rng(2)
    p = rng.dirichlet(np.ones(40))
    truth = -(p * np.log(p)).sum()
    draws = rng.multinomial(60, p, size=2000)
    bias = {m: np.mean([entropy_from_counts(c, m).value for c in draws]) - truth for m in ENTROPY_METHODS}
    assert bias["plugin"] < -0.2
    assert abs(bias["miller-madow"]) < 0.5 * abs(bias["plugin"])
    assert abs(bias["grassberger"]) < 0.5 * abs(bias["plugin"])


def test_entropy_converges_and_stderr_covers_truth():
    rng = np.random.default_rng(3)
    p = np.array([0.5, 0.2, 0.2, 0.05, 0.05])
    truth = -(p * np.log(p)).sum()
    big = entropy_from_counts(rng.multinomial(200_000, p), "grassberger")
    assert abs(big.value - truth) < 4 * big.stderr and big.stderr < 0.003
    # Coverage: over 400 seeds the ±1.96σ interval holds the truth ~95 % of the time; allow ≥ 90 %
    # (binomial spread at 400 trials is ~1 %, plus the small remaining bias at N = 2000).
    hits = []
    for counts in rng.multinomial(2000, p, size=400):
        est = entropy_from_counts(counts, "grassberger")
        hits.append(abs(est.value - truth) < 1.96 * est.stderr)
    assert np.mean(hits) >= 0.90


def test_mi_of_binary_symmetric_channel():
    # X uniform on {0,1}, Y = X flipped with probability e: I = ln 2 − h(e).
    rng = np.random.default_rng(4)
    e = 0.1
    truth = np.log(2) + e * np.log(e) + (1 - e) * np.log(1 - e)
    x = rng.integers(0, 2, 100_000)
    y = x ^ (rng.random(x.size) < e)
    joint = np.bincount(2 * x + y, minlength=4).reshape(2, 2)
    for method in ENTROPY_METHODS:
        est = mi_from_joint_counts(joint, method)
        assert abs(est.value - truth) < 4 * est.stderr, method  # 4σ: a 1-in-16000 false alarm


@pytest.mark.parametrize("counts, match", [
    ([1, -1, 3], "non-negative integers"),
    ([1.5, 2], "non-negative integers"),
    ([1, 0], "at least 2 samples"),
    ([], "non-empty"),
    ([np.nan, 2], "NaN"),
])
def test_bad_counts(counts, match):
    with pytest.raises(ValueError, match=match):
        entropy_from_counts(counts)


def test_bad_method_and_shape():
    with pytest.raises(ValueError, match="method must be one of"):
        entropy_from_counts([1, 2], "nsb")
    with pytest.raises(ValueError, match="2-D"):
        mi_from_joint_counts([1, 2, 3])


def test_digamma_route_matches_scipy_directly():
    # G(n) for even n from its definition with scipy's digamma, as an independent spelling.
    n = 10
    expected = special.digamma(n) + 0.5 * (special.digamma(5.5) - special.digamma(5))
    assert grassberger_g(n) == pytest.approx(expected, abs=1e-14)
