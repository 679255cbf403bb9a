"""Neighbour counts of the KSG estimator under the max-norm, exact, by compiled loops (numba).

``knn_radius_and_counts(a, b, k, algorithm)`` returns, for every sample i, ε_i (the max-norm
distance to its k-th neighbour in the joint space) and n_a(i), n_b(i), the numbers of other
samples strictly within ε_i in each marginal space — comparing the computed |a_j − a_i| with ε_i,
so every algorithm gives the same counts:

- ``"kdtree"``: ε from scipy's ``cKDTree``; one-dimensional marginals by two binary searches per
  sample in the sorted values (O(n log n)); wider marginals by ``cKDTree.query_ball_point``.
- ``"brute"``: all pairs, one sample at a time: the two marginal distance rows (vectorised over
  the other samples), the k smallest joint distances by insertion, then the two counts. O(n² (p + q))
  but without a tree's branching, which is what wins in many dimensions, where KD-trees prune little.
- ``"auto"``: ``"brute"`` when p + q ≥ ``BRUTE_MIN_DIMS`` and n ≤ ``BRUTE_MAX_N``, else ``"kdtree"``
  (crossovers measured by ``benchmarks/bench_knn.py``).
"""

from __future__ import annotations

import functools

import numpy as np
from scipy.spatial import cKDTree

BRUTE_MIN_DIMS = 6
BRUTE_MAX_N = 200_000


def resolve(algorithm: str, n: int, dims: int) -> str:
    """The algorithm ``"auto"`` stands for at n samples of p + q = ``dims`` dimensions."""
    if algorithm != "auto":
        return algorithm
    return "brute" if dims >= BRUTE_MIN_DIMS and n <= BRUTE_MAX_N else "kdtree"


def knn_radius_and_counts(a: np.ndarray, b: np.ndarray, k: int, algorithm: str):
    """(ε, n_a, n_b) for samples a (n, p), b (n, q), float64; see the module docstring."""
    kernels = _kernels()
    n = a.shape[0]
    if algorithm == "brute":
        eps, count_a, count_b = np.empty(n), np.empty(n, np.int64), np.empty(n, np.int64)
        kernels.brute(np.ascontiguousarray(a.T), np.ascontiguousarray(b.T), k, eps, count_a, count_b)
        return eps, count_a, count_b
    joint = np.hstack([a, b])
    eps = cKDTree(joint).query(joint, k=k + 1, p=np.inf)[0][:, k]
    return eps, _marginal_counts(a, eps, kernels), _marginal_counts(b, eps, kernels)


def _marginal_counts(x: np.ndarray, eps: np.ndarray, kernels) -> np.ndarray:
    if x.shape[1] == 1:
        order = np.argsort(x[:, 0], kind="stable")
        counts = np.empty(x.shape[0], np.int64)
        kernels.sorted_counts(np.ascontiguousarray(x[order, 0]), np.ascontiguousarray(eps[order]), counts)
        out = np.empty_like(counts)
        out[order] = counts
        return out
    return cKDTree(x).query_ball_point(x, np.nextafter(eps, 0), p=np.inf, return_length=True) - 1


@functools.cache
def _kernels():
    """Compile (once, cached on disk by numba) the loops; numba is imported only here."""
    from infoscale.estimators import _knn_kernels

    return _knn_kernels
