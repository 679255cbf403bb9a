"""Local exponents of a curve I(L) and their trends: how a fitted exponent drifts over the range.

``local_exponents`` are the slopes of successive pairs on log-log axes; ``trends`` fits a
weighted line through them (and through the local log-law slopes dI/d ln L) against the log of
the pairs' midpoints and returns the line's values at the two ends. ``theory.scaling`` turns half
the change across the range into the drift term of an exponent's error (its module docstring).
"""

from __future__ import annotations

import numpy as np


def local_exponents(lengths, mi) -> tuple[np.ndarray, np.ndarray]:
    """Geometric midpoints √(L_k L_k+1) and slopes ln(I_k+1/I_k)/ln(L_k+1/L_k) of successive pairs.

    Only pairs of distinct lengths with both values positive enter (log axes).
    """
    L, y = np.asarray(lengths, float), np.asarray(mi, float)
    lo, hi = _pairs(L, y, positive=True)
    return np.sqrt(L[lo] * L[hi]), np.log(y[hi] / y[lo]) / np.log(L[hi] / L[lo])


def _pairs(L, y, positive: bool) -> tuple[np.ndarray, np.ndarray]:
    """Indices of successive pairs of distinct (sorted) lengths, both values positive if asked."""
    ok = (L[1:] > L[:-1]) & (((y[:-1] > 0) & (y[1:] > 0)) if positive else True)
    return np.flatnonzero(ok), np.flatnonzero(ok) + 1


def trends(L, y, sigma) -> tuple[tuple, tuple]:
    """End values of the weighted linear trends, against ln m, of the local exponents
    d ln I/d ln L and of the local log-law slopes dI/d ln L (module docstring)."""
    ends = []
    for log_scale in (True, False):
        lo, hi = _pairs(L, y, positive=log_scale)
        safe = np.where(y > 0, y, 1.0)  # pairs with I <= 0 are not used on the log scale
        f, s = (np.log(safe), sigma / safe) if log_scale else (y, sigma)
        step = np.log(L[hi] / L[lo])
        values, var = (f[hi] - f[lo]) / step, (s[lo] ** 2 + s[hi] ** 2) / step**2
        x = 0.5 * np.log(L[lo] * L[hi])
        if len(values) < 2:
            ends.append((float(values[0]),) * 2 if len(values) else (np.nan, np.nan))
            continue
        slope, intercept = np.polyfit(x, values, 1, w=1.0 / np.sqrt(var))
        ends.append((float(intercept + slope * x[0]), float(intercept + slope * x[-1])))
    return ends[0], ends[1]
