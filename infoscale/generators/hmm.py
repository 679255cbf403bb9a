"""A stationary hidden Markov model: D hidden states, V emitted symbols (discrete area law).

Hidden chain S_t with transition A (D × D) started from its stationary law π; each S_t emits
X_t ~ B(S_t, ·) (B is D × V). Only X is observed.

Likelihood. With the kernels K_v = A · diag(B(·, v)) (so (K_v)_{s s'} = A(s, s') B(s', v)) and
π A = π, every block of observations has the law

    p(x_1..x_m) = π^T K_{x_1} K_{x_2} ⋯ K_{x_m} 1,

the same wherever the block sits (stationarity). ``log_prob`` and ``marginal_log_prob`` evaluate
it by the forward algorithm in its scaled form: the filter f_t = p(S_t | x_≤t) is renormalised
after every step and the normalisers c_t = p(x_t | x_<t) are accumulated as logs, which is the
log-space forward recursion without its log-sum-exp cost (no underflow at any length). The same
pass gives the exact conditionals and the full next-symbol distribution (π_t B with π_t the
predicted hidden law).

Exact bipartite MI. With α_a = π^T K_a (the joint law of x_A = a and the hidden state at the
cut) and g_b = K_b 1 (the probability of x_B = b given that state), p(a, b) = α_a · g_b, so

    I(ℓ; L) = Σ_{a,b} p(a, b) log [ p(a, b) / ((α_a · 1)(π · g_b)) ].

x_B depends on x_A only through the filtered state α_a / (α_a · 1) (a point of the D-simplex),
which is why I ≤ H(S_ℓ) ≤ ln D. The sum still has V^L terms (the HMM's block entropies have no
closed form), but each costs O(D): the vectors α_a and g_b are built for all sequences at once
by extending a prefix tree (O(D²) per node), the shorter side is kept in memory and the longer
one is streamed in chunks. ``bipartite_mi`` therefore supports every split of every length with
V^L ≤ ``max_sequences`` (default 2^22: e.g. V = 2 up to L = 22), and refuses larger cases with
a message pointing to the Monte-Carlo estimator. For the scaling curve the area law helps: I(ℓ;
L) increases with L to the excess entropy (≤ ln D) and, for a mixing chain, is within e^{−L/ξ}
of it after a few correlation lengths ξ, so exact values at moderate L (``lengths_up_to`` is a
dense geometric ladder of even lengths, 3 per factor of 4) plus Monte-Carlo values
(``mc_mutual_information``, exact likelihoods) at large L give the curve; nothing is extrapolated. A slowly mixing chain (the
default is sticky, so that its MI is not negligible) may not have saturated within exact reach. The two-point MI uses the pair law (π ⊙ B(·, a))^T A^d B(·, b).
"""

from __future__ import annotations

import numpy as np
from scipy.special import xlogy

from infoscale._checks import as_rng, check_block, check_float, check_int, check_split
from infoscale.budget import check_memory
from infoscale.exact.discrete import MAX_SEQUENCES, joint_mutual_information
from infoscale.generators.base import Scaling, geometric_lengths
from infoscale.generators.discrete import DiscreteSequence, draw_categorical
from infoscale.generators.markov import (check_stochastic, float_matrix, pair_distance, random_stochastic,
                                         resolve_size, stationary_distribution)
from infoscale.generators.registry import Param, register

#: Entries of one p(a, b) block evaluated at a time by ``bipartite_mi``.
_BLOCK_ENTRIES = 2**22


@register
class HMM(DiscreteSequence):
    """Stationary hidden Markov model with D hidden states and V symbols; area law, I ≤ ln D."""

    name = "hmm"
    PARAMS = (
        Param("vocab_size", int, None, "number of symbols V (default 3, or the columns of emission)"),
        Param("hidden_states", int, None, "number of hidden states D (default 2, or the size of transition)"),
        Param("transition", float_matrix, None, "D×D hidden transition matrix, rows 'a,b;c,d' (default: random)"),
        Param("emission", float_matrix, None, "D×V emission matrix, rows 'a,b;c,d' (default: random)"),
        Param("hmm_seed", int, 2, "seed of the random matrices"),
        Param("concentration", float, 0.3, "Dirichlet concentration of the random rows (small: sticky, informative)"),
    )

    def __init__(self, vocab_size: int | None = None, hidden_states: int | None = None, transition=None,
                 emission=None, hmm_seed: int = 2, concentration: float = 0.3):
        self.vocab_size = self._check_vocab(resolve_size("vocab_size", vocab_size, emission, "emission", 1, 3))
        source = transition if transition is not None else emission
        self.hidden_states = resolve_size("hidden_states", hidden_states, source,
                                          "transition" if transition is not None else "emission", 0, 2)
        self.hmm_seed = check_int("hmm_seed", hmm_seed, 0)
        self.concentration = check_float("concentration", concentration, 0.0, low_open=True)
        d, v = self.hidden_states, self.vocab_size
        check_memory(f"vocab_size={v}, hidden_states={d} (the V×D×D emission kernels)", 3 * 8.0 * v * d * d)
        rng = as_rng(self.hmm_seed)
        a = random_stochastic(rng, d, d, self.concentration)
        b = random_stochastic(rng, d, v, self.concentration)
        self.transition = self.emission = None
        if transition is not None:
            a = check_stochastic("transition", transition, (d, d))
            self.transition = tuple(map(tuple, a.tolist()))
        if emission is not None:
            b = check_stochastic("emission", emission, (d, v))
            self.emission = tuple(map(tuple, b.tolist()))
        self.transition_matrix, self.emission_matrix = a, b
        self.stationary = stationary_distribution("transition", a)
        self.kernels = a[None, :, :] * b.T[:, None, :]          # K_v = A diag(B(·, v)), shape (V, D, D)

    @property
    def scaling(self) -> Scaling:
        return Scaling("area")

    def lengths_up_to(self, max_length: int) -> list[int]:
        """Even lengths from 4, geometric (3 per factor of 4): exact values up to V^L <= max_sequences,
        Monte Carlo past them."""
        max_length = self.check_length(check_int("max_length", max_length, 4))
        return geometric_lengths(max_length, 4, 3, multiple=2)

    def sample(self, n: int, length: int, rng=None) -> np.ndarray:
        n = check_int("n", n, 1)
        length = self.check_length(length)
        rng = as_rng(rng)
        x = np.empty((n, length), dtype=np.int64)
        state = draw_categorical(rng, np.broadcast_to(self.stationary, (n, self.hidden_states)))
        for t in range(length):
            x[:, t] = draw_categorical(rng, self.emission_matrix[state])
            state = draw_categorical(rng, self.transition_matrix[state])
        return x

    def conditional_log_probs(self, x) -> np.ndarray:
        return self._forward(self.check_tokens(x), full=False)

    def predictive_log_probs(self, x) -> np.ndarray:
        return self._forward(self.check_tokens(x), full=True)

    def log_prob(self, x) -> np.ndarray:
        return self.conditional_log_probs(x).sum(axis=1)

    def marginal_log_prob(self, x, start: int, stop: int) -> np.ndarray:
        x = self.check_tokens(x, exact_length=False)
        start, stop = check_block(start, stop, x.shape[1])
        return self._forward(x[:, start:stop], full=False).sum(axis=1)

    def bipartite_mi(self, ell: int, length: int, max_sequences: int = MAX_SEQUENCES) -> float:
        """Exact I(ℓ; L) by the factorised sum over V^L sequences (see the module docstring)."""
        length = self.check_length(length)
        ell = check_split(ell, length)
        self.require_enumerable(length, max_sequences)
        ones = np.ones((1, self.hidden_states))
        left = (self.stationary[None, :], self.kernels)                  # rows α_a = π^T K_a
        right = (ones, np.swapaxes(self.kernels, 1, 2))             # rows g_b^T = (K_b 1)^T
        (short, n_short), (long, n_long) = sorted([(left, ell), (right, length - ell)], key=lambda s: s[1])
        short_rows = _all_products(*short, n_short)
        rows_per_block = max(1, _BLOCK_ENTRIES // len(short_rows))
        total = 0.0
        for long_rows in _product_chunks(*long, n_long, rows_per_block):
            a_rows, b_rows = (short_rows, long_rows) if short is left else (long_rows, short_rows)
            joint = a_rows @ b_rows.T                                     # p(a, b)
            log_joint = np.log(joint, out=np.zeros_like(joint), where=joint > 0)
            # Σ p(a,b) log p(a,b) − Σ_a p(a, ·) log p(a) − Σ_b p(·, b) log p(b), the marginals summed first.
            total += float(np.vdot(joint, log_joint) - np.sum(xlogy(joint.sum(axis=1), a_rows.sum(axis=1)))
                           - np.sum(xlogy(joint.sum(axis=0), b_rows @ self.stationary)))
        return max(total, 0.0)

    def two_point_mi(self, i: int, j: int, length: int) -> float:
        distance = pair_distance(self, i, j, length)
        b = self.emission_matrix
        joint = (b * self.stationary[:, None]).T @ np.linalg.matrix_power(self.transition_matrix, distance) @ b
        return joint_mutual_information(joint)

    def _forward(self, x: np.ndarray, full: bool) -> np.ndarray:
        """Scaled forward pass: log p(x_t | x_<t) (n, L), or with ``full`` log p(X_t = v | x_<t) (n, L, V)."""
        n, length = x.shape
        a, b = self.transition_matrix, self.emission_matrix
        predicted = np.broadcast_to(self.stationary, (n, self.hidden_states))   # p(S_t | x_<t)
        out = np.empty((n, length, self.vocab_size) if full else (n, length))
        rows = np.arange(n)
        for t in range(length):
            symbol_probs = predicted @ b                                 # p(X_t = v | x_<t)
            step = symbol_probs[rows, x[:, t]]
            with np.errstate(divide="ignore"):
                out[:, t] = np.log(symbol_probs) if full else np.log(step)
            filtered = predicted * b[:, x[:, t]].T
            filtered /= np.where(step > 0, step, 1.0)[:, None]
            predicted = filtered @ a
        return out


def _all_products(start: np.ndarray, kernels: np.ndarray, steps: int) -> np.ndarray:
    """Rows start_n^T K_{s_1} ⋯ K_{s_steps} for every start row n and every sequence s ∈ V^steps."""
    rows = start
    for _ in range(steps):
        rows = np.einsum("nd,vde->nve", rows, kernels).reshape(-1, start.shape[1])
    return rows


def _product_chunks(start: np.ndarray, kernels: np.ndarray, steps: int, max_rows: int):
    """``_all_products`` streamed in blocks of at most ``max_rows`` rows (one branch of the prefix tree each)."""
    if steps == 0 or len(start) * len(kernels) ** steps <= max_rows:
        yield _all_products(start, kernels, steps)
        return
    for kernel in kernels:
        yield from _product_chunks(start @ kernel, kernels, steps - 1, max_rows)
