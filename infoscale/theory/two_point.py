"""The two-point fit: does I(d) decay as a power law, exponentially, or not at all?

``fit_two_point`` fits three models of a two-point curve I(d):

    power        I = A·d^−α + C,    α ≥ 0     the L²M paper's bias-corrected fit
    exponential  I = A·e^(−d/ξ) + C, 0 < ξ ≤ range of d    a finite-state (Markov, HMM) source
    constant     I = C                         no decay resolved

With standard errors (sample estimates) the fit is weighted least squares on I itself, so that the
estimates near zero at large d, some negative, weigh by their noise, and C ≥ 0 absorbs the
estimator's positive bias. Without them (exact curves spanning decades) it is least squares on
ln I with 0 < C < min I. The model of lowest AIC = n·ln(RSS/n) + 2p is chosen (the residual scale is
estimated: the standard errors of overlapping pairs are only a lower bound), except that the
constant, which both others contain (A = 0), is chosen whenever it is within ΔAIC < 2. A decaying
power law is therefore reported only when the data support it over both alternatives; the other
model within ΔAIC < 2 is named as an alternative. Standard errors come from the Jacobian scaled by
the residual variance (delta method to A, α or ξ, C); an exponent whose error exceeds its value is
flagged as not determined.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from infoscale._checks import check_finite_array
from infoscale.errors import InvalidInput

MODELS = ("power", "exponential", "constant")


@dataclass(frozen=True)
class TwoPointFit:
    """The chosen model of I(d), its parameters with standard errors, and every model's AIC."""

    model: str
    params: dict
    stderr: dict
    aic: dict
    alternatives: tuple = ()

    @property
    def A(self) -> float | None:
        return self.params.get("A")

    @property
    def alpha(self) -> float | None:
        """The decay exponent α when the chosen model is the power law, else ``None``."""
        return self.params.get("alpha")

    @property
    def C(self) -> float:
        return self.params["C"]

    @property
    def determined(self) -> bool:
        """Whether the decay parameter (α or ξ) is larger than its standard error."""
        key = {"power": "alpha", "exponential": "xi"}.get(self.model)
        return key is None or self.stderr[key] < abs(self.params[key])

    def predict(self, d) -> np.ndarray:
        return decay_curve(self.model, self.params, np.asarray(d, dtype=np.float64))

    def describe(self) -> str:
        p, e = self.params, self.stderr
        if self.model == "power":
            text = (f"decaying power law: I(d) = {p['A']:.4g}·d^(−{p['alpha']:.4f}) {_signed(p['C'])}"
                    f"  (α = {p['alpha']:.4f} ± {e['alpha']:.2g})")
        elif self.model == "exponential":
            text = (f"not a power law; exponential decay: I(d) = {p['A']:.4g}·exp(−d/{p['xi']:.4g}) {_signed(p['C'])}"
                    f"  (ξ = {p['xi']:.4g} ± {e['xi']:.2g})")
        else:
            text = f"not a decaying power law; constant: I(d) ≈ {p['C']:.4g} ± {e['C']:.2g} (no decay resolved)"
        if not self.determined:
            text += "  [decay parameter not determined by the data]"
        if self.alternatives:
            text += f"  [cannot rule out: {', '.join(self.alternatives)} (ΔAIC < 2)]"
        return text

    def to_dict(self) -> dict:
        return {"model": self.model, "params": self.params, "stderr": self.stderr, "aic": self.aic,
                "alternatives": list(self.alternatives), "determined": self.determined}


def _signed(value: float) -> str:
    """'+ 0.0123' or '− 0.0123': a constant term without a double sign."""
    return f"{'−' if value < 0 else '+'} {abs(value):.3g}"


def decay_curve(model: str, params: dict, d: np.ndarray) -> np.ndarray:
    """I(d) of a fitted two-point model (power, exponential or constant) at distances d."""
    if model == "power":
        return params["A"] * d ** (-params["alpha"]) + params["C"]
    if model == "exponential":
        return params["A"] * np.exp(-d / params["xi"]) + params["C"]
    return np.full_like(d, params["C"])


def fit_two_point(distances, mi, stderr=None) -> TwoPointFit:
    """Fit power, exponential and constant models to I(d) and choose one (module docstring).

    Without ``stderr`` the fit is in log space and every I(d) must be positive.
    """
    d = check_finite_array("distances", distances, ndim=1)
    y = check_finite_array("mi", mi, ndim=1)
    if d.shape != y.shape or len(d) < 4:
        raise InvalidInput(f"distances and mi must have the same shape with at least 4 points, got {d.shape}, {y.shape}")
    if np.any(d <= 0):
        raise InvalidInput("distances must be positive")
    if stderr is None and np.any(y <= 0):
        raise InvalidInput("mi must be positive for the log-space fit; drop non-positive estimates or give stderr")
    sigma = None
    if stderr is not None:
        sigma = check_finite_array("stderr", stderr, ndim=1)
        if sigma.shape != y.shape or np.any(sigma < 0):
            raise InvalidInput("stderr must be non-negative with the same shape as mi")
        floor = sigma[sigma > 0].min() if np.any(sigma > 0) else max(float(np.max(np.abs(y))), 1.0) * 1e-12
        sigma = np.maximum(sigma, floor)  # a zero error (an exactly empty table) gets the smallest one
    fits = {model: _fit(model, d, y, sigma) for model in MODELS}
    n = len(d)
    aic = {model: float(n * np.log(max(rss, 1e-300) / n) + 2 * len(params)) if np.isfinite(rss) else np.inf
           for model, (params, _, rss) in fits.items()}
    chosen = min(MODELS, key=lambda m: (aic[m], len(fits[m][0])))
    if aic["constant"] - aic[chosen] < 2.0:
        chosen = "constant"
    alternatives = tuple(m for m in MODELS if m not in (chosen, "constant") and aic[m] - aic[chosen] < 2.0)
    params, stderr, _ = fits[chosen]
    return TwoPointFit(model=chosen, params=params, stderr=stderr, aic=aic, alternatives=alternatives)


def _fit_constant(y: np.ndarray, sigma) -> tuple[dict, dict, float]:
    """The weighted mean of I (``sigma`` given) or of ln I; returns (params, stderr, RSS)."""
    w = np.ones_like(y) if sigma is None else sigma**-2.0
    target = np.log(y) if sigma is None else y
    mean = float(np.sum(w * target) / np.sum(w))
    rss = float(np.sum(((target - mean) * np.sqrt(w)) ** 2))
    se = np.sqrt(rss / max(len(y) - 1, 1) / np.sum(w))
    C = float(np.exp(mean)) if sigma is None else mean
    return {"C": C}, {"C": float(se * (C if sigma is None else 1.0))}, rss


def _fit(model: str, d: np.ndarray, y: np.ndarray, sigma) -> tuple[dict, dict, float]:
    """Least squares, weighted on I (``sigma`` given) or on ln I; returns (params, stderr, RSS)."""
    name = "alpha" if model == "power" else "xi"
    if model == "constant":
        return _fit_constant(y, sigma)
    shape = (lambda t: d ** (-t)) if model == "power" else (lambda t: np.exp(-d / np.exp(t)))
    span = np.log(np.ptp(d) + 1.0)
    if model == "power":
        shape_starts, shape_bounds = [1.0, 0.3], (0.0, 20.0)
    else:
        shape_starts, shape_bounds = [0.0, span - 1.0], (np.log(1e-3), span)  # ξ ≤ the range: a decay seen
    if sigma is None:  # θ = (ln A, shape, u), C = min(I)·sigmoid(u) so that 0 < C < min I
        ceiling = float(np.min(y))

        def unpack(t):
            return np.exp(t[0]), t[1], ceiling * special.expit(t[2])

        def residuals(t):
            A, a, C = unpack(t)
            return np.log(A * shape(a) + C) - np.log(y)

        starts = [[np.log(max(y[0] - ceiling * special.expit(u), 1e-3 * y[0]) / shape(s)[0]), s, u]
                  for s in shape_starts for u in (-4.0, 0.0, 2.0)]
        bounds = ([-np.inf, shape_bounds[0], -30.0], [np.inf, shape_bounds[1], 30.0])
    else:  # θ = (A, shape, C), A ≥ 0 and C ≥ 0 (a bias floor)

        def unpack(t):
            return t[0], t[1], t[2]

        def residuals(t):
            return (t[0] * shape(t[1]) + t[2] - y) / sigma

        tail = max(float(np.median(y[len(y) // 2:])), 0.0)
        starts = [[max(y[0] - tail, 0.0) / shape(s)[0], s, tail] for s in shape_starts]
        bounds = ([0.0, shape_bounds[0], 0.0], [np.inf, shape_bounds[1], np.inf])
    best = None
    for x0 in starts:
        x0 = np.clip(x0, bounds[0], bounds[1])
        sol = optimize.least_squares(residuals, x0=x0, bounds=bounds, method="trf", xtol=1e-12, ftol=1e-12)
        if best is None or sol.cost < best.cost:
            best = sol
    rss = 2 * float(best.cost)
    if np.isclose(best.x[1], shape_bounds, rtol=1e-6, atol=1e-9).any():
        rss = np.inf  # α = 0 or ξ = the range of d: no decay within the data, the constant's case
    cov = np.linalg.pinv(best.jac.T @ best.jac) * (rss / max(len(d) - 3, 1) if np.isfinite(rss) else np.nan)
    A, a, C = unpack(best.x)
    values = [A, a if model == "power" else np.exp(a), C]
    if sigma is None:
        s = special.expit(best.x[2])
        grad = [A, 1.0 if model == "power" else values[1], ceiling * s * (1 - s)]  # d value / d θ
    else:
        grad = [1.0, 1.0 if model == "power" else values[1], 1.0]
    names = ("A", name, "C")
    params = {k: float(v) for k, v in zip(names, values)}
    errors = {k: float(np.sqrt(max(cov[i, i], 0.0)) * g) for i, (k, g) in enumerate(zip(names, grad))}
    return params, errors, rss
