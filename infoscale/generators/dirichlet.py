"""Exchangeable tokens from a Dirichlet-mixed categorical (a Pólya urn): the discrete log-law family.

θ ~ Dirichlet(α, …, α) over V symbols, then x_1..x_L i.i.d. Categorical(θ). Integrating θ out,
a sequence with symbol counts n = (n_1..n_V), Σ n_v = m, has probability

    p(x) = Γ(Vα) / Γ(Vα + m) · Π_v Γ(α + n_v) / Γ(α)

(the Dirichlet-multinomial law divided by the multinomial coefficient m! / Π n_v!). It depends
on the counts only, so the tokens are exchangeable and every block of m positions has the law of
a sequence of length m. The conditionals are the urn's rule p(x_t = v | x_<t) = (α + n_v(<t)) /
(Vα + t).

Mutual information. With h(m) the entropy of a length-m sequence,

    I(ℓ; L) = h(ℓ) + h(L − ℓ) − h(L),   h(m) = −Σ_n M(n) p(n) log p(n),

a sum over the C(m + V − 1, V − 1) count vectors n instead of the V^m sequences (M(n) is the
multinomial coefficient), so it is exact for long sequences when V is small. The MI grows as
((V − 1)/2) ln L + O(1): the past pins θ down to O(1/√L) in each of V − 1 directions (log law).
The two-point MI is the same for every pair: p(a, b) = α(α + [a = b]) / (Vα(Vα + 1)).
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from infoscale._checks import as_rng, check_block, check_float, check_int, check_split
from infoscale.errors import InvalidInput
from infoscale.exact.discrete import joint_mutual_information
from infoscale.generators.base import Scaling
from infoscale.generators.discrete import DiscreteSequence
from infoscale.generators.markov import pair_distance
from infoscale.generators.registry import Param, register

MAX_COMPOSITIONS = 10**7


def compositions(total: int, parts: int) -> np.ndarray:
    """All vectors of ``parts`` non-negative ints summing to ``total``, shape (C(total+parts−1, parts−1), parts).

    Built one coordinate at a time: each partial vector with r still to place is extended by
    every value 0..r (vectorised with ``np.repeat``); the last coordinate takes the remainder.
    """
    rows = np.zeros((1, 0), dtype=np.int64)
    remaining = np.array([total], dtype=np.int64)
    for _ in range(parts - 1):
        counts = remaining + 1
        parent = np.repeat(np.arange(len(rows)), counts)
        value = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        rows = np.column_stack([rows[parent], value])
        remaining = remaining[parent] - value
    return np.column_stack([rows, remaining])


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
        return max(self.sequence_entropy(ell) + self.sequence_entropy(length - ell) - self.sequence_entropy(length), 0.0)

    def two_point_mi(self, i: int, j: int, length: int) -> float:
        pair_distance(self, i, j, length)
        v, a = self.vocab_size, self.alpha
        joint = (a * a + a * np.eye(v)) / (v * a * (v * a + 1.0))
        return joint_mutual_information(joint)

    def sequence_entropy(self, length: int, max_compositions: int = MAX_COMPOSITIONS) -> float:
        """Entropy h(m) in nats of a length-m sequence, summed over count vectors."""
        length = check_int("length", length, 1)
        count = int(np.exp(gammaln(length + self.vocab_size) - gammaln(length + 1) - gammaln(self.vocab_size)) + 0.5)
        if count > max_compositions:
            raise InvalidInput(f"exact MI of the dirichlet family at length {length} with V={self.vocab_size} sums over "
                             f"{count:.3g} count vectors, beyond max_compositions={max_compositions}; use the "
                             "Monte-Carlo estimator (infoscale.estimators.monte_carlo.mc_mutual_information)")
        counts = compositions(length, self.vocab_size)
        log_seq = self._log_prob_counts(counts)
        log_mass = log_seq + gammaln(length + 1) - gammaln(counts + 1).sum(axis=1)
        return -float(np.sum(np.exp(log_mass) * log_seq))

    def _counts(self, x: np.ndarray) -> np.ndarray:
        return np.stack([(x == v).sum(axis=1) for v in range(self.vocab_size)], axis=1)

    def _log_prob_counts(self, counts: np.ndarray) -> np.ndarray:
        """log p of any one sequence with the given symbol counts (rows of ``counts``)."""
        a, v = self.alpha, self.vocab_size
        m = counts.sum(axis=1)
        return gammaln(v * a) - gammaln(v * a + m) + np.sum(gammaln(a + counts) - gammaln(a), axis=1)
