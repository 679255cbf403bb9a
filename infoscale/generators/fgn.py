"""Fractional Gaussian noise: the increments of fractional Brownian motion, a long-memory family.

With Hurst exponent H ∈ (0, 1) and unit variance, the autocovariance is

    γ(k) = ½ (|k+1|^{2H} − 2|k|^{2H} + |k−1|^{2H}),

the second difference of k^{2H}; γ(k) ~ H(2H−1) k^{2H−2}, not summable for H > ½ (long memory)
and summing to zero for H < ½ (anti-persistence). The spectral density behaves as |λ|^{1−2H} near
zero (a fractionally integrated process with d = H − ½), and for such processes the mutual
information between adjacent blocks grows like ln L: the bipartite MI follows a **log law**,
I(L/2; L) ≈ (d²/2)·ln L + const, for every H ≠ ½ (the Durbin–Levinson curve reproduces the slope
d²/2 to 0.1% at L ~ 10⁴; see the tests). H = ½ is white noise
(γ(k) = δ_k0) with zero MI at every cut: an area law.

**Accurate tail.** Evaluated as written, γ(k) loses about 2·log10(k) digits to cancellation
(terms of size k^{2H}, result of size k^{2H−2}). For k ≥ 2 we use the binomial series of
(1 ± 1/k)^{2H}, whose odd terms cancel exactly:

    γ(k) = k^{2H−2} Σ_{m≥1} C(2H, 2m) k^{−2(m−1)},

a series of one sign (no cancellation) that carries the factor 2H − 1 in every term, so it is also
accurate near H = ½. Truncated after M = 30 terms it is exact to double precision for k ≥ 2
(|C(2H, 2m)| ≤ |C(2H, 2)| and 4^{−29} < 1e−17). γ(1) = 2^{2H−1} − 1 = expm1((2H − 1) ln 2).
"""

from __future__ import annotations

import numpy as np
from infoscale._checks import check_float
from infoscale.generators.base import Scaling
from infoscale.generators.gaussian import TOKEN_DIM
from infoscale.generators.registry import Param, register
from infoscale.generators.stationary import StationaryGaussian

_SERIES_TERMS = 30


def fgn_autocovariance(hurst: float, length: int) -> np.ndarray:
    """γ(0..L−1) of unit-variance fractional Gaussian noise, accurate to rounding at every lag."""
    two_h = 2.0 * hurst
    gamma = np.empty(length)
    gamma[0] = 1.0
    if length > 1:
        gamma[1] = np.expm1((two_h - 1.0) * np.log(2.0))
    if length > 2:
        k = np.arange(2, length, dtype=np.float64)
        x = 1.0 / (k * k)
        n = np.arange(1, 2 * _SERIES_TERMS + 1)
        coeffs = np.cumprod((two_h - n + 1.0) / n)[1::2]  # C(2H, 2m), m = 1..M; exact factor 2H − 1
        series = np.zeros_like(x)
        for c in coeffs[::-1]:  # Horner in x = 1/k²
            series = series * x + c
        gamma[2:] = k ** (two_h - 2.0) * series
    return gamma


#: Largest Hurst exponent whose exact values are accurate to 1e-8 relative (mpmath, tests/test_exact_ranges.py).
MAX_HURST = 0.9999


@register
class FGN(StationaryGaussian):
    """Unit-variance fractional Gaussian noise with Hurst exponent H ∈ (0, 1)."""

    name = "fgn"
    PARAMS = (Param("hurst", float, 0.75, "Hurst exponent H in (0, 1); H = 0.5 is white noise"), TOKEN_DIM)

    def __init__(self, hurst: float = 0.75, token_dim: int = 1):
        super().__init__(token_dim)
        self.hurst = check_float("hurst", hurst, 0.0, MAX_HURST, low_open=True)

    @property
    def scaling(self) -> Scaling:
        return Scaling("area") if self.hurst == 0.5 else Scaling("log")

    def autocovariance(self, length: int) -> np.ndarray:
        return fgn_autocovariance(self.hurst, self.check_length(length))
