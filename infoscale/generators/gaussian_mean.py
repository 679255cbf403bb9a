"""A Gaussian source with an unknown mean: x_t = μ + ε_t, μ ~ N(0, s²), ε_t i.i.d. N(0, σ²).

The simplest Bayesian (one-parameter) source: the past informs the future only through what it
reveals about μ. The covariance is σ² I + s² 1 1ᵀ, so the sequence is exchangeable, hence
stationary (r_0 = σ² + s², r_k = s² for k ≥ 1), and the Durbin–Levinson curve applies.

**Closed form.** With q = s²/σ², det(σ² I_n + s² 1 1ᵀ) = σ^{2n} (1 + n q), so

    I(ℓ; L) = ½ ln[(1 + ℓ q)(1 + (L − ℓ) q) / (1 + L q)],

which at ℓ = L/2 grows as ½ ln L + ½ ln(q/4): a **log law** with coefficient ½ (one real
parameter learned, as in the minimum-description-length ½ ln n per parameter).
"""

from __future__ import annotations

import numpy as np

from infoscale._checks import as_rng, check_float, check_int, check_split
from infoscale.errors import InvalidInput
from infoscale.generators.base import Scaling, SequenceDistribution
from infoscale.generators.gaussian import TOKEN_DIM
from infoscale.generators.registry import Param, register
from infoscale.generators.stationary import StationaryGaussian


#: Where the exact values are accurate to 1e-8 relative (measured against mpmath, tests/test_exact_ranges.py).
STD_RANGE = (1e-100, 1e100)
RATIO_RANGE = (1e-8, 1e10)


@register
class GaussianMean(StationaryGaussian):
    """i.i.d. N(μ, σ²) tokens around a shared mean μ ~ N(0, s²), independently per token dimension."""

    name = "gaussian-mean"
    PARAMS = (
        Param("prior_std", float, 1.0, "prior standard deviation s > 0 of the unknown mean"),
        Param("noise_std", float, 1.0, "standard deviation σ > 0 of each token around the mean"),
        TOKEN_DIM,
    )

    def __init__(self, prior_std: float = 1.0, noise_std: float = 1.0, token_dim: int = 1):
        super().__init__(token_dim)
        self.prior_std = check_float("prior_std", prior_std, *STD_RANGE)
        self.noise_std = check_float("noise_std", noise_std, *STD_RANGE)
        ratio = (self.prior_std / self.noise_std) ** 2
        if not RATIO_RANGE[0] <= ratio <= RATIO_RANGE[1]:
            raise InvalidInput(f"(prior_std / noise_std)² must be in [{RATIO_RANGE[0]:g}, {RATIO_RANGE[1]:g}], got "
                               f"{ratio:.3g}: exact values are accurate to 1e-8 relative only there")

    @property
    def scaling(self) -> Scaling:
        return Scaling("log")

    def autocovariance(self, length: int) -> np.ndarray:
        r = np.full(self.check_length(length), self.prior_std**2)
        r[0] += self.noise_std**2
        return r

    def sample(self, n: int, length: int, rng=None) -> np.ndarray:
        """Draw μ then the tokens directly: O(n·L) instead of a Cholesky factor."""
        n = check_int("n", n, 1)
        length = self.check_length(length)
        rng = as_rng(rng)
        mean = self.prior_std * rng.standard_normal((n, 1, self.token_dim))
        return mean + self.noise_std * rng.standard_normal((n, length, self.token_dim))

    def bipartite_mi(self, ell: int, length: int) -> float:
        length = self.check_length(length)
        ell = check_split(ell, length)
        q = (self.prior_std / self.noise_std) ** 2
        return 0.5 * self.token_dim * float(np.log1p(ell * q) + np.log1p((length - ell) * q) - np.log1p(length * q))

    # The closed form costs O(1) per length; no need for the O(N²) Durbin–Levinson pass.
    mi_curve = SequenceDistribution.mi_curve
