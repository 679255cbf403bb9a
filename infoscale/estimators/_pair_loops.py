"""The compiled loops of ``estimators.pair_kernels`` (imported lazily: numba is slow to import)."""

from __future__ import annotations

import math

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def count(scaled, codes, d, table):
    """table[scaled[r, t] + codes[r, t + d]] += 1 for every row r and t < L − d."""
    for r in range(codes.shape[0]):
        a, b = scaled[r], codes[r]
        for t in range(b.size - d):
            table[a[t] + b[t + d]] += 1


@numba.njit(cache=True, nogil=True)
def count_lanes(scaled, codes, d, counts):
    """The same into 8 tables, pair t into table t mod 8: no chain of increments of one counter."""
    for r in range(codes.shape[0]):
        a, b = scaled[r], codes[r]
        span = b.size - d
        main = span - span % 8
        for t in range(0, main, 8):
            for lane in range(8):  # a constant trip count: unrolled
                counts[lane, a[t + lane] + b[t + lane + d]] += 1
        for t in range(main, span):
            counts[0, a[t] + b[t + d]] += 1


@numba.njit(cache=True, nogil=True)
def table_mi(joint, f_cells, f_row, f_col):
    """(Σ n per_sample / N, its standard error) over the occupied cells of ``joint``, given f of
    every cell's, row's and column's count."""
    rows, cols = joint.shape
    total = joint.sum()
    log_total = math.log(total)
    weighted = 0.0
    for i in range(rows):
        for j in range(cols):
            if joint[i, j]:
                weighted += joint[i, j] * (f_cells[i, j] - f_row[i] - f_col[j] + log_total)
    mean = weighted / total
    spread = 0.0
    for i in range(rows):
        for j in range(cols):
            if joint[i, j]:
                dev = f_cells[i, j] - f_row[i] - f_col[j] + log_total - mean
                spread += joint[i, j] * dev * dev
    return mean, math.sqrt(spread / max(total - 1, 1) / total)
