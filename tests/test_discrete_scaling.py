"""Scaling classes of the discrete families, structural identities, HMM exact-sum details, bad input."""

import numpy as np
import pytest

from infoscale.estimators.enumeration import exact_mutual_information
from infoscale.generators import make_family
from infoscale.generators import hmm as hmm_module
from infoscale.theory.scaling import fit_scaling_law

FAST_HMM = dict(transition=((0.8, 0.2), (0.3, 0.7)), emission=((0.9, 0.1), (0.2, 0.8)))


@pytest.mark.parametrize("name,params,lengths,law", [
    ("markov", {}, 2 ** np.arange(2, 13), "area"),
    ("markov", dict(vocab_size=5, concentration=0.2, chain_seed=9), 2 ** np.arange(2, 13), "area"),
    ("hmm", FAST_HMM, np.arange(4, 21, 2), "area"),
    ("copy", dict(epsilon=0.3), 2 ** np.arange(2, 13), "volume"),
    ("copy", dict(vocab_size=2), 2 ** np.arange(2, 13), "volume"),
    ("dirichlet", {}, 2 ** np.arange(2, 14), "log"),
    ("dirichlet", dict(vocab_size=3, alpha=0.5), 2 ** np.arange(2, 11), "log"),
    ("tree", dict(k=1), 4 ** np.arange(1, 8), "area"),
    ("tree", dict(k=4), 4 ** np.arange(1, 8), "volume"),
])
def test_fitted_law_matches_family_class(name, params, lengths, law):
    fam = make_family(name, **params)
    assert fam.scaling.law == law
    # From L = 16, as the CLI: at L = 4, 8 the 1/L corrections of the log law exceed 4 %.
    fit = fit_scaling_law(lengths, fam.mi_curve(lengths), fit_from=16)
    assert fit.law == law and not fit.ambiguous, fit.describe()


@pytest.mark.parametrize("params", [dict(k=2), dict(k=3), dict(k=3, vocab_size=3, tree_seed=5),
                                    dict(k=2, branching=2, vocab_size=3), dict(k=5, branching=6)])
def test_tree_power_exponent(params):
    fam = make_family("tree", **params)
    lengths = fam.lengths_up_to(10**6)[:7]
    fit = fit_scaling_law(lengths, fam.mi_curve(lengths))
    beta = np.log(fam.k) / np.log(fam.branching)
    # The requirement: fitted β within 0.02 of ln k / ln b (the exact curve is a pure power).
    law = "volume" if fam.k == fam.branching else "power"
    assert fit.law == law and abs(fit.exponent - beta) < 0.02
    assert fam.scaling.law == law


def test_markov_mi_is_one_step_mi_for_every_split():
    fam = make_family("markov", vocab_size=4, chain_seed=2)
    one_step = fam.two_point_mi(0, 1, 2)
    assert all(fam.bipartite_mi(ell, 9) == pytest.approx(one_step, abs=1e-12) for ell in range(1, 9))
    # Two-point MI decays with distance (data processing along the chain).
    curve = [fam.two_point_mi(0, d, 12) for d in range(1, 12)]
    assert all(a >= b - 1e-15 for a, b in zip(curve, curve[1:]))


def test_copy_identities():
    v = 5
    fam = make_family("copy", vocab_size=v)
    assert [fam.bipartite_mi(ell, 12) for ell in range(1, 12)] == pytest.approx(
        [min(ell, 12 - ell) * np.log(v) for ell in range(1, 12)], abs=1e-12)
    noisy = make_family("copy", vocab_size=v, epsilon=0.4)
    keep = 1 - 0.4 + 0.4 / v
    h_row = -(keep * np.log(keep) + (v - 1) * (0.4 / v) * np.log(0.4 / v))
    assert noisy.bipartite_mi(5, 10) == pytest.approx(5 * (np.log(v) - h_row), abs=1e-12)
    assert make_family("copy", epsilon=1.0).bipartite_mi(3, 6) == pytest.approx(0.0, abs=1e-12)


def test_hmm_mi_bounded_by_log_hidden_states():
    # Near-deterministic emissions and a slowly switching chain push I towards ln D.
    d = 3
    transition = 0.9 * np.eye(d) + 0.1 / d
    emission = np.full((d, 2 * d), 0.01 / (2 * d)) + 0.99 * np.kron(np.eye(d), np.full((1, 2), 0.5))
    fam = make_family("hmm", transition=transition, emission=emission)
    mi = [fam.bipartite_mi(ell, 8) for ell in range(1, 8)]
    assert max(mi) < np.log(d) and max(mi) > 0.5 * np.log(d)
    for seed in range(4):
        rnd = make_family("hmm", vocab_size=3, hidden_states=2, hmm_seed=seed, concentration=0.1)
        assert rnd.bipartite_mi(6, 12) < np.log(2)


def test_hmm_streamed_sum_matches_generic_enumeration(monkeypatch):
    fam = make_family("hmm", vocab_size=2, hidden_states=3, hmm_seed=4, concentration=0.4)
    reference = {ell: exact_mutual_information(fam, ell, 12).value for ell in (2, 6, 10)}
    # Tiny blocks force the streamed side through many branches, on either side of the cut.
    monkeypatch.setattr(hmm_module, "_BLOCK_ENTRIES", 16)
    for ell, want in reference.items():
        assert fam.bipartite_mi(ell, 12) == pytest.approx(want, abs=1e-12)


def test_hmm_refuses_beyond_the_limit_and_points_to_monte_carlo():
    fam = make_family("hmm", vocab_size=2)
    with pytest.raises(NotImplementedError, match="mc_mutual_information"):
        fam.bipartite_mi(12, 24)
    assert fam.bipartite_mi(2, 10, max_sequences=2**10) > 0


def test_tree_closed_form_at_quarter_cuts():
    fam = make_family("tree", k=3)
    for level in range(1, 7):
        for c in (1, 2, 3):
            assert fam.bipartite_mi(c * 4 ** (level - 1), 4**level) == pytest.approx(3 ** (level - 1) * fam.layer1_mi(c))


def test_dirichlet_mi_grows_like_half_log_per_free_direction():
    # I(L/2; L) − ((V−1)/2) ln L tends to a constant (log law): its increments per doubling of L
    # shrink geometrically (observed ratio ≈ 0.6; any other growth law would make them grow or stay).
    fam = make_family("dirichlet", vocab_size=3, alpha=0.8)
    lengths = 2 ** np.arange(4, 11)
    resid = fam.mi_curve(lengths) - np.log(lengths)
    steps = np.abs(np.diff(resid))
    assert np.all(steps[1:] < 0.7 * steps[:-1])


@pytest.mark.parametrize("name,params,needle", [
    ("markov", dict(vocab_size=1), "vocab_size"),
    ("markov", dict(transition=((0.5, 0.6), (0.5, 0.5))), "transition"),
    ("markov", dict(transition=((1.2, -0.2), (0.5, 0.5))), "transition"),
    ("markov", dict(transition=((1.0, 0.0), (0.0, 1.0))), "irreducible"),
    ("markov", dict(vocab_size=3, transition=((0.5, 0.5), (0.5, 0.5))), "transition"),
    ("markov", dict(concentration=0.0), "concentration"),
    ("hmm", dict(vocab_size=1), "vocab_size"),
    ("hmm", dict(hidden_states=1), "hidden_states"),
    ("hmm", dict(emission=((0.5, 0.5), (0.9, 0.2))), "emission"),
    ("hmm", dict(transition=((0.5, 0.5), (0.5, 0.5)), emission=((1.0,), (1.0,))), "vocab_size"),
    ("hmm", dict(transition=((0.5, 0.5, 0.0), (0.5, 0.5))), "transition"),
    ("copy", dict(vocab_size=0), "vocab_size"),
    ("copy", dict(epsilon=1.5), "epsilon"),
    ("copy", dict(epsilon=-0.1), "epsilon"),
    ("tree", dict(vocab_size=1), "vocab_size"),
    ("tree", dict(k=5), "k"),
    ("tree", dict(branching=1), "branching"),
    ("tree", dict(vocab_size=5, branching=8), "vocab_size"),
    ("dirichlet", dict(alpha=-1.0), "alpha"),
    ("dirichlet", dict(vocab_size=1), "vocab_size"),
])
def test_bad_parameters_name_the_parameter(name, params, needle):
    with pytest.raises(ValueError, match=needle):
        make_family(name, **params)


@pytest.mark.parametrize("name,length", [("copy", 7), ("tree", 8), ("tree", 2), ("markov", 1), ("hmm", 0)])
def test_lengths_the_family_cannot_make(name, length):
    fam = make_family(name)
    with pytest.raises(ValueError, match="length"):
        fam.sample(3, length, rng=0)
    with pytest.raises(ValueError, match="length"):
        fam.bipartite_mi(1, length)


@pytest.mark.parametrize("name", ["markov", "hmm", "copy", "tree", "dirichlet"])
def test_tokens_outside_vocabulary_rejected(name):
    fam = make_family(name)
    x = fam.sample(2, 4, rng=1)
    for bad in (x + fam.vocab_size, x - 10):
        with pytest.raises(ValueError, match="tokens must lie in"):
            fam.log_prob(bad)
        with pytest.raises(ValueError, match="tokens must lie in"):
            fam.conditional_log_probs(bad)
    with pytest.raises(TypeError, match="integer tokens"):
        fam.log_prob(x + 0.5)
    with pytest.raises(ValueError, match="shape"):
        fam.log_prob(x[0])


def test_unsupported_tree_queries_say_why():
    fam = make_family("tree")
    with pytest.raises(NotImplementedError, match="cuts"):
        fam.bipartite_mi(5, 16)
    with pytest.raises(NotImplementedError, match="block marginals"):
        fam.marginal_log_prob(fam.sample(2, 16, rng=0), 5, 16)
    with pytest.raises(ValueError, match="different positions"):
        fam.two_point_mi(3, 3, 16)
