"""The MPS Born-machine family: exact likelihoods, sampler, MI, entanglement, against quimb and dense tables.

Every reference is computed independently: quimb's ``to_dense`` / ``amplitude`` / ``entropy`` on a
quimb MPS built directly from random arrays (not through our canonical form), brute-force sums of
the dense table, or identities (bounds). Tolerances: 1e-10 on log-probabilities and 1e-9 on MI are
float64 round-off over ≤ 2^14-term sums, well above 1e-13 observed.
"""

import numpy as np
import pytest
from scipy import stats
from scipy.special import xlogy

from infoscale.estimators.enumeration import exact_mutual_information
from infoscale.estimators.monte_carlo import mc_mutual_information
from infoscale.estimators.tensor_network import (entanglement_entropy, renyi2_mutual_information, renyi2_profile,
                                                  schmidt_spectra)
from infoscale.generators import make_family
from infoscale.exact.mps import CanonicalMPS
from infoscale.generators.mps import MPS

qtn = pytest.importorskip("quimb.tensor")


def random_quimb_mps(length, chi, vocab, seed, complex_=False):
    """A quimb MPS straight from random arrays (first (V, χ), middle (χ, V, χ), last (χ, V))."""
    rng = np.random.default_rng(seed)

    def draw(*shape):
        a = rng.standard_normal(shape)
        return a + 1j * rng.standard_normal(shape) if complex_ else a

    arrays = [draw(vocab, chi)] + [draw(chi, vocab, chi) for _ in range(length - 2)] + [draw(chi, vocab)]
    return qtn.MatrixProductState(arrays, shape="lpr")


def dense_probs(psi, length, vocab):
    amp = np.asarray(psi.to_dense()).ravel()
    p = np.abs(amp) ** 2
    return (p / p.sum()).reshape((vocab,) * length)


def dense_mi(table, ell, renyi=False):
    joint = table.reshape(int(np.prod(table.shape[:ell])), -1)
    pa, pb = joint.sum(1), joint.sum(0)
    if renyi:
        return np.log(np.sum(joint**2)) - np.log(np.sum(pa**2)) - np.log(np.sum(pb**2))
    return np.sum(xlogy(joint, joint)) - np.sum(xlogy(pa, pa)) - np.sum(xlogy(pb, pb))


@pytest.mark.parametrize("complex_", [False, True])
def test_log_prob_and_sampler_log_probs_equal_quimb_amplitudes(complex_):
    length, vocab = 8, 3
    psi = random_quimb_mps(length, 4, vocab, seed=1, complex_=complex_)
    family = MPS.from_quimb(psi)
    x, logp = family.sample_with_log_prob(300, length, rng=2)
    norm2 = abs(complex(psi.H @ psi))
    ref = np.array([np.log(abs(complex(psi.amplitude(list(row)))) ** 2 / norm2) for row in x[:40]])
    np.testing.assert_allclose(logp[:40], ref, rtol=0, atol=1e-10)
    table = dense_probs(psi, length, vocab)
    np.testing.assert_allclose(family.log_prob(x), np.log(table[tuple(x.T)]), rtol=0, atol=1e-10)
    np.testing.assert_allclose(logp, family.log_prob(x), rtol=0, atol=1e-12)


def test_sampler_frequencies_match_exact_probabilities():
    length, vocab = 4, 3
    psi = random_quimb_mps(length, 2, vocab, seed=3)
    table = dense_probs(psi, length, vocab).ravel()
    x = MPS.from_quimb(psi).sample(200_000, length, rng=4)
    counts = np.bincount(np.ravel_multi_index(x.T, (vocab,) * length), minlength=vocab**length)
    # Seeded, so deterministic; a correct sampler fails this only with probability 1e-4.
    assert stats.chisquare(counts, 200_000 * table).pvalue > 1e-4
    assert 0.5 * np.abs(counts / 200_000 - table).sum() < 0.01


def test_block_marginals_and_conditionals_equal_dense_sums():
    length, vocab = 6, 2
    psi = random_quimb_mps(length, 3, vocab, seed=5, complex_=True)
    family = MPS.from_quimb(psi)
    table = dense_probs(psi, length, vocab)
    x = family.sample(64, length, rng=6)
    for start in range(length):
        for stop in range(start + 1, length + 1):
            block = table.sum(axis=tuple(i for i in range(length) if not start <= i < stop))
            np.testing.assert_allclose(family.marginal_log_prob(x, start, stop), np.log(block[tuple(x[:, start:stop].T)]),
                                       rtol=0, atol=1e-10)
    predictive = family.predictive_log_probs(x)
    np.testing.assert_allclose(np.exp(predictive).sum(axis=2), 1.0, atol=1e-12)
    cond = family.conditional_log_probs(x)
    np.testing.assert_allclose(np.take_along_axis(predictive, x[..., None], 2)[..., 0], cond, atol=1e-12)
    prefix = [table.sum(axis=tuple(range(t, length))) for t in range(1, length + 1)]
    ref = np.diff(np.stack([np.log(p[tuple(x[:, :t + 1].T)]) for t, p in enumerate(prefix)], 1), axis=1, prepend=0.0)
    np.testing.assert_allclose(cond, ref, atol=1e-10)


@pytest.mark.parametrize("complex_", [False, True])
def test_shannon_and_renyi2_mi_equal_dense_computation(complex_):
    length, vocab = 14, 2
    psi = random_quimb_mps(length, 5, vocab, seed=7, complex_=complex_)
    family = MPS.from_quimb(psi)
    table = dense_probs(psi, length, vocab)
    renyi = renyi2_profile(family, length)
    for ell in range(1, length):
        assert family.bipartite_mi(ell, length) == pytest.approx(dense_mi(table, ell), abs=1e-9)
        assert renyi[ell - 1] == pytest.approx(dense_mi(table, ell, renyi=True), abs=1e-9)
    assert renyi2_mutual_information(family, 5, length).value == pytest.approx(dense_mi(table, 5, renyi=True), abs=1e-9)


def test_exact_mi_agrees_with_enumeration_estimator():
    family = make_family("mps", chi=3, vocab_size=3, state_seed=1)
    exact = family.bipartite_mi(4, 9)
    assert exact_mutual_information(family, 4, 9).value == pytest.approx(exact, abs=1e-10)


def test_monte_carlo_shannon_mi_within_four_standard_errors():
    family = make_family("mps", chi=4, vocab_size=2, state_seed=2)
    exact = family.bipartite_mi(6, 12)
    estimate = mc_mutual_information(family, 6, 12, n_samples=4000, rng=8)
    assert abs(estimate.value - exact) < 4 * estimate.stderr


def test_entanglement_equals_quimb_entropy_in_nats_and_bounds_hold():
    length, chi = 12, 4
    psi = random_quimb_mps(length, chi, 2, seed=9)
    psi.normalize()                                        # quimb's entropy assumes a normalised state
    family = MPS.from_quimb(psi)
    entropy = entanglement_entropy(family, length)
    reference = np.array([float(psi.entropy(i)) for i in range(1, length)]) * np.log(2)   # quimb: bits
    np.testing.assert_allclose(entropy, reference, atol=1e-10)
    for ell, spectrum in enumerate(schmidt_spectra(psi), 1):
        assert spectrum.sum() == pytest.approx(1.0, abs=1e-12)
        assert len(spectrum) <= min(chi, 2**ell, 2 ** (length - ell))
    mi = np.array([family.bipartite_mi(ell, length) for ell in range(1, length)])
    # Local measurements cannot raise the quantum MI 2S: I ≤ 2S ≤ 2 ln χ (small slack for round-off).
    assert np.all(entropy <= np.log(chi) + 1e-12)
    assert np.all(mi <= 2 * entropy + 1e-12)


def test_random_mps_stays_bounded_area_law():
    from infoscale.theory.scaling import fit_scaling_law

    chi = 3
    family = make_family("mps", chi=chi, vocab_size=2, state_seed=0)
    lengths = [64, 128, 256, 512, 1024]   # past the transfer matrix's correlation length (~10 sites here)
    entropy = np.array([family.entanglement_entropies(L)[L // 2 - 1] for L in lengths])
    renyi = np.array([renyi2_mutual_information(family, L // 2, L).value for L in lengths])
    assert np.all(entropy <= np.log(chi))
    assert fit_scaling_law(lengths, entropy).law == "area"
    assert fit_scaling_law(lengths, renyi).law == "area"
    shannon = family.mi_curve([8, 12, 16, 20])
    assert np.all(shannon <= 2 * np.log(chi))


def test_canonical_form_round_trips_through_quimb():
    psi = random_quimb_mps(7, 3, 2, seed=11, complex_=True)
    state = CanonicalMPS.from_quimb(psi)
    back = state.to_quimb()
    overlap = abs(complex(back.H @ psi)) / np.sqrt(abs(complex(psi.H @ psi)))
    assert overlap == pytest.approx(1.0, abs=1e-12)       # the same state up to a global phase
    for b in state.tensors:                                # right-canonical: Σ_{x,r} B B* = 1
        flat = b.reshape(b.shape[0], -1)
        np.testing.assert_allclose(flat @ flat.conj().T, np.eye(b.shape[0]), atol=1e-12)


def test_large_length_refers_to_mc_and_renyi2():
    family = make_family("mps", chi=2)
    with pytest.raises(NotImplementedError, match="renyi2"):
        family.bipartite_mi(32, 64)
    assert np.isfinite(renyi2_mutual_information(family, 512, 1024).value)    # no underflow at large L
    x, logp = family.sample_with_log_prob(4, 1024, rng=0)
    np.testing.assert_allclose(family.marginal_log_prob(x, 0, 1024), logp, atol=1e-8)


def test_bad_input_is_rejected_with_clear_errors():
    with pytest.raises(ValueError, match="chi"):
        make_family("mps", chi=0)
    with pytest.raises(ValueError, match="vocab_size"):
        make_family("mps", vocab_size=1)
    with pytest.raises(TypeError, match="MatrixProductState"):
        MPS.from_quimb(np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="open boundaries"):
        MPS.from_quimb(qtn.MPS_rand_state(5, 2, cyclic=True))
    zero = random_quimb_mps(5, 2, 2, seed=0)
    zero[2].modify(data=np.zeros_like(zero[2].data))
    with pytest.raises(ValueError, match="normalised"):
        MPS.from_quimb(zero)
    with pytest.raises(TypeError, match="real or complex"):
        CanonicalMPS([np.ones((1, 2, 2), dtype=int), np.ones((2, 2, 1), dtype=int)])
    with pytest.raises(ValueError, match="vocab_size"):
        CanonicalMPS([np.ones((1, 1, 2)), np.ones((2, 1, 1))])
    with pytest.raises(ValueError, match="NaN"):
        CanonicalMPS([np.full((1, 2, 2), np.nan), np.ones((2, 2, 1))])
    family = MPS.from_quimb(random_quimb_mps(6, 2, 2, seed=0))
    with pytest.raises(ValueError, match="length"):
        family.sample(3, 8)
    with pytest.raises(ValueError, match="tokens"):
        family.log_prob(np.full((1, 6), 2))
    with pytest.raises(TypeError, match="MPS family"):
        renyi2_mutual_information(make_family("markov"), 2, 4)
