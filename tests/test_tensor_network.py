"""TT-SVD of explicit tables: ranks against known exact ranks, the error bound, and bad input."""

import numpy as np
import pytest

from infoscale.estimators.tensor_network import probability_table, tt_bond_dimensions, tt_svd, tt_to_table
from infoscale.generators import make_family


def random_tt_table(length, ranks, vocab, seed):
    """A dense table built from random TT cores of the given inner ranks (independent of tt_svd)."""
    rng = np.random.default_rng(seed)
    dims = [1] + list(ranks) + [1]
    out = np.ones((1, 1))
    for t in range(length):
        core = rng.standard_normal((dims[t], vocab, dims[t + 1]))
        out = np.einsum("al,lxr->axr", out, core).reshape(-1, dims[t + 1])
    return out.ravel()


def test_tt_svd_recovers_exact_ranks_and_table():
    ranks = [2, 4, 5, 3, 2]
    table = random_tt_table(6, ranks, 2, seed=0)
    tt = tt_svd(table, 2, tol=1e-12)
    assert tt.ranks == ranks            # generic random cores: the unfolding ranks are exactly these
    assert tt.error < 1e-12
    np.testing.assert_allclose(tt_to_table(tt.cores), table, atol=1e-12 * np.abs(table).max())


def test_tt_svd_error_stays_within_tolerance_and_ranks_shrink():
    table = np.random.default_rng(1).random(3**7)       # full-rank noise: every cut needs its maximal rank
    full = tt_svd(table, 3, tol=1e-12)
    assert full.ranks == [min(3**k, 3 ** (7 - k)) for k in range(1, 7)]
    loose = tt_svd(table, 3, tol=0.3)
    assert loose.error <= 0.3 and max(loose.ranks) < max(full.ranks)


def test_needed_bond_dimension_by_scaling_class():
    # Born machine of bond χ (real): p = ψ² has TT rank ≤ χ(χ+1)/2 at every cut.
    assert max(tt_bond_dimensions(make_family("mps", chi=3), 12, tol=1e-10)) <= 6
    # copy: x_B = x_A, so p(a, b) = V^(−L/2) δ_ab and the middle cut needs rank V^(L/2) exactly.
    ranks = tt_bond_dimensions(make_family("copy", vocab_size=2), 10, tol=1e-10)
    assert ranks[4] == 2**5
    table = probability_table(make_family("copy", vocab_size=2), 10)
    assert table.sum() == pytest.approx(1.0, abs=1e-12)


def test_tt_bad_input():
    with pytest.raises(ValueError, match="V\\^L"):
        tt_svd(np.ones(10), 2)
    with pytest.raises(ValueError, match="tol"):
        tt_svd(np.ones(8), 2, tol=1.5)
    with pytest.raises(ValueError, match="zeros"):
        tt_svd(np.zeros(8), 2)
    with pytest.raises(ValueError, match="max_sequences"):
        probability_table(make_family("mps"), 30)
    with pytest.raises(TypeError, match="discrete"):
        probability_table(make_family("ar"), 4)
