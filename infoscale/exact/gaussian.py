"""Exact mutual information of jointly Gaussian blocks, from a covariance matrix.

For X = (A, B) ~ N(0, Σ) with A the first ℓ coordinates,

    I(A; B) = ½ (ln det Σ_AA + ln det Σ_BB − ln det Σ)          (Cholesky log-determinants)
            = −½ Σ_i ln(1 − ρ_i²)                               (canonical correlations ρ_i)

where ρ_i are the singular values of the whitened cross-covariance L_A⁻¹ Σ_AB L_B⁻ᵀ. The number
of canonical directions needed to carry a fraction of I is the smallest linear history state
that can pass that much information across the cut.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg

from infoscale._checks import check_float, check_split
from infoscale.errors import InvalidInput

LOG_2PI = float(np.log(2.0 * np.pi))


#: Relative asymmetry |Σ − Σᵀ| / max|Σ| accepted as rounding.
SYMMETRY_TOL = 1e-12


def cholesky_factor(cov, name: str = "covariance") -> np.ndarray:
    """Lower Cholesky factor of a symmetric positive-definite matrix, or a clear ``ValueError``."""
    cov = np.asarray(cov, dtype=np.float64)
    if cov.ndim != 2 or cov.shape[0] != cov.shape[1]:
        raise InvalidInput(f"{name} must be a square matrix, got shape {cov.shape}")
    if not np.all(np.isfinite(cov)):
        raise InvalidInput(f"{name} contains NaN or infinite values")
    asymmetry = float(np.max(np.abs(cov - cov.T))) if cov.size else 0.0
    if asymmetry > SYMMETRY_TOL * float(np.max(np.abs(cov))):
        raise InvalidInput(f"{name} must be symmetric: it differs from its transpose by up to {asymmetry:.3g} "
                           "(only one triangle would be read)")
    try:
        return linalg.cholesky(cov, lower=True, check_finite=False)
    except linalg.LinAlgError:
        raise InvalidInput(f"{name} is not positive definite") from None


def innovations(x: np.ndarray, chol: np.ndarray) -> np.ndarray:
    """z = C⁻¹ x along the length axis of x (n, L, D), for the Cholesky factor C (L × L) of its covariance.

    The innovations of a Gaussian sequence x = C z are i.i.d. N(0, 1); z_t is the standardised
    error of the best prediction of x_t from x_<t, whose standard deviation is C_tt.
    """
    n, length, dim = x.shape
    flat = np.moveaxis(x, 1, 0).reshape(length, n * dim)
    z = linalg.solve_triangular(chol, flat, lower=True, check_finite=False)
    return np.moveaxis(z.reshape(length, n, dim), 0, 1)


def logdet(cov, name: str = "covariance") -> float:
    """ln det of a positive-definite matrix via its Cholesky factor."""
    return 2.0 * float(np.sum(np.log(np.diag(cholesky_factor(cov, name)))))


def gaussian_mi(cov, ell: int) -> float:
    """Exact I(X_1..ℓ ; X_ℓ+1..L) in nats for X ~ N(0, cov), from three Cholesky log-determinants.

    Rounding rule: MI is never negative, so a negative sum of the log-determinants (−4.4e-16 for
    independent halves) is float rounding of zero and is returned as 0.0.
    """
    cov = np.asarray(cov, dtype=np.float64)
    ell = check_split(ell, cov.shape[0])
    full = logdet(cov)
    return max(0.5 * (logdet(cov[:ell, :ell]) + logdet(cov[ell:, ell:]) - full), 0.0)


@dataclass(frozen=True)
class MISpectrum:
    """Canonical correlations across a cut and the MI each carries, sorted largest first."""

    correlations: np.ndarray  # ρ_i in [0, 1), descending
    contributions: np.ndarray  # −½ ln(1 − ρ_i²), descending

    @property
    def mi(self) -> float:
        return float(np.sum(self.contributions))

    def rank(self, tol: float = 1e-10) -> int:
        """Number of canonical correlations above ``tol`` (the rank of the cross-covariance)."""
        return int(np.sum(self.correlations > tol))

    def history_dimension(self, fraction: float = 0.99) -> int:
        """Smallest D such that the top D canonical directions carry ``fraction`` of the MI."""
        fraction = check_float("fraction", fraction, 0.0, 1.0, low_open=True)
        total = self.mi
        if total <= 0.0:
            return 0
        carried = np.cumsum(self.contributions)
        return int(np.searchsorted(carried, fraction * total * (1 - 1e-12)) + 1)

    def residual_mi(self, dim: int) -> float:
        """MI not carried by the top ``dim`` canonical directions."""
        return float(np.sum(self.contributions[int(dim):]))

    def to_dict(self) -> dict:
        return {"mi": self.mi, "correlations": self.correlations.tolist(), "contributions": self.contributions.tolist()}


def mi_spectrum(cov, ell: int) -> MISpectrum:
    """Canonical correlations between the first ℓ coordinates and the rest, with their MI terms."""
    cov = np.asarray(cov, dtype=np.float64)
    ell = check_split(ell, cov.shape[0])
    chol_a = cholesky_factor(cov[:ell, :ell])
    chol_b = cholesky_factor(cov[ell:, ell:])
    cross = linalg.solve_triangular(chol_a, cov[:ell, ell:], lower=True, check_finite=False)
    cross = linalg.solve_triangular(chol_b, cross.T, lower=True, check_finite=False).T
    rho = np.clip(linalg.svd(cross, compute_uv=False, check_finite=False), 0.0, 1.0)
    contributions = -0.5 * np.log1p(-np.minimum(rho, 1 - 1e-16) ** 2)
    return MISpectrum(correlations=rho, contributions=contributions)
