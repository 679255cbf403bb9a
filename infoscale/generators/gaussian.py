"""Shared machinery of the Gaussian families: everything follows from one covariance matrix.

A continuous family stacks ``token_dim`` independent copies of a zero-mean Gaussian sequence with
per-dimension covariance ``covariance(length)`` (L × L), as the L²M paper stacks 64 copies into
one 64-dimensional token. Samples have shape ``(n, L, token_dim)``; log-likelihoods and MI add
over the independent dimensions.

With the Cholesky factor C (Σ = C Cᵀ) the sequence is x = C z, z ~ N(0, I), so the innovation
z_t = (x_t − E[x_t | x_<t]) / C_tt: the exact conditional of position t given its past is
N(x_t − C_tt z_t, C_tt²). That gives ``conditionals`` (needed for the nets' exact KL) and
``log_prob`` from one triangular solve.
"""

from __future__ import annotations

import abc

import numpy as np

from infoscale._checks import as_rng, check_block, check_finite_array, check_int, check_split
from infoscale.budget import check_memory
from infoscale.errors import InvalidInput
from infoscale.exact.gaussian import LOG_2PI, MISpectrum, cholesky_factor, gaussian_mi, innovations, mi_spectrum
from infoscale.generators.base import SequenceDistribution
from infoscale.generators.registry import Param

TOKEN_DIM = Param("token_dim", int, 1, "independent Gaussian copies stacked into one token")


class GaussianSequence(SequenceDistribution):
    """A zero-mean Gaussian sequence family defined by its per-dimension covariance."""

    discrete = False
    _CACHE_SIZE = 4

    def __init__(self, token_dim: int = 1):
        self.token_dim = check_int("token_dim", token_dim, 1)
        self._chol_cache: dict[int, np.ndarray] = {}

    @abc.abstractmethod
    def covariance(self, length: int) -> np.ndarray:
        """The L × L covariance of one token dimension."""

    def check_dense(self, length: int) -> int:
        """Validate a length whose dense L × L covariance (and its factor and a work copy) fit in memory."""
        length = self.check_length(length)
        check_memory(f"the dense {length}×{length} covariance of the {self.name} family (length={length})",
                     3 * 8.0 * length**2)
        return length

    def cholesky(self, length: int) -> np.ndarray:
        """Lower Cholesky factor of ``covariance(length)`` (cached for a few lengths)."""
        length = self.check_dense(length)
        if length not in self._chol_cache:
            if len(self._chol_cache) >= self._CACHE_SIZE:
                self._chol_cache.pop(next(iter(self._chol_cache)))
            self._chol_cache[length] = cholesky_factor(self.covariance(length), f"{self.name} covariance")
        return self._chol_cache[length]

    # ---- protocol -------------------------------------------------------------------------
    def sample(self, n: int, length: int, rng=None) -> np.ndarray:
        n = check_int("n", n, 1)
        check_memory(f"n={n} samples of length {length} (token_dim {self.token_dim})",
                     3.0 * 8 * n * self.token_dim * float(self.check_length(length)))
        chol = self.cholesky(length)
        z = as_rng(rng).standard_normal((n, self.token_dim, chol.shape[0]))
        return np.ascontiguousarray(np.swapaxes(z @ chol.T, 1, 2))

    def log_prob(self, x) -> np.ndarray:
        x = self.check_tokens(x)
        return self._block_log_prob(x, self.cholesky(x.shape[1]))

    def marginal_log_prob(self, x, start: int, stop: int) -> np.ndarray:
        x = self.check_tokens(x, exact_length=False)
        length = x.shape[1]
        start, stop = check_block(start, stop, length)
        cov = self.covariance(self.check_dense(length))[start:stop, start:stop]
        return self._block_log_prob(x[:, start:stop], cholesky_factor(cov))

    def conditionals(self, x) -> tuple[np.ndarray, np.ndarray]:
        """Exact mean and standard deviation of each x_t given x_<t, both shaped like ``x``."""
        x = self.check_tokens(x)
        chol = self.cholesky(x.shape[1])
        z = innovations(x, chol)
        std = np.broadcast_to(np.diag(chol)[None, :, None], x.shape)
        return x - std * z, np.array(std)

    def bipartite_mi(self, ell: int, length: int) -> float:
        length = self.check_dense(length)
        return self.token_dim * gaussian_mi(self.covariance(length), check_split(ell, length))

    def mi_spectrum(self, ell: int, length: int) -> MISpectrum:
        """Canonical correlations across the cut of one token dimension (each appears token_dim times)."""
        length = self.check_dense(length)
        return mi_spectrum(self.covariance(length), check_split(ell, length))

    def two_point_mi(self, i: int, j: int, length: int) -> float:
        length = self.check_length(length)
        i = check_int("i", i, 0, length - 1)
        j = check_int("j", j, 0, length - 1)
        if i == j:
            raise InvalidInput("two_point_mi needs two different positions i != j")
        var_i, var_j, cov_ij = self._pair_covariance(i, j, length)
        return -0.5 * self.token_dim * float(np.log1p(-(cov_ij**2) / (var_i * var_j)))

    def _pair_covariance(self, i: int, j: int, length: int) -> tuple[float, float, float]:
        """(Var x_i, Var x_j, Cov(x_i, x_j)); dense by default, cheaper where structure allows."""
        cov = self.covariance(self.check_dense(length))
        return cov[i, i], cov[j, j], cov[i, j]

    # ---- tokens ---------------------------------------------------------------------------
    def check_tokens(self, x, exact_length: bool = True) -> np.ndarray:
        """Validate float tokens (n, L, token_dim) (or (n, L) when token_dim = 1) as float64 (n, L, token_dim)."""
        x = check_finite_array("x", x, ndim=(2, 3))
        if x.ndim == 2 and self.token_dim == 1:
            x = x[:, :, None]
        if x.ndim != 3 or x.shape[2] != self.token_dim:
            raise InvalidInput(f"x must have shape (n, length, {self.token_dim}), got {x.shape}")
        if exact_length:
            self.check_length(x.shape[1])
        return x

    def _block_log_prob(self, x: np.ndarray, chol: np.ndarray) -> np.ndarray:
        z = innovations(x, chol)
        length, dim = x.shape[1], x.shape[2]
        log_det = 2.0 * np.sum(np.log(np.diag(chol)))
        return -0.5 * np.sum(z**2, axis=(1, 2)) - 0.5 * dim * (length * LOG_2PI + log_det)
