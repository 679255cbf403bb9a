"""Dębowski's Santa Fe process: Zipf-distributed keys that reveal fixed random bits (power law β = 1/α).

Construction. Z_1, Z_2, … are i.i.d. fair bits drawn once per sequence; K_1, K_2, … are i.i.d.
keys with P(K = k) = p_k = k^(−α) / ζ(α) over the positive integers (α > 1); the tokens are
X_i = (K_i, Z_{K_i}), encoded as the integer 2(K_i − 1) + Z_{K_i}. With ``max_key`` = K_max the
keys are Zipf truncated to 1..K_max (p_k = k^(−α) / H, H = Σ_{k ≤ K_max} k^(−α)), the vocabulary
is 2·K_max and every formula below holds with these p_k.

Likelihood. Given the keys, the bits of the distinct keys S(x) of a block are i.i.d. fair and a
repeated key repeats its bit, so for any block (the process is exchangeable: every block of m
positions has the law of a sequence of length m)

    log p(x) = Σ_i log p_{k_i} − |S(x)| ln 2   if equal keys carry equal bits, else −∞.

Bipartite MI. Split into A = X_1..ℓ and B = X_ℓ+1..L, m = L − ℓ. The key blocks K_A, K_B are
independent and independent of Z, and by the likelihood H(A) = H(K_A) + E|S_A| ln 2 (likewise B),
H(A, B) = H(K_A) + H(K_B) + E|S_A ∪ S_B| ln 2. Hence, with |S_A| + |S_B| − |S_A ∪ S_B| = |S_A ∩ S_B|
(the shared information is exactly the bits of the keys seen on both sides),

    I(ℓ; L) = ln 2 · E|S_A ∩ S_B| = ln 2 · Σ_k P(k ∈ S_A) P(k ∈ S_B)
            = ln 2 · Σ_k [1 − (1 − p_k)^ℓ] [1 − (1 − p_k)^m].

Each factor is −expm1(ℓ log1p(−p_k)) (no cancellation). The sum runs directly over k ≤ K_d, the
first key with L·p_k ≤ 1/2, and the tail uses the exact expansion of the summand,
1 − (1 − p)^ℓ − (1 − p)^m + (1 − p)^L = Σ_{n≥2} (−1)^n [C(L, n) − C(ℓ, n) − C(m, n)] p^n, with
Σ_{k>K_d} p_k^n = ζ(nα, K_d + 1) / ζ(α)^n (Hurwitz zeta; minus ζ(nα, K_max + 1) when truncated);
its terms fall at least as (L p_{K_d})^n / n! ≤ 2^(−n) / n!, so 30 of them reach float64. For
large ℓ and m the terms with k ≪ (L/ζ(α))^(1/α) are ≈ ln 2 and the tail ≈ ℓ m Σ p_k², so
I(L/2; L) ∝ L^(1/α): the untruncated process is a power law with β = 1/α. The truncated process
has I ≤ K_max ln 2 (an area law), following the power law only while L·p_{K_max} ≪ 1.

Two-point MI (ℓ = m = 1): I(X_i; X_j) = ln 2 · Σ_k p_k² for every pair i ≠ j (no decay with the
distance: the bits are shared by the whole sequence).

Truncation error. The truncated process is the untruncated one conditioned on all L keys being
≤ K_max, so their total-variation distance at length L is exactly 1 − (1 − q)^L with
q = P(K > K_max) = ζ(α, K_max + 1) / ζ(α) (``truncation_error``).
"""

from __future__ import annotations

import numpy as np
from scipy.special import binom, zeta

from infoscale._checks import as_rng, check_block, check_float, check_int, check_split
from infoscale.errors import Unavailable
from infoscale.generators.base import Scaling
from infoscale.generators.discrete import DiscreteSequence
from infoscale.generators.markov import pair_distance
from infoscale.generators.registry import Param, register

#: Most keys summed term by term in the exact MI (the tail beyond is a zeta series).
MAX_DIRECT_KEYS = 2**24
#: Terms of the tail series (each ≤ 2^(−n)/n! of the leading one).
_SERIES_TERMS = 30
_LN2 = float(np.log(2.0))
#: Keys above this cannot be encoded as int64 tokens 2(k − 1) + bit.
_MAX_ENCODABLE_KEY = 2**62


def optional_int(text: str) -> int | None:
    """Parse an int, or ``none`` for no value."""
    return None if str(text).strip().lower() == "none" else int(text)


@register
class SantaFe(DiscreteSequence):
    """Dębowski's Santa Fe process: Zipf(α) keys revealing fixed random bits; power law β = 1/α."""

    name = "santa-fe"
    PARAMS = (
        Param("alpha", float, 1.5, "Zipf exponent α > 1 of the keys (beta = 1/α)"),
        Param("max_key", optional_int, None,
              "truncate the keys to 1..max_key (vocabulary 2·max_key, needed by the nets); none: untruncated"),
    )

    def __init__(self, alpha: float = 1.5, max_key: int | None = None):
        self.alpha = check_float("alpha", alpha, 1.0, low_open=True)
        if max_key is not None:
            max_key = check_int("max_key", max_key, 1, _MAX_ENCODABLE_KEY)
        self.max_key = max_key
        tail = 0.0 if max_key is None else float(zeta(self.alpha, max_key + 1))
        self._zeta = float(zeta(self.alpha))
        self._norm = self._zeta - tail  # Σ_k k^(−α) over the admissible keys
        self._tail_mass = tail / self._zeta  # q = P(K > max_key) under the untruncated law

    # ---- keys and tokens -----------------------------------------------------------------
    @property
    def vocab_size(self) -> int:
        if self.max_key is None:
            raise Unavailable("the untruncated santa-fe process has unboundedly many keys; "
                              "give --max-key for a finite vocabulary of 2·max_key tokens")
        return 2 * self.max_key

    def key_log_probs(self, keys) -> np.ndarray:
        """log p_k for keys k ≥ 1."""
        return -self.alpha * np.log(np.asarray(keys, dtype=np.float64)) - np.log(self._norm)

    def truncation_error(self, length: int) -> float:
        """Total-variation distance between this (truncated) process and the untruncated one at
        ``length``: 1 − (1 − q)^L, q = P(K > max_key); 0 when untruncated."""
        length = self.check_length(length)
        return float(-np.expm1(length * np.log1p(-self._tail_mass)))

    def token_limit(self) -> int | None:
        """2·max_key, or ``None`` (any token ≥ 0 is a key and a bit) when untruncated."""
        return None if self.max_key is None else self.vocab_size

    @property
    def scaling(self) -> Scaling:
        if self.max_key is not None:
            return Scaling("area")  # I ≤ max_key · ln 2
        return Scaling("power", 1.0 / self.alpha)

    # ---- sampling and likelihoods --------------------------------------------------------
    def sample(self, n: int, length: int, rng=None) -> np.ndarray:
        """Exact samples: i.i.d. keys, one fair bit per distinct key of each sequence."""
        n = check_int("n", n, 1)
        length = self.check_length(length)
        rng = as_rng(rng)
        if self.max_key is None:
            keys = rng.zipf(self.alpha, size=(n, length)).astype(np.int64)
            if keys.max() > _MAX_ENCODABLE_KEY:
                raise Unavailable(f"a key above 2^62 was drawn (alpha={self.alpha} is close to 1); "
                                  "give --max-key to sample the truncated process")
        else:
            cumulative = np.cumsum(np.exp(self.key_log_probs(np.arange(1, self.max_key + 1))))
            u = rng.random((n, length)) * cumulative[-1]
            keys = np.minimum(np.searchsorted(cumulative, u, side="right"), self.max_key - 1) + 1
        order = np.argsort(keys, axis=1, kind="stable")
        ranked = np.take_along_axis(keys, order, axis=1)
        first = np.ones_like(ranked, dtype=bool)
        first[:, 1:] = ranked[:, 1:] != ranked[:, :-1]
        group = np.cumsum(first.ravel()) - 1
        bits = np.empty_like(keys)
        np.put_along_axis(bits, order, rng.integers(0, 2, size=group[-1] + 1)[group].reshape(n, length), axis=1)
        return 2 * (keys - 1) + bits

    def log_prob(self, x) -> np.ndarray:
        x = self.check_tokens(x)
        return self._block_log_prob(x)

    def marginal_log_prob(self, x, start: int, stop: int) -> np.ndarray:
        x = self.check_tokens(x, exact_length=False)
        start, stop = check_block(start, stop, x.shape[1])
        return self._block_log_prob(x[:, start:stop])

    def conditional_log_probs(self, x) -> np.ndarray:
        """log p(x_t | x_<t) = log p_k − ln 2 for a new key k, log p_k for a seen key with its bit,
        −∞ for a seen key with the other bit; O(n·L log L)."""
        x = self.check_tokens(x)
        keys = x // 2 + 1
        order = np.argsort(keys, axis=1, kind="stable")  # stable: each key's first occurrence leads
        ranked_keys = np.take_along_axis(keys, order, axis=1)
        ranked = np.take_along_axis(x, order, axis=1)
        new = np.ones_like(ranked, dtype=bool)
        new[:, 1:] = ranked_keys[:, 1:] != ranked_keys[:, :-1]
        leader = np.maximum.accumulate(np.where(new, np.arange(x.shape[1]), 0), axis=1)
        agrees = ranked == np.take_along_axis(ranked, leader, axis=1)
        step = np.where(new, -_LN2, np.where(agrees, 0.0, -np.inf))
        out = np.empty(x.shape)
        np.put_along_axis(out, order, step, axis=1)
        return out + self.key_log_probs(keys)

    def predictive_log_probs(self, x) -> np.ndarray:
        """log p(X_t = v | x_<t) for every token v = 2(k − 1) + bit, shape (n, L, 2·max_key)."""
        x = self.check_tokens(x)
        v = self.vocab_size
        seen = np.zeros((x.shape[0], x.shape[1], v), dtype=bool)
        np.put_along_axis(seen, x[..., None], True, axis=2)
        seen = np.cumsum(seen, axis=1) > 0
        seen[:, 1:], seen[:, 0] = seen[:, :-1].copy(), False  # tokens seen strictly before t
        other = seen.reshape(*x.shape, -1, 2)[..., ::-1].reshape(*x.shape, v)  # the same key's other bit
        log_key = np.repeat(self.key_log_probs(np.arange(1, self.max_key + 1)), 2)
        return log_key + np.where(seen, 0.0, np.where(other, -np.inf, -_LN2))

    @staticmethod
    def _distinct(a: np.ndarray) -> np.ndarray:
        s = np.sort(a, axis=1)
        return 1 + np.count_nonzero(s[:, 1:] != s[:, :-1], axis=1)

    def _block_log_prob(self, x: np.ndarray) -> np.ndarray:
        keys = x // 2 + 1
        distinct_keys = self._distinct(keys)
        out = self.key_log_probs(keys).sum(axis=1) - _LN2 * distinct_keys
        return np.where(self._distinct(x) == distinct_keys, out, -np.inf)

    # ---- exact mutual information --------------------------------------------------------
    def bipartite_mi(self, ell: int, length: int) -> float:
        """ln 2 · Σ_k [1 − (1 − p_k)^ℓ][1 − (1 − p_k)^(L−ℓ)]: a direct sum, then a zeta series."""
        length = self.check_length(length)
        ell = check_split(ell, length)
        m = length - ell
        direct = int(np.ceil((2.0 * length / self._norm) ** (1.0 / self.alpha)))  # L·p_k ≤ 1/2 beyond
        if self.max_key is not None:
            direct = min(direct, self.max_key)
        if direct > MAX_DIRECT_KEYS:
            raise Unavailable(f"the exact MI at L={length} sums {direct} keys one by one (more than "
                              f"{MAX_DIRECT_KEYS}); use Monte Carlo or a larger alpha")
        log1m = np.log1p(-np.exp(self.key_log_probs(np.arange(1, direct + 1))))
        total = float(np.sum(np.expm1(ell * log1m) * np.expm1(m * log1m)))
        if self.max_key is None or direct < self.max_key:
            order = np.arange(2, _SERIES_TERMS + 2)
            sums = zeta(order * self.alpha, direct + 1)
            if self.max_key is not None:
                sums = sums - zeta(order * self.alpha, self.max_key + 1)
            coefficients = binom(length, order) - binom(ell, order) - binom(m, order)
            terms = (-1.0) ** order * coefficients * (sums / self._norm**order)
            total += float(np.sum(terms[np.isfinite(terms)]))
        return _LN2 * total

    def two_point_mi(self, i: int, j: int, length: int) -> float:
        """ln 2 · Σ_k p_k² for every pair i ≠ j."""
        pair_distance(self, i, j, length)
        squares = zeta(2 * self.alpha) - (0.0 if self.max_key is None else zeta(2 * self.alpha, self.max_key + 1))
        return _LN2 * float(squares) / self._norm**2
