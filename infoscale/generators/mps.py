"""Born machines: sequence families p(x) = |ψ(x)|² of matrix product states (MPS).

``BornMachine`` turns a ``infoscale.exact.mps.CanonicalMPS`` per length into a discrete family
(sampling, exact conditionals, block marginals, exact Shannon MI for V^L ≤ ``max_sequences``);
``MPS`` is the random translation-invariant member of bond χ (area law, I ≤ 2 ln χ). The
critical Ising chain (``infoscale.generators.ising``) is another. Everything exact about the
states themselves (canonical form, Schmidt values, conditionals, the MI table) is in the engine,
``infoscale.exact.mps``; beyond enumeration reach the MI comes from the exact-likelihood
Monte-Carlo estimator or, as the Rényi-2 MI, from ``infoscale.estimators.tensor_network``.
"""

from __future__ import annotations

import abc

import numpy as np

from infoscale._checks import check_block, check_int, check_split
from infoscale.budget import check_memory
from infoscale.exact.discrete import MAX_SEQUENCES
from infoscale.exact.mps import CanonicalMPS
from infoscale.generators.base import Scaling
from infoscale.generators.discrete import DiscreteSequence
from infoscale.generators.registry import Param, register


class BornMachine(DiscreteSequence):
    """Base of the MPS families: subclasses implement ``make_state(length) -> CanonicalMPS``.

    States are built once per length and cached. ``bipartite_mi`` is the exact Shannon MI for
    V^L ≤ ``max_sequences``; larger cases raise ``NotImplementedError`` pointing to the
    Monte-Carlo and Rényi-2 estimators.
    """

    def __init__(self):
        self._states: dict[int, CanonicalMPS] = {}

    @abc.abstractmethod
    def make_state(self, length: int) -> CanonicalMPS:
        """Build the canonical MPS of a validated length."""

    def state(self, length) -> CanonicalMPS:
        """The canonical MPS of the given length (built once, then cached)."""
        length = self.check_length(length)
        if length not in self._states:
            self._states[length] = self.make_state(length)
        return self._states[length]

    def entanglement_entropies(self, length) -> np.ndarray:
        """Von Neumann entanglement entropy (nats) at every cut ℓ = 1..L−1 of the state of this length."""
        return self.state(length).entanglement_entropies()

    def sample(self, n: int, length: int, rng=None) -> np.ndarray:
        return self.sample_with_log_prob(n, length, rng)[0]

    def sample_with_log_prob(self, n: int, length: int, rng=None) -> tuple[np.ndarray, np.ndarray]:
        """Exact samples (n, L) and their exact log-probabilities from the same pass."""
        return self.state(length).sample(n, rng)

    def conditional_log_probs(self, x) -> np.ndarray:
        x = self.check_tokens(x)
        return self.state(x.shape[1]).conditional_log_probs(x)

    def predictive_log_probs(self, x) -> np.ndarray:
        x = self.check_tokens(x)
        return self.state(x.shape[1]).predictive_log_probs(x)

    def log_prob(self, x) -> np.ndarray:
        return self.conditional_log_probs(x).sum(axis=1)

    def marginal_log_prob(self, x, start: int, stop: int) -> np.ndarray:
        x = self.check_tokens(x)
        start, stop = check_block(start, stop, x.shape[1])
        return self.state(x.shape[1]).marginal_log_prob(x, start, stop)

    def bipartite_mi(self, ell: int, length: int, max_sequences: int = MAX_SEQUENCES) -> float:
        """Exact Shannon I(ℓ; L) of the Born distribution, for V^L ≤ ``max_sequences``."""
        length = self.check_length(length)
        ell = check_split(ell, length)
        self.require_enumerable(length, max_sequences,
                                also="; or `--method renyi2` for the exact Rényi-2 MI by contraction")
        return self.state(length).shannon_mi(ell)


@register
class MPS(BornMachine):
    """Born machine of a random translation-invariant MPS of bond χ; area law, I ≤ 2 ln χ.

    One bulk tensor A (χ × V × χ) and two boundary vectors with i.i.d. N(0, 1) entries, drawn from
    ``state_seed``: the state of length L is l·A⋯A·r. Every length shares the bulk, so I(L/2; L)
    converges (exponentially, at the gap of the transfer matrix) instead of jumping from one
    random state to another. ``from_quimb`` wraps any given quimb MPS instead.
    """

    name = "mps"
    PARAMS = (
        Param("chi", int, 4, "bond dimension χ (>= 1)"),
        Param("vocab_size", int, 2, "symbols per site V (>= 2)"),
        Param("state_seed", int, 0, "seed of the random bulk tensor and boundary vectors"),
    )

    def __init__(self, chi: int = 4, vocab_size: int = 2, state_seed: int | None = 0):
        super().__init__()
        self.chi = check_int("chi", chi, 1)
        self.vocab_size = self._check_vocab(vocab_size)
        check_memory(f"chi={self.chi}, vocab_size={self.vocab_size} (the χ×V×χ tensors, canonicalised)",
                     8 * 8.0 * self.chi**2 * self.vocab_size)
        self.state_seed = None if state_seed is None else check_int("state_seed", state_seed, 0)
        self._fixed_length: int | None = None

    @classmethod
    def from_quimb(cls, psi) -> "MPS":
        """The Born machine of a given quimb ``MatrixProductState`` (its length is the only one)."""
        state = CanonicalMPS.from_quimb(psi)
        family = cls(chi=max(state.bond_dims), vocab_size=state.vocab_size, state_seed=None)
        family._fixed_length = state.length
        family._states[state.length] = state
        return family

    @property
    def scaling(self) -> Scaling:
        return Scaling("area")

    def check_length(self, length) -> int:
        if self._fixed_length is not None:
            return check_int("length", length, self._fixed_length, self._fixed_length)
        return super().check_length(length)

    def make_state(self, length: int) -> CanonicalMPS:
        rng = np.random.default_rng(self.state_seed)
        bulk = rng.standard_normal((self.chi, self.vocab_size, self.chi))
        left, right = rng.standard_normal((2, self.chi))
        first = np.einsum("l,lvr->vr", left, bulk)[None]
        last = np.einsum("lvr,r->lv", bulk, right)[..., None]
        return CanonicalMPS([first] + [bulk] * (length - 2) + [last])
