"""The state a model needs: D*(L) and its exponent γ, for a model and for the linear reference.

**Information-proportional law** (``information_state_law``). For a fraction ε, D*_ε(L) is the
smallest state whose summed excess KL over the second half, Σ_{t≥L/2} KL_t, is ≤ ε·I(L/2; L):
between the last size above and the first at or below, log KL is interpolated linearly in log D
(``state_needed``; seeds of one size are averaged first). Where every size is below, or none
reaches it, D*_ε(L) lies outside the sweep's range and is left out (``None``). The exponent γ of
D*_ε ∝ L^γ is the least-squares slope of log D* on log L, given only from ≥ ``MIN_LENGTHS``
lengths, with a 95 % bootstrap interval (seeds of each size resampled, then the residuals of the
line). The linear-Gaussian reference, the least excess a D-float *linear* state leaves
(``theory.rate_distortion``: R(D), over every integer D), gets the same rule; both are compared
with the family's local exponent β (the slope of log I(L/2; L) over the same lengths). A per-token
threshold τ on the KL is mis-specified (the reference itself gives γ from −0.1 to 0.4 on k = 3);
a threshold proportional to the information is not.
"""

from __future__ import annotations

import numpy as np

#: γ is given only from at least this many lengths (never from two points).
MIN_LENGTHS = 4


def state_needed(states, kls, threshold: float) -> float | None:
    """D* reaching KL ≤ threshold: log-log interpolation between the sizes around the crossing."""
    order = np.argsort(states)
    states, kls = np.asarray(states, float)[order], np.asarray(kls, float)[order]
    below = np.flatnonzero(kls <= threshold)
    if below.size == 0 or below[0] == 0:
        return None  # no size reaches the threshold, or the smallest already does: outside the range
    i = below[0]
    if kls[i] <= 0:
        return float(states[i])  # an exact zero (the linear reference carries everything): no log to interpolate
    x0, x1 = np.log(states[i - 1]), np.log(states[i])
    y0, y1 = np.log(kls[i - 1]), np.log(kls[i])
    return float(np.exp(x0 + (np.log(threshold) - y0) * (x1 - x0) / (y1 - y0)))


def gamma_interval(lengths, needed, draws=None, bootstrap: int = 1000, seed: int = 0) -> dict:
    """γ (slope of log D* on log L) and its 95 % bootstrap interval; ``None`` with < MIN_LENGTHS points.

    ``draws``: optional resampled D* curves (seeds resampled), one list per resample; each resample
    also redraws the residuals of the line fitted to it.
    """
    pairs = [(L, d) for L, d in zip(lengths, needed) if d is not None and d > 0]
    out = {"fit_lengths": [L for L, _ in pairs], "gamma": None, "interval": None}
    if len(pairs) < MIN_LENGTHS:
        return out
    x, y = np.log([p[0] for p in pairs]), np.log([p[1] for p in pairs])
    slope, intercept = np.polyfit(x, y, 1)
    residual = y - (slope * x + intercept)
    rng = np.random.default_rng(seed)
    slopes = []
    for b in range(bootstrap):
        base = y
        if draws:
            curve = dict(zip(lengths, draws[b % len(draws)]))
            base = np.log([curve[L] if curve.get(L) else d for L, d in pairs])
        line = np.polyval(np.polyfit(x, base, 1), x)
        slopes.append(np.polyfit(x, line + rng.choice(residual, len(x)) * np.sqrt(len(x) / (len(x) - 2)), 1)[0])
    out.update(gamma=float(slope), interval=[float(q) for q in np.quantile(slopes, [0.025, 0.975])] if slopes else None)
    return out


def _cells(rows: list[dict]) -> dict:
    """{length: {state: [excess KL over the second half, one per seed]}}."""
    cells: dict = {}
    for r in rows:
        cells.setdefault(r["length"], {}).setdefault(r["history_state_dim"], []).append(r["kl_second_half_total"])
    return cells


def _needed(cells: dict, mi: dict, epsilon: float, pick=np.mean) -> list:
    """D*_ε(L) per length (sorted) from the cells, each cell's seeds reduced by ``pick``."""
    out = []
    for L in sorted(cells):
        states = sorted(cells[L])
        out.append(state_needed(states, [pick(cells[L][d]) for d in states], epsilon * mi[L]))
    return out


def information_state_law(rows: list[dict], epsilons, reference: dict | None = None, bootstrap: int = 1000,
                          seed: int = 0) -> list[dict]:
    """D*_ε(L) and γ with its interval per architecture and ε, next to the linear reference and β.

    ``rows``: fixed-state rows of one family (length, history_state_dim, mi_half, arch,
    kl_second_half_total). ``reference``: {L: (states, R(D))} of the linear reference, or None.
    """
    rows = [r for r in rows if r.get("kl_second_half_total") is not None]
    mi = {r["length"]: r["mi_half"] for r in rows}
    lengths = sorted(mi)
    beta = gamma_interval(lengths, [mi[L] for L in lengths], bootstrap=0)["gamma"] if len(lengths) >= MIN_LENGTHS \
        else None
    rng = np.random.default_rng(seed)
    out = []
    for arch in sorted({r["arch"] for r in rows}):
        cells = _cells([r for r in rows if r["arch"] == arch])
        for epsilon in epsilons:
            seeded = any(len(v) > 1 for by_state in cells.values() for v in by_state.values())
            draws = [_needed(cells, mi, epsilon, pick=lambda v: np.mean(rng.choice(v, len(v))))
                     for _ in range(min(bootstrap, 200) if seeded else 0)]
            entry = {"arch": arch, "epsilon": epsilon, "lengths": sorted(cells), "state_needed": _needed(cells, mi, epsilon),
                     **gamma_interval(sorted(cells), _needed(cells, mi, epsilon), draws, bootstrap, seed),
                     "beta_local": beta}
            if reference:
                linear = [state_needed(*reference[L], epsilon * mi[L]) for L in sorted(cells)]
                fit = gamma_interval(sorted(cells), linear, bootstrap=bootstrap, seed=seed)
                entry.update(state_needed_linear=linear, gamma_linear=fit["gamma"], interval_linear=fit["interval"])
            out.append(entry)
    return out
