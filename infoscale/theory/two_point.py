"""The two-point fit: does I(d) decay as a power law, exponentially, or not at all?

``fit_two_point`` fits three models of an estimated two-point curve I(d) in log space (the
estimates span decades; their errors are roughly relative):

    power        I = A·d^−α + C,    α ≥ 0     the L²M paper's bias-corrected fit
    exponential  I = A·e^(−d/ξ) + C, ξ > 0     a finite-state (Markov, HMM) source
    constant     I = C                         no decay resolved

with 0 < C < min I in the first two: C absorbs the positive bias of sample estimates. The model of
lowest AIC = n·ln(RSS/n) + 2p is chosen (σ unknown, estimated from the residuals), except that the
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
        return _curve(self.model, self.params, np.asarray(d, dtype=np.float64))

    def describe(self) -> str:
        p, e = self.params, self.stderr
        if self.model == "power":
            text = (f"decaying power law: I(d) = {p['A']:.4g}·d^(−{p['alpha']:.4f}) + {p['C']:.3g}"
                    f"  (α = {p['alpha']:.4f} ± {e['alpha']:.2g})")
        elif self.model == "exponential":
            text = (f"not a power law; exponential decay: I(d) = {p['A']:.4g}·exp(−d/{p['xi']:.4g}) + {p['C']:.3g}"
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


def _curve(model: str, params: dict, d: np.ndarray) -> np.ndarray:
    if model == "power":
        return params["A"] * d ** (-params["alpha"]) + params["C"]
    if model == "exponential":
        return params["A"] * np.exp(-d / params["xi"]) + params["C"]
    return np.full_like(d, params["C"])


def fit_two_point(distances, mi) -> TwoPointFit:
    """Fit power, exponential and constant models to I(d) > 0 and choose one (module docstring)."""
    d = check_finite_array("distances", distances, ndim=1)
    y = check_finite_array("mi", mi, ndim=1)
    if d.shape != y.shape or len(d) < 4:
        raise InvalidInput(f"distances and mi must have the same shape with at least 4 points, got {d.shape}, {y.shape}")
    if np.any(d <= 0):
        raise InvalidInput("distances must be positive")
    if np.any(y <= 0):
        raise InvalidInput("mi must be positive for the log-space fit; drop non-positive estimates first")
    fits = {model: _fit(model, d, y) for model in MODELS}
    n = len(d)
    aic = {model: float(n * np.log(max(rss, 1e-300) / n) + 2 * len(params))
           for model, (params, _, rss) in fits.items()}
    chosen = min(MODELS, key=lambda m: (aic[m], len(fits[m][0])))
    if aic["constant"] - aic[chosen] < 2.0:
        chosen = "constant"
    alternatives = tuple(m for m in MODELS if m not in (chosen, "constant") and aic[m] - aic[chosen] < 2.0)
    params, stderr, _ = fits[chosen]
    return TwoPointFit(model=chosen, params=params, stderr=stderr, aic=aic, alternatives=alternatives)


def _fit(model: str, d: np.ndarray, y: np.ndarray) -> tuple[dict, dict, float]:
    """Least squares in log space; returns (params, stderr, residual sum of squares)."""
    log_y = np.log(y)
    if model == "constant":
        resid = log_y - log_y.mean()
        C = float(np.exp(log_y.mean()))
        se = C * np.sqrt(np.sum(resid**2) / max(len(y) - 1, 1) / len(y))
        return {"C": C}, {"C": float(se)}, float(np.sum(resid**2))
    ceiling = float(np.min(y))
    # θ = (ln A, α or ln ξ, u) with C = min(I)·sigmoid(u), so that 0 < C < min I.
    if model == "power":
        shape = lambda t: d ** (-t)  # noqa: E731
        slope = np.polyfit(np.log(d), log_y, 1)[0]
        shape0, bounds = [float(np.clip(-slope, 0.0, 10.0)), 0.5], ([-np.inf, 0.0, -30.0], [np.inf, 20.0, 30.0])
    else:
        shape = lambda t: np.exp(-d / np.exp(t))  # noqa: E731
        span = np.log(np.ptp(d) + 1.0)
        shape0, bounds = [span - 1.0, 0.0], ([-np.inf, np.log(1e-3), -30.0], [np.inf, span + 10.0, 30.0])

    def residuals(t):
        return np.log(np.exp(t[0]) * shape(t[1]) + ceiling * special.expit(t[2])) - log_y

    best = None
    for s0 in shape0:
        for u0 in (-4.0, 0.0, 2.0):  # C near 0, mid, near min I
            A0 = np.log(max(y[0] - ceiling * special.expit(u0), 1e-3 * y[0]) / shape(s0)[0])
            sol = optimize.least_squares(residuals, x0=[A0, s0, u0], bounds=bounds, method="trf",
                                         xtol=1e-12, ftol=1e-12)
            if best is None or sol.cost < best.cost:
                best = sol
    t = best.x
    rss = 2 * float(best.cost)
    cov = np.linalg.pinv(best.jac.T @ best.jac) * (rss / max(len(d) - 3, 1))
    s = special.expit(t[2])
    name = "alpha" if model == "power" else "xi"
    values = [np.exp(t[0]), t[1] if model == "power" else np.exp(t[1]), ceiling * s]
    grad = [values[0], 1.0 if model == "power" else values[1], ceiling * s * (1 - s)]  # d value / d θ
    names = ("A", name, "C")
    params = {k: float(v) for k, v in zip(names, values)}
    stderr = {k: float(np.sqrt(max(cov[i, i], 0.0)) * g) for i, (k, g) in enumerate(zip(names, grad))}
    return params, stderr, rss
