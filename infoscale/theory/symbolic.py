"""Closed forms derived symbolically with sympy (exact rationals and logs, no floating point).

- ``hierarchical_layer1_mi()``: the L²M paper's layer-1 block Z = M X has covariance
  M Mᵀ = (5/4)·I − (1/4)·11ᵀ, so I((Z0,Z1); (Z2,Z3)) = ½ ln(9/5) ≈ 0.29389 nats.
- ``symbolic_half_mi(k, l)``: without the boundary step, each layer's halves are invertible
  functions of the copies' halves and fresh noise, so I(L/2; L) = k^(l−1)·½ ln(9/5) with L = 4^l,
  i.e. I = ½ ln(9/5)·(L/4)^β with β = ln k / ln 4.
- ``ar1_mi(phi)``: for a stationary AR(1) the halves meet only through the Markov pair at the cut,
  I = −½ ln(1 − φ²), derived here from the 2×2 covariance of the pair.
"""

from __future__ import annotations

import sympy as sp


def symbolic_mixing_matrix() -> sp.Matrix:
    """The paper's 4×4 mixing matrix M (rows (γ,γ,γ,ρ), (−γ,γ,−γ,ρ), (−γ,−γ,γ,ρ), (γ,−γ,−γ,ρ))."""
    g, r = sp.sqrt(5) / 4, sp.Rational(1, 4)
    return sp.Matrix([[g, g, g, r], [-g, g, -g, r], [-g, -g, g, r], [g, -g, -g, r]])


def gaussian_block_mi(cov: sp.Matrix, ell: int) -> sp.Expr:
    """½ ln(det Σ_AA det Σ_BB / det Σ), simplified exactly."""
    ratio = cov[:ell, :ell].det() * cov[ell:, ell:].det() / cov.det()
    return sp.log(sp.nsimplify(sp.simplify(ratio))) / 2


def hierarchical_layer1_mi() -> sp.Expr:
    """Exact I((Z0,Z1); (Z2,Z3)) of the layer-1 block: ½ ln(9/5)."""
    m = symbolic_mixing_matrix()
    return sp.simplify(gaussian_block_mi(m * m.T, 2))


def symbolic_half_mi(k, level) -> sp.Expr:
    """Exact I(L/2; L), L = 4^level, of the boundary-free hierarchical family with k copies."""
    return sp.Integer(k) ** (sp.Integer(level) - 1) * hierarchical_layer1_mi()


def hierarchical_exponent(k) -> sp.Expr:
    """The sub-volume exponent β = ln k / ln 4 of I(L/2; L) ∝ L^β (k ≥ 1)."""
    return sp.log(sp.Integer(k)) / sp.log(4)


def ar1_mi(phi=None) -> sp.Expr:
    """I(past; future) of a stationary AR(1) with coefficient φ: −½ ln(1 − φ²)."""
    phi = sp.Symbol("phi", real=True) if phi is None else sp.nsimplify(phi)
    pair = sp.Matrix([[1, phi], [phi, 1]])  # unit-variance Markov pair at the cut
    return sp.simplify(gaussian_block_mi(pair, 1))
