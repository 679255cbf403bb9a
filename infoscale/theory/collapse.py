"""What an L²M sweep shows: whether KL depends on the state D through I(L/2; L)/D, or through L/D.

The L²M bound says a model whose history holds D floats cannot carry more than what D floats can
carry across the cut, so its KL should depend on the length L and the state D only through
I(L/2; L)/D. Since I grows with L, "KL rises with L and falls with D" cannot tell the two apart;
what can is a design with families that differ in I at equal L (``studies.l2m.presets``).

**The smoother.** log y is fitted by one monotone piecewise-linear spline f of one predictor u
(``monotone_fit``: non-negative increments on ramps between quantile knots, by non-negative least
squares; the better of the increasing and the decreasing fit), and R² = 1 − Σ(log y − f(u))² /
Σ(log y − mean)² is the share of variance it explains (``r_squared``).

**The scores** (``collapse_scores``), for y the KL per token or the fraction of the information
lost Σ_{t≥L/2} KL_t / I(L/2; L):

- ``exponent_of_information`` ĉ: the c that maximises R² of log y on u = c·log I − log D (a
  grid on [0.2, 5], refined by a bounded search), with a percentile bootstrap interval over the
  rows (runs and seeds resampled). The bound predicts ĉ = 1; KL ∝ L/D gives ĉ near 1/β (I ∝ L^β),
  KL ∝ I²/D gives ĉ = 2;
- ``r2_information_ratio`` (u = log(I/D)), ``r2_length_ratio`` (u = log(L/D)), ``r2_state``
  (log D) and ``r2_length`` (log L), all with the same smoother;
- ``verdict``: the collapse holds when the interval of ĉ contains 1 and excludes 1/β of the
  smallest-β family, and r2_information_ratio ≥ r2_length_ratio + ``R2_MARGIN``.

Rows with y ≤ 0 (a linear reference that carries everything) have no logarithm; they are left
out and counted (``dropped``).
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

#: Knots (interior quantiles) of the monotone spline.
SPLINE_KNOTS = 4
#: The collapse holds when R² on log(I/D) beats R² on log(L/D) by at least this.
R2_MARGIN = 0.1
#: The exponents c searched for ĉ (a grid, then a bounded search around its best point).
EXPONENT_RANGE = (0.2, 5.0)
EXPONENT_GRID = 25


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


def _r2_at(c: float, log_mi, log_state, log_y) -> float:
    return r_squared(c * log_mi - log_state, log_y) or -np.inf


def exponent_of_information(log_mi, log_state, log_y) -> float:
    """ĉ maximising the R² of log y on c·log I − log D (grid on EXPONENT_RANGE, then a bounded search)."""
    grid = np.geomspace(*EXPONENT_RANGE, EXPONENT_GRID)
    scores = [_r2_at(c, log_mi, log_state, log_y) for c in grid]
    i = int(np.argmax(scores))
    low, high = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    best = optimize.minimize_scalar(lambda c: -_r2_at(c, log_mi, log_state, log_y), bounds=(low, high),
                                    method="bounded", options={"xatol": 1e-3})
    return float(best.x) if -best.fun >= scores[i] else float(grid[i])


def collapse_scores(rows: list[dict], value: str = "kl", beta_min: float | None = None, bootstrap: int = 1000,
                    seed: int = 0) -> dict:
    """The scores of the module docstring over ``rows`` (dicts with mi_half, history_state_dim, length
    and, for ``value="kl"``, mean_kl; for ``value="fraction"``, kl_second_half_total).

    ``beta_min``: the smallest exponent β among the rows' families (the verdict needs 1/β outside
    the interval of ĉ); ``bootstrap``: resamples of the rows for the 95 % interval of ĉ.
    """
    y = np.array([_value(r, value) for r in rows], dtype=np.float64)
    kept = [r for r, v in zip(rows, y) if v > 0]
    log_y = np.log(y[y > 0])
    log_mi = np.log([r["mi_half"] for r in kept])
    log_state = np.log([r["history_state_dim"] for r in kept])
    log_length = np.log([r["length"] for r in kept])
    out = {"value": value, "points": len(kept), "dropped": len(rows) - len(kept),
           "r2_information_ratio": r_squared(log_mi - log_state, log_y),
           "r2_length_ratio": r_squared(log_length - log_state, log_y),
           "r2_state": r_squared(log_state, log_y), "r2_length": r_squared(log_length, log_y)}
    if len(kept) < 4:
        return {**out, "exponent_of_information": None, "interval": None, "verdict": False}
    c_hat = exponent_of_information(log_mi, log_state, log_y)
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(bootstrap):
        i = rng.integers(0, len(kept), len(kept))
        draws.append(exponent_of_information(log_mi[i], log_state[i], log_y[i]))
    interval = [float(q) for q in np.quantile(draws, [0.025, 0.975])]
    out.update(exponent_of_information=c_hat, interval=interval, beta_min=beta_min,
               r2_at_exponent=r_squared(c_hat * log_mi - log_state, log_y))
    out["verdict"] = verdict(out)
    return out


def verdict(scores: dict) -> bool:
    """The collapse holds: the interval of ĉ holds 1, not 1/β_min, and R²(I/D) ≥ R²(L/D) + R2_MARGIN."""
    low, high = scores["interval"]
    beta = scores.get("beta_min")
    r2_info, r2_len = scores["r2_information_ratio"], scores["r2_length_ratio"]
    return bool(low <= 1.0 <= high and (beta is None or not low <= 1.0 / beta <= high)
                and r2_info is not None and r2_len is not None and r2_info >= r2_len + R2_MARGIN)


def _value(row: dict, value: str) -> float:
    """KL per token (``"kl"``) or the fraction of the information lost (``"fraction"``) of a row."""
    if value == "kl":
        return row.get("mean_kl") or 0.0
    if value == "fraction":
        return (row.get("kl_second_half_total") or 0.0) / row["mi_half"]
    raise ValueError(f"value must be 'kl' or 'fraction', got {value!r}")
