"""The exact-likelihood Monte-Carlo MI estimator against exact values, one family of each class.

Agreement is required within 4 standard errors (a 6e-5 two-sided chance for a correct estimator;
the seeds are fixed, so the outcome is deterministic).
"""

import numpy as np
import pytest

from infoscale.estimators.monte_carlo import mc_mutual_information, pointwise_mi
from infoscale.estimators.enumeration import exact_mutual_information
from infoscale.generators import make_family

CASES = [
    # discrete: area, area, volume, power, log
    ("markov", {}, 32),
    ("hmm", dict(vocab_size=2), 16),
    ("copy", dict(epsilon=0.2), 32),
    ("tree", {}, 256),
    ("dirichlet", dict(vocab_size=3), 64),
    # Gaussian: area, log, volume, power
    ("ar", {}, 64),
    ("gaussian-mean", {}, 64),
    ("noisy-copy", {}, 64),
    ("hierarchical", {}, 64),
]


@pytest.mark.parametrize("name,params,length", CASES, ids=[c[0] for c in CASES])
def test_agrees_with_exact_within_four_standard_errors(name, params, length):
    fam = make_family(name, **params)
    est = mc_mutual_information(fam, length // 2, length, n_samples=4000, rng=2024)
    exact = fam.bipartite_mi(length // 2, length)
    assert est.method == "monte-carlo" and est.n_samples == 4000
    assert abs(est.value - exact) < 4 * est.stderr


def test_standard_error_shrinks_as_inverse_sqrt_n():
    fam = make_family("copy", epsilon=0.3)
    small = mc_mutual_information(fam, 8, 16, n_samples=1000, rng=1)
    large = mc_mutual_information(fam, 8, 16, n_samples=16000, rng=2)
    # 16× the samples → 4× smaller; the sample standard deviations themselves fluctuate by a few
    # per cent at these sizes, so ±12 % on the ratio.
    assert small.stderr / large.stderr == pytest.approx(4.0, rel=0.12)


def test_standard_error_is_calibrated_over_seeds():
    # z = (estimate − exact) / stderr over 40 seeds: mean ≈ 0 and std ≈ 1 (a wrong stderr, e.g.
    # off by √n, would give std ≫ 1 or ≪ 1). Bounds: mean within ±0.5 (≈3 standard errors of a
    # mean of 40), std within [0.65, 1.4].
    fam = make_family("markov", vocab_size=3, chain_seed=5)
    exact = fam.bipartite_mi(4, 8)
    z = [(e.value - exact) / e.stderr for e in
         (mc_mutual_information(fam, 4, 8, n_samples=400, rng=seed) for seed in range(40))]
    assert abs(np.mean(z)) < 0.5 and 0.65 < np.std(z) < 1.4


def test_pointwise_mi_averaged_exactly_is_the_mi():
    # Weighting the pointwise MI by the exact probabilities of all sequences gives I exactly.
    fam = make_family("hmm", vocab_size=2, hidden_states=2)
    x = np.array(np.meshgrid(*[[0, 1]] * 8, indexing="ij")).reshape(8, -1).T
    weights = np.exp(fam.log_prob(x))
    assert np.sum(weights * pointwise_mi(fam, x, 3)) == pytest.approx(fam.bipartite_mi(3, 8), abs=1e-12)
    assert exact_mutual_information(fam, 3, 8).value == pytest.approx(fam.bipartite_mi(3, 8), abs=1e-12)


def test_bad_arguments():
    fam = make_family("markov")
    with pytest.raises(ValueError, match="ell"):
        mc_mutual_information(fam, 0, 8)
    with pytest.raises(ValueError, match="n_samples"):
        mc_mutual_information(fam, 4, 8, n_samples=1)
    with pytest.raises(ValueError, match="length"):
        mc_mutual_information(make_family("tree"), 4, 8)
