"""NSB entropy: finite and accurate where peak-finding implementations fail, plug-in limit, Zipf bias."""

import numpy as np
import pytest

from infoscale.estimators.block import discrete_block_mi, discrete_pair_mi
from infoscale.estimators.entropy import entropy_from_counts
from infoscale.estimators.nsb import nsb_entropy


def zipf(size: int) -> np.ndarray:
    p = 1.0 / np.arange(1, size + 1)
    return p / p.sum()


@pytest.mark.parametrize("n", [500, 1000, 10_000, 1_000_000])
def test_uniform_four_symbols_is_finite_and_near_ln4(n):
    # infomeasure's nsb returns NaN here: the evidence keeps growing with β (a plateau to β → ∞)
    counts = np.bincount(np.random.default_rng(n).integers(0, 4, n), minlength=4)
    est = nsb_entropy(counts)
    assert np.isfinite(est.value) and np.isfinite(est.stderr) and est.stderr > 0
    assert abs(est.value - np.log(4)) < 4 * 1.5 / n + 3 * est.stderr  # bias (K−1)/2N-ish, plus posterior width
    assert est.value <= np.log(4)


def test_perfectly_uniform_counts():
    est = nsb_entropy(np.full(4, 250))
    assert np.isfinite(est.value) and np.log(4) - 0.01 < est.value <= np.log(4)


def test_large_n_equals_plugin_limit():
    counts = np.bincount(np.random.default_rng(3).integers(0, 10, 10**6), minlength=10)
    plugin = entropy_from_counts(counts, "plugin").value
    miller = entropy_from_counts(counts, "miller-madow").value
    est = nsb_entropy(counts)
    # the plug-in limit: within the first-order bias (K − 1)/2N = 4.5e-6 of it, on the side Miller–Madow corrects to
    assert plugin < est.value < miller + 1e-7 and est.value - plugin < 4.5e-6
    assert est.stderr < 1e-3


def test_zipf_data_finite_and_less_biased_than_miller_madow():
    size, n = 1000, 200  # undersampled: n ≪ K
    p = zipf(size)
    truth = -np.sum(p * np.log(p))
    rng = np.random.default_rng(7)
    draws = [np.bincount(rng.choice(size, n, p=p), minlength=size) for _ in range(20)]
    nsb = np.array([nsb_entropy(c).value for c in draws])
    mm = np.array([entropy_from_counts(c, "miller-madow").value for c in draws])
    assert np.all(np.isfinite(nsb))
    assert abs(nsb.mean() - truth) < 0.5 * abs(mm.mean() - truth)  # measured: bias NSB −0.30, Miller–Madow −0.76 nats


def test_huge_alphabet_and_posterior_std():
    # K = 2^64 possible words, 9 samples: finite, and the posterior is wide
    est = nsb_entropy(np.array([5, 3, 1]), alphabet_size=2.0**64)
    assert np.isfinite(est.value) and est.stderr > 0.1
    with pytest.raises(ValueError, match="alphabet_size"):
        nsb_entropy(np.array([5, 3, 1]), alphabet_size=2)


def test_posterior_std_matches_spread_over_seeds():
    # with a well-sampled source the posterior std is the sampling spread of the estimate
    p = zipf(20)
    rng = np.random.default_rng(11)
    ests = [nsb_entropy(np.bincount(rng.choice(20, 2000, p=p), minlength=20)) for _ in range(40)]
    spread = np.std([e.value for e in ests], ddof=1)
    assert np.mean([e.stderr for e in ests]) == pytest.approx(spread, rel=0.35)


def test_block_mi_by_nsb_is_the_entropy_identity():
    rng = np.random.default_rng(5)
    x = rng.integers(0, 2, (3000, 4))
    x[:, 2] = x[:, 1]  # I(X_1..2; X_3..4) = ln 2
    est = discrete_block_mi(x, 2, "nsb", vocab_size=2)
    _, wa = np.unique(x[:, :2], axis=0, return_inverse=True)
    _, wb = np.unique(x[:, 2:], axis=0, return_inverse=True)
    _, wab = np.unique(x, axis=0, return_inverse=True)
    parts = [nsb_entropy(np.bincount(w.ravel()), k).value for w, k in ((wa, 4), (wb, 4), (wab, 16))]
    assert est.value == pytest.approx(parts[0] + parts[1] - parts[2], abs=1e-12)
    assert est.value == pytest.approx(np.log(2), abs=0.01)
    assert discrete_pair_mi(x[:, :2], x[:, 2:], "nsb", 2).value == est.value
