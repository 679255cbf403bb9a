"""Exact conditionals of the hierarchical family by the O(L · levels) tree pass, against the dense
Cholesky path (float64), the covariance they imply against the dense covariance, and the training
data path that uses them past the dense factor's range."""

import numpy as np
import pytest
import torch

from infoscale.generators import make_family
from infoscale.generators.gaussian import GaussianSequence
from infoscale.nets import data as data_module
from infoscale.nets.data import TrainingData
from infoscale.nets.kl import Objective

FAMILIES = [{"k": 3}, {"k": 3, "boundary": False}, {"k": 2}, {"k": 4}, {"k": 0}, {"k": 1},
            {"k": 2, "branching": 3}, {"k": 3, "branching": 5}, {"k": 1, "branching": 2, "boundary": False},
            {"k": 3, "token_dim": 2}]


@pytest.mark.parametrize("params", FAMILIES, ids=str)
def test_tree_conditionals_equal_the_dense_cholesky_path(params):
    family = make_family("hierarchical", **params)
    b = family.branching
    for length in (b, b**2, b**3 if b**3 <= 256 else b**2):
        x = family.sample(3, length, np.random.default_rng(length))
        mean, std = family.tree_conditionals(x)
        dense_mean, dense_std = GaussianSequence.conditionals(family, x)  # triangular solve with the dense factor
        np.testing.assert_allclose(mean, dense_mean, rtol=0, atol=1e-10)
        np.testing.assert_allclose(std, dense_std, rtol=1e-10)


@pytest.mark.parametrize("params", [{"k": 3}, {"k": 2, "branching": 3}], ids=str)
def test_the_conditionals_imply_the_dense_covariance(params):
    """x_t = Σ_s A_ts x_s + σ_t z_t with A read off the (linear) conditional means of unit vectors:
    Σ = (I − A)⁻¹ diag(σ²) (I − A)⁻ᵀ must be the family's covariance."""
    family = make_family("hierarchical", **params)
    length = family.branching ** 4 if family.branching == 3 else 256
    basis = np.eye(length)[:, :, None]
    mean, std = family.tree_conditionals(basis)  # mean[j, t] = A[t, j]
    inverse = np.linalg.inv(np.eye(length) - mean[:, :, 0].T)
    implied = inverse @ np.diag(std[0, :, 0] ** 2) @ inverse.T
    np.testing.assert_allclose(implied, family.covariance(length), rtol=0, atol=1e-10)


def test_conditionals_take_the_tree_from_its_threshold():
    family = make_family("hierarchical", k=2)
    x = family.sample(2, 4**6, np.random.default_rng(3))
    mean, std = family.conditionals(x)
    np.testing.assert_array_equal(mean, family.tree_conditionals(x)[0])


def test_conditionals_at_length_16384_whiten_samples():
    """Beyond the dense range (4^6): the innovations (x − mean)/std of exact samples are N(0, 1)."""
    family = make_family("hierarchical", k=3)
    x = family.sample(4, 4**7, np.random.default_rng(1))
    mean, std = family.conditionals(x)
    z = ((x - mean) / std).ravel()
    assert abs(z.mean()) < 5 / np.sqrt(z.size) and abs(z.var() - 1) < 5 * np.sqrt(2 / z.size)
    np.testing.assert_array_equal(std[0], std[3])  # std depends on the position only


def test_training_data_uses_the_tree_past_its_threshold(monkeypatch, one_torch_thread):
    monkeypatch.setattr(data_module, "TREE_FROM_LENGTH", 16)
    family = make_family("hierarchical", k=3, token_dim=2)
    data = TrainingData(Objective(family, "kl"), 64, torch.device("cpu"), with_target=True)
    assert data.tree
    whole = data.draw(seed=2, step=3, rows=range(4))
    parts = [data.draw(seed=2, step=3, rows=range(a, b)) for a, b in ((0, 1), (1, 4))]
    assert torch.equal(whole.x, torch.cat([p.x for p in parts]))
    for i in range(2):
        assert torch.equal(whole.target[i], torch.cat([p.target[i] for p in parts]))
    mean, std = GaussianSequence.conditionals(family, whole.x.double().numpy())
    np.testing.assert_allclose(whole.target[0].numpy(), mean, atol=2e-5)  # float32 tokens
    np.testing.assert_allclose(whole.target[1].numpy(), std, rtol=1e-6)
