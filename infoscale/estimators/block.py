"""Sample-based block (bipartite) mutual information I(X_1..ℓ ; X_ℓ+1..L) from n sequences.

Three estimators, each for its kind of data:

**Discrete, from counts** (``discrete_block_mi``, ``discrete_pair_mi``). Each half is one symbol
of an alphabet of up to V^ℓ words; the joint word counts give I by the plug-in, Miller–Madow or
Grassberger formulas (``infoscale.estimators.entropy``) or as Ĥ(A) + Ĥ(B) − Ĥ(A, B) of three NSB
entropies over the alphabets V^ℓ, V^(L−ℓ), V^L (``infoscale.estimators.nsb``). Words are coded by ``np.unique`` over rows, so only the
occupied cells are stored. The estimate is sound while the number of occupied joint cells is
small against n; once V^ℓ approaches n almost every sample is a singleton, Ĥ(X, Y) → ln n and the
plug-in MI saturates near ln n (the breakdown the validation table shows).

**Gaussian, from sample covariances** (``gaussian_sample_mi``). With S the sample covariance
(ν = n − 1 degrees of freedom) of the stacked blocks (A: p coordinates, B: q),

    Î_raw = ½ (ln det S_AA + ln det S_BB − ln det S).

For Gaussian data νS ~ Wishart_k(Σ, ν), so E[ln det S_k] = ln det Σ_k + b(k) with
b(k) = Σ_{i=1..k} ψ((ν − i + 1)/2) + k ln(2/ν). Subtracting b from each log-determinant gives
the exactly unbiased

    Î = Î_raw − ½ (b(p) + b(q) − b(p + q)),

whose correction ≈ pq/(2n) to first order (Î_raw is biased upwards). The standard error is the
sample standard deviation of the fitted pointwise MI log N(x; S) − log N(a; S_AA) − log N(b; S_BB)
over √n, the delta-method (influence-function) error of this functional. Needs n > p + q + 1.

**KSG** (``ksg_mi``; Kraskov, Stögbauer & Grassberger 2004, estimator 1). In the joint space with
the max-norm, ε_i is the distance from sample i to its k-th neighbour; n_a(i), n_b(i) count the
other samples strictly within ε_i in each marginal space. Then

    Î = ψ(k) + ψ(n) − ⟨ψ(n_a + 1) + ψ(n_b + 1)⟩.

Neighbours and counts come from ``estimators.knn``: scipy's ``cKDTree`` with one-dimensional
marginals by binary search (``algorithm="kdtree"``), a compiled all-pairs loop (``"brute"``), or
the faster of the two for the shape (``"auto"``); all give the same counts. The reported standard
error treats the per-sample terms as independent, which they are not quite (they share
neighbours): read it as approximate. KSG is consistent but its bias grows quickly with dimension
and with the MI itself (the validation table shows it falling short in high dimension).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy import linalg, special

from infoscale._checks import check_finite_array, check_int, check_split
from infoscale.errors import InvalidInput
from infoscale.estimators import knn
from infoscale.estimators.entropy import ENTROPY_METHODS, mi_terms_from_cells
from infoscale.estimators.nsb import nsb_entropy
from infoscale.exact.gaussian import cholesky_factor
from infoscale.estimators.result import Estimate, timer
from infoscale._checks import check_token_array

KSG_ALGORITHMS = ("auto", "kdtree", "brute")


# ---- splitting sequences into blocks ------------------------------------------------------------
def split_blocks(x, ell: int) -> tuple[np.ndarray, np.ndarray]:
    """Flatten ``x[:, :ell]`` and ``x[:, ell:]`` of an (n, L) or (n, L, D) float array into 2-D blocks."""
    x = check_finite_array("x", x, ndim=(2, 3))
    ell = check_split(ell, x.shape[1])
    n = x.shape[0]
    return x[:, :ell].reshape(n, -1), x[:, ell:].reshape(n, -1)


def _check_pair(a, b) -> tuple[np.ndarray, np.ndarray]:
    a = check_finite_array("a", a, ndim=2)
    b = check_finite_array("b", b, ndim=2)
    if a.shape[0] != b.shape[0]:
        raise InvalidInput(f"a and b must have the same number of samples, got {a.shape[0]} and {b.shape[0]}")
    if a.shape[0] < 2:
        raise InvalidInput(f"need at least 2 samples, got {a.shape[0]}")
    return a, b


# ---- discrete ---------------------------------------------------------------------------------
#: The discrete block estimators: the sample-mean forms of ``entropy`` and NSB.
DISCRETE_METHODS = ENTROPY_METHODS + ("nsb",)


def discrete_block_mi(x, ell: int, method: str = "plugin", vocab_size: int | None = None) -> Estimate:
    """I(X_1..ℓ ; X_ℓ+1..L) from n discrete sequences (n, L) by counting words of each half."""
    x, _ = check_token_array(x, vocab_size, ndim=(2,))
    ell = check_split(ell, x.shape[1])
    est = discrete_pair_mi(x[:, :ell], x[:, ell:], method, vocab_size)
    return replace(est, method=f"block-{method}")


def discrete_pair_mi(a, b, method: str = "plugin", vocab_size: int | None = None) -> Estimate:
    """I(A; B) from n paired token blocks a (n, p), b (n, q), each row one word.

    ``vocab_size`` V (default: largest token + 1) sets NSB's alphabets V^p, V^q and V^(p+q);
    the NSB standard error adds the three posterior variances (it ignores their correlation).
    """
    if method not in DISCRETE_METHODS:
        raise InvalidInput(f"method must be one of {DISCRETE_METHODS}, got {method!r}")
    with timer() as elapsed:
        a, vocab_a = check_token_array(a, vocab_size, ndim=(2,))
        b, vocab_b = check_token_array(b, vocab_size, ndim=(2,))
        if a.shape[0] != b.shape[0]:
            raise InvalidInput(f"a and b must have the same number of samples, got {a.shape[0]} and {b.shape[0]}")
        if a.shape[0] < 2:
            raise InvalidInput(f"need at least 2 samples, got {a.shape[0]}")
        _, words_a = np.unique(a, axis=0, return_inverse=True)
        _, words_b = np.unique(b, axis=0, return_inverse=True)
        words_a, words_b = words_a.ravel(), words_b.ravel()
        count_a, count_b = np.bincount(words_a), np.bincount(words_b)
        cells, cell_counts = np.unique(words_a * len(count_b) + words_b, return_counts=True)
        if method == "nsb":
            vocab = max(vocab_a, vocab_b)
            sizes = [float(vocab) ** dim for dim in (a.shape[1], b.shape[1], a.shape[1] + b.shape[1])]
            if not np.isfinite(sizes[2]):
                raise InvalidInput(f"NSB needs the alphabet V^(p+q) = {vocab}^{a.shape[1] + b.shape[1]} "
                                   "to be a finite float64; use a shorter block")
            parts = [nsb_entropy(c, k) for c, k in zip((count_a, count_b, cell_counts), sizes)]
            value = parts[0].value + parts[1].value - parts[2].value
            stderr = float(np.sqrt(sum(p.stderr**2 for p in parts)))
        else:
            row, col = np.divmod(cells, len(count_b))
            value, stderr = mi_terms_from_cells(cell_counts, count_a[row], count_b[col], len(count_a), len(count_b),
                                                method)
    return Estimate(value=value, stderr=stderr, method=f"pair-{method}", n_samples=a.shape[0], seconds=elapsed(),
                    extra={"occupied_cells": int(len(cells))})


# ---- Gaussian ---------------------------------------------------------------------------------
def wishart_logdet_bias(dim: int, dof: int) -> float:
    """E[ln det S] − ln det Σ for a sample covariance S with ``dof`` degrees of freedom in ``dim`` dimensions."""
    i = np.arange(1, dim + 1)
    return float(np.sum(special.digamma((dof - i + 1) / 2.0)) + dim * np.log(2.0 / dof))


def gaussian_sample_mi(a, b, bias_correction: bool = True) -> Estimate:
    """I(A; B) of jointly Gaussian samples a (n, p), b (n, q) from their sample covariance."""
    with timer() as elapsed:
        a, b = _check_pair(a, b)
        n, p = a.shape
        q = b.shape[1]
        if n <= p + q + 1:
            raise InvalidInput(f"the Gaussian estimator needs more samples than dimensions: n = {n} must exceed "
                             f"p + q + 1 = {p + q + 1}")
        joint = np.hstack([a, b])
        centred = joint - joint.mean(axis=0)
        cov = centred.T @ centred / (n - 1)
        # Pointwise MI under the fitted Gaussians = raw + ½(‖z_A‖² + ‖z_B‖² − ‖z‖²), z the whitened
        # samples of each block; the quadratic part averages to zero at the fit.
        logdets, quads = [], []
        for block in (slice(0, p), slice(p, p + q), slice(0, p + q)):
            chol = cholesky_factor(cov[block, block], "sample covariance")
            rhs = np.ascontiguousarray(centred[:, block].T)  # a strided view makes the solve ~100x slower
            z = linalg.solve_triangular(chol, rhs, lower=True, check_finite=False)
            logdets.append(2.0 * np.sum(np.log(np.diag(chol))))
            quads.append(np.sum(z**2, axis=0))
        raw = 0.5 * (logdets[0] + logdets[1] - logdets[2])
        pointwise = raw + 0.5 * (quads[0] + quads[1] - quads[2])
        value = raw
        if bias_correction:
            value -= 0.5 * (wishart_logdet_bias(p, n - 1) + wishart_logdet_bias(q, n - 1)
                            - wishart_logdet_bias(p + q, n - 1))
        stderr = float(pointwise.std(ddof=1) / np.sqrt(n))
    return Estimate(value=float(value), stderr=stderr, method="gaussian" if bias_correction else "gaussian-raw",
                    n_samples=n, seconds=elapsed(), extra={"raw": float(raw)})


# ---- KSG --------------------------------------------------------------------------------------
def ksg_mi(a, b, k: int = 3, algorithm: str = "auto") -> Estimate:
    """KSG estimator 1 of I(A; B) from samples a (n, p), b (n, q), max-norm, k-th neighbour.

    ``algorithm``: how neighbours are found (``estimators.knn``; every choice gives the same counts).
    """
    if algorithm not in KSG_ALGORITHMS:
        raise InvalidInput(f"algorithm must be one of {KSG_ALGORITHMS}, got {algorithm!r}")
    with timer() as elapsed:
        a, b = _check_pair(a, b)
        n = a.shape[0]
        k = check_int("k", k, 1, n - 1)
        algorithm = knn.resolve(algorithm, n, a.shape[1] + b.shape[1])
        eps, count_a, count_b = knn.knn_radius_and_counts(a, b, k, algorithm)
        repeated = int(np.count_nonzero(eps == 0))  # ε_i = 0 iff sample i repeats more than k times
        if repeated:  # then a k-th neighbour sits at distance 0 and KSG is undefined
            raise InvalidInput(f"KSG needs samples whose k-th neighbour (k={k}) is at a positive distance: "
                               f"{repeated} of {n} samples repeat a point more than k times; "
                               "use a discrete estimator for discrete data")
        terms = special.digamma(k) + special.digamma(n) - special.digamma(count_a + 1) - special.digamma(count_b + 1)
        value = float(terms.mean())
        stderr = float(terms.std(ddof=1) / np.sqrt(n))
    return Estimate(value=value, stderr=stderr, method=f"ksg-k{k}", n_samples=n, seconds=elapsed(),
                    extra={"algorithm": algorithm})
