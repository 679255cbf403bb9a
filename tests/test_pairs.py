"""``estimate(x, y)``: the registry's estimators on user pairs give the block estimators' values."""

import math
from dataclasses import asdict, replace

import numpy as np
import pytest

from infoscale.errors import Unavailable
from infoscale.estimators import estimate, pair_methods
from infoscale.estimators.block import discrete_block_mi, gaussian_sample_mi, ksg_mi, split_blocks
from infoscale.estimators.registry import (KSG_MAX_DIM, NEURAL_SETTINGS, SAMPLE_ESTIMATORS, TOKEN_KINDS,
                                           TRUNCATED_CONTEXT)
from infoscale.generators import make_family

NEURAL_BOUNDS = ("infonce", "nwj", "mine", "smile")


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


# ---- the spec's parameters and tags ------------------------------------------------------------
#: A changed setting per estimator and how its effect shows in the estimate.
CHANGED = {
    "gaussian": ({"bias_correction": False}, lambda e: e.method == "gaussian-raw"),
    "ksg": ({"k": 5}, lambda e: e.method == "ksg-k5"),
    **{bound: ({"steps": 20, "eval_every": 10}, lambda e: e.extra["steps"] <= 20)
       for bound in ("infonce", "nwj", "mine", "smile")},
}


def _samples(spec, n=600):
    family = make_family("ar") if "continuous" in spec.tokens else make_family("markov", vocab_size=2)
    return family, family.sample(n, 6, 1)


@pytest.mark.parametrize("method", pair_methods())
def test_pair_estimators_run_and_record_their_params(method, one_torch_thread):
    spec = SAMPLE_ESTIMATORS.get(method)
    family, x = _samples(spec)
    settings, effect = CHANGED.get(method, ({}, lambda e: True))
    changed = replace(spec, params={**spec.params, **settings})
    got = changed.run(family, x, 3, 0)
    assert got.extra["params"] == changed.params and effect(got)  # the settings run are those recorded
    if method not in NEURAL_BOUNDS:  # the neural bounds at their full settings: test_neural_pairs_…
        a, b = (x[:, :3], x[:, 3:]) if family.discrete else split_blocks(x, 3)
        default = estimate(a, b, method, vocab_size=family.vocab_size if family.discrete else None)
        assert default.extra["params"] == spec.params
        assert not settings or not effect(default)  # the change shows only where it was made
        default.extra["params"]["mutated"] = True  # a copy: the spec's settings are not touched
        assert "mutated" not in spec.params


def test_model_based_estimators_record_their_params():
    family = make_family("markov", vocab_size=2)
    x = family.sample(300, 6, 2)
    for name, spec in SAMPLE_ESTIMATORS.items():
        if spec.model_based:
            assert spec.run(family, x, 3, 0).extra["params"] == spec.params
            with pytest.raises(Unavailable, match="model-based"):
                spec.pairs(x[:, :3], x[:, 3:])
    assert SAMPLE_ESTIMATORS.get("direct-truncated").params["context"] == TRUNCATED_CONTEXT


def test_neural_settings_are_the_neural_config_defaults():
    from infoscale.estimators.neural import NeuralConfig

    assert NEURAL_SETTINGS == asdict(NeuralConfig())
    for bound in NEURAL_BOUNDS:
        assert SAMPLE_ESTIMATORS.get(bound).params == NEURAL_SETTINGS


def test_tags():
    for spec in (SAMPLE_ESTIMATORS.get(name) for name in SAMPLE_ESTIMATORS):
        assert spec.tokens and set(spec.tokens) <= set(TOKEN_KINDS)
    ksg = SAMPLE_ESTIMATORS.get("ksg")
    assert ksg.max_dim == KSG_MAX_DIM and ksg.fits(KSG_MAX_DIM) and not ksg.fits(KSG_MAX_DIM + 1)
    assert [n for n in SAMPLE_ESTIMATORS if SAMPLE_ESTIMATORS.get(n).max_dim is not None] == ["ksg"]
    assert SAMPLE_ESTIMATORS.get("infonce").ceiling == pytest.approx(math.log(NEURAL_SETTINGS["batch"]))
    assert [n for n in SAMPLE_ESTIMATORS if SAMPLE_ESTIMATORS.get(n).ceiling is not None] == ["infonce"]
    assert pair_methods("continuous") == ["gaussian", "ksg", *NEURAL_BOUNDS]
    assert pair_methods("discrete") == ["plugin", "miller-madow", "grassberger", "nsb", *NEURAL_BOUNDS]
    assert not hasattr(SAMPLE_ESTIMATORS.get("ksg"), "cause")
    with pytest.raises(ValueError, match="tokens"):
        replace(ksg, tokens=("words",))
    with pytest.raises(ValueError, match="exactly one"):
        replace(ksg, model_fn=lambda *args: None)


def test_regime_sentences_read_the_samples_and_the_params():
    ar, markov = make_family("ar"), make_family("markov", vocab_size=2)
    x, tokens = ar.sample(600, 8, 0), markov.sample(600, 8, 0)
    assert SAMPLE_ESTIMATORS.get("ksg").regime(ar, x, 3) == "block dimensions 3 + 5, n = 600"
    assert SAMPLE_ESTIMATORS.get("plugin").regime(markov, tokens, 3) == "V^ℓ = 2^3 = 8 words vs n = 600"
    assert SAMPLE_ESTIMATORS.get("infonce").regime(ar, x, 4).startswith("ceiling ln(batch) = ln 128 = 4.85; "
                                                                       "critic trained on n/2 = 300")
    smile = replace(SAMPLE_ESTIMATORS.get("smile"), params={**NEURAL_SETTINGS, "tau": 2.0})
    assert smile.regime(markov, tokens, 4).startswith("clipped at τ = 2")
    assert "a 4-token context" in SAMPLE_ESTIMATORS.get("direct-truncated").regime(markov, tokens, 4)
