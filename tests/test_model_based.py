"""Model-based MI: oracle models reproduce the exact MI (direct) and the CLUB value (vCLUB)."""

import numpy as np
import pytest
import torch
from scipy import stats

from infoscale.estimators.model_based import OracleModel, direct_mi, model_mi_curve, vclub_mi
from infoscale.nets.scoring import TokenScorer
from infoscale.generators import make_family

TRANSITION = ((0.7, 0.2, 0.1), (0.1, 0.6, 0.3), (0.3, 0.3, 0.4))


def _markov():
    return make_family("markov", transition=TRANSITION)


def test_oracle_log_probs_add_up_to_exact_likelihoods():
    # Identities: Σ_t log q(x_t | x_<t) = log p(x); a "truncated" oracle whose window covers the
    # whole sequence equals the full one, per token and on blocks (this checks the window path).
    for family, length in ((_markov(), 7), (make_family("hierarchical", k=3, token_dim=2), 16)):
        x = family.sample(50, length, 0)
        model, wide = OracleModel(family), OracleModel(family, context=length)
        assert np.allclose(model.token_log_probs(x).sum(axis=1), family.log_prob(x), atol=1e-9)
        assert np.allclose(wide.token_log_probs(x), model.token_log_probs(x), atol=1e-9)
        assert np.allclose(wide.block_log_prob(x, 3, length), family.marginal_log_prob(x, 3, length), atol=1e-9)


def test_truncated_gaussian_oracle_matches_dense_conditionals():
    # Independent route: log q(x_t | x_t−c..t−1) = log N(x_t−c..t) − log N(x_t−c..t−1) with scipy's MVN.
    family = make_family("ar", coefficients=(0.5, 0.3))
    length, context, t = 12, 3, 8
    x = family.sample(20, length, 1)
    cov = family.covariance(length)
    window = slice(t - context, t + 1)
    dense = (stats.multivariate_normal(cov=cov[window, window]).logpdf(x[:, window, 0])
             - stats.multivariate_normal(cov=cov[t - context:t, t - context:t]).logpdf(x[:, t - context:t, 0]))
    assert np.allclose(OracleModel(family, context=context).token_log_probs(x)[:, t], dense, atol=1e-10)


def test_direct_equals_exact_mi_gaussian_and_discrete():
    cases = ((make_family("ar", coefficients=(0.6,)), 8), (make_family("hierarchical", k=3), 16), (_markov(), 6))
    for family, length in cases:
        x = family.sample(4000, length, 2)
        est = direct_mi(OracleModel(family), x, length // 2)
        truth = family.bipartite_mi(length // 2, length)
        assert abs(est.value - truth) < 4 * est.stderr, family.name  # unbiased: 4σ false-alarm rate 6e-5


def test_direct_stderr_coverage():
    family = make_family("ar", coefficients=(0.6,))
    truth = family.bipartite_mi(2, 4)
    rng = np.random.default_rng(3)
    hits = []
    for _ in range(200):
        est = direct_mi(OracleModel(family), family.sample(500, 4, rng), 2)
        hits.append(abs(est.value - truth) < 1.96 * est.stderr)
    assert np.mean(hits) >= 0.88  # nominal 95 %; 200 trials spread ±1.5 %


def test_vclub_with_oracle_is_the_club_value_gaussian():
    # For Gaussian blocks with canonical correlations ρ: I_CLUB = Σ ρ²/(1−ρ²) ≥ I = −½ Σ ln(1−ρ²).
    family = make_family("hierarchical", k=3)
    length = 16
    rho = family.mi_spectrum(length // 2, length).correlations
    club = float(np.sum(rho**2 / (1 - rho**2)))
    est = vclub_mi(OracleModel(family), family.sample(20_000, length, 4), length // 2)
    assert abs(est.value - club) < 4 * est.stderr
    assert club > family.bipartite_mi(length // 2, length) + 10 * est.stderr


def test_vclub_with_oracle_markov_closed_form():
    # Markov chain: the Y-internal terms cancel, I_CLUB = Σ π_a P_ab ln P_ab − Σ π_a π_b ln P_ab.
    family = _markov()
    P, pi = family.matrix, family.stationary
    club = float(np.sum(pi[:, None] * P * np.log(P)) - np.sum(np.outer(pi, pi) * np.log(P)))
    est = vclub_mi(OracleModel(family), family.sample(20_000, 6, 5), 3)
    assert abs(est.value - club) < 4 * est.stderr
    assert club > family.bipartite_mi(3, 6)


def test_vclub_is_infinite_for_an_exact_copy():
    family = make_family("copy", vocab_size=3)
    assert vclub_mi(OracleModel(family), family.sample(200, 6, 6), 3).value == np.inf


def test_truncated_oracle_falls_short_and_markov_context_one_is_exact():
    markov = _markov()
    x = markov.sample(300, 8, 7)
    full, short = OracleModel(markov), OracleModel(markov, context=1)
    assert np.allclose(full.token_log_probs(x), short.token_log_probs(x), atol=1e-12)  # Markov property
    family = make_family("hierarchical", k=3)
    x = family.sample(3000, 16, 8)
    est = direct_mi(OracleModel(family, context=2), x, 8)
    assert est.value < 0.5 * family.bipartite_mi(8, 16)


class _BadStartModel(OracleModel):
    """The exact oracle, except that it scores the first two tokens of a context-free block 1 nat too low."""

    def block_log_prob(self, x, start, stop):
        return super().block_log_prob(x, start, stop) - (0.5 * min(2, stop - start) if start > 0 else 0.0)


def test_first_tokens_correction_removes_a_bad_start():
    family = _markov()
    length, ell = 8, 4
    x = family.sample(20_000, length, 9)
    truth = family.bipartite_mi(ell, length)
    model = _BadStartModel(family)
    plain = direct_mi(model, x, ell)
    assert plain.value - truth == pytest.approx(1.0, abs=5 * plain.stderr)
    for pooled in (False, True):
        corrected = direct_mi(model, x, ell, first_tokens=2, pooled=pooled)
        assert abs(corrected.value - truth) < 4 * corrected.stderr
    blended = direct_mi(model, x, ell, first_tokens=2, ngram_weight=0.8)  # the released script's 4:1 mix
    assert blended.value - truth == pytest.approx(0.2, abs=5 * blended.stderr)


class _MarkovNet(TokenScorer, torch.nn.Module):
    """A 'net' with the nets' interface that outputs the exact Markov logits."""

    discrete = True

    def __init__(self, family):
        super().__init__()
        self.log_matrix = torch.nn.Parameter(torch.tensor(family.log_matrix), requires_grad=False)
        self.log_start = torch.tensor(family.log_stationary)

    def forward(self, x):
        first = self.log_start.expand(x.shape[0], 1, -1)
        return torch.cat([first, self.log_matrix[x[:, :-1]]], dim=1)


def test_torch_model_adapter_matches_oracle():
    family = _markov()
    x = family.sample(100, 6, 10)
    net = _MarkovNet(family)
    net.score_batch_size = 32
    oracle = OracleModel(family)
    assert np.allclose(net.token_log_probs(x), oracle.token_log_probs(x), atol=1e-12)
    assert np.allclose(net.block_log_prob(x, 2, 5), oracle.block_log_prob(x, 2, 5), atol=1e-12)  # stationary


def test_model_curve_fits_an_area_law():
    family = _markov()
    x = family.sample(3000, 32, 11)
    curve = model_mi_curve(OracleModel(family), x)
    assert curve["lengths"] == [4, 8, 16, 32]
    assert curve["fit"].law == "area"


def test_bad_input():
    family = make_family("ar")
    x = family.sample(10, 8, 0)
    with pytest.raises(ValueError, match="discrete tokens only"):
        direct_mi(OracleModel(family), x, 4, first_tokens=2)
    with pytest.raises(ValueError, match="at least 2 samples"):
        direct_mi(OracleModel(family), x[:1], 4)
    with pytest.raises(ValueError, match="ell must be between 1 and 7"):
        vclub_mi(OracleModel(family), x, 8)
    bad = x.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        direct_mi(OracleModel(family), bad, 4)
    with pytest.raises(ValueError, match="first_tokens must be between 0 and 3"):
        direct_mi(OracleModel(_markov()), _markov().sample(10, 8, 0), 4, first_tokens=4)
    with pytest.raises(ValueError, match="context must be >= 0"):
        OracleModel(family, context=-1)
