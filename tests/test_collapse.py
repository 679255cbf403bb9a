"""The collapse scores can fail: synthetic rows from laws that contradict the bound are rejected, and
the linear reference over the collapse preset's own design identifies I/D (before any training)."""

import numpy as np
import pytest

from infoscale.generators import make_family
from infoscale.studies.l2m import load_config
from infoscale.studies.l2m.reference import reference_curves, reference_rows
from infoscale.theory.collapse import collapse_scores, exponent_of_information
from infoscale.theory.state_law import information_state_law

#: Bootstrap resamples in these tests (the sweep's summary uses 1000): enough for a 95 % interval
#: whose ends move by a few hundredths between seeds.
BOOTSTRAP = 40


@pytest.fixture(scope="module")
def design():
    """The rows of the collapse preset's design (families × lengths × sizes), I and L exact."""
    return reference_rows(load_config("collapse"))


def _synthetic(design, law, noise=0.05, seed=0):
    """Rows whose KL per token and fraction of the information lost both follow ``law(I, D, L)``, times
    a seeded log-normal noise of ``noise``."""
    rng = np.random.default_rng(seed)
    out = []
    for r in design:
        y = law(r["mi_half"], r["history_state_dim"], r["length"]) * np.exp(noise * rng.standard_normal())
        out.append({**r, "mean_kl": y, "kl_second_half_total": y * r["mi_half"]})
    return out


BETA_MIN = 0.52  # local β of k = 2 over L = 16 … 1024 (the smallest of the design's families)


def test_exponent_is_exact_on_a_noiseless_power_of_the_ratio(design):
    rows = _synthetic(design, lambda mi, d, L: 0.01 * (mi / d) ** 0.7, noise=0.0)
    log = {k: np.log([r[k] for r in rows]) for k in ("mi_half", "history_state_dim", "mean_kl")}
    assert exponent_of_information(log["mi_half"], log["history_state_dim"], log["mean_kl"]) == \
        pytest.approx(1.0, abs=0.01)


def test_kl_of_the_information_ratio_passes_with_exponent_one(design):
    """KL = g(I/D), g a saturating monotone function: ĉ ≈ 1, its interval holds 1 and not 1/β."""
    rows = _synthetic(design, lambda mi, d, L: 0.3 * (mi / d) / (1 + mi / d))
    for value in ("kl", "fraction"):
        scores = collapse_scores(rows, value, beta_min=BETA_MIN, bootstrap=BOOTSTRAP)
        assert scores["exponent_of_information"] == pytest.approx(1.0, abs=0.1), value
        assert scores["interval"][0] <= 1.0 <= scores["interval"][1]
        assert scores["r2_information_ratio"] > scores["r2_length_ratio"] + 0.1
        assert scores["verdict"], scores


@pytest.mark.parametrize("law, name", [(lambda mi, d, L: 1e-3 * L / d, "L/D"),
                                       (lambda mi, d, L: 1e-3 * mi**2 / d, "I²/D")])
def test_laws_that_contradict_the_bound_fail(design, law, name):
    """KL ∝ L/D (what the old test could not tell apart) and KL ∝ I²/D (ĉ = 2) are rejected, on both axes."""
    for value in ("kl", "fraction"):
        scores = collapse_scores(_synthetic(design, law), value, beta_min=BETA_MIN, bootstrap=BOOTSTRAP)
        assert not scores["verdict"], (name, value)
        if name == "I²/D":
            assert scores["exponent_of_information"] == pytest.approx(2.0, abs=0.15)
            assert scores["interval"][0] > 1.0
        else:
            assert scores["r2_length_ratio"] > scores["r2_information_ratio"]


def test_the_linear_reference_over_the_preset_design_identifies_the_information(design):
    """R(D), the optimal use of D linear floats, on the collapse preset's families, lengths and sizes:
    ĉ within 0.15 of 1 and R² on log(I/D) at least 0.3 above R² on log(L/D), for both axes."""
    for value in ("kl", "fraction"):
        scores = collapse_scores(design, value, beta_min=BETA_MIN, bootstrap=BOOTSTRAP)
        assert abs(scores["exponent_of_information"] - 1.0) <= 0.15, (value, scores)
        assert scores["r2_information_ratio"] >= scores["r2_length_ratio"] + 0.3, (value, scores)


def test_the_linear_reference_state_law_follows_the_local_beta(design):
    """D*_ε(L) of the linear reference (R(D) at every integer D) at the preset's ε and lengths: γ within
    ±0.1 of the family's local β (the slope of log I(L/2; L) over the same lengths), and ordered
    γ(k=2) < γ(k=3) < γ(k=4)."""
    config = load_config("collapse")
    gammas = {}
    for index, spec in enumerate(config.families):
        family = make_family(spec.name, **dict(spec.params))
        rows = [r for r in design if r["family_index"] == index]
        for entry in information_state_law(rows, config.analysis.epsilons, reference_curves(family, config.lengths),
                                           bootstrap=BOOTSTRAP):
            assert entry["lengths"] == list(config.lengths) and None not in entry["state_needed_linear"]
            assert abs(entry["gamma_linear"] - entry["beta_local"]) <= 0.1, (spec.params, entry)
            assert entry["interval_linear"][0] <= entry["gamma_linear"] <= entry["interval_linear"][1]
            gammas.setdefault((spec.params["k"], spec.params["token_dim"]), []).append(entry["gamma_linear"])
    assert max(gammas[(2, 1)]) < min(gammas[(3, 1)]) and max(gammas[(3, 1)]) < min(gammas[(4, 1)])
