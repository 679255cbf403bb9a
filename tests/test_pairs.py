"""``estimate(x, y)``: the registry's estimators on user pairs give the block estimators' values."""

import numpy as np
import pytest

from infoscale.errors import Unavailable
from infoscale.estimators import estimate, pair_methods
from infoscale.estimators.block import discrete_block_mi, gaussian_sample_mi, ksg_mi, split_blocks
from infoscale.estimators.registry import SAMPLE_ESTIMATORS
from infoscale.generators import make_family


def test_every_non_model_estimator_runs_on_pairs():
    assert set(pair_methods()) == {"plugin", "miller-madow", "grassberger", "nsb", "gaussian", "ksg",
                                   "infonce", "nwj", "mine", "smile"}


@pytest.mark.parametrize("method", ["plugin", "miller-madow", "grassberger", "nsb"])
def test_discrete_pairs_equal_block_estimator(method):
    family = make_family("markov", vocab_size=2)
    x = family.sample(800, 8, 3)
    want = discrete_block_mi(x, 3, method, vocab_size=2).value
    assert estimate(x[:, :3], x[:, 3:], method, vocab_size=2).value == pytest.approx(want, abs=1e-12)
    spec = SAMPLE_ESTIMATORS.get(method)
    assert spec.run(family, x, 3, 0).value == pytest.approx(want, abs=1e-12)


def test_continuous_pairs_equal_block_estimators():
    family = make_family("ar")
    x = family.sample(600, 8, 4)
    a, b = split_blocks(x, 4)
    assert estimate(a, b, "gaussian").value == pytest.approx(gaussian_sample_mi(a, b).value, abs=1e-12)
    assert estimate(a, b, "ksg").value == pytest.approx(ksg_mi(a, b, k=3).value, abs=1e-12)
    assert SAMPLE_ESTIMATORS.get("ksg").run(family, x, 4, 0).value == pytest.approx(ksg_mi(a, b, k=3).value, abs=1e-12)
    # one column as a 1-D array
    assert estimate(a[:, -1], b[:, 0], "gaussian").value == pytest.approx(
        gaussian_sample_mi(a[:, -1:], b[:, :1]).value, abs=1e-12)


def test_neural_pairs_equal_registry_run_and_are_seeded(one_torch_thread):
    family = make_family("ar")
    x = family.sample(600, 4, 5)
    a, b = split_blocks(x, 2)
    first = estimate(a, b, "infonce", seed=3)
    assert first.value == SAMPLE_ESTIMATORS.get("infonce").run(family, x, 2, 3).value
    assert first.value == estimate(a, b, "infonce", seed=3).value


def test_refusals():
    x = np.random.default_rng(0).standard_normal((50, 2))
    with pytest.raises(Unavailable, match="model-based"):
        estimate(x, x, "direct")
    with pytest.raises(ValueError, match="integer tokens"):
        estimate(x, x, "plugin")
    with pytest.raises(ValueError, match="same n"):
        estimate(x, x[:10], "ksg")
    with pytest.raises(ValueError, match="unknown|known"):
        estimate(x, x, "nope")
