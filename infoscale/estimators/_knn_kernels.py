"""The compiled loops of ``estimators.knn`` (imported lazily: numba is slow to import)."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def sorted_counts(values, eps, counts):
    """counts[p] = #{q ≠ p : |values[q] − values[p]| < eps[p]} for sorted ``values``, by binary search."""
    n = values.size
    for p in range(n):
        v, e = values[p], eps[p]
        lo, hi = 0, p  # first q ≤ p with v − values[q] < e
        while lo < hi:
            mid = (lo + hi) // 2
            if v - values[mid] < e:
                hi = mid
            else:
                lo = mid + 1
        start = lo
        lo, hi = p, n  # first q ≥ p with values[q] − v ≥ e
        while lo < hi:
            mid = (lo + hi) // 2
            if values[mid] - v < e:
                lo = mid + 1
            else:
                hi = mid
        counts[p] = lo - start - 1


@numba.njit(inline="always")
def _row_distances(xt, i, out):
    """out[j] = max_d |xt[d, j] − xt[d, i]| (xt is (dims, n), so the inner loop runs over j)."""
    out[:] = 0.0
    for d in range(xt.shape[0]):
        row = xt[d]
        centre = row[i]
        for j in range(row.size):
            out[j] = max(out[j], abs(row[j] - centre))


@numba.njit(cache=True, nogil=True)
def brute(at, bt, k, eps, count_a, count_b):
    """ε_i and the strict marginal counts of every sample by all pairwise max-norm distances."""
    n = at.shape[1]
    dist_a, dist_b = np.empty(n), np.empty(n)
    best = np.empty(k + 1)  # the k + 1 smallest joint distances (the sample itself among them), sorted
    for i in range(n):
        _row_distances(at, i, dist_a)
        _row_distances(bt, i, dist_b)
        best[:] = np.inf
        for j in range(n):
            d = max(dist_a[j], dist_b[j])
            if d < best[k]:
                m = k
                while m > 0 and best[m - 1] > d:
                    best[m] = best[m - 1]
                    m -= 1
                best[m] = d
        e = best[k]
        ca, cb = 0, 0
        for j in range(n):
            ca += dist_a[j] < e
            cb += dist_b[j] < e
        eps[i], count_a[i], count_b[i] = e, ca - 1, cb - 1
