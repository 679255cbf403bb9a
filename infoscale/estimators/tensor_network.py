"""Tensor-network estimators: entanglement, exact Rényi-2 MI, and TT-SVD of probability tables.

Entanglement. In the canonical form of ``infoscale.generators.mps.CanonicalMPS`` the Schmidt
values λ of every cut are stored; the spectrum is λ² and the von Neumann entropy −Σ λ² ln λ²
(nats; quimb's ``entropy`` reports bits).

Rényi-2 MI. For a distribution p, S₂ = −ln Σ_x p(x)² and I₂(A; B) = S₂(A) + S₂(B) − S₂(AB). For a
Born machine p(x) = |ψ(x)|² = ψψ*, and p² = ψψ*ψψ*, so the collision sums are contractions of
four copies of the MPS sharing their physical index (the "doubled" network of the χ²-bond
probability MPS ψ ⊗ ψ*, contracted with itself). With right-canonical tensors B_t and the prefix
amplitudes L(a) of a cut ℓ (gauge with diagonal Gram, Schmidt values λ),

    E_ℓ[a b c d] = Σ_{x_<ℓ} L_a L_b* L_c L_d*,     F_ℓ[a b c d] = Σ_{x_≥ℓ} R_a R_b* R_c R_d*,

built site by site (each step contracts one tensor into each of the four legs by GEMMs: O(V χ⁵), the
χ⁴-entry environment renormalised at every step so that nothing underflows at any L), give

    Σ p_A² = Σ_kk' E[k k k' k'],   Σ p_B² = Σ_kk' λ_k² λ_k'² F[k k k' k'],   Σ p² = ⟨E_ℓ, F_ℓ⟩,

the first because the suffix sums to the identity (right-canonical), the second because the prefix
Gram is diag(λ²). One cut costs L steps; the full collision Σ p² does not depend on the cut.

TT-SVD. An explicit table T over V^L (e.g. a probability table) is compressed into a tensor train by
successive truncated SVDs of its unfoldings (Oseledets 2011), each truncated to the smallest rank
whose discarded singular values have norm ≤ ε‖T‖/√(L−1); the total relative error is then ≤ ε.
The ranks are the bond dimensions an exact-to-ε MPS (χ per cut) of the distribution needs: the
tensor-network form of the L²M condition (history state ≥ what the MI across each cut needs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from infoscale._checks import check_finite_array, check_float, check_int, check_split
from infoscale.errors import InvalidInput, InvalidType
from infoscale.estimators.result import Estimate, timer
from infoscale.exact.discrete import MAX_SEQUENCES, check_enumerable, sequence_chunks
from infoscale.generators.base import SequenceDistribution
from infoscale.exact.mps import CanonicalMPS
from infoscale.generators.mps import BornMachine
from infoscale.progress import Progress, report


def canonical_state(source, length: int | None = None) -> CanonicalMPS:
    """A ``CanonicalMPS`` from a Born-machine family (with ``length``), a quimb MPS, or itself."""
    if isinstance(source, CanonicalMPS):
        return source
    if isinstance(source, BornMachine):
        if length is None:
            raise InvalidInput("length is required when the source is a family")
        return source.state(length)
    if type(source).__module__.startswith("quimb"):          # checked without importing quimb
        return CanonicalMPS.from_quimb(source)
    raise InvalidType(f"expected an MPS family (mps, ising), a CanonicalMPS or a quimb MatrixProductState, "
                    f"got {type(source).__name__}")


def schmidt_spectra(source, length: int | None = None) -> list[np.ndarray]:
    """The Schmidt spectrum λ² (sums to 1) of each cut ℓ = 1..L−1."""
    return [lam**2 for lam in canonical_state(source, length).schmidt[1:-1]]


def entanglement_entropy(source, length: int | None = None) -> np.ndarray:
    """Von Neumann entanglement entropy in nats at each cut ℓ = 1..L−1, shape (L − 1,)."""
    return canonical_state(source, length).entanglement_entropies()


# ---- Rényi-2 --------------------------------------------------------------------------------------
def renyi2_mutual_information(source, ell: int, length: int | None = None, progress: Progress = None) -> Estimate:
    """Exact Rényi-2 I₂(ℓ; L) = S₂(A) + S₂(B) − S₂(AB) of a Born machine (stderr ``None``)."""
    with timer() as elapsed:
        state = canonical_state(source, length)
        ell = check_split(ell, state.length)
        log_e, env_e = _environment(state, ell, True, progress, 0)
        log_f, env_f = _environment(state, ell, False, progress, ell)
        lam2 = state.schmidt[ell] ** 2
        log_a = log_e + np.log(np.einsum("aabb->", env_e).real)
        log_b = log_f + np.log(np.einsum("aabb,a,b->", env_f, lam2, lam2).real)
        log_ab = log_e + log_f + np.log(np.sum(env_e * env_f).real)
        value = log_ab - log_a - log_b
    return Estimate(value=float(value), stderr=None, method="renyi2", seconds=elapsed(),
                    extra={"renyi2_entropy_a": -float(log_a), "renyi2_entropy_b": -float(log_b),
                           "renyi2_entropy_ab": -float(log_ab)})


def renyi2_profile(source, length: int | None = None) -> np.ndarray:
    """Exact Rényi-2 MI at every cut ℓ = 1..L−1 (one sweep from each side, 2L steps)."""
    state = canonical_state(source, length)
    log_a = _collisions(state, left=True)
    log_b = _collisions(state, left=False)
    return log_a[-1] - log_a[:-1] - log_b


def _collisions(state: CanonicalMPS, left: bool) -> np.ndarray:
    """log Σ p_A² for every prefix (left=True; the last entry is the full Σ p²), or log Σ p_B² for
    every suffix x_≥ℓ, ℓ = 1..L−1 (left=False)."""
    env, log_scale, out = np.ones((1, 1, 1, 1), dtype=state.tensors[0].dtype), 0.0, []
    sites = range(state.length) if left else range(state.length - 1, 0, -1)
    for t in sites:
        env, log_scale = _step(env, state.tensors[t], left, log_scale)
        if left:
            out.append(log_scale + np.log(np.einsum("aabb->", env).real))
        else:
            lam2 = state.schmidt[t] ** 2
            out.append(log_scale + np.log(np.einsum("aabb,a,b->", env, lam2, lam2).real))
    return np.array(out if left else out[::-1])


def _environment(state: CanonicalMPS, ell: int, left: bool, progress: Progress, done: int) -> tuple[float, np.ndarray]:
    """(log scale, E_ℓ) from the left or (log scale, F_ℓ) from the right, normalised; reports
    sites contracted (``done`` before this sweep) out of L."""
    env, log_scale = np.ones((1, 1, 1, 1), dtype=state.tensors[0].dtype), 0.0
    for t in (range(ell) if left else range(state.length - 1, ell - 1, -1)):
        env, log_scale = _step(env, state.tensors[t], left, log_scale)
        done += 1
        report(progress, done, state.length)
    return log_scale, env


def _step(env: np.ndarray, b: np.ndarray, left: bool, log_scale: float) -> tuple[np.ndarray, float]:
    """Contract one site into the four legs (ψ, ψ*, ψ, ψ*) of the environment, then renormalise.

    For each symbol v, each leg is one GEMM of the (D, D³) unfolding with B[v] (or B[v]*); the
    legs rotate to the back as they are contracted, so no transposed copy is ever made.
    """
    mats = b if left else b.transpose(2, 1, 0)                 # (D_in, V, D_out)
    out = 0.0
    for v in range(mats.shape[1]):
        m = mats[:, v, :]
        t = env
        for op in (m, m.conj(), m, m.conj()):
            t = t.reshape(op.shape[0], -1).T @ op
        out = out + t
    out = out.reshape((mats.shape[2],) * 4)
    norm = np.linalg.norm(out)
    return out / norm, log_scale + np.log(norm)


# ---- TT-SVD -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TTCompression:
    """A tensor train of a table over V^L: ``cores[t]`` (r_t, V, r_t+1), ``ranks`` r_1..r_L−1,
    the achieved relative Frobenius ``error`` and the requested ``tol``."""

    cores: list
    ranks: list
    error: float
    tol: float


def tt_svd(table, vocab_size: int, tol: float = 1e-8) -> TTCompression:
    """TT-SVD of a table of V^L numbers (lexicographic order, first token most significant)
    with total relative error ≤ ``tol``."""
    table = check_finite_array("table", table).ravel()
    vocab_size = check_int("vocab_size", vocab_size, 2)
    tol = check_float("tol", tol, 0.0, 1.0, high_open=True)
    length = int(round(np.log(table.size) / np.log(vocab_size)))
    if length < 2 or vocab_size**length != table.size:
        raise InvalidInput(f"table must hold V^L entries with L >= 2 (V = {vocab_size}), got {table.size}")
    total = np.linalg.norm(table)
    if total == 0:
        raise InvalidInput("table is all zeros")
    delta = tol * total / np.sqrt(length - 1)
    cores, rest, rank = [], table.reshape(1, -1), 1
    for _ in range(length - 1):
        u, s, vh = np.linalg.svd(rest.reshape(rank * vocab_size, -1), full_matrices=False)
        tail = np.sqrt(np.cumsum(s[::-1] ** 2))[::-1]      # tail[k] = ‖s[k:]‖
        new_rank = max(1, int(np.sum(tail > delta)))
        cores.append(u[:, :new_rank].reshape(rank, vocab_size, new_rank))
        rest, rank = s[:new_rank, None] * vh[:new_rank], new_rank
    cores.append(rest.reshape(rank, vocab_size, 1))
    error = np.linalg.norm(tt_to_table(cores) - table) / total
    return TTCompression(cores=cores, ranks=[c.shape[2] for c in cores[:-1]], error=float(error), tol=tol)


def tt_to_table(cores) -> np.ndarray:
    """The full table (V^L, lexicographic) of a tensor train."""
    out = np.ones((1, 1))
    for core in cores:
        out = np.einsum("al,lxr->axr", out, core).reshape(-1, core.shape[2])
    return out.ravel()


def probability_table(family, length: int, max_sequences: int = MAX_SEQUENCES) -> np.ndarray:
    """p(x) for all V^L sequences of a discrete family (lexicographic), by contraction for MPS
    families and by enumerating ``log_prob`` otherwise."""
    if not (isinstance(family, SequenceDistribution) and family.discrete):
        got = family.name if isinstance(family, SequenceDistribution) else type(family).__name__
        raise InvalidType(f"a probability table needs a discrete family, got {got!r}")
    length = family.check_length(length)
    check_enumerable(family.vocab_size, length, max_sequences)
    if isinstance(family, BornMachine):
        return family.state(length).probability_table()
    return np.concatenate([np.exp(family.log_prob(x)) for x in
                           sequence_chunks(family.vocab_size, length, max_sequences=max_sequences)])


def tt_bond_dimensions(family, length: int, tol: float = 1e-6, max_sequences: int = MAX_SEQUENCES) -> list[int]:
    """Bond dimension each cut of a family's exact distribution needs for relative error ≤ ``tol``."""
    return tt_svd(probability_table(family, length, max_sequences), family.vocab_size, tol).ranks
