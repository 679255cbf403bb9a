"""The Santa Fe process: exact MI against enumeration and Monte Carlo, its power law, its errors."""

import time

import numpy as np
import pytest
from scipy.special import zeta

from infoscale import make_family
from infoscale.errors import InvalidInput, Unavailable
from infoscale.estimators.monte_carlo import mc_mutual_information
from infoscale.exact.discrete import decode_tokens, joint_mutual_information
from infoscale.generators.base import geometric_lengths
from infoscale.theory.scaling import fit_scaling_law


def _all_sequences(family, length):
    v = family.vocab_size
    return decode_tokens(np.arange(v**length), v, length)


@pytest.mark.parametrize("alpha,max_key,length,ell", [(1.5, 3, 4, 2), (1.2, 2, 6, 2), (2.5, 4, 3, 1)])
def test_exact_mi_equals_enumeration_on_a_truncated_key_range(alpha, max_key, length, ell):
    family = make_family("santa-fe", alpha=alpha, max_key=max_key)
    x = _all_sequences(family, length)
    logp = family.log_prob(x)
    assert np.exp(logp).sum() == pytest.approx(1.0, abs=1e-12)
    v = family.vocab_size
    joint = np.exp(logp).reshape(v**ell, v ** (length - ell))
    assert family.bipartite_mi(ell, length) == pytest.approx(joint_mutual_information(joint), abs=1e-12)
    # block marginals: summing the joint over the other positions
    assert np.allclose(np.exp(family.marginal_log_prob(x[:: v ** (length - ell)], 0, ell)), joint.sum(axis=1),
                       atol=1e-14)
    pair = np.exp(logp).reshape(v, v, -1).sum(axis=2)
    assert family.two_point_mi(0, 1, length) == pytest.approx(joint_mutual_information(pair), abs=1e-12)


def test_truncated_series_path_matches_the_direct_sum():
    # max_key beyond the direct range forces the Hurwitz-difference tail; compare with a plain sum
    family = make_family("santa-fe", alpha=1.3, max_key=10**6)
    k = np.arange(1, 10**6 + 1)
    p = k**-1.3 / np.sum(k**-1.3)
    for length, ell in [(64, 32), (5000, 1000)]:
        plain = np.log(2) * np.sum(-np.expm1(ell * np.log1p(-p)) * -np.expm1((length - ell) * np.log1p(-p)))
        assert family.bipartite_mi(ell, length) == pytest.approx(plain, rel=1e-11)


def test_untruncated_mi_matches_a_long_plain_sum_plus_its_leading_tail():
    family = make_family("santa-fe", alpha=2.0)
    k = np.arange(1, 2 * 10**6 + 1)
    p = k**-2.0 / zeta(2.0)
    length, ell = 4096, 2048
    plain = np.sum(-np.expm1(ell * np.log1p(-p)) * -np.expm1(ell * np.log1p(-p)))
    plain += ell * ell * zeta(4.0, k[-1] + 1) / zeta(2.0) ** 2  # the tail, to O(L³ Σ p³)
    assert family.bipartite_mi(ell, length) == pytest.approx(np.log(2) * plain, rel=1e-12)


def test_monte_carlo_from_exact_samples_agrees_at_ten_thousand():
    family = make_family("santa-fe", alpha=1.5)
    length = 10**4
    est = mc_mutual_information(family, length // 2, length, n_samples=400, rng=3)
    assert abs(est.value - family.bipartite_mi(length // 2, length)) < 4 * est.stderr
    assert est.stderr < 0.05 * est.value  # the check has power


def test_samples_follow_the_key_law_and_repeat_bits():
    family = make_family("santa-fe", alpha=2.0, max_key=50)
    x = family.sample(400, 64, rng=1)
    assert x.min() >= 0 and x.max() < 100 and np.all(np.isfinite(family.log_prob(x)))
    keys = x // 2 + 1
    freq = np.bincount(keys.ravel(), minlength=51)[1:4] / keys.size
    k = np.arange(1, 51)
    assert np.allclose(freq, (k**-2.0 / np.sum(k**-2.0))[:3], atol=0.01)
    y = family.sample(1, 64, rng=2)[0]
    for key in np.unique(y // 2):
        assert len(set(y[y // 2 == key] % 2)) == 1  # a key shows the same bit everywhere
    bad = y.copy()
    i, j = np.flatnonzero(y // 2 == np.bincount(y // 2).argmax())[:2]
    bad[j] = bad[i] ^ 1
    assert family.log_prob(bad[None])[0] == -np.inf


def test_exact_mi_at_a_million_is_fast():
    family = make_family("santa-fe", alpha=1.25)
    start = time.perf_counter()
    value = family.bipartite_mi(5 * 10**5, 10**6)
    assert time.perf_counter() - start < 1.0 and value > 0


@pytest.mark.parametrize("alpha", [1.25, 2.0])
def test_scaling_fit_picks_power_with_beta_one_over_alpha(alpha):
    family = make_family("santa-fe", alpha=alpha)
    assert family.scaling.law == "power" and family.scaling.exponent == pytest.approx(1 / alpha)
    lengths = geometric_lengths(10**6, 16, 3)
    curve = family.mi_curve(lengths)
    # From L = 64 on, the fit names the power law; from L = 16 at α = 1.25 the local exponents near
    # L = 16 exceed 1 (pre-asymptotic), and the honest fit says no law fits instead of naming one.
    fit = fit_scaling_law(lengths, curve, fit_from=64)
    assert fit.law == "power"
    assert abs(fit.exponent - 1 / alpha) < 0.03
    from_16 = fit_scaling_law(lengths, curve, fit_from=16)
    assert from_16.law in ("power", "none")
    if from_16.law == "power":
        assert abs(from_16.exponent - 1 / alpha) < 0.03


def test_truncation_error_is_the_conditioning_probability():
    family = make_family("santa-fe", alpha=1.5, max_key=100)
    q = zeta(1.5, 101) / zeta(1.5)
    assert family.truncation_error(1000) == pytest.approx(1 - (1 - q) ** 1000, rel=1e-12)
    assert make_family("santa-fe", alpha=1.5).truncation_error(1000) == 0.0
    assert family.scaling.law == "area"
    assert family.bipartite_mi(5 * 10**5, 10**6) == pytest.approx(100 * np.log(2), rel=1e-12)  # saturated


def test_bad_input_names_the_parameter():
    for alpha in (1.0, 0.5, float("nan")):
        with pytest.raises(InvalidInput, match="alpha"):
            make_family("santa-fe", alpha=alpha)
    with pytest.raises(InvalidInput, match="max_key"):
        make_family("santa-fe", max_key=0)
    family = make_family("santa-fe")
    with pytest.raises(Unavailable, match="max-key"):
        family.vocab_size
    with pytest.raises(InvalidInput, match="tokens"):
        family.log_prob(np.array([[0, -1]]))
    with pytest.raises(InvalidInput, match="different positions"):
        family.two_point_mi(3, 3, 10)
    with pytest.raises(InvalidInput, match="ell"):
        family.bipartite_mi(0, 10)
    with pytest.raises(InvalidInput, match="length"):
        family.bipartite_mi(1, 1)
    # L = 2·10⁹ is refused clearly: by the length's memory budget (checked for every family's lengths)
    # before the exact sum would say it needs Monte Carlo.
    with pytest.raises((InvalidInput, Unavailable), match="memory|Monte Carlo"):
        make_family("santa-fe", alpha=1.01).bipartite_mi(10**9, 2 * 10**9)


def test_conditionals_and_predictive_law_match_the_joint():
    family = make_family("santa-fe", alpha=1.5, max_key=5)
    x = family.sample(50, 12, rng=4)
    cond = family.conditional_log_probs(x)
    assert np.allclose(cond.sum(axis=1), family.log_prob(x), atol=1e-12)
    prefix = np.stack([family.marginal_log_prob(x, 0, t) for t in range(1, 13)], axis=1)
    assert np.allclose(cond, np.diff(prefix, axis=1, prepend=0.0), atol=1e-12)
    pred = family.predictive_log_probs(x)
    assert np.allclose(np.exp(pred).sum(axis=2), 1.0, atol=1e-12)
    assert np.allclose(np.take_along_axis(pred, x[..., None], axis=2)[..., 0], cond, atol=1e-12)
    from infoscale.protocols import exact_conditionals
    assert exact_conditionals(family)
