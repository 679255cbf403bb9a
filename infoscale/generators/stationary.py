"""Stationary Gaussian families: a Toeplitz covariance from an autocovariance function.

A stationary sequence is fixed by its autocovariance r_k = Cov(x_t, x_{t+k}); its L × L
covariance is Toeplitz, Σ_ij = r_|i−j|. Both blocks of any cut are then Toeplitz as well, so the
bipartite MI of every length follows from one Durbin–Levinson pass over r_0..r_{N−1}
(``infoscale.estimators.toeplitz``): O(N²) time and O(N) memory for the whole curve, with no
L × L matrix formed.
"""

from __future__ import annotations

import abc

import numpy as np
from scipy import linalg

from infoscale._checks import check_split
from infoscale.exact.toeplitz import toeplitz_mi, toeplitz_mi_curve
from infoscale.generators.gaussian import GaussianSequence


class StationaryGaussian(GaussianSequence):
    """A Gaussian family given by ``autocovariance(length)``; MI through Durbin–Levinson."""

    @abc.abstractmethod
    def autocovariance(self, length: int) -> np.ndarray:
        """r_0..r_{L−1} of one token dimension."""

    def covariance(self, length: int) -> np.ndarray:
        return linalg.toeplitz(self.autocovariance(self.check_dense(length)))

    def bipartite_mi(self, ell: int, length: int) -> float:
        length = self.check_length(length)
        return self.token_dim * toeplitz_mi(self.autocovariance(length), check_split(ell, length), length)

    def mi_curve(self, lengths, split: float = 0.5) -> np.ndarray:
        """I(ℓ; L), ℓ = round(split·L), for all ``lengths`` from one Durbin–Levinson pass up to max(L)."""
        lengths = [self.check_length(length) for length in lengths]
        if not lengths:
            return np.zeros(0)
        _, mi = toeplitz_mi_curve(self.autocovariance(max(lengths)), lengths, split)
        return self.token_dim * mi

    def _pair_covariance(self, i: int, j: int, length: int) -> tuple[float, float, float]:
        r = self.autocovariance(length)  # O(L): no L × L matrix for two-point MI at long range
        return r[0], r[0], r[abs(i - j)]
