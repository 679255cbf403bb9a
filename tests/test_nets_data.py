"""Training data drawn on the device: the right distribution, the float64 reference's conditionals,
and rows that depend on (seed, step, row) only."""

import numpy as np
import pytest
import torch

from infoscale.generators import make_family
from infoscale.nets.data import TrainingData, row_seed
from infoscale.nets.kl import Objective


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # every test here trains or draws with torch


def _data(family, length, loss):
    return TrainingData(Objective(family, loss), length, torch.device("cpu"), with_target=loss == "kl")


def test_gaussian_targets_equal_the_float64_reference():
    family = make_family("hierarchical", k=3, token_dim=2)
    batch = _data(family, 64, "kl").draw(seed=3, step=7, rows=range(5))
    x = batch.x.double().numpy()
    mean, std = family.conditionals(x)  # float64, by a triangular solve on the drawn tokens
    # x = C z is computed in float32: targets carry float32 rounding, ~1e-7 relative per term summed
    # over up to L terms of unit scale; 2e-5 absolute on unit-variance tokens covers it.
    np.testing.assert_allclose(batch.target[0].numpy(), mean, atol=2e-5)
    np.testing.assert_allclose(batch.target[1].numpy(), std, rtol=1e-6)


def test_gaussian_samples_have_the_family_covariance():
    family = make_family("ar", coefficients=(0.7, -0.2), token_dim=1)
    length, n = 12, 20000
    x = _data(family, length, "nll").draw(seed=0, step=0, rows=range(n)).x[..., 0].double().numpy()
    cov = family.covariance(length)
    sample = x.T @ x / n  # zero mean is known
    # Var of a sample second moment of jointly Gaussian (a, b): (Σ_aa Σ_bb + Σ_ab²)/n; allow 5 standard errors.
    se = np.sqrt((np.outer(np.diag(cov), np.diag(cov)) + cov**2) / n)
    assert np.all(np.abs(sample - cov) < 5 * se)
    assert abs(x.mean()) < 5 * np.sqrt(cov.sum() / n) / length


@pytest.mark.parametrize("name, params, loss", [("hierarchical", {"k": 2}, "kl"), ("hierarchical", {"k": 3, "token_dim": 8}, "kl"),
                                                ("markov", {"vocab_size": 3}, "kl"),
                                                ("tree", {}, "nll")])
def test_rows_depend_on_seed_step_and_row_only(name, params, loss):
    family = make_family(name, **params)
    data = _data(family, 16, loss)
    whole = data.draw(seed=1, step=4, rows=range(6))
    for cuts in ((0, 2, 6), (0, 1, 2, 3, 4, 5, 6)):  # in two parts, and row by row
        parts = [data.draw(seed=1, step=4, rows=range(a, b)) for a, b in zip(cuts[:-1], cuts[1:])]
        assert torch.equal(whole.x, torch.cat([h.x for h in parts]))
        if whole.target is not None:
            for i, part in enumerate(whole.target):
                assert torch.equal(part, torch.cat([h.target[i] for h in parts]))
    assert not torch.equal(whole.x, data.draw(seed=1, step=5, rows=range(6)).x)
    assert not torch.equal(whole.x, data.draw(seed=2, step=4, rows=range(6)).x)
    if family.discrete and loss == "kl":
        np.testing.assert_allclose(whole.target[0].numpy(), family.predictive_log_probs(whole.x.numpy()))


def test_row_seeds_are_distinct_and_stable():
    seeds = {row_seed(0, step, row) for step in range(50) for row in range(50)}
    assert len(seeds) == 2500 and all(0 <= s < 2**63 for s in seeds)
    assert row_seed(3, 2, 1) == row_seed(3, 2, 1)
