"""NSB entropy (Nemenman, Shafee & Bialek 2002): the Bayesian entropy estimate from counts.

A Dirichlet(β, …, β) prior over K bins fixes the entropy a priori to ξ(β) = ψ(Kβ + 1) − ψ(β + 1)
with small spread, so a flat prior on β biases the entropy. NSB mixes the Dirichlet priors so that
ξ is uniform on (0, ln K): the prior density on β is dξ/dβ = K ψ₁(Kβ + 1) − ψ₁(β + 1). With the
evidence p(n | β) = Γ(Kβ)/Γ(N + Kβ) Π_i Γ(n_i + β)/Γ(β), the posterior moments of H are

    E[H^m | n] = ∫ E[H^m | n, β] p(n | β) ξ'(β) dβ / ∫ p(n | β) ξ'(β) dβ,   m = 1, 2,

with the Dirichlet posterior moments of Wolpert & Wolf (1995), A = N + Kβ, a_i = n_i + β:

    E[H | β]  = ψ(A + 1) − Σ_i (a_i/A) ψ(a_i + 1),
    E[H² | β] = Σ_{i≠k} a_i a_k/(A(A+1)) [(ψ(a_i+1) − ψ(A+2))(ψ(a_k+1) − ψ(A+2)) − ψ₁(A+2)]
              + Σ_i a_i(a_i+1)/(A(A+1)) [(ψ(a_i+2) − ψ(A+2))² + ψ₁(a_i+2) − ψ₁(A+2)].

Sums over bins run over the distinct count values with their multiplicities (the K − K₁ empty
bins are one group), so K may be astronomically large (V^ℓ words of a block). Numerics: the
integration variable is x = ln β, everything is in log space, log Γ ratios are taken as
ln Γ(b + n) − ln Γ(b) = ln Γ(n) − ln B(b, n) (accurate for huge b, where the plain difference of
two ln Γ loses digits), and the integrand is normalised at its peak, found on a coarse grid over
β ∈ [10⁻⁸/K, 10¹⁰] and refined by a bounded scalar search, before a composite 32-point
Gauss–Legendre rule integrates the moments on 64 panels over the live range plus 24 panels within
±12 posterior widths of the peak (the width from the curvature of the log posterior there). The
posterior variance is E_β[Var(H | β)] + Var_β(E[H | β]), each term computed without cancellation. For uniform data the
evidence keeps growing with β (the posterior is a plateau out to β → ∞, where the quadrature of a
peak-finding estimator goes wrong and infomeasure's ``nsb`` returns NaN); here the plateau is
integrated as it is, and E[H] → ln K there. The upper cut β = 10¹⁰ leaves out a posterior mass
of order K/(10¹⁰ N) whose entropy differs from ln K by O(K/(10¹⁰ N)).
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, special

from infoscale._checks import check_float
from infoscale.errors import InvalidInput
from infoscale.estimators.entropy import check_counts
from infoscale.estimators.result import Estimate, timer

#: Range of β searched and integrated over (as multiples of 1/K at the bottom, absolute at the top).
BETA_LOW_TIMES_K, BETA_HIGH = 1e-8, 1e10


def _log_rising(b, n):
    """ln Γ(b + n) − ln Γ(b) for b > 0, n ≥ 0 (0 where n = 0), stable for large b."""
    n = np.broadcast_to(n, np.broadcast(b, n).shape)
    out = np.zeros(np.broadcast(b, n).shape)
    pos = n > 0
    bb = np.broadcast_to(b, out.shape)[pos]
    out[pos] = special.gammaln(n[pos]) - special.betaln(bb, n[pos])
    return out


class _Posterior:
    """The NSB posterior over x = ln β for counts grouped as (value, multiplicity)."""

    def __init__(self, counts: np.ndarray, alphabet_size: float):
        values, mult = np.unique(counts[counts > 0], return_counts=True)
        empty = alphabet_size - mult.sum()
        self.values = np.concatenate([values, [0.0]]) if empty > 0 else values.astype(float)
        self.mult = np.concatenate([mult.astype(float), [empty]]) if empty > 0 else mult.astype(float)
        self.total = float(counts.sum())
        self.size = float(alphabet_size)

    def log_weight(self, x):
        """ln [p(n | β) ξ'(β) β] at x = ln β (the β is the Jacobian of x)."""
        x = np.asarray(x, dtype=float)
        beta = np.exp(x)
        k, n = self.size, self.total
        evidence = (-_log_rising(k * beta, n)
                    + np.sum(self.mult * _log_rising(beta[:, None], self.values), axis=-1))
        prior = k * special.polygamma(1, k * beta + 1) - special.polygamma(1, beta + 1)
        return evidence + np.log(np.maximum(prior, 1e-300)) + x

    def moments(self, x) -> tuple[np.ndarray, np.ndarray]:
        """E[H | β] and Var[H | β] at each x = ln β (1-D array)."""
        beta = np.exp(np.asarray(x, dtype=float))[:, None]
        a, m = self.values + beta, self.mult
        total = self.total + self.size * beta[:, 0]
        psi_a1 = special.digamma(a + 1)
        mean = special.digamma(total + 1) - np.sum(m * a * psi_a1, axis=1) / total
        psi2, tri2 = special.digamma(total + 2), special.polygamma(1, total + 2)
        u = psi_a1 - psi2[:, None]
        # Σ_{i≠k} a_i a_k (u_i u_k − ψ₁) = (Σ a u)² − Σ a² u² − ψ₁ (A² − Σ a²), over bins with multiplicities
        sum_au, sum_a2u2, sum_a2 = (np.sum(m * a * u, axis=1), np.sum(m * (a * u) ** 2, axis=1),
                                    np.sum(m * a**2, axis=1))
        cross = sum_au**2 - sum_a2u2 - tri2 * (total**2 - sum_a2)
        diag = np.sum(m * a * (a + 1) * ((special.digamma(a + 2) - psi2[:, None]) ** 2
                                         + special.polygamma(1, a + 2) - tri2[:, None]), axis=1)
        return mean, (cross + diag) / (total * (total + 1)) - mean**2


def _panels(a: float, b: float, peak: float, width: float) -> np.ndarray:
    """Panel edges on [a, b]: 64 even panels, and 24 more within ±12 widths of the peak."""
    edges = np.linspace(a, b, 65)
    if np.isfinite(width):
        edges = np.concatenate([edges, np.clip(peak + width * np.linspace(-12, 12, 25), a, b)])
    return np.unique(edges)


def nsb_entropy(counts, alphabet_size: float | None = None) -> Estimate:
    """NSB entropy in nats of a discrete variable from its bin counts, with its posterior std as ``stderr``.

    ``alphabet_size`` K (the number of possible bins, occupied or not) defaults to the number of
    entries of ``counts``; it may exceed what fits in memory (e.g. V^ℓ), as only occupied bins are used.
    """
    with timer() as elapsed:
        counts = check_counts(counts).ravel()
        occupied = np.count_nonzero(counts)
        size = float(counts.size if alphabet_size is None else alphabet_size)
        size = check_float("alphabet_size", size, float(max(occupied, 2)))
        post = _Posterior(counts, size)
        low, high = np.log(BETA_LOW_TIMES_K / size), np.log(BETA_HIGH)
        grid = np.linspace(low, high, 401)
        logw = post.log_weight(grid)
        i = int(np.argmax(logw))
        lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
        peak = optimize.minimize_scalar(lambda x: -post.log_weight(np.array([x]))[0], bounds=(lo, hi),
                                        method="bounded", options={"xatol": 1e-10}).x
        top = max(post.log_weight(np.array([peak]))[0], logw[i])
        # integrate where the weight is within e^-40 of its peak (one grid step beyond on each side)
        alive = np.nonzero(logw > top - 40.0)[0]
        a, b = grid[max(alive[0] - 1, 0)], grid[min(alive[-1] + 1, len(grid) - 1)]
        a, b = min(a, peak - 1e-6), max(b, peak + 1e-6)

        h = 1e-4
        curvature = (post.log_weight(np.array([peak - h, peak + h])).sum() - 2 * top) / h**2
        width = 1.0 / np.sqrt(-curvature) if curvature < 0 else np.inf
        edges = _panels(a, b, peak, width)
        nodes, weights = np.polynomial.legendre.leggauss(32)
        half = np.diff(edges)[:, None] / 2
        xs = (edges[:-1, None] + half * (nodes + 1)).ravel()
        # in chunks of nodes: each evaluation holds (nodes × distinct count values) arrays
        parts = [(post.log_weight(c), *post.moments(c)) for c in np.array_split(xs, -(-len(xs) // 256))]
        logw_nodes, means, variances = (np.concatenate(p) for p in zip(*parts))
        ws = (half * weights).ravel() * np.exp(logw_nodes - top)
        # Var H = E_β[Var(H | β)] + Var_β(E[H | β]), the latter about the peak's mean (no cancellation)
        centre = post.moments(np.array([peak]))[0][0]
        z = ws.sum()
        shift = np.dot(ws, means - centre) / z
        mean = centre + shift
        var = np.dot(ws, variances) / z + max(np.dot(ws, (means - centre) ** 2) / z - shift**2, 0.0)
        std = float(np.sqrt(max(var, 0.0)))
        if not (np.isfinite(mean) and z > 0):
            raise InvalidInput(f"NSB integration failed for counts with N = {counts.sum():g}, K = {size:g}")
    return Estimate(value=float(mean), stderr=std, method="entropy-nsb", n_samples=int(counts.sum()),
                    seconds=elapsed(), extra={"alphabet_size": size, "beta_peak": float(np.exp(peak))})
