"""A noisy permuted copy: the second half repeats the first half, shuffled, through Gaussian noise.

For an even length L = 2m: x_1..x_m i.i.d. N(0, 1), then y_j = x_π(j) + ν_j with a fixed
permutation π of 1..m (drawn from ``permutation_seed``) and ν_j i.i.d. N(0, 1/SNR).

**Closed form.** The sequence splits into m independent pairs (x_π(j), y_j), each with
correlation² ρ² = SNR/(1 + SNR), i.e. ½ ln(1 + SNR) nats of MI; all other pairs are independent.
The MI across any cut is therefore ½ ln(1 + SNR) times the number of pairs the cut separates;
at the half split every pair is separated,

    I(m; 2m) = (L/2) · ½ ln(1 + SNR)   per token dimension,

a **volume law**. The permutation makes the copy non-local, so a model needs a history state that
grows with L to reproduce it.
"""

from __future__ import annotations

import numpy as np

from infoscale._checks import as_rng, check_float, check_int, check_split
from infoscale.errors import InvalidInput
from infoscale.generators.base import Scaling
from infoscale.generators.gaussian import TOKEN_DIM, GaussianSequence
from infoscale.generators.registry import Param, register


#: Where the dense computations (spectrum, two-point MI, likelihoods) are accurate to 1e-8 relative
#: (tests/test_exact_ranges.py): above it 1 + 1/SNR rounds towards 1 and the copy looks noiseless.
SNR_RANGE = (1e-12, 1e10)


@register
class NoisyCopy(GaussianSequence):
    """First half i.i.d. N(0, 1); second half a fixed permutation of it plus N(0, 1/SNR) noise."""

    name = "noisy-copy"
    PARAMS = (
        Param("snr", float, 1.0, "signal-to-noise ratio SNR > 0 of the copy (noise variance 1/SNR)"),
        Param("permutation_seed", int, 0, "seed of the fixed permutation (one per length)"),
        TOKEN_DIM,
    )

    def __init__(self, snr: float = 1.0, permutation_seed: int = 0, token_dim: int = 1):
        super().__init__(token_dim)
        self.snr = check_float("snr", snr, *SNR_RANGE)
        self.permutation_seed = check_int("permutation_seed", permutation_seed, 0)

    @property
    def scaling(self) -> Scaling:
        return Scaling("volume")

    def check_length(self, length) -> int:
        length = super().check_length(length)
        if length % 2:
            raise InvalidInput(f"length must be even for the noisy-copy family, got {length}")
        return length

    def permutation(self, length: int) -> np.ndarray:
        """π for this length: y_j copies x_π(j) (0-based positions in the first half)."""
        return np.random.default_rng(self.permutation_seed).permutation(self.check_length(length) // 2)

    def covariance(self, length: int) -> np.ndarray:
        half = self.check_length(length) // 2
        cov = np.diag(np.repeat([1.0, 1.0 + 1.0 / self.snr], half))
        copies, originals = half + np.arange(half), self.permutation(length)
        cov[copies, originals] = cov[originals, copies] = 1.0
        return cov

    def sample(self, n: int, length: int, rng=None) -> np.ndarray:
        """Draw the first half and copy it directly: O(n·L) instead of a Cholesky factor."""
        n = check_int("n", n, 1)
        perm = self.permutation(length)
        rng = as_rng(rng)
        first = rng.standard_normal((n, perm.size, self.token_dim))
        second = first[:, perm, :] + rng.standard_normal(first.shape) / np.sqrt(self.snr)
        return np.concatenate([first, second], axis=1)

    def bipartite_mi(self, ell: int, length: int) -> float:
        """½ ln(1 + SNR) per pair (x_π(j), y_j) that the cut separates, per token dimension."""
        length = self.check_length(length)
        ell = check_split(ell, length)
        half = length // 2
        separated = np.count_nonzero((self.permutation(length) < ell) & (half + np.arange(half) >= ell))
        return 0.5 * self.token_dim * separated * float(np.log1p(self.snr))
