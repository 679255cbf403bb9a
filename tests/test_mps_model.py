"""The MPS Born-machine model: exact conditionals of a loaded state, step/forward equality, training."""

import numpy as np
import pytest
import torch

from infoscale.generators import make_family
from infoscale.nets.evaluate import evaluate
from infoscale.nets.models import build_model
from infoscale.nets.mps_model import MPSBornMachine
from infoscale.nets.train import TrainConfig, train


def test_model_loaded_from_a_family_state_has_the_exact_conditionals():
    family = make_family("mps", chi=3, vocab_size=3, state_seed=2)
    model = MPSBornMachine.from_state(family.state(8))
    x = family.sample(40, 8, rng=0)
    logits = model(torch.as_tensor(x))
    exact = family.predictive_log_probs(x)      # the family's own conditionals (numpy, canonical form)
    np.testing.assert_allclose(torch.log_softmax(logits, -1).detach().numpy(), exact, atol=1e-12)
    result = evaluate(model, family, 8, n_samples=512)
    assert abs(result.mean_kl) < 1e-12                # KL 0 up to float64 round-off
    entropy_rate = -family.log_prob(family.sample(20_000, 8, rng=1)).mean() / 8     # H(X)/L, MC (se ≈ 0.002)
    assert abs(result.mean_nll - entropy_rate) < 4 * result.mean_nll_stderr + 0.01


def test_step_matches_forward_and_history_state_is_the_bond_vector():
    model = build_model("mps", {"vocab_size": 2, "chi": 4, "max_length": 10}, seed=0).double()
    x = torch.as_tensor(np.random.default_rng(0).integers(0, 2, (5, 10)))
    parallel = model(x)
    state = model.init_state(5)
    logits, state = model.step(None, state)
    outputs = [logits]
    for t in range(9):
        logits, state = model.step(x[:, t], state)
        outputs.append(logits)
        assert state[1].shape[1] == model.history_state_dim(t + 1)   # the floats actually carried
    torch.testing.assert_close(torch.stack(outputs, 1), parallel, atol=1e-12, rtol=0)
    assert [model.history_state_dim(t) for t in range(11)] == [1, 2, 4, 4, 4, 4, 4, 4, 4, 2, 1]
    # A prefix gets the marginal of the prefix: the same conditionals as the full sequence.
    torch.testing.assert_close(model(x[:, :4]), parallel[:, :4], atol=1e-12, rtol=0)


def test_short_training_run_lowers_the_kl():
    family = make_family("mps", chi=3, vocab_size=2, state_seed=4)
    model = build_model("mps", {"vocab_size": 2, "chi": 3, "max_length": 8}, seed=0)
    before = evaluate(model, family, 8, n_samples=256).mean_kl
    train(model, family, 8, TrainConfig(steps=80, batch_size=64, lr=0.05, warmup=5), progress=False)
    after = evaluate(model, family, 8, n_samples=256).mean_kl
    assert after < 0.5 * before          # seeded run: observed a >5× drop; half is a safe margin


def test_bad_model_configs():
    with pytest.raises(ValueError, match="chi"):
        build_model("mps", {"vocab_size": 2, "chi": 0})
    with pytest.raises(ValueError, match="discrete"):
        build_model("mps", {"token_dim": 2})
    model = build_model("mps", {"vocab_size": 2, "max_length": 4})
    with pytest.raises(ValueError, match="max_length"):
        model(torch.zeros(1, 5, dtype=torch.int64))
