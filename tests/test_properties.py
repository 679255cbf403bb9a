"""Property tests (hypothesis, derandomized) on the exact MI: the identities every MI obeys.

I ≥ 0; I(A; B) = I(B; A); invariance under invertible maps of each block; the data-processing
inequality I(A; f(B)) ≤ I(A; B); I ≤ min(H(A), H(B)) for discrete variables. Checked on the exact
Gaussian MI (three log-determinants), the exact MI of a joint table, and families' exact MI.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import xlogy

from infoscale import make_family
from infoscale.exact.discrete import joint_mutual_information
from infoscale.exact.gaussian import gaussian_mi

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True)
TOL = 1e-9


def _covariance(seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, n + 2))
    return a @ a.T / (n + 2) + 0.05 * np.eye(n)


def _invertible(rng, n: int) -> np.ndarray:
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    return q @ np.diag(rng.uniform(0.2, 5.0, n) * rng.choice([-1, 1], n))  # condition number ≤ 25


def _joint(seed: int, rows: int, cols: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    table = rng.dirichlet(np.full(rows * cols, 0.3)).reshape(rows, cols)
    return table / table.sum()


def _entropy(p) -> float:
    return float(-np.sum(xlogy(p, p)))


seeds = st.integers(0, 2**32 - 1)


@SETTINGS
@given(seeds, st.integers(2, 9), st.data())
def test_gaussian_mi_nonnegative_symmetric_invariant(seed, n, data):
    ell = data.draw(st.integers(1, n - 1))
    cov = _covariance(seed, n)
    value = gaussian_mi(cov, ell)
    assert value >= -TOL
    assert abs(gaussian_mi(cov[::-1, ::-1], n - ell) - value) <= TOL * (1 + value)  # I(A; B) = I(B; A)
    rng = np.random.default_rng(seed + 1)
    t = np.zeros((n, n))
    t[:ell, :ell], t[ell:, ell:] = _invertible(rng, ell), _invertible(rng, n - ell)
    assert abs(gaussian_mi(t @ cov @ t.T, ell) - value) <= 1e-8 * (1 + value)


@SETTINGS
@given(seeds, st.integers(3, 9), st.data())
def test_gaussian_data_processing(seed, n, data):
    ell = data.draw(st.integers(1, n - 2))
    cov = _covariance(seed, n)
    q = data.draw(st.integers(1, n - ell - 1))  # C = K B keeps q < dim B directions
    k = np.random.default_rng(seed + 2).normal(size=(q, n - ell))
    t = np.zeros((ell + q, n))
    t[:ell, :ell], t[ell:, ell:] = np.eye(ell), k
    assert gaussian_mi(t @ cov @ t.T, ell) <= gaussian_mi(cov, ell) + TOL


@SETTINGS
@given(seeds, st.integers(2, 6), st.integers(2, 6))
def test_joint_table_identities(seed, rows, cols):
    joint = _joint(seed, rows, cols)
    value = joint_mutual_information(joint)
    assert value >= -TOL
    assert abs(joint_mutual_information(joint.T) - value) <= TOL
    rng = np.random.default_rng(seed)
    assert abs(joint_mutual_information(joint[rng.permutation(rows)][:, rng.permutation(cols)]) - value) <= TOL
    assert value <= min(_entropy(joint.sum(1)), _entropy(joint.sum(0))) + TOL
    merge = rng.integers(0, max(1, cols - 1), size=cols)  # a function f of Y onto fewer values
    processed = np.zeros((rows, merge.max() + 1))
    np.add.at(processed.T, merge, joint.T)
    assert joint_mutual_information(processed) <= value + TOL


@settings(max_examples=15, deadline=None, derandomize=True)
@given(st.integers(0, 1000), st.sampled_from([4, 6, 8]), st.data())
def test_family_exact_mi_bounds(seed, length, data):
    ell = data.draw(st.integers(1, length - 1))
    family = make_family("hmm", hmm_seed=seed, vocab_size=2, hidden_states=2)
    value = family.bipartite_mi(ell, length)
    assert -TOL <= value <= min(ell, length - ell) * np.log(2) + TOL  # ≤ min entropy ≤ min block size · ln V
    assert value <= np.log(2) + TOL  # data processing through the hidden state: I ≤ H(S) ≤ ln D
    chain = make_family("markov", chain_seed=seed, vocab_size=3)
    # data processing along a Markov chain: the cut's MI is that of the two tokens beside it
    assert abs(chain.bipartite_mi(ell, length) - chain.two_point_mi(ell - 1, ell, length)) <= TOL
