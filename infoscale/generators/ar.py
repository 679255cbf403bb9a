"""Stationary autoregressive sequences AR(p): an area-law family.

    x_t = φ_1 x_{t−1} + … + φ_p x_{t−p} + σ ε_t,     ε_t i.i.d. N(0, 1),

started in its stationary distribution. Stationarity requires every root of the characteristic
polynomial 1 − φ_1 z − … − φ_p z^p to lie strictly outside the unit circle (equivalently, every
eigenvalue of the companion matrix, a root of λ^p − φ_1 λ^{p−1} − … − φ_p, strictly inside it).

**Autocovariance.** Multiplying the recursion by x_{t−k} and taking expectations gives the
Yule–Walker equations, for k = 0..p a linear system in γ_0..γ_p,

    γ_k − Σ_i φ_i γ_|k−i| = σ² δ_k0,

and, for k > p, the homogeneous recursion γ_k = Σ_i φ_i γ_{k−i}, which we run as a linear filter.

**Area law.** Given its past, x_t depends only on the last p values, so the one-step prediction
error is σ² from t = p on. With the Durbin–Levinson form I(ℓ; L) = ½ Σ_{t<L−ℓ} ln(v_t / v_{t+ℓ}),
the MI is the constant ½ Σ_{t<p} ln(v_t / σ²) once both blocks hold at least p positions; for
AR(1) this is −½ ln(1 − φ²) at every cut.
"""

from __future__ import annotations

import numpy as np

from infoscale._checks import check_finite_array, check_float
from infoscale.errors import InvalidInput
from infoscale.generators.base import Scaling
from infoscale.generators.gaussian import TOKEN_DIM
from infoscale.generators.registry import Param, float_list, register
from infoscale.generators.stationary import StationaryGaussian


#: Largest modulus of a companion eigenvalue (1/|root|) and the σ range where exact values are accurate
#: to 1e-8 relative (measured against -½ ln(1 − φ²) in mpmath, tests/test_exact_ranges.py).
MAX_MODULUS = 1.0 - 1e-8
NOISE_STD_RANGE = (1e-100, 1e100)


@register
class AR(StationaryGaussian):
    """Stationary AR(p) with coefficients φ_1..φ_p and innovation standard deviation σ."""

    name = "ar"
    PARAMS = (
        Param("coefficients", float_list, (0.5,), "AR coefficients φ_1,…,φ_p (comma-separated), stationary"),
        Param("noise_std", float, 1.0, "innovation standard deviation σ > 0"),
        TOKEN_DIM,
    )

    def __init__(self, coefficients=(0.5,), noise_std: float = 1.0, token_dim: int = 1):
        super().__init__(token_dim)
        phi = check_finite_array("coefficients", coefficients, ndim=1)
        if phi.size == 0:
            raise InvalidInput("coefficients must hold at least one AR coefficient (use 0.0 for white noise)")
        modulus = float(np.max(np.abs(np.roots(np.concatenate([[1.0], -phi])))))
        if not modulus <= MAX_MODULUS:
            raise InvalidInput("coefficients must give a stationary AR process (all roots of 1 − φ_1 z − … − φ_p z^p "
                             "of modulus >= 1/(1 − 1e-8), where the exact values are "
                             f"accurate to 1e-8 relative); {tuple(phi.tolist())} has a root of modulus {1.0 / modulus:.10g}")
        self.coefficients = tuple(phi.tolist())
        self.noise_std = check_float("noise_std", noise_std, *NOISE_STD_RANGE)
        self._yule_walker = self._solve_yule_walker(phi, self.noise_std**2)

    @property
    def scaling(self) -> Scaling:
        return Scaling("area")

    def autocovariance(self, length: int) -> np.ndarray:
        length = self.check_length(length)
        gamma = self._yule_walker
        p = gamma.size - 1
        if length <= p + 1:
            return gamma[:length].copy()
        denominator = np.concatenate([[1.0], -np.asarray(self.coefficients)])
        from scipy import signal  # imported here: scipy.signal costs ~0.8 s at `import infoscale`

        initial = signal.lfiltic([1.0], denominator, y=gamma[:0:-1])  # past outputs γ_p, …, γ_1
        tail, _ = signal.lfilter([1.0], denominator, np.zeros(length - p - 1), zi=initial)
        return np.concatenate([gamma, tail])

    @staticmethod
    def _solve_yule_walker(phi: np.ndarray, noise_var: float) -> np.ndarray:
        """γ_0..γ_p from the p + 1 Yule–Walker equations."""
        p = phi.size
        system = np.eye(p + 1)
        lags = np.abs(np.arange(p + 1)[:, None] - np.arange(1, p + 1)[None, :])  # |k − i|
        np.add.at(system, (np.repeat(np.arange(p + 1), p), lags.ravel()), -np.tile(phi, p + 1))
        rhs = np.zeros(p + 1)
        rhs[0] = noise_var
        return np.linalg.solve(system, rhs)
