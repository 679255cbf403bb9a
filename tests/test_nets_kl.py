"""Exact KL and NLL: closed forms, zero for the exact conditionals, never negative, the
KL = E[NLL_model − NLL_true] identity, the linear-Gaussian reference, and capability errors."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from infoscale.generators import make_family
from infoscale.generators.base import Scaling, SequenceDistribution
from infoscale.nets.kl import Batch, Objective, categorical_kl, gaussian_kl, position_metrics
from infoscale.nets.models import build_model
from infoscale.theory.rate_distortion import linear_gaussian_reference, memoryless_kl, reference_curve


def test_gaussian_kl_matches_torch_distributions():
    gen = torch.Generator().manual_seed(0)
    mp, mq = torch.randn(2, 50, 3, generator=gen, dtype=torch.float64)
    sp, sq = torch.rand(2, 50, 3, generator=gen, dtype=torch.float64) + 0.1
    expected = torch.distributions.kl_divergence(torch.distributions.Normal(mp, sp), torch.distributions.Normal(mq, sq)).sum(-1)
    torch.testing.assert_close(gaussian_kl(mp, sp, mq, sq), expected, rtol=1e-12, atol=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.floats(-3, 3), st.floats(1e-3, 10), st.floats(-3, 3), st.floats(1e-3, 10))
def test_gaussian_kl_is_never_negative(mp, sp, mq, sq):
    for dtype in (torch.float32, torch.float64):
        kl = gaussian_kl(*(torch.tensor([v], dtype=dtype) for v in (mp, sp, mq, sq)))
        assert kl.item() >= 0.0  # the expm1 form is non-negative even in float32


def test_categorical_kl_matches_a_direct_sum():
    rng = np.random.default_rng(1)
    p = rng.dirichlet(np.ones(4), size=(3, 5))
    logits = rng.standard_normal((3, 5, 4))
    q = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    expected = (p * np.log(p / q)).sum(-1)
    got = categorical_kl(torch.from_numpy(np.log(p)), torch.from_numpy(logits)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_categorical_kl_handles_impossible_symbols():
    log_p = torch.log(torch.tensor([[0.5, 0.5, 0.0]], dtype=torch.float64))  # third symbol impossible
    logits = torch.tensor([[0.0, 0.0, 1.0]], dtype=torch.float64)
    q = torch.softmax(logits, -1)
    expected = 0.5 * np.log(0.5 / q[0, 0].item()) * 2
    assert categorical_kl(log_p, logits).item() == pytest.approx(expected, rel=1e-12)


def test_exact_conditionals_give_zero_kl_gaussian():
    family = make_family("hierarchical", k=3, token_dim=2)
    batch = Objective(family).batch(8, 64, 0, "cpu")
    kl = position_metrics(batch.target, batch)["kl"]  # a model predicting the exact conditionals
    assert kl.shape == (8, 64)
    assert float(kl.abs().max()) <= 1e-12


def test_exact_conditionals_give_zero_kl_discrete():
    family = make_family("markov", vocab_size=3)
    objective = Objective(family, "kl")
    batch = objective.batch(5, 20, 2, "cpu")
    kl = position_metrics(batch.target[0], batch)["kl"]  # logits = exact log-probabilities
    assert float(kl.abs().max()) <= 1e-12
    # and its NLL is the family's exact conditional NLL
    nll = position_metrics(batch.target[0], batch)["nll"].numpy()
    np.testing.assert_allclose(-nll, family.conditional_log_probs(batch.x.numpy()), rtol=1e-10, atol=1e-12)


def test_expected_kl_equals_nll_gap():
    """E[KL_t] = E[−ln q(x_t|x_<t)] − E[−ln p(x_t|x_<t)] for any model q (here an untrained GRU)."""
    family = make_family("ar", coefficients=(0.7,), token_dim=2)
    objective = Objective(family)
    model = build_model("gru", {"d_model": 8, "n_layers": 1, "token_dim": 2}, seed=0).eval()
    batch = objective.batch(4000, 8, 3, "cpu")
    with torch.no_grad():
        metrics = position_metrics(model(batch.inputs()), batch, torch.float64)
    mean, std = batch.target
    true_nll = position_metrics((mean, std), batch)["nll"]
    gap = (metrics["nll"] - true_nll).mean(1)
    kl = metrics["kl"].mean(1)
    diff = (gap - kl).numpy()
    # the difference has mean 0; allow 4 standard errors of 4000 sequences
    assert abs(diff.mean()) < 4 * diff.std(ddof=1) / np.sqrt(len(diff))
    assert float(metrics["kl"].min()) >= 0.0


def test_linear_reference_for_ar1_is_closed_form():
    phi = 0.6
    family = make_family("ar", coefficients=(phi,), token_dim=3)
    # AR(1): one canonical correlation ρ = φ across any cut, repeated token_dim times
    one = -0.5 * np.log(1 - phi**2)
    np.testing.assert_allclose(reference_curve(family, 16, [0, 1, 2, 3, 10]), [3 * one, 2 * one, one, 0, 0], atol=1e-10)


def test_linear_reference_endpoints_on_hierarchical():
    family = make_family("hierarchical", k=3, token_dim=2)
    length = 64
    assert linear_gaussian_reference(family, length, 0) == pytest.approx(family.bipartite_mi(32, length), rel=1e-9)
    assert linear_gaussian_reference(family, length, 10**6) == 0.0
    curve = reference_curve(family, length, range(0, 40))
    assert np.all(np.diff(curve) <= 1e-15)  # more linear features never leave more MI behind


def test_memoryless_kl_for_ar1_is_closed_form():
    # x_1 carries nothing from the past; each later token I(x_t; x_<t) = −½ ln(1 − φ²)
    phi, length = 0.6, 16
    family = make_family("ar", coefficients=(phi,), token_dim=3)
    expected = 3 * (length - 1) * -0.5 * np.log(1 - phi**2) / length
    assert memoryless_kl(family, length) == pytest.approx(expected, rel=1e-12)


def test_memoryless_kl_on_hierarchical_matches_the_generative_map():
    """Independent path: unit marginal variances, so total correlation = ½ L ln 2π + ln p(0) per
    token dimension, with ln p(0) from inverting the generative map (no covariance involved)."""
    family = make_family("hierarchical", k=3, token_dim=2)
    length = 256
    log_p0 = family.log_prob(np.zeros((1, length, 2)))[0] / 2  # per token dimension
    expected = 2 * (0.5 * length * np.log(2 * np.pi) + log_p0) / length
    assert memoryless_kl(family, length) == pytest.approx(expected, rel=1e-10)
    with pytest.raises(ValueError, match="needs a Gaussian family"):
        memoryless_kl(make_family("markov", vocab_size=3), 8)


class _NoConditionals(SequenceDistribution):
    """A continuous family with samples only."""

    name = "no-conditionals"
    token_dim = 1

    @property
    def scaling(self):
        return Scaling("area")

    def sample(self, n, length, rng=None):
        return np.random.default_rng(rng).standard_normal((n, length, 1))


def test_kl_on_a_family_without_exact_conditionals_is_a_clear_error():
    with pytest.raises(ValueError, match="loss 'kl' needs the exact conditionals"):
        Objective(_NoConditionals(), "kl")
    assert Objective(_NoConditionals(), "nll").loss == "nll"
    with pytest.raises(ValueError, match="loss must be one of"):
        Objective(make_family("ar"), "mse")


def test_token_interface_mismatches_are_rejected():
    objective = Objective(make_family("hierarchical", k=3, token_dim=2))
    with pytest.raises(ValueError, match="token_dim 1 != family token_dim 2"):
        objective.check_model(build_model("gru", {"token_dim": 1}))
    with pytest.raises(ValueError, match="continuous tokens but the model does not"):
        objective.check_model(build_model("gru", {"vocab_size": 3}))
    markov = Objective(make_family("markov", vocab_size=3))
    with pytest.raises(ValueError, match="vocab_size 4 != family vocab_size 3"):
        markov.check_model(build_model("gru", {"vocab_size": 4}))


def test_batch_inputs_are_float32_tokens_kept_float64():
    batch = Batch(torch.zeros(2, 3, 1, dtype=torch.float64), None)
    assert batch.inputs().dtype == torch.float32 and batch.x.dtype == torch.float64
