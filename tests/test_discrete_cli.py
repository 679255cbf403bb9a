"""`infoscale mi` and the other commands on the discrete families."""

import json

import numpy as np
import pytest

from infoscale.generators import make_family


def test_mi_exact_json_is_the_family_value(cli):
    code, out, _ = cli("mi", "tree", "--length", "256", "--k", "2", "--json")
    assert code == 0
    row = json.loads(out)
    assert row["ell"] == 128 and row["stderr"] is None
    assert row["value"] == pytest.approx(make_family("tree", k=2).bipartite_mi(128, 256), abs=1e-12)


def test_mi_monte_carlo_prints_value_and_standard_error(cli):
    argv = ["mi", "copy", "--length", "20", "--method", "mc", "--samples", "3000", "--seed", "3",
            "--epsilon", "0.25", "--vocab-size", "3", "--quiet"]
    code, out, _ = cli(*argv)
    assert code == 0 and "±" in out and "monte-carlo" in out
    _, out_json, _ = cli(*(argv + ["--json"]))
    row = json.loads(out_json)
    exact = make_family("copy", epsilon=0.25, vocab_size=3).bipartite_mi(10, 20)
    assert row["n_samples"] == 3000 and abs(row["value"] - exact) < 4 * row["stderr"]
    _, again, _ = cli(*(argv + ["--json"]))
    assert json.loads(again)["value"] == row["value"]          # --seed makes it reproducible


def test_mi_split_and_explicit_matrix(cli):
    code, out, _ = cli("mi", "markov", "--length", "10", "--split", "0.3", "--json",
                                "--transition", "0.9,0.1;0.4,0.6")
    assert code == 0
    row = json.loads(out)
    p = np.array([[0.9, 0.1], [0.4, 0.6]])
    pi = np.array([0.8, 0.2])
    h = lambda q: -np.sum(q * np.log(q))
    assert row["ell"] == 3 and row["value"] == pytest.approx(h(pi) - pi @ np.array([h(r) for r in p]), abs=1e-12)


@pytest.mark.parametrize("argv,needle", [
    (["mi", "copy", "--length", "7"], "length must be even"),
    (["mi", "tree", "--length", "20"], "power of the branching"),
    (["mi", "copy", "--length", "8", "--epsilon", "2"], "epsilon"),
    (["mi", "markov", "--length", "8", "--transition", "0.5,0.6;0.5,0.5"], "transition"),
    (["mi", "hmm", "--length", "40"], "mc_mutual_information"),
    (["mi", "markov", "--length", "8", "--method", "magic"], "invalid choice"),
    (["spectrum", "markov", "--length", "8"], "not Gaussian"),
])
def test_bad_input_exits_2_with_one_line(cli, argv, needle):
    code, out, err = cli(*argv)
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1


def test_scaling_and_sample_work_for_discrete_families(cli, tmp_path):
    code, out, _ = cli("scaling", "tree", "--max-length", "16384", "--fit-from", "4", "--json")
    assert code == 0
    fit = json.loads(out)["fit"]
    assert fit["law"] == "power" and abs(fit["exponent"] - np.log(3) / np.log(4)) < 0.02
    path = tmp_path / "x.npz"
    assert cli("sample", "dirichlet", "--length", "12", "-n", "5", "--seed", "1", "-o", str(path))[0] == 0
    x = np.load(path)["x"]
    assert x.shape == (5, 12) and x.dtype.kind == "i"


def test_scaling_hmm_uses_a_geometric_ladder_of_even_lengths(cli):
    argv = ["scaling", "hmm", "--max-length", "16", "--fit-from", "4", "--json",
            "--transition", "0.8,0.2;0.3,0.7", "--emission", "0.9,0.1;0.2,0.8"]
    code, out, _ = cli(*argv)
    row = json.loads(out)
    assert code == 0 and row["lengths"] == [4, 6, 10, 16] and row["fit"]["law"] == "area"
