"""The sequence-distribution protocol that every family implements.

Every estimator and every net works with every family through this small interface:

- ``sample(n, length, rng)``: ``(n, length)`` int tokens (discrete) or ``(n, length, token_dim)``
  float64 tokens (continuous).
- ``log_prob(x)``: exact joint log-likelihood, shape ``(n,)``, in nats.
- ``marginal_log_prob(x, start, stop)``: exact log-likelihood of the block ``x[:, start:stop]``.
- ``bipartite_mi(ell, length)``: exact I(X_1..ℓ ; X_ℓ+1..L) in nats.
- ``two_point_mi(i, j, length)``: exact I(X_i ; X_j) in nats (0-based positions).
- ``scaling``: the family's scaling class and, for power laws, its exponent β.

A capability a family lacks raises ``NotImplementedError`` with a sentence saying why.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from infoscale._checks import check_int, check_split
from infoscale.budget import check_memory
from infoscale.errors import InvalidInput, Unavailable

SCALING_LAWS = ("area", "log", "power", "volume")
#: Bytes any computation on a sequence holds per position at least (a few float64 arrays).
BYTES_PER_POSITION = 64


@dataclass(frozen=True)
class Scaling:
    """A scaling class of I(L/2; L): ``area``, ``log``, ``power`` (with ``exponent`` β) or ``volume``."""

    law: str
    exponent: float | None = None

    def __post_init__(self):
        if self.law not in SCALING_LAWS:
            raise InvalidInput(f"law must be one of {SCALING_LAWS}, got {self.law!r}")

    def __str__(self) -> str:
        return f"power (beta={self.exponent:.4f})" if self.law == "power" else self.law


class SequenceDistribution(abc.ABC):
    """Base class of all sequence distributions. Subclasses set ``name`` and ``discrete``."""

    name: ClassVar[str] = ""
    discrete: ClassVar[bool] = False
    #: Parameters the family takes (``infoscale.generators.registry.Param``), for the registry and CLI.
    PARAMS: ClassVar[tuple] = ()

    @property
    def params(self) -> dict:
        """The constructor parameters, as given (JSON-serialisable)."""
        return {p.name: getattr(self, p.name) for p in self.PARAMS}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{type(self).__name__}({args})"

    # ---- lengths -------------------------------------------------------------------------
    def check_length(self, length) -> int:
        """Validate a sequence length this family can make (override to restrict, calling this first).

        Any work on a length-L sequence holds a few arrays of L values; a length whose arrays alone
        exceed the memory limit is refused here, before anything is allocated.
        """
        length = check_int("length", length, 2)
        check_memory(f"length={length}", BYTES_PER_POSITION * length)
        return length

    def lengths_up_to(self, max_length: int) -> list[int]:
        """The natural ladder of lengths for scaling sweeps: powers of two from 4 (override)."""
        return geometric_lengths(max_length)

    # ---- the protocol ---------------------------------------------------------------------
    @property
    @abc.abstractmethod
    def scaling(self) -> Scaling:
        """The scaling class of I(L/2; L) for this family."""

    @abc.abstractmethod
    def sample(self, n: int, length: int, rng=None) -> np.ndarray:
        """Draw ``n`` exact samples of the given length."""

    def log_prob(self, x) -> np.ndarray:
        raise Unavailable(f"the {self.name} family has no exact joint likelihood")

    def marginal_log_prob(self, x, start: int, stop: int) -> np.ndarray:
        raise Unavailable(f"the {self.name} family has no exact block marginals")

    def bipartite_mi(self, ell: int, length: int) -> float:
        raise Unavailable(f"the {self.name} family has no exact bipartite mutual information")

    def two_point_mi(self, i: int, j: int, length: int) -> float:
        raise Unavailable(f"the {self.name} family has no exact two-point mutual information")

    def mi_curve(self, lengths, split: float = 0.5) -> np.ndarray:
        """Exact I(ℓ; L) with ℓ = round(split·L) for each L (families may override with a faster path)."""
        out = []
        for length in lengths:
            length = self.check_length(length)
            out.append(self.bipartite_mi(split_position(split, length), length))
        return np.asarray(out, dtype=np.float64)


#: Most points a default ladder of lengths has, whatever its range (each may cost a Monte-Carlo run).
MAX_LADDER_POINTS = 30


def geometric_lengths(max_length: int, start: int = 4, per_factor_4: int = 2, multiple: int = 1,
                      max_points: int = MAX_LADDER_POINTS) -> list[int]:
    """A geometric ladder ``start·4^(j/per_factor_4)`` up to ``max_length``, each rounded to a
    multiple of ``multiple`` (a family's admissible lengths), duplicates dropped.

    The default (2 per factor of 4 from 4) is the powers of two. Past ``max_points`` points the
    density is lowered so that the ladder keeps its range with at most ``max_points`` lengths:
    a sweep costs O(points), never O(max_length).
    """
    multiple = check_int("multiple", multiple, 1)
    start = check_int("start", start, multiple)
    max_length = check_int("max_length", max_length, start)
    per_factor_4 = check_int("per_factor_4", per_factor_4, 1)
    max_points = check_int("max_points", max_points, 2)
    span = np.log(max_length / start) / np.log(4.0)  # factors of 4 the ladder covers
    density = min(float(per_factor_4), (max_points - 1) / span) if span > 0 else 1.0
    steps = np.arange(int(np.floor(span * density + 1e-9)) + 1)
    raw = start * 4.0 ** (steps / density)
    lengths = multiple * np.maximum(np.round(raw / multiple), 1).astype(np.int64)
    return sorted({int(n) for n in lengths if start <= n <= max_length})


def split_position(split: float, length: int) -> int:
    """The cut ℓ = round(split·L), validated to lie in [1, L-1]."""
    if not 0.0 < float(split) < 1.0:
        raise InvalidInput(f"split must be in (0, 1), got {split!r}")
    return check_split(int(round(float(split) * length)), length)
