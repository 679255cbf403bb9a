"""A uniform random string followed by its (noisy) copy: the discrete volume-law family.

Length L = 2h: x_0..x_h−1 are i.i.d. uniform over V symbols, and x_h+t is x_t, except that with
probability ε it is replaced by a fresh uniform symbol (which may equal x_t). Each copied pair
(x_t, x_h+t) passes x_t through the V-ary symmetric channel

    W(y | x) = 1 − ε + ε/V  (y = x),   ε/V  (y ≠ x),

whose output is again uniform. So every single position is uniform, the pairs are independent,
and the law of any block is a product over the pairs it contains whole (each contributes
−ln V + ln W(y | x) for its two positions) and the unpaired positions it contains (each −ln V).

Mutual information. The pairs are independent, so I(ℓ; L) = (number of pairs straddling the cut)
· I_pair. Pair t straddles the cut at ℓ iff t < ℓ ≤ t + h, which holds for min(ℓ, L − ℓ) pairs;
and I_pair = ln V − H(W(· | x)) (the channel output is uniform). With ε = 0 this is ℓ ln V for
ℓ ≤ L/2; at ℓ = L/2 it grows linearly in L (volume law) for every ε < 1. The two-point MI is
I_pair at distance h and 0 elsewhere.
"""

from __future__ import annotations

import numpy as np
from scipy.special import xlogy

from infoscale._checks import as_rng, check_block, check_float, check_int, check_split
from infoscale.budget import check_memory
from infoscale.errors import InvalidInput
from infoscale.generators.base import Scaling
from infoscale.generators.discrete import DiscreteSequence
from infoscale.generators.markov import pair_distance
from infoscale.generators.registry import Param, register


@register
class Copy(DiscreteSequence):
    """Uniform string of length L/2 and its copy through a V-ary symmetric channel with error ε."""

    name = "copy"
    PARAMS = (
        Param("vocab_size", int, 4, "number of symbols V"),
        Param("epsilon", float, 0.0, "probability that a copied token is replaced by a uniform one, in [0, 1]"),
    )

    def __init__(self, vocab_size: int = 4, epsilon: float = 0.0):
        self.vocab_size = self._check_vocab(vocab_size)
        self.epsilon = check_float("epsilon", epsilon, 0.0, 1.0)
        v = self.vocab_size
        check_memory(f"the vocab_size × vocab_size channel of vocab_size {v}", 16.0 * v * v)
        # Channel W(y | x): 1 − ε + ε/V on the diagonal, ε/V off it.
        self.channel = np.full((v, v), self.epsilon / v) + (1.0 - self.epsilon) * np.eye(v)
        with np.errstate(divide="ignore"):
            self.log_channel = np.log(self.channel)
        self.pair_mi = max(float(np.log(v) + np.sum(xlogy(self.channel[0], self.channel[0]))), 0.0)

    @property
    def scaling(self) -> Scaling:
        return Scaling("area") if self.epsilon == 1.0 else Scaling("volume")

    def check_length(self, length) -> int:
        length = super().check_length(length)
        if length % 2:
            raise InvalidInput(f"length must be even for the copy family (a string and its copy), got {length}")
        return length

    def sample(self, n: int, length: int, rng=None) -> np.ndarray:
        n = check_int("n", n, 1)
        half = self.check_length(length) // 2
        rng = as_rng(rng)
        first = rng.integers(0, self.vocab_size, size=(n, half))
        replaced = rng.random((n, half)) < self.epsilon
        second = np.where(replaced, rng.integers(0, self.vocab_size, size=(n, half)), first)
        return np.concatenate([first, second], axis=1)

    def conditional_log_probs(self, x) -> np.ndarray:
        x = self.check_tokens(x)
        half = x.shape[1] // 2
        out = np.full(x.shape, -np.log(self.vocab_size))
        out[:, half:] = self.log_channel[x[:, :half], x[:, half:]]
        return out

    def predictive_log_probs(self, x) -> np.ndarray:
        x = self.check_tokens(x)
        half = x.shape[1] // 2
        out = np.full(x.shape + (self.vocab_size,), -np.log(self.vocab_size))
        out[:, half:] = self.log_channel[x[:, :half]]
        return out

    def log_prob(self, x) -> np.ndarray:
        return self.conditional_log_probs(x).sum(axis=1)

    def marginal_log_prob(self, x, start: int, stop: int) -> np.ndarray:
        x = self.check_tokens(x)
        half = x.shape[1] // 2
        start, stop = check_block(start, stop, x.shape[1])
        # Pairs (t, t + h) wholly inside [start, stop): start <= t < h and t + h < stop.
        paired = np.arange(start, min(half, stop - half))
        out = np.full(x.shape[0], -(stop - start - len(paired)) * np.log(self.vocab_size))
        return out + self.log_channel[x[:, paired], x[:, paired + half]].sum(axis=1)

    def bipartite_mi(self, ell: int, length: int) -> float:
        length = self.check_length(length)
        ell = check_split(ell, length)
        return min(ell, length - ell) * self.pair_mi

    def two_point_mi(self, i: int, j: int, length: int) -> float:
        return self.pair_mi if pair_distance(self, i, j, length) == length // 2 else 0.0
