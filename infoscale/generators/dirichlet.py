"""Exchangeable tokens from a Dirichlet-mixed categorical (a Pólya urn): the discrete log-law family.

θ ~ Dirichlet(α, …, α) over V symbols, then x_1..x_L i.i.d. Categorical(θ). Integrating θ out,
a sequence with symbol counts n = (n_1..n_V), Σ n_v = m, has probability

    p(x) = Γ(Vα) / Γ(Vα + m) · Π_v Γ(α + n_v) / Γ(α)

(the Dirichlet-multinomial law divided by the multinomial coefficient m! / Π n_v!). It depends
on the counts only, so the tokens are exchangeable and every block of m positions has the law of
a sequence of length m. The conditionals are the urn's rule p(x_t = v | x_<t) = (α + n_v(<t)) /
(Vα + t).

Mutual information. With h(m) the entropy of a length-m sequence, I(ℓ; L) = h(ℓ) + h(L − ℓ) −
h(L). Since −log p(x) = lnΓ(Vα + m) − lnΓ(Vα) + V lnΓ(α) − Σ_v lnΓ(α + n_v) and each count n_v
has the beta-binomial law BB(m; α, (V − 1)α),

    h(m) = lnΓ(Vα + m) − lnΓ(Vα) + V lnΓ(α) − V·E_BB(m)[lnΓ(α + n)],

a sum of m + 1 terms for any V. The beta-binomial weights come from their successive ratios
(log1p of numbers near 0, summed), normalised in log space. The MI is a small difference of terms
of size S ≈ lnΓ(Vα + L) + V·E[lnΓ(α + n)], so its rounding error is about ε·S. Measured relative
errors (V = 2, α = 1, against 30-digit mpmath): 1.3e-10 at L = 65,536, 6e-10 at 2^20, 3.8e-9 at
2^22 (the former sum over count vectors: 1e-6, 8e-5, 1.8e-3). ``bipartite_mi`` refuses with ``Unavailable`` when 10·ε·S exceeds 1e-6 of
the result (large α, where I ~ 1/α² is far below the terms: α = 1e6 at every L ≥ 8): Monte Carlo
takes over. The MI grows as ((V − 1)/2) ln L + O(1): the past pins θ down to O(1/√L) in each of
V − 1 directions (log law).
The two-point MI is the same for every pair: p(a, b) = α(α + [a = b]) / (Vα(Vα + 1)).
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln, logsumexp

from infoscale._checks import as_rng, check_block, check_float, check_int, check_split
from infoscale.errors import Unavailable
from infoscale.exact.discrete import joint_mutual_information
from infoscale.generators.base import Scaling
from infoscale.generators.discrete import DiscreteSequence
from infoscale.generators.markov import pair_distance
from infoscale.generators.registry import Param, register

#: Largest estimated relative rounding error of the exact MI (module docstring) before refusing.
REL_TOL = 1e-6


#: Largest α whose exact MI is accurate to 1e-8 relative (mpmath, tests/test_exact_ranges.py): beyond
#: it the MI (≈ ℓ(L−ℓ)/(2(Vα)²) nats) is lost to cancellation.
MAX_ALPHA = 100.0


@register
class Dirichlet(DiscreteSequence):
    """Pólya urn over V symbols with a symmetric Dirichlet(α) prior; log law."""

    name = "dirichlet"
    PARAMS = (
        Param("vocab_size", int, 2, "number of symbols V"),
        Param("alpha", float, 1.0, "symmetric Dirichlet concentration α > 0"),
    )

    def __init__(self, vocab_size: int = 2, alpha: float = 1.0):
        self.vocab_size = self._check_vocab(vocab_size)
        self.alpha = check_float("alpha", alpha, 0.0, MAX_ALPHA, low_open=True)

    @property
    def scaling(self) -> Scaling:
        return Scaling("log")

    def sample(self, n: int, length: int, rng=None) -> np.ndarray:
        n = check_int("n", n, 1)
        length = self.check_length(length)
        rng = as_rng(rng)
        theta = rng.dirichlet(np.full(self.vocab_size, self.alpha), size=n)
        cumulative = np.cumsum(theta, axis=1)
        u = rng.random((n, length)) * cumulative[:, -1:]
        return sum((u >= cumulative[:, v, None]).astype(np.int64) for v in range(self.vocab_size - 1))

    def predictive_log_probs(self, x) -> np.ndarray:
        x = self.check_tokens(x)
        onehot = np.eye(self.vocab_size)[x]
        before = np.cumsum(onehot, axis=1) - onehot
        t = np.arange(x.shape[1])[None, :, None]
        return np.log(self.alpha + before) - np.log(self.vocab_size * self.alpha + t)

    def conditional_log_probs(self, x) -> np.ndarray:
        x = self.check_tokens(x)
        return np.take_along_axis(self.predictive_log_probs(x), x[..., None], axis=2)[..., 0]

    def log_prob(self, x) -> np.ndarray:
        x = self.check_tokens(x)
        return self._log_prob_counts(self._counts(x))

    def marginal_log_prob(self, x, start: int, stop: int) -> np.ndarray:
        x = self.check_tokens(x, exact_length=False)
        start, stop = check_block(start, stop, x.shape[1])
        return self._log_prob_counts(self._counts(x[:, start:stop]))

    def bipartite_mi(self, ell: int, length: int) -> float:
        length = self.check_length(length)
        ell = check_split(ell, length)
        parts = [self._entropy_terms(m) for m in (ell, length - ell, length)]
        mi = parts[0][0] + parts[1][0] - parts[2][0]
        size = max(p[1] for p in parts)
        if not mi > 10 * np.finfo(float).eps * size / REL_TOL:
            raise Unavailable(f"the exact MI of the dirichlet family at L={length}, alpha={self.alpha:g} is a difference "
                              f"of terms of size {size:.3g} leaving {mi:.3g}: float64 cannot give it to a relative "
                              f"{REL_TOL:g}; use the Monte-Carlo estimator (--method mc)")
        return float(mi)

    def two_point_mi(self, i: int, j: int, length: int) -> float:
        pair_distance(self, i, j, length)
        v, a = self.vocab_size, self.alpha
        joint = (a * a + a * np.eye(v)) / (v * a * (v * a + 1.0))
        return joint_mutual_information(joint)

    def _entropy_terms(self, m: int) -> tuple[float, float]:
        """h(m) and the size of the largest term it is summed from (for the rounding-error bound)."""
        a, v = self.alpha, self.vocab_size
        n = np.arange(m + 1)
        b = (v - 1) * a
        # log BB(n) up to a constant from the ratios w(n+1)/w(n) = (n+a)/(n+1) · (m−n)/(m−n−1+b), each
        # near 1 and taken by log1p: no large log-gammas cancel (their rounding was the old error).
        # the n = 0 ratio is a itself: log1p(a − 1) would lose a < 1e-16 entirely
        first = np.concatenate([[np.log(a)], np.log1p((a - 1) / (n[1:-1] + 1))])
        steps = first + np.log1p((1 - b) / (m - n[:-1] - 1 + b))
        log_w = np.concatenate([[0.0], np.cumsum(steps)])
        mean_log_gamma = float(np.exp(log_w - logsumexp(log_w)) @ gammaln(a + n))
        lead = gammaln(v * a + m) - gammaln(v * a) + v * gammaln(a)
        return float(lead - v * mean_log_gamma), float(abs(gammaln(v * a + m)) + v * abs(mean_log_gamma))

    def _counts(self, x: np.ndarray) -> np.ndarray:
        return np.stack([(x == v).sum(axis=1) for v in range(self.vocab_size)], axis=1)

    def _log_prob_counts(self, counts: np.ndarray) -> np.ndarray:
        """log p of any one sequence with the given symbol counts (rows of ``counts``)."""
        a, v = self.alpha, self.vocab_size
        m = counts.sum(axis=1)
        return gammaln(v * a) - gammaln(v * a + m) + np.sum(gammaln(a + counts) - gammaln(a), axis=1)
