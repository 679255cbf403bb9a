"""The Dirichlet family's exact MI against an independent 40-digit computation, and its refusal.

The reference sums the beta-binomial form of h(m) in mpmath (its own log-gamma and beta
functions); enumeration over all V^L sequences checks short lengths in test_discrete_families.py.
"""

import mpmath
import numpy as np
import pytest

from infoscale import make_family
from infoscale.estimators.methods import estimate_mi_curve


def _entropy_mp(m, v, alpha):
    a = mpmath.mpf(alpha)
    b = (v - 1) * a
    log_beta = mpmath.log(mpmath.beta(a, b))
    mean = mpmath.fsum(mpmath.binomial(m, n) * mpmath.exp(mpmath.log(mpmath.beta(n + a, m - n + b)) - log_beta)
                       * mpmath.loggamma(a + n) for n in range(m + 1))
    return mpmath.loggamma(v * a + m) - mpmath.loggamma(v * a) + v * mpmath.loggamma(a) - v * mean


def _mi_mp(length, v, alpha):
    with mpmath.workdps(40):
        half = length // 2
        return float(2 * _entropy_mp(half, v, alpha) - _entropy_mp(length, v, alpha))


@pytest.mark.parametrize("v, alpha, length, tol", [(2, 1.0, 64, 1e-12), (3, 0.5, 64, 1e-12),
                                                   (2, 1.0, 1024, 1e-10), (3, 0.7, 1024, 1e-10)])
def test_exact_mi_matches_high_precision(v, alpha, length, tol):
    family = make_family("dirichlet", vocab_size=v, alpha=alpha)
    assert family.bipartite_mi(length // 2, length) == pytest.approx(_mi_mp(length, v, alpha), rel=tol)


@pytest.mark.slow
def test_exact_mi_matches_high_precision_at_8192():
    # Measured: 2.8e-12 (V = 2) and 1.8e-11 (V = 3, α = 0.5); the old count-vector sum had 1.2e-8.
    for v, alpha in ((2, 1.0), (3, 0.5)):
        family = make_family("dirichlet", vocab_size=v, alpha=alpha)
        assert family.bipartite_mi(4096, 8192) == pytest.approx(_mi_mp(8192, v, alpha), rel=2e-10)


def _uniform_prior_mi_mp(half):
    """V = 2, α = 1: the count of ones is uniform on 0..m, so h(m) = ln (m+1)! − 2/(m+1) Σ_n≤m ln n!,
    with Σ_n≤m ln n! = (m+1)·Σ_k≤m ln k − Σ_k≤m k ln k. Returns I(m; 2m) = 2h(m) − h(2m), 30 digits."""
    with mpmath.workdps(30):
        log_sum = weighted = mpmath.mpf(0)
        h = {}
        for k in range(1, 2 * half + 1):
            lk = mpmath.log(k)
            log_sum += lk
            weighted += k * lk
            if k in (half, 2 * half):
                h[k] = mpmath.loggamma(k + 2) - 2 * ((k + 1) * log_sum - weighted) / (k + 1)
        return float(2 * h[half] - h[2 * half])


@pytest.mark.parametrize("length, tol", [(65536, 1e-9), pytest.param(2**20, 5e-9, marks=pytest.mark.slow)])
def test_exact_mi_at_large_length_matches_the_uniform_prior_closed_form(length, tol):
    # Measured: 1.3e-10 at 65,536 and 6e-10 at 2^20 (the count-vector sum had 1e-6 and 8e-5).
    family = make_family("dirichlet")
    assert family.bipartite_mi(length // 2, length) == pytest.approx(_uniform_prior_mi_mp(length // 2), rel=tol)


def test_alpha_beyond_the_accurate_range_is_refused_naming_it():
    # α = 1e6 would make I = 2.0e-12 at L = 8 a difference of terms of size ~3e7 (and log_prob loses
    # accuracy too): the family refuses α above MAX_ALPHA (tests/test_exact_ranges.py checks that end).
    from infoscale.errors import InvalidInput
    from infoscale.generators.dirichlet import MAX_ALPHA

    with pytest.raises(InvalidInput, match="alpha"):
        make_family("dirichlet", alpha=1e6)
    family = make_family("dirichlet", alpha=MAX_ALPHA)
    curve = estimate_mi_curve(family, [8, 16, 32], method="auto", n_samples=500, rng=0)
    assert all(value >= 0 for value in curve.mi)


def test_long_three_symbol_curve_is_exact_and_approaches_the_log_law():
    # No count-vector limit any more: V = 3 to L = 16384 (once 3.4e7 vectors at L = 8192).
    family = make_family("dirichlet", vocab_size=3)
    lengths = [4096, 8192, 16384]
    curve = estimate_mi_curve(family, lengths, method="auto")
    assert curve.methods == ["exact"] * 3
    # I → ((V − 1)/2) ln L + const: each doubling adds ln 2 (to O(1/L)).
    np.testing.assert_allclose(np.diff(curve.mi), np.log(2), atol=3e-3)


def test_scaling_command_on_dirichlet(capsys):
    import json

    from infoscale.cli import main

    # Exited 2 before (a ValueError beyond 10^7 count vectors); now exact at every length.
    assert main(["scaling", "dirichlet", "--vocab-size", "3", "--max-length", "16384", "--fit-from", "64",
                 "--json", "--quiet"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result["methods"]) == {"exact"} and result["fit"]["fit_lengths"][0] == 64
    assert result["fit"]["law"] == "log"
    # Beyond the accurate range of α the command refuses, naming the parameter.
    assert main(["scaling", "dirichlet", "--alpha", "1e6", "--max-length", "64", "--quiet"]) == 2
    assert "alpha" in capsys.readouterr().err
