"""What an L²M sweep shows: the collapse of KL onto I(L/2; L)/state, and the state a model needs.

**Collapse.** The L²M bound says a model whose history state holds D floats cannot carry more
than what D floats can carry across the cut, so its KL should depend on the length L and the
state D only through I(L/2; L)/D. For the fixed-state rows of each family we fit log KL by one
smooth monotone function of a single predictor and report the share of variance it explains,

    R² = 1 − Σ (log KL − f(u))² / Σ (log KL − mean)²,

for u = log(I/D) (``r2_ratio``), u = log D alone (``r2_state``) and u = log L alone
(``r2_length``). f is a monotone piecewise-linear spline (``monotone_fit``: non-negative
increments on ramps between quantile knots, by non-negative least squares; the better of the
increasing and the decreasing fit). The collapse holds when ``r2_ratio`` ≥ 0.9 and exceeds both
others: neither the state nor the length alone explains the KL as well as their ratio.

**The state a model needs.** For a KL threshold τ, D*(L) is the smallest state that reaches a KL
per token ≤ τ at length L: between the last size above τ and the first at or below it, log KL
is interpolated linearly in log D (``state_needed``). Where every size is below τ, or none
reaches it, D*(L) is outside the sweep's range and left out (``None``). The exponent γ of
D*(L) ∝ L^γ is the least-squares slope of log D* on log L, with its standard error. The same is
done for the linear-Gaussian reference, the least KL a D-float *linear* state can leave
(``infoscale.theory.rate_distortion``): its KL per token is R(D)/L. Both are compared with the family's
exponent β: asymptotic ln k/ln 4 and the local exponent of I(L/2; L) over the same lengths.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize

#: Knots (interior quantiles) of the monotone spline.
SPLINE_KNOTS = 4
#: The collapse holds when r2_ratio reaches this and beats the single-variable fits.
COLLAPSE_R2 = 0.9


def monotone_fit(u, y, knots: int = SPLINE_KNOTS) -> np.ndarray:
    """Fitted values of the best monotone (increasing or decreasing) piecewise-linear spline of y on u."""
    u, y = np.asarray(u, dtype=np.float64), np.asarray(y, dtype=np.float64)
    edges = np.unique(np.quantile(u, np.linspace(0.0, 1.0, knots + 2)))
    ramps = [np.clip(u - a, 0.0, b - a) for a, b in zip(edges, edges[1:])]
    best = None
    for sign in (1.0, -1.0):
        design = np.column_stack([np.ones_like(u), -np.ones_like(u)] + [sign * r for r in ramps])
        coef, _ = optimize.nnls(design, y)
        fitted = design @ coef
        if best is None or np.sum((y - fitted) ** 2) < np.sum((y - best) ** 2):
            best = fitted
    return best


def r_squared(u, y) -> float | None:
    """Share of the variance of y explained by a monotone function of u (``None`` with < 3 points)."""
    y = np.asarray(y, dtype=np.float64)
    if len(y) < 3 or np.ptp(y) == 0:
        return None
    residual = np.sum((y - monotone_fit(u, y)) ** 2)
    return float(1.0 - residual / np.sum((y - y.mean()) ** 2))


def collapse_scores(rows: list[dict]) -> dict:
    """R² of log KL on log(I/D), log D and log L over the given fixed-state rows of one family."""
    rows = [r for r in rows if r.get("mean_kl") and r["mean_kl"] > 0 and r.get("mi_half")]
    log_kl = np.log([r["mean_kl"] for r in rows])
    state = np.array([r["history_state_dim"] for r in rows], dtype=np.float64)
    out = {"points": len(rows),
           "r2_ratio": r_squared(np.log([r["mi_half"] for r in rows]) - np.log(state), log_kl),
           "r2_state": r_squared(np.log(state), log_kl),
           "r2_length": r_squared(np.log([r["length"] for r in rows]), log_kl)}
    scores = [out["r2_ratio"], out["r2_state"], out["r2_length"]]
    out["holds"] = bool(None not in scores and scores[0] >= COLLAPSE_R2 and scores[0] > max(scores[1:]))
    return out


def state_needed(states, kls, threshold: float) -> float | None:
    """D* reaching KL ≤ threshold: log-log interpolation between the sizes around the crossing."""
    order = np.argsort(states)
    states, kls = np.asarray(states, float)[order], np.asarray(kls, float)[order]
    below = np.flatnonzero(kls <= threshold)
    if below.size == 0 or below[0] == 0:
        return None  # no size reaches the threshold, or the smallest already does: outside the range
    i = below[0]
    x0, x1 = np.log(states[i - 1]), np.log(states[i])
    y0, y1 = np.log(kls[i - 1]), np.log(kls[i])
    return float(np.exp(x0 + (np.log(threshold) - y0) * (x1 - x0) / (y1 - y0)))


def power_exponent(lengths, values) -> dict:
    """Slope γ of log value on log L with its standard error (``None`` where fewer than 2 points)."""
    pairs = [(L, v) for L, v in zip(lengths, values) if v is not None and v > 0]
    if len(pairs) < 2:
        return {"exponent": None, "stderr": None, "lengths": [L for L, _ in pairs]}
    x, y = np.log([p[0] for p in pairs]), np.log([p[1] for p in pairs])
    slope, intercept = np.polyfit(x, y, 1)
    stderr = None
    if len(pairs) > 2:
        residual = y - (slope * x + intercept)
        stderr = float(np.sqrt(np.sum(residual**2) / (len(pairs) - 2) / np.sum((x - x.mean()) ** 2)))
    return {"exponent": float(slope), "stderr": stderr, "lengths": [p[0] for p in pairs]}


def state_law(rows: list[dict], thresholds, reference_curves: dict, family_exponent: float | None) -> list[dict]:
    """D*(L) and its exponent γ per architecture and threshold, next to the linear reference and β.

    ``rows``: fixed-state rows of one family. ``reference_curves``: {L: (states, R(D)/L)} of the
    linear-Gaussian reference. ``family_exponent``: the asymptotic β (``None`` if not a power law).
    """
    lengths = sorted({r["length"] for r in rows})
    mi = {r["length"]: r["mi_half"] for r in rows}
    local = power_exponent(lengths, [mi[L] for L in lengths])["exponent"]
    out = []
    for arch in sorted({r["arch"] for r in rows}):
        for tau in thresholds:
            needed = []
            for L in lengths:
                at = [r for r in rows if r["arch"] == arch and r["length"] == L]
                needed.append(state_needed([r["history_state_dim"] for r in at], [r["mean_kl"] for r in at], tau))
            linear = [state_needed(*reference_curves[L], tau) if L in reference_curves else None for L in lengths]
            fit, fit_linear = power_exponent(lengths, needed), power_exponent(lengths, linear)
            out.append({"arch": arch, "threshold": tau, "lengths": lengths, "state_needed": needed,
                        "gamma": fit["exponent"], "gamma_stderr": fit["stderr"],
                        "state_needed_linear": linear, "gamma_linear": fit_linear["exponent"],
                        "gamma_linear_stderr": fit_linear["stderr"],
                        "beta_asymptotic": family_exponent, "beta_local": local})
    return out


def growth_ratio(rows: list[dict]) -> float | None:
    """KL at the longest length over KL at the shortest (a flat curve has ratio 1)."""
    rows = sorted((r for r in rows if r.get("mean_kl")), key=lambda r: r["length"])
    if len(rows) < 2:
        return None
    return float(rows[-1]["mean_kl"] / rows[0]["mean_kl"])


def within(value: float | None, target: float | None, tolerance: float) -> bool:
    return value is not None and target is not None and math.isfinite(value) and abs(value - target) <= tolerance
