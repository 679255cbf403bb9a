"""KSG against scikit-learn, side by side in one process: ``python benchmarks/bench_knn.py [--quick]``.

scikit-learn is not a dependency of infoscale: install it into the environment to run this
(``pip install scikit-learn``). BLAS and OpenMP pinned to one thread.

- 1 + 1 dimensions: ``sklearn.feature_selection.mutual_info_regression(a, b, n_neighbors=3)``
  (which adds 1e-10-scale noise and rescales; its core ``_compute_mi_cc(a, b, 3)`` on the raw data
  is timed too, and its estimate must equal ours) against ``ksg_mi(a, b, k=3)``.
- 8 + 8 dimensions: scikit-learn's KSG handles one dimension per variable, so the baseline is its
  algorithm written with its own neighbour searches on the blocks (``NearestNeighbors(metric=
  "chebyshev")`` for ε, ``KDTree.query_radius(count_only=True)`` for the counts: what
  ``_compute_mi_cc`` does, with (n, 8) arrays); the estimates must be equal.
ratio = scikit-learn time / infoscale time (≥ 1: infoscale is faster).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402

import numpy as np  # noqa: E402
from scipy import special  # noqa: E402

from _machine import best_time, context  # noqa: E402
from infoscale.estimators.block import ksg_mi  # noqa: E402


def sklearn_blocks(a, b, k):
    """scikit-learn's _compute_mi_cc on (n, p) and (n, q) blocks (its neighbour searches)."""
    from sklearn.neighbors import KDTree, NearestNeighbors

    n = a.shape[0]
    joint = np.hstack([a, b])
    radius = NearestNeighbors(metric="chebyshev", n_neighbors=k).fit(joint).kneighbors()[0][:, -1]
    radius = np.nextafter(radius, 0)
    na = KDTree(a, metric="chebyshev").query_radius(a, radius, count_only=True, return_distance=False) - 1
    nb = KDTree(b, metric="chebyshev").query_radius(b, radius, count_only=True, return_distance=False) - 1
    return max(0.0, special.digamma(n) + special.digamma(k) - np.mean(special.digamma(na + 1)) - np.mean(special.digamma(nb + 1)))


def sample(n, dims, rho, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, dims))
    return a, rho * a + np.sqrt(1 - rho**2) * rng.standard_normal((n, dims))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    from sklearn.feature_selection import mutual_info_regression
    from sklearn.feature_selection._mutual_info import _compute_mi_cc
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    print(context())
    repeats = 1 if args.quick else 3
    for n in ((10_000,) if args.quick else (10_000, 100_000)):
        a, b = sample(n, 1, 0.6, 0)
        ours = best_time(lambda: ksg_mi(a, b, k=3), repeats)
        mir = best_time(lambda: mutual_info_regression(a, b[:, 0], n_neighbors=3, random_state=0), repeats)
        core = best_time(lambda: _compute_mi_cc(a[:, 0], b[:, 0], 3), repeats)
        same = abs(ksg_mi(a, b, k=3).value - _compute_mi_cc(a[:, 0], b[:, 0], 3))
        print(f"KSG 1 + 1, n = {n}: infoscale {ours * 1e3:7.1f} ms   mutual_info_regression {mir * 1e3:7.1f} ms "
              f"(ratio {mir / ours:4.2f}x)   _compute_mi_cc {core * 1e3:7.1f} ms (ratio {core / ours:4.2f}x)   "
              f"|difference| {same:.1e}")
    for n in ((5_000,) if args.quick else (5_000, 10_000, 20_000)):
        a, b = sample(n, 8, 0.5, 1)
        ours = best_time(lambda: ksg_mi(a, b, k=3), repeats)
        tree = best_time(lambda: ksg_mi(a, b, k=3, algorithm="kdtree"), repeats)
        base = best_time(lambda: sklearn_blocks(a, b, 3), repeats)
        same = abs(ksg_mi(a, b, k=3).value - sklearn_blocks(a, b, 3))
        print(f"KSG 8 + 8, n = {n}: infoscale (auto: {ksg_mi(a, b, k=3).extra['algorithm']}) {ours * 1e3:7.1f} ms   "
              f"(kdtree {tree * 1e3:7.1f} ms)   scikit-learn's algorithm {base * 1e3:7.1f} ms (ratio {base / ours:4.2f}x)   "
              f"|difference| {same:.1e}")


if __name__ == "__main__":
    main()
