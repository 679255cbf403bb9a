"""Scaling-law fits for mutual-information curves: which growth law, how well, and how sure.

``fit_scaling_law`` fits the four classes of I(L) by weighted least squares on L ≥ ``fit_from``,

    area    I = c                      (1 parameter)
    log     I = a + c·ln L,  c ≥ 0     (2)
    power   I = A·L^β,       0 ≤ β ≤ 1 (2)
    volume  I = c·L                    (1)

The constraints make the laws *growth* laws and make them nested: area is log with c = 0 and
power with β = 0, volume is power with β = 1. The weights are σ_i = sqrt(stderr_i² +
(tolerance·I_i)²): the given standard errors of noisy estimates plus a *relative model tolerance*
(default 2 %), without which the χ² of an exact curve would be decided by finite-size corrections
that no asymptotic law describes.

Selection. The law of lowest AIC = χ² + 2p is taken, then **parsimony among nested laws**: if a
law it contains is within ΔAIC < 2, the simplest such law is chosen (a constrained parameter on its
bound gives the contained law's χ² with one more parameter, so power is never chosen with β on 0
or 1). Area, the no-growth null, is likewise preferred over volume within ΔAIC < 2. Laws within
ΔAIC < 2 that do not contain the chosen one are ``alternatives`` (``ambiguous``).

Goodness of fit. With standard errors (Monte Carlo) the chosen law fits when its χ² p-value
(``p_value``, n − p degrees of freedom) is at least ``accept`` (default 0.01). Exact curves have no
noise, so the test is on the residuals: the root mean square relative residual (``rms_residual``)
must be at most twice the tolerance. Otherwise ``law`` is ``"none"`` ("no law fits") and
``closest`` names the law the selection reached.

Local exponents and drift. ``local_exponents`` are the successive-pair slopes
b_k = ln(I_k+1/I_k) / ln(L_k+1/L_k) over the fitted range (pairs of positive values), at the
geometric midpoints m_k. A fitted β is an average of them; when they drift (finite-size
corrections, a crossover) the range average is not the asymptotic exponent. Their trend against
x_k = ln m_k is fitted by weighted least squares, b ≈ b̄ + q·(x − x̄), with
var b_k = ((σ_k/I_k)² + (σ_k+1/I_k+1)²) / ln(L_k+1/L_k)², and

    drift = |q|·(x_last − x_first)/2,     exponent_stderr = sqrt(σ_β,fit² + drift²),

half the change of the local exponent across the fitted range added in quadrature to the
least-squares standard error of β. The log law's c gets the same treatment from the local slopes
(I_k+1 − I_k)/ln(L_k+1/L_k) (``log_drift``, ``coefficient_stderr``). ``describe`` shows the first and last b_k of an exact curve and
the trend's end values of a noisy one (a single noisy pair says little).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, stats

from infoscale._checks import check_finite_array, check_float
from infoscale.errors import InvalidInput
from infoscale.theory.local_exponents import local_exponents, trends

LAWS = ("area", "log", "power", "volume")
_PARAMS = {"area": ("c",), "log": ("a", "c"), "power": ("A", "beta"), "volume": ("c",)}
# The laws each law contains as a special case (a constrained parameter on its bound).
_CONTAINS = {"area": (), "log": ("area",), "power": ("area", "volume"), "volume": ()}
# The simpler laws parsimony prefers within ΔAIC < 2: the contained ones, and area (no growth, the
# null) over volume, the other one-parameter law.
_SIMPLER = {**_CONTAINS, "volume": ("area",)}


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
    """One law fitted to the data: parameters, their standard errors, χ², AIC and goodness of fit."""

    law: str
    params: dict
    stderr: dict
    chi2: float
    aic: float
    dof: int
    rms_residual: float  # root mean square of (I − fit)/I over the fitted points

    @property
    def p_value(self) -> float:
        return float(stats.chi2.sf(self.chi2, self.dof)) if self.dof > 0 else 1.0

    def predict(self, lengths) -> np.ndarray:
        return law_curve(self.law, self.params, lengths)


@dataclass(frozen=True)
class ScalingFit:
    """The chosen law (or ``"none"``), every candidate fit, local exponents and their drift."""

    law: str
    closest: str
    fits: dict = field(repr=False)
    alternatives: tuple = ()
    known_sigma: bool = False
    lengths: np.ndarray = field(default=None, repr=False)  # the fitted lengths
    midpoints: np.ndarray = field(default=None, repr=False)  # geometric midpoints of the local exponents
    local_exponents: np.ndarray = field(default=None, repr=False)
    trend: tuple = (np.nan, np.nan)  # the local exponents' linear trend at the first and last midpoint
    log_trend: tuple = (np.nan, np.nan)  # the same for the local log-law slopes dI/d ln L

    @property
    def drift(self) -> float:
        """Half the change of the local exponents' trend over the fitted range (module docstring)."""
        return _half_change(self.trend)

    @property
    def log_drift(self) -> float:
        """Half the change of the local log-law slopes' trend over the fitted range."""
        return _half_change(self.log_trend)

    @property
    def best(self) -> LawFit:
        """The fit of the selected law (of ``closest`` when no law fits)."""
        return self.fits[self.closest]

    @property
    def fits_data(self) -> bool:
        return self.law != "none"

    @property
    def ambiguous(self) -> bool:
        return bool(self.alternatives)

    @property
    def exponent(self) -> float | None:
        """β for a power law, 1 for volume, 0 for area, ``None`` for log and when no law fits."""
        return self.best.params["beta"] if self.law == "power" else {"area": 0.0, "volume": 1.0}.get(self.law)

    @property
    def exponent_stderr(self) -> float | None:
        """sqrt(σ_β,fit² + drift²) for a power law (module docstring), else ``None``."""
        return float(np.hypot(self.best.stderr["beta"], self.drift)) if self.law == "power" else None

    @property
    def coefficient_stderr(self) -> float | None:
        """sqrt(σ_c,fit² + log_drift²) for a log law, the least-squares error of c or A otherwise."""
        if self.law == "log":
            return float(np.hypot(self.best.stderr["c"], self.log_drift))
        return self.best.stderr["A" if self.closest == "power" else "c"]

    @property
    def coefficient(self) -> float:
        """The law's leading coefficient: c (area, log, volume) or A (power)."""
        return self.best.params["A" if self.closest == "power" else "c"]

    def predict(self, lengths) -> np.ndarray:
        return self.best.predict(lengths)

    def describe(self) -> str:
        p, e, best = self.best.params, self.best.stderr, self.best
        if self.closest == "area":
            formula = f"I = {p['c']:.4g} ± {e['c']:.2g}"
        elif self.closest == "log":
            formula = f"I = {p['a']:.4g} + {p['c']:.4g}·ln L"
            if self.law == "log":
                formula += f"  (c ± {self.coefficient_stderr:.2g}: fit {e['c']:.2g}, drift {self.log_drift:.2g})"
        elif self.closest == "power":
            formula = f"I = {p['A']:.4g}·L^{p['beta']:.4f}"
        else:
            formula = f"I = {p['c']:.4g}·L  (± {e['c']:.2g})"
        if self.law == "power":
            formula += f"  (β ± {self.exponent_stderr:.2g}: fit {e['beta']:.2g}, drift {self.drift:.2g})"
        quality = (f"χ²/dof = {best.chi2 / max(best.dof, 1):.3g}, p = {best.p_value:.2g}" if self.known_sigma
                   else f"rms rel. residual {best.rms_residual:.2%}")
        head = f"{self.law} law: {formula}" if self.fits_data else f"no law fits (closest: {self.closest}, {formula})"
        text = f"{head}; {quality}"
        if self.known_sigma and len(self.local_exponents) > 2:  # single noisy pairs say little: the trend
            text += f"; local exponents (trend) {self.trend[0]:.3f} … {self.trend[1]:.3f}"
        elif len(self.local_exponents):
            text += f"; local exponents {self.local_exponents[0]:.3f} … {self.local_exponents[-1]:.3f}"
        ends = [v for v in (*self.trend, *self.local_exponents[:1], *self.local_exponents[-1:]) if np.isfinite(v)]
        if not self.fits_data and ends and max(ends) > 1:
            text += "  [local exponents above 1: faster than any growth law on this range (pre-asymptotic)]"
        if self.ambiguous:
            text += f"  [cannot rule out: {', '.join(self.alternatives)} (ΔAIC < 2)]"
        return text

    def to_dict(self) -> dict:
        return {
            "law": self.law, "closest": self.closest, "fits_data": self.fits_data,
            "exponent": self.exponent, "exponent_stderr": self.exponent_stderr,
            "exponent_fit_stderr": self.best.stderr.get("beta") if self.law == "power" else None,
            "drift": self.drift, "coefficient": self.coefficient, "coefficient_stderr": self.coefficient_stderr,
            "log_drift": self.log_drift,
            "params": self.best.params, "stderr": self.best.stderr,
            "ambiguous": self.ambiguous, "alternatives": list(self.alternatives),
            "fit_lengths": self.lengths.tolist(),
            "local_exponents": {"midpoints": self.midpoints.tolist(), "values": self.local_exponents.tolist(),
                                "trend_ends": list(self.trend)},
            "local_log_slopes_trend_ends": list(self.log_trend),
            "goodness": {law: {"chi2": f.chi2, "dof": f.dof, "p_value": f.p_value, "rms_residual": f.rms_residual}
                         for law, f in self.fits.items()},
            "aic": {law: fit.aic for law, fit in self.fits.items()},
        }


def _half_change(ends) -> float:
    return float(abs(ends[1] - ends[0]) / 2) if np.all(np.isfinite(ends)) else 0.0


#: The largest |MI| a fit takes: beyond it the squared residuals overflow float64.
MAX_MI = 1e100


def fit_scaling_law(lengths, mi, stderr=None, tolerance: float = 0.02, fit_from: float | None = None,
                    accept: float = 0.01) -> ScalingFit:
    """Fit area, log, power and volume laws to I(L) on L ≥ ``fit_from`` and choose one (module docstring)."""
    L = check_finite_array("lengths", lengths, ndim=1)
    y = check_finite_array("mi", mi, ndim=1)
    if np.max(np.abs(y), initial=0.0) > MAX_MI:
        raise InvalidInput(f"mi values must be at most {MAX_MI:g} nats in magnitude, got {float(np.max(np.abs(y))):g}")
    if L.shape != y.shape:
        raise InvalidInput(f"lengths and mi must have the same shape, got {L.shape} and {y.shape}")
    if np.any(L <= 0):
        raise InvalidInput("lengths must be positive")
    tolerance = check_float("tolerance", tolerance, 0.0)
    accept = check_float("accept", accept, 0.0, 1.0)
    err = np.zeros_like(y) if stderr is None else check_finite_array("stderr", stderr, ndim=1)
    if err.shape != y.shape or np.any(err < 0):
        raise InvalidInput("stderr must be non-negative with the same shape as mi")
    keep = np.ones(L.shape, bool) if fit_from is None else L >= check_float("fit_from", fit_from, 0.0)
    if keep.sum() < 3:
        raise InvalidInput(f"need at least 3 points to choose a scaling law, got {keep.sum()}"
                           + ("" if fit_from is None else f" with L >= fit_from = {fit_from:g}"))
    order = np.argsort(L[keep], kind="stable")
    L, y, err = L[keep][order], y[keep][order], err[keep][order]
    scale = float(np.max(np.abs(y))) or 1.0
    sigma = np.sqrt(err**2 + (tolerance * np.abs(y)) ** 2)
    sigma = np.maximum(sigma, 1e-12 * scale)  # exact zeros (e.g. white noise) keep finite weights
    known = stderr is not None
    fits = {law: _fit_law(law, L, y, sigma, known) for law in LAWS}
    chosen = min(LAWS, key=lambda law: (fits[law].aic, len(_PARAMS[law])))
    simpler = [law for law in _SIMPLER[chosen] if fits[law].aic - fits[chosen].aic < 2.0]
    if simpler:
        chosen = min(simpler, key=lambda law: fits[law].aic)

    def acceptable(law):
        return fits[law].p_value >= accept if known else fits[law].rms_residual <= 2 * tolerance

    fitting = acceptable(chosen)
    alternatives = tuple(sorted((law for law in LAWS if law != chosen and chosen not in _CONTAINS[law]
                                 and fits[law].aic - fits[chosen].aic < 2.0 and acceptable(law)),
                                key=lambda law: fits[law].aic)) if fitting else ()
    midpoints, local = local_exponents(L, y)
    trend, log_trend = trends(L, y, sigma)
    return ScalingFit(law=chosen if fitting else "none", closest=chosen, fits=fits, alternatives=alternatives,
                      known_sigma=known, lengths=L, midpoints=midpoints, local_exponents=local, trend=trend,
                      log_trend=log_trend)


def _fit_law(law: str, L: np.ndarray, y: np.ndarray, sigma: np.ndarray, known_sigma: bool) -> LawFit:
    w = 1.0 / sigma
    if law == "power":
        coef = _fit_power(L, y, w)
        pred = coef[0] * L ** coef[1]
        jac = np.stack([L ** coef[1], pred * np.log(L)], axis=1)
    else:
        jac = np.stack({"area": [np.ones_like(L)], "log": [np.ones_like(L), np.log(L)], "volume": [L]}[law], axis=1)
        lower = [-np.inf, 0.0] if law == "log" else [-np.inf]  # log: c ≥ 0
        coef = optimize.lsq_linear(jac * w[:, None], y * w, bounds=(lower, np.inf), tol=1e-14).x
        pred = jac @ coef
    names = _PARAMS[law]
    chi2 = float(np.sum(((y - pred) * w) ** 2))
    dof = len(y) - len(names)
    cov = np.linalg.pinv((jac * w[:, None]).T @ (jac * w[:, None]))
    if not known_sigma and dof > 0:
        cov = cov * (chi2 / dof)  # σ known only up to scale: scale by the reduced χ²
    nonzero = y != 0
    rms = float(np.sqrt(np.mean(((y - pred)[nonzero] / y[nonzero]) ** 2))) if nonzero.any() else 0.0
    return LawFit(law=law, params={n: float(c) for n, c in zip(names, coef)},
                  stderr={n: float(np.sqrt(max(cov[i, i], 0.0))) for i, n in enumerate(names)},
                  chi2=chi2, aic=chi2 + 2 * len(names), dof=dof, rms_residual=rms)


def _fit_power(L: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """(A, β) of A·L^β with A ≥ 0 and 0 ≤ β ≤ 1, from a few starts (the log-log slope, clipped)."""
    positive = y > 0
    starts = [0.5]
    if positive.sum() >= 2 and np.ptp(np.log(L[positive])) > 0:
        starts.append(float(np.clip(np.polyfit(np.log(L[positive]), np.log(y[positive]), 1)[0], 0.01, 0.99)))
    best = None
    for beta0 in starts:
        A0 = max(float(np.sum(w**2 * y * L**beta0) / np.sum(w**2 * L ** (2 * beta0))), 1e-300)
        sol = optimize.least_squares(lambda t: (t[0] * L ** t[1] - y) * w, x0=[A0, beta0],
                                     bounds=([0.0, 0.0], [np.inf, 1.0]), method="trf", x_scale="jac",
                                     xtol=1e-15, ftol=1e-15, gtol=1e-15)
        if best is None or sol.cost < best.cost:
            best = sol
    return best.x
