"""The hierarchical Gaussian construction's constants, and its exact I(L/2; L) at any depth in O(levels).

The constants (mixing matrix M, branching 4, the boundary-step coefficients) are defined here, at the
bottom of the package, so that the family and this recursion share them without an import cycle.

Written for the paper's branching 4; for any even b replace 4 by b, the cut-row index 3 by b − 1,
"the other three entries" by b − 1 entries and 8 × 8 by 2b × 2b (layer 1 conditions the middle
pair (Z_{b/2−1}, Z_{b/2}) on the entries before / after it). Odd b has no row boundary at L/2.

The family (``infoscale.generators.hierarchical``) builds layer l (n = 4^(l−1) rows, L = 4n) as
x_l = B_l Z with Z_i = M row_i, row_i = (copy_1[i], …, copy_k[i], fresh …), and B_l the boundary
pair maps on (4i + 3, 4i + 4). Write A | B for the halves of x_l (cut after row n/2 − 1).

1. Only the pair across the cut matters. Every boundary pair but the cut pair lies inside one
   half, and the pairs are disjoint, so B_l = (B_A ⊕ B_B) ∘ R, with R = [[α, γ'], [γ', α]] acting
   on the cut pair (a, b) = (Z_{n/2−1}[3], Z_{n/2}[0]). Invertible maps inside one half leave the
   MI unchanged, so I_l = I(Ã'; B̃') where Ã, B̃ are the pre-step halves of Z and ' applies R.

2. Without R, I(Ã; B̃) = k·I_{l−1}. Ã is an invertible function (rows ↦ M⁻¹ rows) of the copies'
   first halves and the fresh noise of rows < n/2, B̃ likewise of the second halves; the copies
   are independent, so the MI is the sum of the k copies' half-cut MIs.

3. The cut map adds a correction. With h the differential entropy,
   h(Ã', B̃') = h(Ã, B̃) + ln|det R|, and splitting off the cut elements,
   h(Ã') − h(Ã) = ½ ln[ var(a' | Ã₋) / var(a | Ã₋) ]   (Ã₋: Ã without its last element a),
   h(B̃') − h(B̃) = ½ ln[ var(b' | B̃₋) / var(b | B̃₋) ]   (B̃₋: B̃ without its first element b),
   because Ã₋, B̃₋ are untouched by R. Hence
     I_l = k·I_{l−1} − ln|det R| + ½ ln[var(a'|Ã₋)/var(a|Ã₋)] + ½ ln[var(b'|B̃₋)/var(b|B̃₋)].

4. The conditional variances need a 2 × 2 summary per layer. Let P_l = Cov(a_l, b_l) (the cut
   pair of layer l), C^A_l = Cov((a_l, b_l) | first half minus its last element) and
   C^B_l = Cov((a_l, b_l) | second half minus its first element). Conditioning on Ã₋ is
   conditioning on rows 0..n/2 − 2 (equivalently on the copies' first halves minus their last
   elements, plus independent fresh noise) and on M[0:3]·r, the other three entries of the cut
   row r = (a_1, …, a_k, ε) whose a_j are the copies' cut elements. Given the copies' conditioned
   parts, the pairs (a_j, b_j) are independent with covariance C^A_{l−1} (each copy's own
   conditioning; the rest of its second half is marginalised, which is what C^A means), and the
   fresh entries are N(0, 1). So build the 8 × 8 covariance of (M r, M r_B) with
   r_B = (b_1, …, b_k, ε'), condition on M[0:3]·r (Schur complement) and read off Cov(ã, b̃) of
   (M[3]·r, M[0]·r_B). C^B uses C^B_{l−1} and conditions on M[1:4]·r_B. Post-step,
   C^A_l = R C̃^A Rᵀ and C^B_l = R C̃^B Rᵀ: the conditioning sets are untouched by R, and the
   within-half pair maps are invertible on them (they never involve the cut elements).
   The same 8 × 8 construction with P_{l−1} gives the unconditional correlations that fix R
   (c = corr(ã, b̃), t from corr(Z[2], Z[3]) of the cut row and corr(Z[0], Z[1]) of the next).

5. Layer 1 (one row, no boundary step): I_1 = I((Z0, Z1); (Z2, Z3)) for Cov = M Mᵀ, P_1 =
   Cov(Z1, Z2), C^A_1 = Cov((Z1, Z2) | Z0), C^B_1 = Cov((Z1, Z2) | Z3).

Each level costs a few 8 × 8 solves, so L = 4^8 or 4^100 is instant. Without the boundary step
I_l = k^(l−1)·I_1 with I_1 = 0.29389 nats. The values are checked against dense log-determinants
for l ≤ 6 in the tests. float64 limits: I_l grows like k^l, so for k = 4 it overflows past
l ≈ 510 (a ``ValueError`` says so); for k ≤ 2 any depth is finite.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg

from infoscale._checks import check_int
from infoscale.errors import InvalidInput, InvalidType
from infoscale.exact.gaussian import gaussian_mi

# ---- the construction's constants (shared with ``infoscale.generators.hierarchical``) ----------------
BRANCHING = 4
GAMMA = np.sqrt(5.0) / 4.0
RHO = 0.25
MIXING = np.array([
    [GAMMA, GAMMA, GAMMA, RHO],
    [-GAMMA, GAMMA, -GAMMA, RHO],
    [-GAMMA, -GAMMA, GAMMA, RHO],
    [GAMMA, -GAMMA, -GAMMA, RHO],
])


def check_branching(branching, boundary: bool = False) -> int:
    """Branching b ≥ 2; the boundary step needs b ≥ 3 (at b = 2 every element is in a boundary pair)."""
    branching = check_int("branching", branching, 2)
    if boundary and branching < 3:
        raise InvalidInput(f"branching must be >= 3 with the boundary step (at b = 2 adjacent boundary pairs "
                           f"share a row), got {branching}; use boundary=False")
    return branching


def mixing_matrix(branching: int) -> np.ndarray:
    """The b × b mixing matrix: the paper's M at b = 4, else the symmetric square root of
    S_b = (1 + 1/b) I − (1/b) 11ᵀ, which has S_b's unit diagonal and −1/b off it (the paper's
    M Mᵀ is S_4)."""
    branching = check_branching(branching)
    if branching == BRANCHING:
        return MIXING
    ones = np.full((branching, branching), 1.0 / branching)  # P = 11ᵀ/b, the projection on 1
    return np.sqrt(1.0 + 1.0 / branching) * (np.eye(branching) - ones) + np.sqrt(1.0 / branching) * ones


def check_k(k, branching: int = BRANCHING) -> int:
    """Number of copies per layer, 0..b."""
    return check_int("k", k, 0, branching)


def check_boundary(boundary) -> bool:
    """The boundary flag must be a real bool (not a string or an int)."""
    if not isinstance(boundary, (bool, np.bool_)):
        raise InvalidType(f"boundary must be True or False, got {boundary!r}")
    return bool(boundary)


def boundary_target(corr_left, corr_right):
    """Target correlation of a boundary pair from the two within-row correlations beside it."""
    return (np.asarray(corr_left) + np.asarray(corr_right)) / 5.0 + 0.4


def pair_coefficients(c, t) -> tuple[np.ndarray, np.ndarray]:
    """α, γ' of R = [[α, γ'], [γ', α]] taking unit-variance pairs of correlation c to correlation t."""
    c, t = np.asarray(c, dtype=np.float64), np.asarray(t, dtype=np.float64)
    if np.any(np.abs(c) >= 1.0) or np.any(np.abs(t) >= 1.0):
        raise InvalidInput("boundary correlations must lie in (-1, 1)")
    plus = np.sqrt((1.0 + t) / (1.0 + c))
    minus = np.sqrt((1.0 - t) / (1.0 - c))
    return 0.5 * (plus + minus), 0.5 * (plus - minus)


# ---- the half-cut recursion ---------------------------------------------------------------------

def _conditional_cov(cov: np.ndarray, keep, given) -> np.ndarray:
    """Cov(x_keep | x_given) of a Gaussian vector: the Schur complement, by a Cholesky solve."""
    if not len(given):
        return cov[np.ix_(keep, keep)]
    cross = cov[np.ix_(given, keep)]
    return cov[np.ix_(keep, keep)] - cross.T @ linalg.solve(cov[np.ix_(given, given)], cross, assume_a="pos")


def _rows_cov(rows_map: np.ndarray, pair_cov: np.ndarray, k: int) -> np.ndarray:
    """Covariance of the cut row and the next row, given each copy's cut pair has ``pair_cov``."""
    b = rows_map.shape[0] // 2
    inputs = np.eye(2 * b)
    copies = np.arange(k)
    inputs[copies, copies] = pair_cov[0, 0]
    inputs[copies + b, copies + b] = pair_cov[1, 1]
    inputs[copies, copies + b] = inputs[copies + b, copies] = pair_cov[0, 1]
    return rows_map @ inputs @ rows_map.T


def hierarchical_half_mi(k: int, boundary: bool, levels: int, branching: int = BRANCHING) -> np.ndarray:
    """Exact I(L/2; L) in nats (one token dimension) for L = b^l, l = 1..levels (b even)."""
    boundary = check_boundary(boundary)
    b = check_branching(branching, boundary)
    if b % 2:
        raise InvalidInput(f"the half-cut recursion needs an even branching (L/2 on a row boundary), got {b}")
    k = check_k(k, b)
    levels = check_int("levels", levels, 1)
    mixing = mixing_matrix(b)
    rows_map = linalg.block_diag(mixing, mixing)  # (r, r_B) ↦ (Z_cut_row, Z_next_row)
    first_rest, second_rest = list(range(b - 1)), list(range(b + 1, 2 * b))  # stay in their halves
    cut = [b - 1, b]  # (ã, b̃) = (Z_cut_row[b − 1], Z_next_row[0])
    h = b // 2
    full = mixing @ mixing.T
    mi = np.empty(levels)
    mi[0] = gaussian_mi(full, h)
    pair = full[h - 1:h + 1, h - 1:h + 1]
    cond_a = _conditional_cov(full, [h - 1, h], list(range(h - 1)))
    cond_b = _conditional_cov(full, [h - 1, h], list(range(h + 1, b)))
    for level in range(1, levels):
        rows = _rows_cov(rows_map, pair, k)
        cut_a = _conditional_cov(_rows_cov(rows_map, cond_a, k), cut, first_rest)
        cut_b = _conditional_cov(_rows_cov(rows_map, cond_b, k), cut, second_rest)
        pair = rows[np.ix_(cut, cut)]
        mi[level] = k * float(mi[level - 1])  # a Python float turns overflow into inf, checked below
        if boundary:
            std = np.sqrt(np.diag(rows))
            corr = rows / np.outer(std, std)
            alpha, gamma = pair_coefficients(corr[b - 1, b], boundary_target(corr[b - 2, b - 1], corr[b, b + 1]))
            mix = np.array([[alpha, gamma], [gamma, alpha]])
            mi[level] += (-np.log(alpha**2 - gamma**2)
                          + 0.5 * np.log(mix[0] @ cut_a @ mix[0] / cut_a[0, 0])
                          + 0.5 * np.log(mix[1] @ cut_b @ mix[1] / cut_b[1, 1]))
            pair, cond_a, cond_b = (mix @ m @ mix.T for m in (pair, cut_a, cut_b))
        else:
            cond_a, cond_b = cut_a, cut_b
    if not np.all(np.isfinite(mi)):
        raise InvalidInput(f"levels={levels} is too deep: I(L/2; L) overflows float64 for k={k}")
    return mi
