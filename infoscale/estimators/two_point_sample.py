"""Two-point mutual information I(d) = I(X_t; X_t+d) from discrete samples, for many distances at once.

Input is either one long token sequence (1-D) or an ``(n, L)`` array of independent sequences.
For each distance d the pairs (x_t, x_t+d) are pooled over every position t (and every row), so
the estimate is that of a stationary process; for a non-stationary family it is the MI of the
position-averaged pair law, which is what the L²M paper measures on text. ``two_point_mi_at``
gives I(X_i; X_j) for two fixed positions from the rows of an ``(n, L)`` array instead.

Vectorisation: with tokens in [0, V), the pair (a, b) has key a·V + b, so the joint count table of
all N − d pairs at distance d is a ``np.bincount`` of ``xV[:-d] + x[d:]`` (V·x is computed once).
The keys are uint16 for V ≤ 256 (uint32 above) and formed and counted 2¹⁸ tokens at a time, so
that each chunk stays in cache; the MI of the V × V table then takes f(n) from a lookup table
(``SurprisalTable``) instead of recomputing digammas for every distance
(``benchmarks/bench_two_point.py`` measures this against one plain ``np.bincount`` per distance).
A vocabulary too large for a dense table (a language model's, V ~ 5·10⁴) counts the occupied
cells with ``np.unique`` instead (``MAX_TABLE_CELLS``).

The standard errors treat the pairs as independent. Pairs from one long sequence overlap and are
correlated, so there the reported error is a lower bound; use several independent rows when a
calibrated error matters. The sample estimate has a positive bias of order (cells − 1)/(2N) that
the fits' constant C absorbs (``infoscale.theory.two_point.fit_two_point``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from infoscale._checks import check_int, check_token_array
from infoscale.errors import InvalidInput
from infoscale.estimators import pair_kernels
from infoscale.estimators.entropy import check_method, mi_from_joint_counts, mi_terms_from_cells, surprisal_terms
from infoscale.estimators.result import Estimate, timer
from infoscale.progress import Progress, report

#: Largest V² joint table (in cells) the bincount path allocates per distance; larger vocabularies
#: (a language model's) count the occupied cells with ``np.unique`` instead.
MAX_TABLE_CELLS = 1 << 26
#: Tokens whose pair keys are formed and counted at a time (they stay in the CPU cache).
CHUNK = 1 << 18


@dataclass(frozen=True)
class TwoPointCurve:
    """Estimated I(d) with standard errors for each distance d (nats)."""

    distances: np.ndarray
    mi: np.ndarray
    stderr: np.ndarray
    method: str
    n_tokens: int
    vocab_size: int
    seconds: float

    def fit(self, min_distance: int = 1):
        """Power law, exponential decay or constant (``infoscale.theory.two_point.fit_two_point``) over
        d ≥ min_distance, weighted by the standard errors (estimates near zero and negative ones included).

        The delta-method error vanishes at independence, so each error is floored at the null
        spread of the estimate, √2·(V − 1)/(2N) (2N·I is χ² with (V − 1)² degrees of freedom).
        """
        from infoscale.theory.two_point import fit_two_point

        keep = self.distances >= min_distance
        null = np.sqrt(2.0) * (self.vocab_size - 1) / (2.0 * self.n_tokens)
        return fit_two_point(self.distances[keep], self.mi[keep], np.maximum(self.stderr[keep], null))

    def to_dict(self) -> dict:
        return {"distances": self.distances.tolist(), "mi": self.mi.tolist(), "stderr": self.stderr.tolist(),
                "method": self.method, "n_tokens": self.n_tokens, "vocab_size": self.vocab_size,
                "seconds": self.seconds}


def two_point_mi_curve(x, max_distance: int | None = None, distances=None, vocab_size: int | None = None,
                       method: str = "grassberger", progress: Progress = None) -> TwoPointCurve:
    """I(d) for d = 1..max_distance (default min(L − 1, 1024)) or the given distances, pooled over positions.

    ``x`` is one token sequence (1-D) or ``(n, L)`` independent sequences; tokens are ints in [0, V).
    """
    method = check_method(method)
    with timer() as elapsed:
        x, vocab_size = check_token_array(x, vocab_size)
        rows = np.atleast_2d(x)
        length = rows.shape[1]
        if length < 2:
            raise InvalidInput(f"sequences must have length >= 2 to hold a pair, got {length}")
        if distances is None:
            max_distance = check_int("max_distance", min(length - 1, 1024) if max_distance is None else max_distance,
                                     1, length - 1)
            distances = np.arange(1, max_distance + 1)
        else:
            distances = np.unique(np.asarray(distances, dtype=np.int64))
            if distances.size == 0 or distances[0] < 1 or distances[-1] > length - 1:
                raise InvalidInput(f"distances must lie in [1, {length - 1}]")
        cells = vocab_size * vocab_size
        dense = cells <= MAX_TABLE_CELLS
        if dense:
            key_type = np.uint16 if cells <= 1 << 16 else np.uint32
            codes = rows.astype(key_type)
            scaled = codes * key_type(vocab_size)  # a·V < V² fits the key type
            terms = SurprisalTable(method)
        else:
            scaled = rows * vocab_size
        mi = np.empty(len(distances))
        stderr = np.empty(len(distances))
        for index, d in enumerate(distances):
            report(progress, index, len(distances))
            if dense:
                mi[index], stderr[index] = pair_kernels.pair_mi(scaled, codes, int(d), vocab_size, method, terms)
            else:  # a language model's vocabulary: count the occupied cells only
                keys = (scaled[:, : length - d] + rows[:, d:]).ravel()
                mi[index], stderr[index] = _sparse_mi(keys, vocab_size, method)
        report(progress, len(distances), len(distances))
    return TwoPointCurve(distances=distances, mi=mi, stderr=stderr, method=method, n_tokens=int(rows.size),
                         vocab_size=vocab_size, seconds=elapsed())


def pair_counts(scaled: np.ndarray, codes: np.ndarray, d: int, cells: int) -> np.ndarray:
    """Counts (int64, length ``cells``) of the keys a·V + b of all pairs at distance d within the rows.

    ``scaled`` holds V·x and ``codes`` x, both (n, L) in the narrowest unsigned type that holds a
    key; the keys are formed and counted ``CHUNK`` tokens at a time so that they stay in cache.
    """
    n, length = codes.shape
    span = length - d
    rows_per_chunk = max(1, CHUNK // span)
    counts = np.zeros(cells, dtype=np.int64)
    for r in range(0, n, rows_per_chunk):
        block_a, block_b = scaled[r: r + rows_per_chunk], codes[r: r + rows_per_chunk]
        for start in range(0, span, CHUNK):
            stop = min(start + CHUNK, span)
            keys = block_a[:, start:stop] + block_b[:, start + d: stop + d]
            counts += np.bincount(keys.ravel(), minlength=cells)
    return counts


class SurprisalTable:
    """f(n) of ``entropy.surprisal_terms`` for integer counts, by lookup in a table grown on demand."""

    def __init__(self, method: str):
        self.method = method
        self.table = surprisal_terms(np.arange(1 << 12), method)

    def __call__(self, counts) -> np.ndarray:
        counts = np.asarray(counts)
        top = int(counts.max())
        if top >= len(self.table):
            self.table = surprisal_terms(np.arange(max(2 * len(self.table), top + 1)), self.method)
        return self.table[counts]


def _sparse_mi(keys: np.ndarray, vocab_size: int, method: str) -> tuple[float, float]:
    """(estimate, stderr) of I(a; b) from pair keys a·V + b, counting only the occupied cells."""
    cells, counts = np.unique(keys, return_counts=True)
    rows, cols = np.divmod(cells, vocab_size)
    row_totals = np.bincount(rows, weights=counts)
    col_totals = np.bincount(cols, weights=counts)
    return mi_terms_from_cells(counts, row_totals[rows], col_totals[cols], np.count_nonzero(row_totals),
                               np.count_nonzero(col_totals), method)


def two_point_mi_at(x, i: int, j: int, vocab_size: int | None = None, method: str = "grassberger") -> Estimate:
    """I(X_i; X_j) for two fixed positions, from the rows of an ``(n, L)`` token array."""
    x, vocab_size = check_token_array(x, vocab_size, ndim=(2,))
    length = x.shape[1]
    i, j = check_int("i", i, 0, length - 1), check_int("j", j, 0, length - 1)
    if i == j:
        raise InvalidInput("two_point_mi_at needs two different positions i != j")
    joint = np.bincount(x[:, i] * vocab_size + x[:, j], minlength=vocab_size * vocab_size)
    return mi_from_joint_counts(joint.reshape(vocab_size, vocab_size), method)
