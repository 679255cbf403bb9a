"""The hierarchical Gaussian family of the L²M paper (Chen et al., arXiv 2503.04725, Appx. C).

Construction (branching b, ``k`` ≤ b copies, lengths L = b^l, one token dimension; the paper's
family is b = 4, the default, and the indices below are written for it: 3 is b − 1, 4 is b):

- Mixing matrix M (b × b) with M Mᵀ = S_b = (1 + 1/b) I − (1/b) 11ᵀ: unit diagonal, −1/b off it.
  At b = 4 it is the paper's M, rows (γ, γ, γ, ρ), (−γ, γ, −γ, ρ), (−γ, −γ, γ, ρ), (γ, −γ, −γ, ρ),
  γ = √5/4, ρ = 1/4 (M Mᵀ = S_4); for b ≠ 4 it is the symmetric square root
  S_b^½ = √(1 + 1/b) (I − P) + √(1/b) P, P = 11ᵀ/b (``exact.hierarchical.mixing_matrix``).
  Only b = 4 (any k, boundary on or off) reproduces the paper's family, bit for bit.
- Layer 1: Z = M X with X b i.i.d. N(0, 1).
- Layer l ≥ 2 (n = b^(l−1) rows): row i = (copy_1[i], …, copy_k[i], fresh N(0, 1) …) from k
  independent layer-(l−1) sequences; Z_i = M row_i; flatten row by row (position bi + a).
- Boundary step (``boundary=True``, layers ≥ 2, b ≥ 3): for every adjacent-row pair
  (a, b) = (Z_i[3], Z_{i+1}[0]) apply R = [[α, γ'], [γ', α]] that keeps unit variances and sets
  corr(a', b') = t = (corr(Z_i[2], Z_i[3]) + corr(Z_{i+1}[0], Z_{i+1}[1]))/5 + 2/5, all
  correlations taken before the step (the pairs are disjoint). At b = 2 every element would be in
  a boundary pair and the neighbours' correlations would not stay adjacent, so b = 2 takes
  ``boundary=False``.

Without the step I(L/2; L) = k^(l−1) I_1 exactly, so β = ln k / ln b (k = 1: area, k = b: volume);
with it the per-level correction is O(1) and the fitted β stays within 0.02 of ln k / ln b.

Every entry has unit variance: M Mᵀ has unit diagonal and the copies have unit variance, and R
keeps it. With pre-step correlation c of the pair, s = α² + γ'² and p = 2αγ' solve
s + p c = 1, p + s c = t, so (α + γ')² = (1 + t)/(1 + c) and (α − γ')² = (1 − t)/(1 − c); we take
both roots positive (R = I when t = c), giving det R = √((1 − t²)/(1 − c²)) > 0.

Pre-step covariance (index 4i + a):  Cov(Z) = Σ_{l−1} ⊗ M_c M_cᵀ + I_n ⊗ M_f M_fᵀ with
M_c = M[:, :k], M_f = M[:, k:]; then Σ_l = B Cov(Z) Bᵀ with B the pair maps (``covariance``).

The sampler, the exact likelihood and the exact conditionals (``tree_conditionals``, a Kalman-style
pass over the levels: ``infoscale.exact.hierarchical_tree``) never form an L × L matrix. The pair coefficients of layer d
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

The exact I(L/2; L) for any l and even b follows a structured recursion in
``infoscale.exact.hierarchical`` (derivation there); other cuts, and odd b (whose L/2 falls
inside a row), use the dense covariance (L ≤ 4^6).
"""

from __future__ import annotations

import numpy as np
from scipy import linalg

from infoscale._checks import as_rng, check_int, check_split
from infoscale.errors import InvalidInput
from infoscale.exact.gaussian import LOG_2PI
from infoscale.exact.hierarchical_tree import tree_conditionals, tree_plan
from infoscale.exact.hierarchical import (BRANCHING, boundary_target, check_boundary, check_branching, check_k,
                                          hierarchical_half_mi, mixing_matrix, pair_coefficients)
from infoscale.generators.base import Scaling
from infoscale.generators.gaussian import TOKEN_DIM, GaussianSequence
from infoscale.generators.registry import Param, boolean, register

#: Largest length the dense covariance path builds (a 4096 × 4096 matrix, 134 MB).
DENSE_MAX_LENGTH = 4**6
#: Lengths from which ``conditionals`` takes the tree pass (measured faster than the cached dense
#: factor's solve from L = 4096 on, and needing no factor: ``benchmarks/bench_hierarchical_tree.py``).
TREE_FROM_LENGTH = 2048


def level_of(length, branching: int = BRANCHING) -> int:
    """l for a length b^l (l ≥ 1), or a ValueError naming ``length``."""
    length = check_int("length", length, branching)
    level = round(np.log(length) / np.log(branching))
    if branching**level != length:
        powers = ", ".join(str(branching**i) for i in range(1, 4))
        raise InvalidInput(f"length must be a power of {branching} ({powers}, ...) for the hierarchical family "
                           f"with branching {branching}, got {length}")
    return level


def mix_pairs(z: np.ndarray, alpha, gamma, branching: int = BRANCHING) -> None:
    """In place along the last axis: (a, b) → (αa + γb, γa + αb) for every pair (bi + b − 1, bi + b)."""
    a = z[..., branching - 1:-1:branching]
    b = z[..., branching::branching]
    new_a = alpha * a + gamma * b
    b *= alpha
    b += gamma * a
    a[...] = new_a


class _LayerMaps:
    """Boundary-pair coefficients (α_i, γ'_i) of each layer, from the adjacent-correlation recursion."""

    def __init__(self, k: int, mixing: np.ndarray):
        self.branching = mixing.shape[0]
        mc = mixing[:, :k]
        self.copy_cov = mc @ mc.T  # M_c M_cᵀ: how copy correlations enter the next layer
        self.within = np.diag(mixing @ mixing.T, 1)  # corr(Z_i[a], Z_i[a+1]), unit variances
        self.adjacent = self.within.copy()  # r_1: adjacent correlations of layer 1
        self.coefficients: list[tuple[np.ndarray, np.ndarray]] = []  # layers 2, 3, …

    def up_to(self, level: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """Coefficients of layers 2..level (extends the cached list as needed)."""
        b = self.branching
        while len(self.coefficients) < level - 1:
            prev = self.adjacent
            n = prev.size + 1
            pre = np.empty((n, b))
            pre[:, :b - 1] = self.within
            pre[:-1, b - 1] = prev * self.copy_cov[b - 1, 0]
            pre = pre.ravel()[:-1]
            c = pre[b - 1::b]
            t = boundary_target(pre[b - 2::b][:-1], pre[b::b])
            alpha, gamma = pair_coefficients(c, t)
            post = pre.copy()
            post[b - 1::b] = t
            post[b - 2::b][:-1] = alpha * pre[b - 2::b][:-1] + gamma * prev * self.copy_cov[b - 2, 0]
            post[b::b] = alpha * pre[b::b] + gamma * prev * self.copy_cov[b - 1, 1]
            self.coefficients.append((alpha, gamma))
            self.adjacent = post
        return self.coefficients[: level - 1]


@register
class Hierarchical(GaussianSequence):
    """Hierarchical Gaussian sequences (branching b, ``k`` copies, optional boundary step); L = b^l."""

    name = "hierarchical"
    PARAMS = (
        Param("k", int, 3, "copies of the previous layer per row, 0..b (3 with b = 4: the paper's beta = 0.79 family)"),
        Param("boundary", boolean, True, "apply the boundary step coupling adjacent rows"),
        TOKEN_DIM,
        Param("branching", int, BRANCHING, "branching b >= 2 (>= 3 with the boundary step): L = b^l, beta = ln k / ln b"),
    )

    def __init__(self, k: int = 3, boundary: bool = True, token_dim: int = 1, branching: int = BRANCHING):
        super().__init__(token_dim)
        self.boundary = check_boundary(boundary)
        self.branching = check_branching(branching, self.boundary)
        self.k = check_k(k, self.branching)
        self.mixing = mixing_matrix(self.branching)
        self._mix_lu = linalg.lu_factor(self.mixing)
        self._logdet_mix = float(np.linalg.slogdet(self.mixing)[1])
        self._maps = _LayerMaps(self.k, self.mixing)
        self._plans: dict[int, list] = {}  # tree_plan per level

    @property
    def params(self) -> dict:
        """The constructor parameters; ``branching`` only when it is not the paper's 4, so that the
        labels, result files and resume checks of b = 4 runs stay what they were."""
        params = super().params
        if self.branching == BRANCHING:
            del params["branching"]
        return params

    # ---- lengths --------------------------------------------------------------------------
    def check_length(self, length) -> int:
        level_of(length, self.branching)
        return super().check_length(length)

    def lengths_up_to(self, max_length: int) -> list[int]:
        """b, b², b³, … up to ``max_length``."""
        b = self.branching
        max_length = check_int("max_length", max_length, b)
        lengths = [b]
        while lengths[-1] * b <= max_length:
            lengths.append(lengths[-1] * b)
        return lengths

    @property
    def scaling(self) -> Scaling:
        if self.k == 0 or (self.k == 1 and not self.boundary):
            return Scaling("area")
        if self.k == 1:
            return Scaling("log")
        if self.k == self.branching:
            return Scaling("volume")
        return Scaling("power", float(np.log(self.k) / np.log(self.branching)))

    # ---- dense covariance -----------------------------------------------------------------
    def covariance(self, length: int) -> np.ndarray:
        """Dense Σ_l by the recursion Σ_l = B (Σ_{l−1} ⊗ M_c M_cᵀ + I ⊗ M_f M_fᵀ) Bᵀ (L ≤ 4^6)."""
        level = level_of(length, self.branching)
        if length > DENSE_MAX_LENGTH:
            raise InvalidInput(f"length {length} is too long for the dense covariance (at most {DENSE_MAX_LENGTH}); "
                             "sample, log_prob and bipartite_mi at the half cut work at any length")
        b, mixing = self.branching, self.mixing
        mc, mf = mixing[:, : self.k], mixing[:, self.k:]
        cov = mixing @ mixing.T
        for _ in range(level - 1):
            n = cov.shape[0]
            z = np.kron(cov, mc @ mc.T)
            rows = np.arange(n)
            z.reshape(n, b, n, b)[rows, :, rows, :] += mf @ mf.T
            if self.boundary:
                std = np.sqrt(np.diag(z))
                corr = np.diag(z, 1) / (std[:-1] * std[1:])
                t = boundary_target(corr[b - 2::b][:-1], corr[b::b])
                alpha, gamma = pair_coefficients(corr[b - 1::b], t)
                mix_pairs(z, alpha, gamma, b)
                mix_pairs(z.T, alpha, gamma, b)
            cov = z
        return cov

    # ---- fast sampler and likelihood ------------------------------------------------------
    def sample(self, n: int, length: int, rng=None) -> np.ndarray:
        """Exact samples by running the construction bottom-up; O(n·L) memory, no L × L matrix."""
        n = check_int("n", n, 1)
        b, mixing = self.branching, self.mixing
        level = level_of(length, b)
        rng = as_rng(rng)
        k, batch = self.k, n * self.token_dim
        z = rng.standard_normal((batch * k ** (level - 1), b)) @ mixing.T
        for depth, (alpha, gamma) in enumerate(self._maps.up_to(level), start=2):
            rows = b ** (depth - 1)
            copies = z.reshape(batch * k ** (level - depth), k, rows).transpose(0, 2, 1)
            fresh = rng.standard_normal(copies.shape[:2] + (b - k,))
            z = (np.concatenate([copies, fresh], axis=2) @ mixing.T).reshape(copies.shape[0], b * rows)
            if self.boundary:
                mix_pairs(z, alpha, gamma, b)
        return np.ascontiguousarray(z.reshape(n, self.token_dim, length).transpose(0, 2, 1))

    def log_prob(self, x) -> np.ndarray:
        """Exact log p(x) by inverting the generative map layer by layer (any length)."""
        x = self.check_tokens(x)
        n, length, dim = x.shape
        b = self.branching
        level = level_of(length, b)
        k = self.k
        z = np.moveaxis(x, 2, 1).reshape(n * dim, length).copy()  # undone in place below
        maps = self._maps.up_to(level)
        sq = np.zeros(n)
        log_det = 0.0  # ln|det| of the whole map from inputs to one token dimension of x
        for depth in range(level, 0, -1):
            rows = b ** (depth - 1)
            count = k ** (level - depth)  # copies of layer `depth` inside one sequence
            log_det += count * rows * self._logdet_mix
            if depth > 1 and self.boundary:
                alpha, gamma = maps[depth - 2]
                det = alpha**2 - gamma**2
                log_det += count * float(np.sum(np.log(det)))
                mix_pairs(z, alpha / det, -gamma / det, b)
            inputs = linalg.lu_solve(self._mix_lu, z.reshape(-1, b).T, check_finite=False).T
            inputs = inputs.reshape(z.shape[0], rows, b)
            fresh = inputs if depth == 1 else inputs[:, :, k:]
            sq += np.sum(fresh.reshape(n, -1) ** 2, axis=1)
            z = inputs[:, :, :k].transpose(0, 2, 1).reshape(-1, rows)
        return -0.5 * sq - 0.5 * dim * (length * LOG_2PI + 2.0 * log_det)

    def conditionals(self, x) -> tuple[np.ndarray, np.ndarray]:
        """Exact mean and standard deviation of each x_t given x_<t, shaped like ``x``: the dense
        factor's triangular solve up to ``TREE_FROM_LENGTH`` − 1 (faster there), the tree pass above."""
        x = self.check_tokens(x)
        if x.shape[1] < TREE_FROM_LENGTH:
            return super().conditionals(x)
        return self.tree_conditionals(x)

    def tree_conditionals(self, x) -> tuple[np.ndarray, np.ndarray]:
        """The exact conditionals at any length in O(L · levels) time and memory linear in L
        (``exact.hierarchical_tree``), no L × L factor."""
        x = self.check_tokens(x)
        n, length, dim = x.shape
        level = level_of(length, self.branching)
        maps = self._maps.up_to(level) if self.boundary else [None] * (level - 1)
        if level not in self._plans:
            self._plans[level] = tree_plan(self.mixing, self.k, maps)
        flat = np.moveaxis(x, 2, 1).reshape(n * dim, length)
        mean, std = tree_conditionals(flat, self.mixing, self.k, maps, self._plans[level])
        return tuple(np.ascontiguousarray(np.moveaxis(a.reshape(n, dim, length), 1, 2)) for a in (mean, std))

    # ---- exact mutual information ---------------------------------------------------------
    def bipartite_mi(self, ell: int, length: int) -> float:
        """Exact I(ℓ; L): structured recursion at ℓ = L/2 (any L = b^l, b even), dense covariance otherwise."""
        level = level_of(length, self.branching)
        ell = check_split(ell, length)
        if 2 * ell == length and self.branching % 2 == 0:
            return float(self._half_mi(level)[-1])
        return super().bipartite_mi(ell, length)

    def mi_curve(self, lengths, split: float = 0.5) -> np.ndarray:
        """I(ℓ; L) for each L; at split 0.5 all lengths come from one pass of the structured recursion."""
        levels = [level_of(length, self.branching) for length in lengths]
        if float(split) != 0.5 or self.branching % 2:
            return super().mi_curve(lengths, split)
        if not levels:
            return np.empty(0)
        return self._half_mi(max(levels))[np.asarray(levels) - 1]

    def _half_mi(self, levels: int) -> np.ndarray:
        return self.token_dim * hierarchical_half_mi(self.k, self.boundary, levels, self.branching)
