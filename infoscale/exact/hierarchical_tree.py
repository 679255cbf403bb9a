"""Exact conditionals of the hierarchical Gaussian family in O(L · levels), without an L × L matrix.

The construction (``generators.hierarchical``; branching b, k copies): a level-d sequence is
Z_i = M (c_1[i], …, c_k[i], ε_i) row by row (i < n = b^(d−1), ε_i b − k fresh N(0, 1)), the c_j
k independent level-(d − 1) sequences, and then (boundary step) each pair
(Z_i[b−1], Z_{i+1}[0]) ↦ R_i (·) with R_i = [[α_i, γ_i], [γ_i, α_i]]. All maps are invertible, so
a sample x determines every level's Z, c and ε (``_latents``, as ``log_prob`` inverts them).

What each level passes up is the *two-step predictive law* of its sequence y: for every position p,
the Gaussian law of (y_p, y_{p+1}) given y_<p — a mean 2-vector (linear in the data) and a 2 × 2
covariance (the same for every sequence). The one-step conditional of y_p is its first half.

Level d from level d − 1. At position t = b i + a, what y_<t fixes is: the copies' values before
the row in play, exactly (every earlier row is complete, and M is invertible), the row's own
entries before a, and, at a = 0, one combination α Z_{i−1}[b−1] + γ Z_i[0] (the pair straddling
the cut, half observed). The unknowns therefore lie in a window of two rows,
W = (c[r], ε_r, c[r+1], ε_{r+1}) with r = i − 1 at a = 0 and r = i otherwise. Given the copies'
pasts, the copies are independent with the two-step law of level d − 1 at position r (that is
exactly the window's two rows of c), and the ε are N(0, 1). The observed entries and the targets
(y_t, y_{t+1}) are linear functionals of W — rows of M, combined by R where a pair is involved —
so one Gaussian conditioning in 2b dimensions per (level, position) gives the target law:

    mean = F m + K (o − H m),   K = F P Hᵀ (H P Hᵀ)⁻¹,   cov = F P Fᵀ − K H P Fᵀ,

with m, P the window's prior, H, o the observations, F the targets. Level 1 is the same with
k = 0 (Z = M ε). Levels d hold k^(l−d) sequences of b^d tokens, so the work is
L Σ_d (k/b)^(l−d) ≤ L · min(l, b / (b − k)) positions, each O(b³); memory is linear in L.
"""

from __future__ import annotations

import numpy as np


def tree_plan(mixing: np.ndarray, k: int, pair_maps) -> list:
    """The data-independent part of ``tree_conditionals``: per level, per offset a and group of rows,
    the coefficients taking (copies' predictive means, observed values) to the target means, and
    the target covariances. ``pair_maps[d − 2]``: (α, γ) of level d's pairs, or ``None``, d = 2..l."""
    b = mixing.shape[0]
    plan, sub_cov = [], np.eye(2)[None]
    for depth in range(1, len(pair_maps) + 2):
        rows, copies = b ** (depth - 1), (0 if depth == 1 else k)
        alpha, gamma = _pairs(rows, None if depth == 1 else pair_maps[depth - 2])
        cov, groups = np.empty((rows * b, 2, 2)), []
        for a in range(b):
            for out_rows, window, functionals, observe, targets in _cases(rows, b, a, mixing, alpha, gamma):
                prior_cov = _window_prior_cov(sub_cov, window, copies, b)
                gain, cov[out_rows * b + a] = _gains(prior_cov, functionals, targets)
                through = targets if gain is None else targets - gain @ functionals  # F − K H
                columns = np.r_[0:copies, b:b + copies]
                coef = through[:, :, columns] if gain is None else np.concatenate([through[:, :, columns], gain], 2)
                groups.append((a, out_rows, window, observe, np.ascontiguousarray(coef)))
        cov[-1, 1, 1], cov[-1, 0, 1], cov[-1, 1, 0] = 1.0, 0.0, 0.0  # there is no y_{n b}
        plan.append((copies, alpha, gamma, groups, cov))
        sub_cov = cov
    return plan


def tree_conditionals(x: np.ndarray, mixing: np.ndarray, k: int, pair_maps, plan=None) -> tuple[np.ndarray, np.ndarray]:
    """Exact mean and standard deviation of each x_t given x_<t for sequences x (S, b^l), float64.

    ``pair_maps`` as in ``tree_plan``; ``plan`` its result for these arguments (computed if ``None``).
    """
    b = mixing.shape[0]
    plan = tree_plan(mixing, k, pair_maps) if plan is None else plan
    mean = None
    for z, (copies, alpha, gamma, groups, cov) in zip(_latents(np.asarray(x, dtype=np.float64), mixing, k, pair_maps), plan):
        count, rows = z.shape[:2]
        zt = np.ascontiguousarray(z.transpose(1, 2, 0))  # (rows, b, S): sequences last, for the products
        sub = None if mean is None else mean.reshape(rows, 2, count, copies).transpose(0, 1, 3, 2).reshape(rows, 2 * copies, count)
        mean = np.empty((rows * b, 2, count))
        for a, out_rows, window, observe, coef in groups:
            features = observe(zt, alpha, gamma)
            if sub is not None:
                features = np.concatenate([sub[window], features], 1)
            mean[out_rows * b + a] = coef @ features
        mean[-1, 1] = 0.0
    return mean[:, 0].T, np.sqrt(np.broadcast_to(plan[-1][-1][:, 0, 0], (x.shape[0], x.shape[1])))


def _pairs(rows: int, maps):
    """α, γ of the pair after each row (α = 1, γ = 0 after the last row and without the step)."""
    alpha, gamma = np.ones(rows), np.zeros(rows)
    if maps is not None:
        alpha[:-1], gamma[:-1] = maps
    return alpha, gamma


def _latents(x: np.ndarray, mixing: np.ndarray, k: int, pair_maps) -> list[np.ndarray]:
    """Every level's pre-step rows Z, (S_d, n_d, b), level 1 first."""
    b = mixing.shape[0]
    inverse_t = np.linalg.inv(mixing).T
    levels, z = [], x
    for depth in range(len(pair_maps) + 1, 0, -1):
        rows = b ** (depth - 1)
        z = z.reshape(-1, rows * b).copy()
        if depth > 1 and pair_maps[depth - 2] is not None:
            alpha, gamma = pair_maps[depth - 2]
            det = alpha**2 - gamma**2
            first, second = z[:, b - 1:-1:b].copy(), z[:, b::b].copy()
            z[:, b - 1:-1:b] = (alpha * first - gamma * second) / det
            z[:, b::b] = (alpha * second - gamma * first) / det
        z = z.reshape(-1, rows, b)
        levels.append(z)
        z = (z @ inverse_t)[:, :, :k].transpose(0, 2, 1)  # the copies, (S_d · k, rows) once flattened
    return levels[::-1]


def _cases(rows, b, a, mixing, alpha, gamma):
    """Groups of rows i for the position t = b i + a: (i, window start r, observed functionals
    (m, h, 2b), the function giving their values (m, h, S), target functionals (m, 2, 2b))."""
    unit = np.zeros((2, b, 2 * b))  # unit[half, q] = the functional Z_{r + half}[q] on W
    unit[0, :, :b], unit[1, :, b:] = mixing, mixing
    if a > 0:  # window (i, i + 1); observed: Z_i[0..a−1]
        i = np.arange(rows)
        ga, gg = alpha[:, None], gamma[:, None]
        if a == b - 1:
            targets = np.stack([ga * unit[0, b - 1] + gg * unit[1, 0], gg * unit[0, b - 1] + ga * unit[1, 0]], 1)
        elif a == b - 2:
            targets = np.stack([np.broadcast_to(unit[0, a], (rows, 2 * b)), ga * unit[0, b - 1] + gg * unit[1, 0]], 1)
        else:
            targets = np.broadcast_to(unit[0, a:a + 2], (rows, 2, 2 * b))
        return [(i, i, np.broadcast_to(unit[0, :a], (rows, a, 2 * b)), lambda zt, al, ga_: zt[:, :a], targets)]
    first = (np.array([0]), np.array([0]), np.zeros((1, 0, 2 * b)), lambda zt, al, ga_: zt[:1, :0], unit[0, 0:2][None])
    if rows == 1:
        return [first]
    i = np.arange(1, rows)  # window (i − 1, i); observed: Z_{i−1}[0..b−2] and the straddling pair's first element
    ga, gg = alpha[:-1, None], gamma[:-1, None]
    combo = ga * unit[0, b - 1] + gg * unit[1, 0]
    functionals = np.concatenate([np.broadcast_to(unit[0, :b - 1], (rows - 1, b - 1, 2 * b)), combo[:, None]], 1)
    targets = np.stack([gg * unit[0, b - 1] + ga * unit[1, 0], np.broadcast_to(unit[1, 1], (rows - 1, 2 * b))], 1)

    def observe(zt, al, ga_):
        pending = al[:-1, None] * zt[:-1, b - 1] + ga_[:-1, None] * zt[1:, 0]
        return np.concatenate([zt[:-1, :b - 1], pending[:, None]], 1)
    return [first, (i, i - 1, functionals, observe, targets)]


def _window_prior_cov(sub_cov, window, k, b):
    """Covariance (m, 2b, 2b) of W = (c[r], ε_r, c[r+1], ε_{r+1}) given the copies' pasts."""
    prior_cov = np.broadcast_to(np.eye(2 * b), (window.size, 2 * b, 2 * b)).copy()
    copies = np.arange(k)
    block = sub_cov[window]  # (m, 2, 2)
    prior_cov[:, copies, copies] = block[:, 0, 0, None]
    prior_cov[:, copies + b, copies + b] = block[:, 1, 1, None]
    prior_cov[:, copies, copies + b] = prior_cov[:, copies + b, copies] = block[:, 0, 1, None]
    return prior_cov


def _gains(prior_cov, functionals, targets):
    """K = F P Hᵀ (H P Hᵀ)⁻¹ and F P Fᵀ − K H P Fᵀ for each of the m groups."""
    fp = targets @ prior_cov
    full = fp @ targets.transpose(0, 2, 1)
    if not functionals.shape[1]:
        return None, full
    hp = functionals @ prior_cov
    gain = np.linalg.solve(hp @ functionals.transpose(0, 2, 1), hp @ targets.transpose(0, 2, 1)).transpose(0, 2, 1)
    return gain, full - gain @ hp @ targets.transpose(0, 2, 1)
