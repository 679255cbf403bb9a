"""The MPS engine: an open-boundary matrix product state in canonical form, and what it computes exactly.

An open-boundary MPS with tensors A_t of shape (D_t, V, D_t+1), D_0 = D_L = 1, gives amplitudes
ψ(x) = A_0[x_0] A_1[x_1] ⋯ A_L−1[x_L−1] and the Born distribution p(x) = |ψ(x)|² / ⟨ψ|ψ⟩ over
V^L sequences (the families built on it live in ``infoscale.generators.mps``). The bond
dimension χ = max D_t is a history state: everything the prefix x_<t tells about the suffix
passes through a D_t-dimensional vector.

Canonical form (``CanonicalMPS``). A QR sweep to the right normalises the state and makes every
tensor left-canonical; an SVD sweep back to the left, C_t = U S V†, keeps B_t = V† (right-canonical:
Σ_{x,r} B_t[l,x,r] B_t[l',x,r]* = δ_ll') and pushes U S into site t−1. The product of the tensors
left of bond t is then (left-canonical tensors)·U·S, so in this gauge the prefix amplitudes have a
diagonal Gram matrix,

    Σ_{x_<t} ψ_<t(x)_k* ψ_<t(x)_k' = λ_t,k² δ_kk',      Σ_k λ_t,k² = 1,

λ_t being the Schmidt values of the cut at bond t (later steps of the sweep re-gauge only bonds
left of t, which leaves ψ_<t unchanged as a function of the open bond index). Singular values below
the numerical rank tolerance (λ_max·max(shape)·eps) are dropped. Everything below is exact:

- Conditionals and sampling. Summing |ψ|² over any suffix gives the identity on the bond
  (right-canonical), so p(x_≤t) = ‖ψ_≤t(x)‖² and p(x_t = v | x_<t) = ‖u B_t[v]‖² with u = ψ_<t(x)
  normalised. The sampler walks left to right, vectorised over samples (one matrix product per
  site for the whole batch); u is renormalised at every step and the logs of the conditionals add
  up to log p(x), so nothing underflows at any L. Cost O(n·L·V·χ²).
- Block marginals. Tracing out the prefix with its diagonal Gram and the suffix by
  right-canonicality, p(x_s..x_t−1) = Σ_k λ_s,k² ‖e_k^T B_s[x_s] ⋯ B_t−1[x_t−1]‖². A suffix
  (t = L) is a vector recursion from the right, O(χ²) per site; an inner block carries a D_s × D
  matrix, O(χ³) per site.
- Entanglement. The von Neumann entropy of the cut at bond t is −Σ_k λ_t,k² ln λ_t,k² (nats), so
  S ≤ ln D_t ≤ ln χ. A measurement of each site in the product basis is a local operation on each
  side of the cut, and the quantum mutual information 2S of a pure state cannot grow under local
  operations, hence the Shannon MI of the Born distribution obeys I(ℓ; L) ≤ 2 S_ℓ ≤ 2 ln χ.
- Exact Shannon MI (small L). The amplitude matrix of the cut factorises, Ψ[a, b] = P[a, :]·Q[:, b],
  with prefix rows P (V^ℓ × D_ℓ) and suffix columns Q (D_ℓ × V^(L−ℓ)) built by extending prefix
  and suffix trees; p = |Ψ|² and its row and column sums give the MI. The table has V^L entries,
  capped by ``max_sequences`` as in ``infoscale.exact.discrete``; beyond it the MI comes
  from the exact-likelihood Monte-Carlo estimator (``mc_mutual_information``, with a standard
  error) or, as the Rényi-2 MI, from ``infoscale.estimators.tensor_network``.

quimb is imported lazily (its first import compiles numba kernels); the arrays here are numpy.
"""

from __future__ import annotations

import numpy as np
from scipy.special import xlogy

from infoscale._checks import as_rng, check_int
from infoscale.errors import InvalidInput, InvalidType


class CanonicalMPS:
    """An open-boundary MPS in right-canonical form, with the Schmidt values of every cut.

    ``tensors[t]`` has shape (D_t, V, D_t+1); ``schmidt[t]`` (t = 0..L) holds the Schmidt values of
    the cut before site t (``schmidt[0] = schmidt[L] = [1]``). Build it from raw arrays or from a
    quimb ``MatrixProductState`` (``from_quimb``); the input need not be normalised or canonical.
    """

    def __init__(self, arrays):
        tensors = _check_arrays(arrays)
        self.length = len(tensors)
        self.vocab_size = tensors[0].shape[1]
        self.tensors, self.schmidt = _right_canonical(tensors)

    @classmethod
    def from_quimb(cls, psi) -> "CanonicalMPS":
        """Canonical form of a quimb ``MatrixProductState`` (open boundaries)."""
        return cls(quimb_arrays(psi))

    @property
    def bond_dims(self) -> list[int]:
        """D_1 .. D_L−1, the bond dimensions of the L − 1 cuts."""
        return [b.shape[0] for b in self.tensors[1:]]

    @property
    def complex(self) -> bool:
        return np.iscomplexobj(self.tensors[0])

    def entanglement_entropies(self) -> np.ndarray:
        """Von Neumann entropy (nats) of the cut after each of the first L − 1 sites, shape (L − 1,)."""
        return np.array([-float(np.sum(xlogy(lam**2, lam**2))) for lam in self.schmidt[1:-1]])

    def to_quimb(self):
        """This (normalised, right-canonical) state as a quimb ``MatrixProductState``."""
        import quimb.tensor as qtn

        arrays = [self.tensors[0][0]] + self.tensors[1:-1] + [self.tensors[-1][:, :, 0]]
        return qtn.MatrixProductState(arrays, shape="lpr")

    # ---- sampling and likelihoods ------------------------------------------------------------
    def sample(self, n: int, rng=None) -> tuple[np.ndarray, np.ndarray]:
        """``n`` exact samples (n, L) and their exact log-probabilities (n,)."""
        n = check_int("n", n, 1)
        uniforms = as_rng(rng).random((n, self.length))
        x = np.empty((n, self.length), dtype=np.int64)
        cond = self._walk(x, uniforms=uniforms)
        return x, cond.sum(axis=1)

    def conditional_log_probs(self, x: np.ndarray) -> np.ndarray:
        """log p(x_t | x_<t) for every position, (n, L)."""
        return self._walk(x)

    def predictive_log_probs(self, x: np.ndarray) -> np.ndarray:
        """log p(X_t = v | x_<t) for every position and symbol, (n, L, V)."""
        out = np.empty(x.shape + (self.vocab_size,))
        self._walk(x, predictive=out)
        return out

    def _walk(self, x, uniforms=None, predictive=None) -> np.ndarray:
        """Left-to-right pass over the sites: draws x in place when ``uniforms`` is given,
        fills ``predictive`` when given, and returns log p(x_t | x_<t), (n, L)."""
        n = x.shape[0]
        rows = np.arange(n)
        u = np.ones((n, 1), dtype=self.tensors[0].dtype)
        cond = np.empty((n, self.length))
        for t, b in enumerate(self.tensors):
            w = (u @ b.reshape(b.shape[0], -1)).reshape(n, self.vocab_size, b.shape[2])
            probs = _abs2(w).sum(axis=2)
            probs /= probs.sum(axis=1, keepdims=True)
            if uniforms is not None:
                cdf = np.cumsum(probs, axis=1)
                x[:, t] = np.minimum((cdf < uniforms[:, t, None] * cdf[:, -1:]).sum(axis=1), self.vocab_size - 1)
            if predictive is not None:
                predictive[:, t] = np.log(probs)
            p = probs[rows, x[:, t]]
            with np.errstate(divide="ignore"):
                cond[:, t] = np.log(p)
            # An impossible prefix (p = 0) keeps a placeholder state; its log p(x) is already −inf.
            u = w[rows, x[:, t]] / np.sqrt(np.where(p > 0, p, 1.0))[:, None]
            u[p == 0] = 1.0 / np.sqrt(u.shape[1])
        return cond

    def marginal_log_prob(self, x: np.ndarray, start: int, stop: int) -> np.ndarray:
        """Exact log p(x[:, start:stop]) of the block (x holds the block's tokens in those columns)."""
        n = x.shape[0]
        lam = self.schmidt[start]
        log_scale = np.zeros(n)
        if stop == self.length:                    # a suffix: vector recursion from the right
            u = np.ones((n, 1), dtype=self.tensors[0].dtype)
            for t in range(self.length - 1, start - 1, -1):
                u = _apply(u, np.swapaxes(self.tensors[t], 0, 2), x[:, t])
                u, log_scale = _renormalise(u, log_scale)
            weight = _abs2(u) @ lam**2
        else:                                      # an inner block or a prefix: matrix recursion
            m = np.broadcast_to(np.diag(lam).astype(self.tensors[0].dtype), (n,) + (lam.size,) * 2)
            for t in range(start, stop):
                m = _apply(m, self.tensors[t], x[:, t])
                m, log_scale = _renormalise(m, log_scale)
            weight = _abs2(m).reshape(n, -1).sum(axis=1)
        with np.errstate(divide="ignore"):
            return np.log(weight) + log_scale

    # ---- the full table ------------------------------------------------------------------------
    def cut_factors(self, ell: int) -> tuple[np.ndarray, np.ndarray]:
        """Prefix rows P (V^ℓ, D_ℓ) and suffix columns Q (D_ℓ, V^(L−ℓ)) with ψ = P @ Q,
        both in lexicographic order of the tokens (first token most significant)."""
        rows = np.ones((1, 1), dtype=self.tensors[0].dtype)
        for b in self.tensors[:ell]:
            rows = np.einsum("al,lxr->axr", rows, b).reshape(-1, b.shape[2])
        cols = np.ones((1, 1), dtype=self.tensors[0].dtype)
        for b in reversed(self.tensors[ell:]):
            cols = np.einsum("lxr,rb->lxb", b, cols).reshape(b.shape[0], -1)
        return rows, cols

    def probability_table(self) -> np.ndarray:
        """p(x) for all V^L sequences, lexicographic order (first token most significant)."""
        rows, cols = self.cut_factors(self.length // 2)
        return _abs2(rows @ cols).ravel()

    def shannon_mi(self, ell: int) -> float:
        """Exact Shannon I(x_<ℓ ; x_≥ℓ) from the full table (V^L entries)."""
        rows, cols = self.cut_factors(ell)
        joint = _abs2(rows @ cols)
        value = (np.sum(xlogy(joint, joint)) - np.sum(xlogy(joint.sum(axis=1), joint.sum(axis=1)))
                 - np.sum(xlogy(joint.sum(axis=0), joint.sum(axis=0))))
        return max(float(value), 0.0)


# ---- helpers --------------------------------------------------------------------------------------
def quimb_arrays(psi) -> list[np.ndarray]:
    """The site tensors of a quimb ``MatrixProductState`` as (D_l, V, D_r) numpy arrays."""
    import quimb.tensor as qtn

    if not isinstance(psi, qtn.MatrixProductState):
        raise InvalidType(f"psi must be a quimb MatrixProductState, got {type(psi).__name__}")
    if psi.cyclic:
        raise InvalidInput("psi must have open boundaries (a cyclic MPS has no canonical form to sample from)")
    length = psi.L
    arrays = []
    for t in range(length):
        inds = ([psi.bond(t - 1, t)] if t > 0 else []) + [psi.site_ind(t)] + ([psi.bond(t, t + 1)] if t < length - 1 else [])
        data = np.asarray(psi[t].transpose(*inds).data)
        if t == 0:
            data = data[None]
        if t == length - 1:
            data = data[..., None]
        arrays.append(data)
    return arrays


def _check_arrays(arrays) -> list[np.ndarray]:
    tensors = [np.asarray(a) for a in arrays]
    if len(tensors) < 2:
        raise InvalidInput(f"an MPS needs at least 2 sites, got {len(tensors)}")
    for t, a in enumerate(tensors):
        if a.ndim != 3:
            raise InvalidInput(f"site tensor {t} must have shape (D_left, V, D_right), got {a.shape}")
        if not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.complexfloating)):
            raise InvalidType(f"site tensor {t} must hold real or complex floats, got dtype {a.dtype}")
        if not np.all(np.isfinite(a)):
            raise InvalidInput(f"site tensor {t} contains NaN or infinite values")
    if tensors[0].shape[0] != 1 or tensors[-1].shape[2] != 1:
        raise InvalidInput("the boundary bonds must have dimension 1 (open boundaries)")
    vocab = tensors[0].shape[1]
    if vocab < 2:
        raise InvalidInput(f"vocab_size (the physical dimension) must be >= 2, got {vocab}")
    for t, a in enumerate(tensors):
        if a.shape[1] != vocab:
            raise InvalidInput(f"every site must have the same V; site 0 has {vocab}, site {t} has {a.shape[1]}")
        if t and tensors[t - 1].shape[2] != a.shape[0]:
            raise InvalidInput(f"bond {t} mismatch: site {t - 1} has D_right={tensors[t - 1].shape[2]}, "
                             f"site {t} has D_left={a.shape[0]}")
    dtype = np.result_type(*tensors, np.float64)
    return [a.astype(dtype) for a in tensors]


def _right_canonical(tensors: list[np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """QR sweep right (normalising), SVD sweep left: right-canonical tensors and Schmidt values."""
    tensors = list(tensors)
    for t in range(len(tensors) - 1):
        dl, v, dr = tensors[t].shape
        q, r = np.linalg.qr(tensors[t].reshape(dl * v, dr))
        tensors[t] = q.reshape(dl, v, -1)
        tensors[t + 1] = np.tensordot(r / max(np.linalg.norm(r), np.finfo(float).tiny), tensors[t + 1], axes=(1, 0))
    norm = np.linalg.norm(tensors[-1])
    if not norm > 0 or not np.isfinite(norm):
        raise InvalidInput("the MPS cannot be normalised: its norm is zero (every amplitude vanishes)")
    tensors[-1] = tensors[-1] / norm
    schmidt = [None] * (len(tensors) + 1)
    schmidt[0] = schmidt[-1] = np.ones(1)
    for t in range(len(tensors) - 1, 0, -1):
        dl, v, dr = tensors[t].shape
        u, s, vh = np.linalg.svd(tensors[t].reshape(dl, v * dr), full_matrices=False)
        keep = max(1, int(np.sum(s > s[0] * max(dl, v * dr) * np.finfo(float).eps)))
        u, s, vh = u[:, :keep], s[:keep], vh[:keep]
        tensors[t] = vh.reshape(keep, v, dr)
        tensors[t - 1] = np.tensordot(tensors[t - 1], u * s, axes=(2, 0))
        schmidt[t] = s / np.linalg.norm(s)
    tensors[0] = tensors[0] / np.linalg.norm(tensors[0])
    return tensors, schmidt


def _abs2(a: np.ndarray) -> np.ndarray:
    return a.real**2 + a.imag**2 if np.iscomplexobj(a) else a * a


def _apply(m: np.ndarray, b: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    """m[i] @ b[:, tokens[i], :] for each row i (m: (n, D) or (n, k, D); b: (D, V, D'))."""
    out = np.empty(m.shape[:-1] + (b.shape[2],), dtype=np.result_type(m, b))
    for v in range(b.shape[1]):
        sel = tokens == v
        if sel.any():
            out[sel] = m[sel] @ b[:, v, :]
    return out


def _renormalise(m: np.ndarray, log_scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Divide each row block by its norm and add 2·log(norm) to ``log_scale`` (squared amplitudes)."""
    norms = np.sqrt(_abs2(m).reshape(m.shape[0], -1).sum(axis=1))
    safe = np.where(norms > 0, norms, 1.0)
    with np.errstate(divide="ignore"):
        return m / safe.reshape((-1,) + (1,) * (m.ndim - 1)), log_scale + 2 * np.log(norms)
