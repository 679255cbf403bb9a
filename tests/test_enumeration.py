"""Exact MI by enumeration: sequence listing, chunking, the settable limit, normalisation check."""

import itertools

import numpy as np
import pytest
from scipy.special import xlogy

from infoscale.estimators.enumeration import exact_mutual_information
from infoscale.exact.discrete import check_enumerable, sequence_chunks
from infoscale.generators import make_family
from infoscale.exact.discrete import decode_tokens, encode_tokens
from infoscale.generators.markov import Markov

P = ((0.6, 0.3, 0.1), (0.2, 0.5, 0.3), (0.25, 0.25, 0.5))


def test_decode_lists_sequences_lexicographically_and_encode_inverts():
    want = np.array(list(itertools.product(range(3), repeat=4)))
    got = decode_tokens(np.arange(81), 3, 4)
    assert np.array_equal(got, want)
    assert np.array_equal(encode_tokens(want, 3), np.arange(81))


@pytest.mark.parametrize("chunk", [1, 5, 81, 1000])
def test_chunks_cover_every_sequence_once_in_order(chunk):
    got = np.concatenate(list(sequence_chunks(3, 4, chunk_size=chunk)))
    assert np.array_equal(got, np.array(list(itertools.product(range(3), repeat=4))))
    assert all(len(c) <= chunk for c in sequence_chunks(3, 4, chunk_size=chunk))


def test_markov_enumeration_equals_one_step_mi_from_the_matrix():
    # Independent closed form: H(π) − Σ π_a H(P_a), π from matrix powers.
    fam = Markov(transition=P)
    p = np.asarray(P)
    pi = np.linalg.matrix_power(p, 2000)[0]
    want = -np.sum(xlogy(pi, pi)) + np.sum(pi[:, None] * xlogy(p, p))
    for ell in range(1, 6):
        est = exact_mutual_information(fam, ell, 6, chunk_size=100)
        assert est.value == pytest.approx(want, abs=1e-12)
        assert est.method == "enumeration" and est.stderr is None and est.n_samples == 3**6


def test_limit_is_settable_and_points_to_monte_carlo():
    fam = make_family("copy", vocab_size=2)
    with pytest.raises(ValueError, match="mc_mutual_information") as err:
        exact_mutual_information(fam, 2, 4, max_sequences=15)
    assert "max_sequences=15" in str(err.value)
    assert exact_mutual_information(fam, 2, 4, max_sequences=16).value == pytest.approx(2 * np.log(2), abs=1e-12)
    with pytest.raises(ValueError, match="max_sequences"):
        check_enumerable(2, 4, max_sequences=0)


def test_unnormalised_likelihood_is_flagged_by_log_total():
    class Doubled(Markov):
        def log_prob(self, x):
            return super().log_prob(x) + np.log(2.0)

    est = exact_mutual_information(Doubled(transition=P), 2, 4)
    assert est.extra["log_total"] == pytest.approx(np.log(2.0), abs=1e-12)


def test_continuous_family_rejected():
    with pytest.raises(TypeError, match="discrete"):
        exact_mutual_information(make_family("ar"), 2, 4)
