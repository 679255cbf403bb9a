"""Shared machinery of the discrete-token families (tokens are ints in [0, vocab_size)).

Besides the protocol, a discrete family gives the exact per-position conditionals that the nets
and the model-based estimators need:

- ``conditional_log_probs(x)``: log p(x_t | x_<t) for every position, shape ``(n, L)``;
- ``predictive_log_probs(x)``: log p(X_t = v | x_<t) for every position and symbol, ``(n, L, V)``,
  where the family can compute it (the exact per-position KL of a model needs it). A family that
  can defines the method, and only then (``infoscale.protocols.PredictiveLaw``).

The default ``conditional_log_probs`` takes differences of prefix marginals; families with a
forward recursion override it.
"""

from __future__ import annotations

import numpy as np

from infoscale._checks import check_int
from infoscale.errors import InvalidInput, InvalidType, Unavailable
from infoscale.exact.discrete import MAX_SEQUENCES, check_enumerable
from infoscale.generators.base import SequenceDistribution


class DiscreteSequence(SequenceDistribution):
    """A distribution over sequences of ints in [0, vocab_size)."""

    discrete = True
    vocab_size: int

    def conditional_log_probs(self, x) -> np.ndarray:
        """log p(x_t | x_<t) for every position t, shape (n, L)."""
        x = self.check_tokens(x)
        prefix = np.stack([self.marginal_log_prob(x, 0, t) for t in range(1, x.shape[1] + 1)], axis=1)
        return np.diff(prefix, axis=1, prepend=0.0)

    def require_enumerable(self, length: int, max_sequences: int = MAX_SEQUENCES, also: str = "") -> None:
        """For exact MI by summing over V^L sequences: ``NotImplementedError`` past ``max_sequences``
        (so sweeps fall back to Monte Carlo), naming the estimators that still work (and ``also``)."""
        try:
            check_enumerable(self.vocab_size, length, max_sequences)
        except ValueError as err:
            raise Unavailable(
                f"the exact MI of the {self.name} family sums over all V^L sequences, and {err}{also}") from None

    def check_tokens(self, x, exact_length: bool = True) -> np.ndarray:
        """Validate an int array of shape (n, L) with entries in [0, vocab_size)."""
        arr = np.asarray(x)
        if arr.ndim != 2:
            raise InvalidInput(f"x must have shape (n, length), got {arr.shape}")
        if not np.issubdtype(arr.dtype, np.integer):
            if not np.issubdtype(arr.dtype, np.floating) or not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
                raise InvalidType(f"x must hold integer tokens, got dtype {arr.dtype}")
        arr = arr.astype(np.int64, copy=False)
        limit = self.token_limit()
        if arr.size and (arr.min() < 0 or (limit is not None and arr.max() >= limit)):
            raise InvalidInput(f"tokens must lie in [0, {limit or 'inf'}), got values in [{arr.min()}, {arr.max()}]")
        if exact_length:
            self.check_length(arr.shape[1])
        return arr

    def token_limit(self) -> int | None:
        """One past the largest token: ``vocab_size`` (``None`` for an unbounded vocabulary)."""
        return self.vocab_size

    @staticmethod
    def _check_vocab(vocab_size) -> int:
        return check_int("vocab_size", vocab_size, 2)


def draw_categorical(rng: np.random.Generator, probs) -> np.ndarray:
    """One draw per row of ``probs`` (…, V) by inverting the cumulative sums: shape ``probs.shape[:-1]``."""
    probs = np.asarray(probs)
    cumulative = np.cumsum(probs, axis=-1)
    u = rng.random(probs.shape[:-1]) * cumulative[..., -1]
    return np.minimum((u[..., None] >= cumulative).sum(axis=-1), probs.shape[-1] - 1)
