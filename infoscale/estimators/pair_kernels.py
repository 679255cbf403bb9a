"""Compiled two-point counting for ``two_point_sample``: the pair table at one distance and its MI.

``pair_mi(scaled, codes, d, vocab_size, method, terms)`` does in one compiled call what the numpy
path does per distance: count the keys V·x_t + x_{t+d} of every pair, sum the table's rows and
columns, and take the estimate and its standard error from f(n) (``entropy.surprisal_terms``),
over the occupied cells only:

    per_sample = f(n_ab) − f(n_a) − f(n_b) + ln N,   Î = Σ n_ab per_sample / N,
    stderr = √(Σ n_ab (per_sample − Î)² / (max(N − 1, 1) N)),

plus (rows + columns occupied − cells occupied − 1) / 2N for Miller–Madow: the formulas of
``entropy.mi_terms_from_cells``, which the tests compare it with.

Counting: a plain loop ``counts[key] += 1`` is limited by its own dependency chain — consecutive
pairs often hit the same cell (always for small V), and each increment waits for the previous
store to that counter. Spreading consecutive pairs over ``LANES`` copies of the table (pair t into
copy t mod LANES) breaks the chain; the copies are summed at the end. Copies pay only while the
tables stay in cache, so V² > ``MAX_LANED_CELLS`` uses one table. numba is imported when first needed.
"""

from __future__ import annotations

import functools

import numpy as np

from infoscale.estimators.entropy import surprisal_terms

LANES = 8
MAX_LANED_CELLS = 1 << 12


def pair_counts(scaled: np.ndarray, codes: np.ndarray, d: int, cells: int) -> np.ndarray:
    """Counts (int64, length ``cells``) of the keys scaled[r, t] + codes[r, t + d] over every row r."""
    scaled, codes = np.ascontiguousarray(scaled), np.ascontiguousarray(codes)
    if cells > MAX_LANED_CELLS:
        counts = np.zeros(cells, dtype=np.int64)
        _kernels().count(scaled, codes, d, counts)
        return counts
    counts = np.zeros((LANES, cells), dtype=np.int64)
    _kernels().count_lanes(scaled, codes, d, counts)
    return counts.sum(axis=0)


def pair_mi(scaled, codes, d: int, vocab_size: int, method: str, terms) -> tuple[float, float]:
    """(estimate, stderr) of I(x_t; x_{t+d}) pooled over every row; ``terms`` a ``SurprisalTable``.

    f of the marginal counts (2V values, as large as N/V) is evaluated directly, so the lookup
    table grows only to the largest cell count; tables of ≤ ``MAX_LANED_CELLS`` cells skip it.
    """
    counts = pair_counts(scaled, codes, d, vocab_size * vocab_size)
    joint = counts.reshape(vocab_size, vocab_size)
    row, col = joint.sum(axis=1), joint.sum(axis=0)
    f_cells = surprisal_terms(joint, method) if counts.size <= MAX_LANED_CELLS else terms(joint)
    value, stderr = _kernels().table_mi(joint, f_cells, surprisal_terms(row, method), surprisal_terms(col, method))
    if method == "miller-madow":
        value += (np.count_nonzero(row) + np.count_nonzero(col) - np.count_nonzero(counts) - 1) / (2.0 * row.sum())
    return value, stderr


@functools.cache
def _kernels():
    from infoscale.estimators import _pair_loops

    return _pair_loops
