"""Entropy and mutual information of discrete variables from counts: plug-in, Miller–Madow, Grassberger.

With N samples falling into bins with counts n_i (K bins occupied), each estimator has the form

    Ĥ = ln N − (1/N) Σ_i n_i f(n_i)  (+ correction),

that is, the sample mean of a per-sample surprisal ln N − f(n_{x_s}):

- plug-in:       f(n) = ln n                      (biased low by ≈ (K−1)/(2N));
- Miller–Madow:  plug-in + (K − 1)/(2N)           (first-order bias correction);
- Grassberger:   f(n) = G(n) = ψ(n) + ½(−1)ⁿ(ψ((n+1)/2) − ψ(n/2))
                 (P. Grassberger, arXiv:physics/0307138, 2003: G(n) ≈ ln n − 1/(2n) + …, which
                 removes the leading bias and much of the next order for undersampled bins).

The standard error is the sample standard deviation of the per-sample surprisal over √N (the
delta-method error of the plug-in estimator, used for all three; it ignores the bias).

The mutual information of a pair from its joint count table is Ĥ(X) + Ĥ(Y) − Ĥ(X, Y). It too is
a sample mean, of f(n_xy) − f(n_x) − f(n_y) + ln N, whose standard deviation over √N gives the
standard error (the Miller–Madow correction adds (K_X + K_Y − K_XY − 1)/(2N)).
"""

from __future__ import annotations

import numpy as np
from scipy import special

from infoscale._checks import check_finite_array
from infoscale.errors import InvalidInput
from infoscale.estimators.result import Estimate, timer

ENTROPY_METHODS = ("plugin", "miller-madow", "grassberger")


def grassberger_g(n) -> np.ndarray:
    """Grassberger's G(n) = ψ(n) + ½(−1)ⁿ(ψ((n+1)/2) − ψ(n/2)) for positive integer counts."""
    n = np.asarray(n, dtype=np.float64)
    sign = 1.0 - 2.0 * (n % 2)  # (−1)^n
    return special.digamma(n) + 0.5 * sign * (special.digamma((n + 1) / 2) - special.digamma(n / 2))


def check_method(method: str) -> str:
    """Validate an entropy-estimator name."""
    if method not in ENTROPY_METHODS:
        raise InvalidInput(f"method must be one of {ENTROPY_METHODS}, got {method!r}")
    return method


def check_counts(counts, name: str = "counts") -> np.ndarray:
    """Non-negative integer counts with at least 2 samples in total, as float64."""
    arr = check_finite_array(name, counts)
    if arr.size == 0 or np.any(arr < 0) or np.any(arr != np.round(arr)):
        raise InvalidInput(f"{name} must be a non-empty array of non-negative integers")
    if arr.sum() < 2:
        raise InvalidInput(f"{name} must hold at least 2 samples in total, got {arr.sum():g}")
    return arr


def surprisal_terms(counts, method: str) -> np.ndarray:
    """f(n) for each count (ln n for plug-in and Miller–Madow, G(n) for Grassberger; 0 where n = 0)."""
    counts = np.asarray(counts, dtype=np.float64)
    out = np.zeros_like(counts)
    seen = counts > 0
    out[seen] = grassberger_g(counts[seen]) if method == "grassberger" else np.log(counts[seen])
    return out


def entropy_from_counts(counts, method: str = "grassberger") -> Estimate:
    """Entropy in nats of a discrete variable from its bin counts (any shape), with a standard error."""
    method = check_method(method)
    with timer() as elapsed:
        counts = check_counts(counts).ravel()
        total = counts.sum()
        per_sample = np.log(total) - surprisal_terms(counts, method)  # surprisal of a sample in each bin
        value, stderr = _weighted_mean_and_stderr(per_sample, counts)
        if method == "miller-madow":
            value += (np.count_nonzero(counts) - 1) / (2 * total)
    return Estimate(value=value, stderr=stderr, method=f"entropy-{method}", n_samples=int(total),
                    seconds=elapsed())


def mi_from_joint_counts(joint, method: str = "grassberger") -> Estimate:
    """I(X; Y) in nats from a 2-D joint count table n[x, y], with a standard error."""
    method = check_method(method)
    with timer() as elapsed:
        joint = check_counts(joint, "joint")
        if joint.ndim != 2:
            raise InvalidInput(f"joint must be a 2-D count table, got shape {joint.shape}")
        value, stderr = mi_terms_from_joint(joint, method)
    return Estimate(value=value, stderr=stderr, method=f"mi-{method}", n_samples=int(joint.sum()),
                    seconds=elapsed())


def mi_terms_from_joint(joint: np.ndarray, method: str) -> tuple[float, float]:
    """(estimate, stderr) of I(X; Y) from a validated 2-D count table (no checks; for inner loops)."""
    row, col = joint.sum(axis=1), joint.sum(axis=0)
    ix, iy = np.nonzero(joint)
    return mi_terms_from_cells(joint[ix, iy], row[ix], col[iy], np.count_nonzero(row), np.count_nonzero(col), method)


def mi_terms_from_cells(cell_counts, row_counts, col_counts, rows_occupied: int, cols_occupied: int,
                        method: str, terms=None) -> tuple[float, float]:
    """(estimate, stderr) of I(X; Y) from the joint cells given sparsely (empty cells may be included).

    ``cell_counts[c]`` is n_xy of cell c, ``row_counts[c]`` and ``col_counts[c]`` the marginal
    counts n_x, n_y of its row and column; the occupied row/column numbers feed Miller–Madow.
    ``terms(counts)`` gives f(n) (default ``surprisal_terms(counts, method)``; a lookup table
    of the same values is faster in loops over many tables).
    """
    terms = (lambda counts: surprisal_terms(counts, method)) if terms is None else terms
    weights = np.asarray(cell_counts, dtype=np.float64)
    total = weights.sum()
    per_sample = terms(cell_counts) - terms(row_counts) - terms(col_counts) + np.log(total)
    value, stderr = _weighted_mean_and_stderr(per_sample, weights)
    if method == "miller-madow":
        value += (rows_occupied + cols_occupied - np.count_nonzero(weights) - 1) / (2 * total)
    return value, stderr


def _weighted_mean_and_stderr(values: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """Mean of a per-sample quantity given per-bin values and counts, and its standard error."""
    total = weights.sum()
    mean = float(np.dot(weights, values) / total)
    var = float(np.dot(weights, (values - mean) ** 2) / max(total - 1, 1))
    return mean, float(np.sqrt(var / total))
