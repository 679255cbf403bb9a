"""A stationary Markov chain over V symbols: the discrete area-law family.

With transition matrix P (rows p(x_t+1 | x_t)) and its stationary law π (π P = π), the chain is
started from π, so every block has the same law wherever it sits:

    log p(x_s..x_e−1) = log π(x_s) + Σ_t log P(x_t, x_t+1).

Mutual information. By the Markov property the future X_ℓ+1..L depends on the past X_1..ℓ only
through X_ℓ, and the past is summarised for the future by X_ℓ alone, so for every split

    I(ℓ; L) = I(X_ℓ; X_ℓ+1) = H(π) − Σ_a π(a) H(P(a, ·)),

independent of ℓ and L (area law). The pair marginal at distance d is π(a) (P^d)(a, b), which
gives the two-point MI. A given transition matrix must have a unique stationary law
(irreducible); random chains (``chain_seed``) draw each row from Dirichlet(concentration).
"""

from __future__ import annotations

import numpy as np
from scipy import linalg
from scipy.special import xlogy

from infoscale._checks import as_rng, check_block, check_float, check_int, check_split
from infoscale.budget import check_memory
from infoscale.errors import InvalidInput
from infoscale.exact.discrete import joint_mutual_information
from infoscale.generators.base import Scaling
from infoscale.generators.discrete import DiscreteSequence, draw_categorical
from infoscale.generators.registry import Param, register


def float_matrix(text: str) -> tuple[tuple[float, ...], ...]:
    """Parse a matrix given row by row: ``0.9,0.1;0.2,0.8``."""
    return tuple(tuple(float(v) for v in row.split(",")) for row in str(text).split(";") if row.strip())


def check_stochastic(name: str, matrix, shape: tuple[int, int]) -> np.ndarray:
    """A row-stochastic float64 matrix of the given shape, or ``ValueError`` naming ``name``."""
    try:
        arr = np.asarray(matrix, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be a rectangular matrix of numbers") from None
    if arr.shape != shape:
        raise InvalidInput(f"{name} must have shape {shape}, got {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise InvalidInput(f"{name} must have finite entries >= 0")
    sums = arr.sum(axis=1)
    if not np.allclose(sums, 1.0, rtol=0, atol=1e-10):
        bad = int(np.argmax(np.abs(sums - 1.0)))
        raise InvalidInput(f"every row of {name} must sum to 1; row {bad} sums to {sums[bad]!r}")
    return arr / sums[:, None]


def stationary_distribution(name: str, transition: np.ndarray) -> np.ndarray:
    """The unique π with π P = π; ``InvalidInput`` when P has several (more than one closed class).

    Uniqueness is decided exactly on the graph of P's nonzero entries: the stationary directions
    are its closed communicating classes (no rank tolerance, which fails for chains that stay put
    with probability 1 − 1e-4). π then solves (Pᵀ − I) π = 0 with one equation replaced by Σ π = 1.
    """
    from scipy.sparse.csgraph import connected_components

    count, labels = connected_components(transition > 0, directed=True, connection="strong")
    leaves = (transition > 0) & (labels[:, None] != labels[None, :])
    closed = count - len(np.unique(labels[np.any(leaves, axis=1)]))
    if closed != 1:
        raise InvalidInput(f"{name} must be irreducible (a unique stationary distribution); "
                           f"it has {closed} stationary directions")
    system = transition.T - np.eye(len(transition))
    system[-1] = 1.0
    pi = linalg.solve(system, np.eye(len(transition))[-1])
    pi = np.clip(pi, 0.0, None)
    return pi / pi.sum()


def random_stochastic(rng, rows: int, cols: int, concentration: float) -> np.ndarray:
    """A rows × cols matrix whose rows are drawn from Dirichlet(concentration, …)."""
    return rng.dirichlet(np.full(cols, concentration), size=rows)


def resolve_size(name: str, value, matrix, matrix_name: str, axis: int, default: int) -> int:
    """A size parameter: given, else read off the given matrix (axis ``axis``), else ``default``."""
    if value is not None:
        return check_int(name, value, 2)
    if matrix is None:
        return default
    try:
        shape = np.asarray(matrix, dtype=np.float64).shape
    except (TypeError, ValueError):
        raise InvalidInput(f"{matrix_name} must be a rectangular matrix of numbers") from None
    if len(shape) != 2:
        raise InvalidInput(f"{matrix_name} must be a matrix (2 axes), got shape {shape}")
    return shape[axis]


@register
class Markov(DiscreteSequence):
    """Stationary Markov chain over V symbols; area law, I(ℓ; L) = I(X_t; X_t+1)."""

    name = "markov"
    PARAMS = (
        Param("vocab_size", int, None, "number of symbols V (default 3, or the size of transition)"),
        Param("transition", float_matrix, None, "V×V transition matrix, rows 'a,b;c,d' (default: random)"),
        Param("chain_seed", int, 0, "seed of the random transition matrix"),
        Param("concentration", float, 1.0, "Dirichlet concentration of the random rows"),
    )

    def __init__(self, vocab_size: int | None = None, transition=None, chain_seed: int = 0,
                 concentration: float = 1.0):
        self.vocab_size = self._check_vocab(resolve_size("vocab_size", vocab_size, transition, "transition", 0, 3))
        self.chain_seed = check_int("chain_seed", chain_seed, 0)
        self.concentration = check_float("concentration", concentration, 0.0, low_open=True)
        v = self.vocab_size
        check_memory(f"vocab_size={v} (the V×V transition matrix)", 4 * 8.0 * v * v)
        if transition is None:
            self.transition = None
            matrix = random_stochastic(as_rng(self.chain_seed), v, v, self.concentration)
        else:
            matrix = check_stochastic("transition", transition, (v, v))
            self.transition = tuple(tuple(float(p) for p in row) for row in matrix)
        self.matrix = matrix
        self.stationary = stationary_distribution("transition", matrix)
        with np.errstate(divide="ignore"):
            self.log_matrix = np.log(matrix)
            self.log_stationary = np.log(self.stationary)

    @property
    def scaling(self) -> Scaling:
        return Scaling("area")

    def sample(self, n: int, length: int, rng=None) -> np.ndarray:
        n = check_int("n", n, 1)
        length = self.check_length(length)
        rng = as_rng(rng)
        x = np.empty((n, length), dtype=np.int64)
        x[:, 0] = draw_categorical(rng, np.broadcast_to(self.stationary, (n, self.vocab_size)))
        for t in range(1, length):
            x[:, t] = draw_categorical(rng, self.matrix[x[:, t - 1]])
        return x

    def conditional_log_probs(self, x) -> np.ndarray:
        x = self.check_tokens(x)
        return self._conditionals(x)

    def predictive_log_probs(self, x) -> np.ndarray:
        x = self.check_tokens(x)
        out = np.empty(x.shape + (self.vocab_size,))
        out[:, 0] = self.log_stationary
        out[:, 1:] = self.log_matrix[x[:, :-1]]
        return out

    def log_prob(self, x) -> np.ndarray:
        x = self.check_tokens(x)
        return self._conditionals(x).sum(axis=1)

    def marginal_log_prob(self, x, start: int, stop: int) -> np.ndarray:
        x = self.check_tokens(x, exact_length=False)
        start, stop = check_block(start, stop, x.shape[1])
        return self._conditionals(x[:, start:stop]).sum(axis=1)

    def bipartite_mi(self, ell: int, length: int) -> float:
        check_split(ell, self.check_length(length))
        pi = self.stationary
        entropy_pi = -float(np.sum(xlogy(pi, pi)))
        entropy_rate = -float(np.sum(pi * np.sum(xlogy(self.matrix, self.matrix), axis=1)))
        return max(entropy_pi - entropy_rate, 0.0)

    def two_point_mi(self, i: int, j: int, length: int) -> float:
        distance = pair_distance(self, i, j, length)
        joint = self.stationary[:, None] * np.linalg.matrix_power(self.matrix, distance)
        return joint_mutual_information(joint)

    def _conditionals(self, x: np.ndarray) -> np.ndarray:
        """log π(x_0), then log P(x_t−1, x_t): the conditionals of a stationary block."""
        out = np.empty(x.shape)
        out[:, 0] = self.log_stationary[x[:, 0]]
        out[:, 1:] = self.log_matrix[x[:, :-1], x[:, 1:]]
        return out


def pair_distance(family, i, j, length) -> int:
    """Validate two distinct positions of a sequence of ``length`` and return |j − i|."""
    length = family.check_length(length)
    i = check_int("i", i, 0, length - 1)
    j = check_int("j", j, 0, length - 1)
    if i == j:
        raise InvalidInput("two_point_mi needs two different positions i != j")
    return abs(j - i)
