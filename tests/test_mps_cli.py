"""CLI for the MPS families: `mi --method renyi2|mc|exact` and `scaling` with the exact→MC fallback."""

import json

import pytest

from infoscale.estimators.tensor_network import renyi2_mutual_information
from infoscale.generators import make_family


def test_mi_methods_agree_with_the_library(cli):
    family = make_family("mps", chi=3, state_seed=1)
    code, out, _ = cli("mi", "mps", "--chi", "3", "--state-seed", "1", "--length", "12", "--method", "renyi2", "--json")
    assert code == 0
    assert json.loads(out)["value"] == pytest.approx(renyi2_mutual_information(family, 6, 12).value, abs=1e-12)
    code, out, _ = cli("mi", "mps", "--chi", "3", "--state-seed", "1", "--length", "12", "--json")
    exact = json.loads(out)["value"]
    assert exact == pytest.approx(family.bipartite_mi(6, 12), abs=1e-12)
    code, out, _ = cli("mi", "mps", "--chi", "3", "--state-seed", "1", "--length", "12", "--method", "mc",
                       "--samples", "3000", "--quiet", "--json")
    result = json.loads(out)
    assert abs(result["value"] - exact) < 4 * result["stderr"]


def test_scaling_falls_back_to_monte_carlo_beyond_exact_reach(cli):
    code, out, _ = cli("scaling", "mps", "--chi", "2", "--max-length", "64", "--samples", "2000", "--quiet", "--json")
    assert code == 0
    result = json.loads(out)
    assert result["lengths"] == [4, 8, 16, 32, 64]
    assert result["methods"] == ["exact"] * 3 + ["monte-carlo"] * 2        # 2^32 > the enumeration limit
    assert all(err > 0 for err in result["stderr"][3:]) and result["stderr"][:3] == [0.0] * 3
    code, _, err = cli("scaling", "mps", "--chi", "2", "--max-length", "64", "--method", "exact")
    assert code == 2 and "renyi2" in err


def test_renyi2_on_a_non_mps_family_is_a_clear_error(cli):
    code, _, err = cli("mi", "markov", "--length", "8", "--method", "renyi2")
    assert code == 2 and "MPS family" in err
    code, _, err = cli("mi", "ising", "--basis", "y", "--length", "8")
    assert code == 2 and "basis" in err
