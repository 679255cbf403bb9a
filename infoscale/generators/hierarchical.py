"""The hierarchical Gaussian family of the L²M paper (Chen et al., arXiv 2503.04725, Appx. C).

Construction (branching 4, ``k`` copies, lengths L = 4^l, one token dimension):

- Mixing matrix M with rows (γ, γ, γ, ρ), (−γ, γ, −γ, ρ), (−γ, −γ, γ, ρ), (γ, −γ, −γ, ρ),
  γ = √5/4, ρ = 1/4, so M Mᵀ = (5/4) I − (1/4) 11ᵀ: unit diagonal, −1/4 off it.
- Layer 1: Z = M X with X four i.i.d. N(0, 1).
- Layer l ≥ 2 (n = 4^(l−1) rows): row i = (copy_1[i], …, copy_k[i], fresh N(0, 1) …) from k
  independent layer-(l−1) sequences; Z_i = M row_i; flatten row by row (position 4i + a).
- Boundary step (``boundary=True``, layers ≥ 2): for every adjacent-row pair
  (a, b) = (Z_i[3], Z_{i+1}[0]) apply R = [[α, γ'], [γ', α]] that keeps unit variances and sets
  corr(a', b') = t = (corr(Z_i[2], Z_i[3]) + corr(Z_{i+1}[0], Z_{i+1}[1]))/5 + 2/5, all
  correlations taken before the step (the pairs are disjoint).

Every entry has unit variance: M Mᵀ has unit diagonal and the copies have unit variance, and R
keeps it. With pre-step correlation c of the pair, s = α² + γ'² and p = 2αγ' solve
s + p c = 1, p + s c = t, so (α + γ')² = (1 + t)/(1 + c) and (α − γ')² = (1 − t)/(1 − c); we take
both roots positive (R = I when t = c), giving det R = √((1 − t²)/(1 − c²)) > 0.

Pre-step covariance (index 4i + a):  Cov(Z) = Σ_{l−1} ⊗ M_c M_cᵀ + I_n ⊗ M_f M_fᵀ with
M_c = M[:, :k], M_f = M[:, k:]; then Σ_l = B Cov(Z) Bᵀ with B the pair maps (``covariance``).

The sampler and the exact likelihood never form an L × L matrix. The pair coefficients of layer d
need only the adjacent correlations r_{d−1}[i] = corr(x_i, x_{i+1}) of layer d − 1, which obey a
cheap recursion (unit variances throughout): pre-step, within a row corr(Z_i[a], Z_i[a+1]) =
(M Mᵀ)_{a,a+1}, across rows corr(Z_i[3], Z_{i+1}[0]) = r_{d−1}[i] (M_c M_cᵀ)_{30}; after pair i's
map R_i the pair has correlation t_i and its outer neighbours become
  corr(Z_i[2], a') = α_i (M Mᵀ)_{23} + γ'_i r_{d−1}[i] (M_c M_cᵀ)_{20},
  corr(b', Z_{i+1}[1]) = α_i (M Mᵀ)_{01} + γ'_i r_{d−1}[i] (M_c M_cᵀ)_{31}.
The generative map x_l = G_l(copies, fresh noise) is square and invertible (row maps M, pair maps
R_i), so ``log_prob`` inverts it layer by layer down to the i.i.d. N(0, 1) inputs:
  log p(x_l) = Σ_copies log p(copy) + Σ_fresh log φ(ε) − ln|det G_l|,
  ln|det G_l| = n ln|det M| + Σ_i ln det R_i,
which unrolls to log p(x) = Σ_all inputs log φ(ε) − Σ_d k^(l−d) ln|det G_d|.

The exact I(L/2; L) for any l follows a structured recursion in
``infoscale.exact.hierarchical`` (derivation there); other cuts use the dense covariance
(L ≤ 4^6).
"""

from __future__ import annotations

import numpy as np
from scipy import linalg

from infoscale._checks import as_rng, check_int, check_split
from infoscale.errors import InvalidInput
from infoscale.exact.gaussian import LOG_2PI
from infoscale.exact.hierarchical import (BRANCHING, MIXING, boundary_target, check_boundary, check_k,
                                          hierarchical_half_mi, pair_coefficients)
from infoscale.generators.base import Scaling
from infoscale.generators.gaussian import TOKEN_DIM, GaussianSequence
from infoscale.generators.registry import Param, boolean, register

#: Largest length the dense covariance path builds (a 4096 × 4096 matrix, 134 MB).
DENSE_MAX_LENGTH = BRANCHING**6
_MIX_LU = linalg.lu_factor(MIXING)
_LOGDET_MIX = float(np.linalg.slogdet(MIXING)[1])


def level_of(length) -> int:
    """l for a length 4^l (l ≥ 1), or a ValueError naming ``length``."""
    length = check_int("length", length, BRANCHING)
    level = (length.bit_length() - 1) // 2
    if BRANCHING**level != length:
        raise InvalidInput(f"length must be a power of 4 (4, 16, 64, ...) for the hierarchical family, got {length}")
    return level


def mix_pairs(z: np.ndarray, alpha, gamma) -> None:
    """In place along the last axis: (a, b) → (αa + γb, γa + αb) for every pair (4i + 3, 4i + 4)."""
    a = z[..., 3:-1:BRANCHING]
    b = z[..., BRANCHING::BRANCHING]
    new_a = alpha * a + gamma * b
    b *= alpha
    b += gamma * a
    a[...] = new_a


class _LayerMaps:
    """Boundary-pair coefficients (α_i, γ'_i) of each layer, from the adjacent-correlation recursion."""

    def __init__(self, k: int):
        mc = MIXING[:, :k]
        self.copy_cov = mc @ mc.T  # M_c M_cᵀ: how copy correlations enter the next layer
        self.within = np.diag(MIXING @ MIXING.T, 1)  # corr(Z_i[a], Z_i[a+1]), unit variances
        self.adjacent = self.within.copy()  # r_1: adjacent correlations of layer 1
        self.coefficients: list[tuple[np.ndarray, np.ndarray]] = []  # layers 2, 3, …

    def up_to(self, level: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """Coefficients of layers 2..level (extends the cached list as needed)."""
        while len(self.coefficients) < level - 1:
            prev = self.adjacent
            n = prev.size + 1
            pre = np.empty((n, BRANCHING))
            pre[:, :3] = self.within
            pre[:-1, 3] = prev * self.copy_cov[3, 0]
            pre = pre.ravel()[:-1]
            c = pre[3::BRANCHING]
            t = boundary_target(pre[2::BRANCHING][:-1], pre[BRANCHING::BRANCHING])
            alpha, gamma = pair_coefficients(c, t)
            post = pre.copy()
            post[3::BRANCHING] = t
            post[2::BRANCHING][:-1] = alpha * pre[2::BRANCHING][:-1] + gamma * prev * self.copy_cov[2, 0]
            post[BRANCHING::BRANCHING] = alpha * pre[BRANCHING::BRANCHING] + gamma * prev * self.copy_cov[3, 1]
            self.coefficients.append((alpha, gamma))
            self.adjacent = post
        return self.coefficients[: level - 1]


@register
class Hierarchical(GaussianSequence):
    """Hierarchical Gaussian sequences (branching 4, ``k`` copies, optional boundary step); L = 4^l."""

    name = "hierarchical"
    PARAMS = (
        Param("k", int, 3, "copies of the previous layer per row, 0..4 (3: the paper's beta = 0.79 family)"),
        Param("boundary", boolean, True, "apply the boundary step coupling adjacent rows"),
        TOKEN_DIM,
    )

    def __init__(self, k: int = 3, boundary: bool = True, token_dim: int = 1):
        super().__init__(token_dim)
        self.k = check_k(k)
        self.boundary = check_boundary(boundary)
        self._maps = _LayerMaps(self.k)

    # ---- lengths --------------------------------------------------------------------------
    def check_length(self, length) -> int:
        level_of(length)
        return super().check_length(length)

    def lengths_up_to(self, max_length: int) -> list[int]:
        """4, 16, 64, … up to ``max_length``."""
        max_length = check_int("max_length", max_length, BRANCHING)
        return [BRANCHING**level for level in range(1, (max_length.bit_length() - 1) // 2 + 1)]

    @property
    def scaling(self) -> Scaling:
        if self.k == 0 or (self.k == 1 and not self.boundary):
            return Scaling("area")
        if self.k == 1:
            return Scaling("log")
        if self.k == BRANCHING:
            return Scaling("volume")
        return Scaling("power", float(np.log(self.k) / np.log(BRANCHING)))

    # ---- dense covariance -----------------------------------------------------------------
    def covariance(self, length: int) -> np.ndarray:
        """Dense Σ_l by the recursion Σ_l = B (Σ_{l−1} ⊗ M_c M_cᵀ + I ⊗ M_f M_fᵀ) Bᵀ (L ≤ 4^6)."""
        level = level_of(length)
        if length > DENSE_MAX_LENGTH:
            raise InvalidInput(f"length {length} is too long for the dense covariance (at most {DENSE_MAX_LENGTH}); "
                             "sample, log_prob and bipartite_mi at the half cut work at any length")
        mc, mf = MIXING[:, : self.k], MIXING[:, self.k:]
        cov = MIXING @ MIXING.T
        for _ in range(level - 1):
            n = cov.shape[0]
            z = np.kron(cov, mc @ mc.T)
            rows = np.arange(n)
            z.reshape(n, BRANCHING, n, BRANCHING)[rows, :, rows, :] += mf @ mf.T
            if self.boundary:
                std = np.sqrt(np.diag(z))
                corr = np.diag(z, 1) / (std[:-1] * std[1:])
                t = boundary_target(corr[2::BRANCHING][:-1], corr[BRANCHING::BRANCHING])
                alpha, gamma = pair_coefficients(corr[3::BRANCHING], t)
                mix_pairs(z, alpha, gamma)
                mix_pairs(z.T, alpha, gamma)
            cov = z
        return cov

    # ---- fast sampler and likelihood ------------------------------------------------------
    def sample(self, n: int, length: int, rng=None) -> np.ndarray:
        """Exact samples by running the construction bottom-up; O(n·L) memory, no L × L matrix."""
        n = check_int("n", n, 1)
        level = level_of(length)
        rng = as_rng(rng)
        k, batch = self.k, n * self.token_dim
        z = rng.standard_normal((batch * k ** (level - 1), BRANCHING)) @ MIXING.T
        for depth, (alpha, gamma) in enumerate(self._maps.up_to(level), start=2):
            rows = BRANCHING ** (depth - 1)
            copies = z.reshape(batch * k ** (level - depth), k, rows).transpose(0, 2, 1)
            fresh = rng.standard_normal(copies.shape[:2] + (BRANCHING - k,))
            z = (np.concatenate([copies, fresh], axis=2) @ MIXING.T).reshape(copies.shape[0], BRANCHING * rows)
            if self.boundary:
                mix_pairs(z, alpha, gamma)
        return np.ascontiguousarray(z.reshape(n, self.token_dim, length).transpose(0, 2, 1))

    def log_prob(self, x) -> np.ndarray:
        """Exact log p(x) by inverting the generative map layer by layer (any length)."""
        x = self.check_tokens(x)
        n, length, dim = x.shape
        level = level_of(length)
        k = self.k
        z = np.moveaxis(x, 2, 1).reshape(n * dim, length).copy()  # undone in place below
        maps = self._maps.up_to(level)
        sq = np.zeros(n)
        log_det = 0.0  # ln|det| of the whole map from inputs to one token dimension of x
        for depth in range(level, 0, -1):
            rows = BRANCHING ** (depth - 1)
            count = k ** (level - depth)  # copies of layer `depth` inside one sequence
            log_det += count * rows * _LOGDET_MIX
            if depth > 1 and self.boundary:
                alpha, gamma = maps[depth - 2]
                det = alpha**2 - gamma**2
                log_det += count * float(np.sum(np.log(det)))
                mix_pairs(z, alpha / det, -gamma / det)
            inputs = linalg.lu_solve(_MIX_LU, z.reshape(-1, BRANCHING).T, check_finite=False).T
            inputs = inputs.reshape(z.shape[0], rows, BRANCHING)
            fresh = inputs if depth == 1 else inputs[:, :, k:]
            sq += np.sum(fresh.reshape(n, -1) ** 2, axis=1)
            z = inputs[:, :, :k].transpose(0, 2, 1).reshape(-1, rows)
        return -0.5 * sq - 0.5 * dim * (length * LOG_2PI + 2.0 * log_det)

    # ---- exact mutual information ---------------------------------------------------------
    def bipartite_mi(self, ell: int, length: int) -> float:
        """Exact I(ℓ; L): structured recursion at ℓ = L/2 (any L = 4^l), dense covariance otherwise."""
        level = level_of(length)
        ell = check_split(ell, length)
        if 2 * ell == length:
            return float(self._half_mi(level)[-1])
        return super().bipartite_mi(ell, length)

    def mi_curve(self, lengths, split: float = 0.5) -> np.ndarray:
        """I(ℓ; L) for each L; at split 0.5 all lengths come from one pass of the structured recursion."""
        levels = [level_of(length) for length in lengths]
        if float(split) != 0.5:
            return super().mi_curve(lengths, split)
        if not levels:
            return np.empty(0)
        return self._half_mi(max(levels))[np.asarray(levels) - 1]

    def _half_mi(self, levels: int) -> np.ndarray:
        return self.token_dim * hierarchical_half_mi(self.k, self.boundary, levels)
