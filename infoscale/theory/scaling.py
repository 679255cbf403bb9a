"""Scaling-law fits for mutual-information curves.

``fit_scaling_law`` fits the four classes of I(L) by weighted least squares,

    area    I = c                 (1 parameter)
    log     I = a + c·ln L        (2)
    power   I = A·L^β             (2)
    volume  I = c·L               (1)

and chooses among them by the Akaike criterion AIC = χ² + 2p. The weights are
σ_i = sqrt(stderr_i² + (tolerance·I_i)²): the given standard errors of noisy estimates plus a
*relative model tolerance* (default 2 %). The tolerance matters for exact curves, whose χ² would
otherwise be decided by sub-leading finite-size corrections that no asymptotic law describes; with
it, a law that matches every point to within a few per cent counts as fitting, and parsimony picks
the simplest such law. Laws within ΔAIC < 2 of the best are reported as ``alternatives``: the
data cannot tell them apart (``ambiguous``). A law that merely extends the best one (log or power
around area, power around volume) is not counted: fitting no worse is no evidence for it.

``fit_two_point`` is the L²M paper's bias-corrected two-point fit I(d) = A·d^−α + C with
0 < C < min I, fitted in log space (the constant C absorbs the positive bias of sample estimates).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, special

from infoscale._checks import check_finite_array, check_float
from infoscale.errors import InvalidInput

LAWS = ("area", "log", "power", "volume")
_PARAMS = {"area": ("c",), "log": ("a", "c"), "power": ("A", "beta"), "volume": ("c",)}
# Laws that contain another as a special case (log and power reduce to area, power to volume):
# an extension that fits no better than the law it extends is no evidence, so not an alternative.
_EXTENSIONS = {"area": ("log", "power"), "volume": ("power",), "log": (), "power": ()}


def law_curve(law: str, params: dict, lengths) -> np.ndarray:
    """Evaluate a fitted law at the given lengths."""
    L = np.asarray(lengths, dtype=np.float64)
    if law == "area":
        return np.full_like(L, params["c"])
    if law == "log":
        return params["a"] + params["c"] * np.log(L)
    if law == "power":
        return params["A"] * L ** params["beta"]
    if law == "volume":
        return params["c"] * L
    raise InvalidInput(f"law must be one of {LAWS}, got {law!r}")


@dataclass(frozen=True)
class LawFit:
    """One law fitted to the data: parameters, their standard errors, χ² and AIC."""

    law: str
    params: dict
    stderr: dict
    chi2: float
    aic: float

    def predict(self, lengths) -> np.ndarray:
        return law_curve(self.law, self.params, lengths)


@dataclass(frozen=True)
class ScalingFit:
    """The chosen law (lowest AIC), every candidate fit, and which laws the data cannot rule out."""

    law: str
    fits: dict = field(repr=False)
    alternatives: tuple = ()

    @property
    def best(self) -> LawFit:
        return self.fits[self.law]

    @property
    def ambiguous(self) -> bool:
        return bool(self.alternatives)

    @property
    def exponent(self) -> float | None:
        """β for a power law, 1 for volume, 0 for area, ``None`` for log."""
        return {"area": 0.0, "volume": 1.0, "log": None}.get(self.law, self.best.params.get("beta"))

    @property
    def exponent_stderr(self) -> float | None:
        return self.best.stderr.get("beta") if self.law == "power" else None

    @property
    def coefficient(self) -> float:
        """The law's leading coefficient: c (area, log, volume) or A (power)."""
        return self.best.params["A" if self.law == "power" else "c"]

    def predict(self, lengths) -> np.ndarray:
        return self.best.predict(lengths)

    def describe(self) -> str:
        p, e = self.best.params, self.best.stderr
        if self.law == "area":
            formula = f"I = {p['c']:.4g} ± {e['c']:.2g}"
        elif self.law == "log":
            formula = f"I = {p['a']:.4g} + {p['c']:.4g}·ln L  (c ± {e['c']:.2g})"
        elif self.law == "power":
            formula = f"I = {p['A']:.4g}·L^{p['beta']:.4f}  (β ± {e['beta']:.2g})"
        else:
            formula = f"I = {p['c']:.4g}·L  (± {e['c']:.2g})"
        text = f"{self.law} law: {formula}"
        if self.ambiguous:
            text += f"  [cannot rule out: {', '.join(self.alternatives)} (ΔAIC < 2)]"
        return text

    def to_dict(self) -> dict:
        return {
            "law": self.law,
            "exponent": self.exponent,
            "exponent_stderr": self.exponent_stderr,
            "coefficient": self.coefficient,
            "params": self.best.params,
            "stderr": self.best.stderr,
            "ambiguous": self.ambiguous,
            "alternatives": list(self.alternatives),
            "aic": {law: fit.aic for law, fit in self.fits.items()},
        }


def fit_scaling_law(lengths, mi, stderr=None, tolerance: float = 0.02) -> ScalingFit:
    """Fit area, log, power and volume laws to I(L) and choose one by AIC (see module docstring)."""
    L = check_finite_array("lengths", lengths, ndim=1)
    y = check_finite_array("mi", mi, ndim=1)
    if L.shape != y.shape:
        raise InvalidInput(f"lengths and mi must have the same shape, got {L.shape} and {y.shape}")
    if len(L) < 3:
        raise InvalidInput(f"need at least 3 points to choose a scaling law, got {len(L)}")
    if np.any(L <= 0):
        raise InvalidInput("lengths must be positive")
    tolerance = check_float("tolerance", tolerance, 0.0)
    err = np.zeros_like(y) if stderr is None else check_finite_array("stderr", stderr, ndim=1)
    if err.shape != y.shape or np.any(err < 0):
        raise InvalidInput("stderr must be non-negative with the same shape as mi")
    scale = float(np.max(np.abs(y))) or 1.0
    sigma = np.sqrt(err**2 + (tolerance * np.abs(y)) ** 2)
    sigma = np.maximum(sigma, 1e-12 * scale)  # exact zeros (e.g. white noise) keep finite weights
    fits = {law: _fit_law(law, L, y, sigma, known_sigma=stderr is not None) for law in LAWS}
    order = sorted(LAWS, key=lambda law: (fits[law].aic, len(_PARAMS[law])))
    best = order[0]
    alternatives = tuple(law for law in order[1:]
                         if fits[law].aic - fits[best].aic < 2.0 and law not in _EXTENSIONS[best])
    return ScalingFit(law=best, fits=fits, alternatives=alternatives)


def _fit_law(law: str, L: np.ndarray, y: np.ndarray, sigma: np.ndarray, known_sigma: bool) -> LawFit:
    names = _PARAMS[law]
    if law == "power":
        positive = y > 0
        if positive.sum() >= 2 and np.ptp(np.log(L[positive])) > 0:
            beta0, lnA0 = np.polyfit(np.log(L[positive]), np.log(y[positive]), 1)
        else:
            beta0, lnA0 = 0.0, np.log(max(np.mean(np.abs(y)), 1e-300))
        design = None
    else:
        columns = {"area": [np.ones_like(L)], "log": [np.ones_like(L), np.log(L)], "volume": [L]}[law]
        design = np.stack(columns, axis=1)

    if design is not None:  # linear least squares, weighted
        w = 1.0 / sigma
        coef, *_ = np.linalg.lstsq(design * w[:, None], y * w, rcond=None)
        jac = design
        pred = design @ coef
    else:
        def residuals(theta):
            return (theta[0] * L ** theta[1] - y) / sigma

        sol = optimize.least_squares(residuals, x0=[np.exp(lnA0), beta0], method="lm", xtol=1e-14, ftol=1e-14)
        coef = sol.x
        pred = coef[0] * L ** coef[1]
        jac = np.stack([L ** coef[1], coef[0] * L ** coef[1] * np.log(L)], axis=1)

    chi2 = float(np.sum(((y - pred) / sigma) ** 2))
    cov = _param_covariance(jac / sigma[:, None], chi2, len(y), known_sigma)
    params = {name: float(c) for name, c in zip(names, coef)}
    errors = {name: float(np.sqrt(max(cov[i, i], 0.0))) for i, name in enumerate(names)}
    return LawFit(law=law, params=params, stderr=errors, chi2=chi2, aic=chi2 + 2 * len(names))


def _param_covariance(weighted_jac: np.ndarray, chi2: float, n: int, known_sigma: bool) -> np.ndarray:
    """(JᵀWJ)⁻¹ via the pseudo-inverse; scaled by the reduced χ² unless σ is known."""
    cov = np.linalg.pinv(weighted_jac.T @ weighted_jac)
    dof = n - weighted_jac.shape[1]
    if not known_sigma and dof > 0:
        cov = cov * (chi2 / dof)
    return cov


@dataclass(frozen=True)
class TwoPointFit:
    """I(d) ≈ A·d^−α + C, with standard errors of (A, α, C)."""

    A: float
    alpha: float
    C: float
    stderr: dict

    def predict(self, d) -> np.ndarray:
        return self.A * np.asarray(d, dtype=np.float64) ** (-self.alpha) + self.C

    def describe(self) -> str:
        return f"I(d) = {self.A:.4g}·d^-{self.alpha:.4f} + {self.C:.3g}  (α ± {self.stderr['alpha']:.2g})"

    def to_dict(self) -> dict:
        return {"A": self.A, "alpha": self.alpha, "C": self.C, "stderr": self.stderr}


def fit_two_point(distances, mi) -> TwoPointFit:
    """The bias-corrected fit I(d) = A·d^−α + C with 0 < C < min I, least squares in log space."""
    d = check_finite_array("distances", distances, ndim=1)
    y = check_finite_array("mi", mi, ndim=1)
    if d.shape != y.shape or len(d) < 4:
        raise InvalidInput(f"distances and mi must have the same shape with at least 4 points, got {d.shape}, {y.shape}")
    if np.any(d <= 0):
        raise InvalidInput("distances must be positive")
    if np.any(y <= 0):
        raise InvalidInput("mi must be positive for the log-space fit; drop non-positive estimates first")
    ceiling = float(np.min(y))
    log_d, log_y = np.log(d), np.log(y)

    def unpack(theta):  # C = min(I)·sigmoid(u) keeps 0 < C < min I
        return np.exp(theta[0]), theta[1], ceiling * special.expit(theta[2])

    def residuals(theta):
        A, alpha, C = unpack(theta)
        return np.log(A * np.exp(-alpha * log_d) + C) - log_y

    slope, intercept = np.polyfit(log_d, log_y, 1)
    best = None
    for u0 in (-4.0, 0.0, 2.0):  # a few starts: C near 0, mid, near min I
        sol = optimize.least_squares(residuals, x0=[intercept, -slope, u0], method="lm", xtol=1e-12, ftol=1e-12)
        if best is None or sol.cost < best.cost:
            best = sol
    A, alpha, C = unpack(best.x)
    # Standard errors: delta method from the Jacobian in (ln A, α, u) to (A, α, C).
    dof = max(len(d) - 3, 1)
    cov = np.linalg.pinv(best.jac.T @ best.jac) * (2 * best.cost / dof)
    s = special.expit(best.x[2])
    grad = np.array([A, 1.0, ceiling * s * (1 - s)])
    errors = {name: float(np.sqrt(max(cov[i, i], 0.0)) * grad[i]) for i, name in enumerate(("A", "alpha", "C"))}
    return TwoPointFit(A=float(A), alpha=float(alpha), C=float(C), stderr=errors)
