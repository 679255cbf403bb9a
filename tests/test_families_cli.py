"""`infoscale families` with parameters, `infoscale scaling` on the new families and its cost check."""

import json

import numpy as np



def test_families_reports_the_class_for_the_parameters_given(cli):
    code, out, _ = cli("families", "hierarchical", "--branching", "8", "--k", "5", "--json")
    row = json.loads(out)["hierarchical"]
    assert code == 0 and row["scaling"] == f"power (beta={np.log(5) / np.log(8):.4f})"
    assert row["values"]["branching"] == 8
    code, out, _ = cli("families", "santa-fe", "--alpha", "1.25")
    assert code == 0 and "power (beta=0.8000)" in out and "(here 1.25)" in out
    code, out, _ = cli("families", "santa-fe", "--max-key", "100")
    assert code == 0 and out.split()[2] == "area"
    code, out, _ = cli("families", "--json")
    rows = json.loads(out)
    assert rows["santa-fe"]["scaling"] == "power (beta=0.6667)" and rows["tree"]["scaling"].startswith("power")


def test_families_bad_parameters_are_one_line_errors(cli):
    code, _, err = cli("families", "santa-fe", "--alpha", "0.9")
    assert code == 2 and "alpha" in err and len(err.strip().splitlines()) == 1
    code, _, err = cli("families", "hierarchical", "--k", "5")
    assert code == 2 and "k must be" in err


def test_scaling_santa_fe_fits_its_power_law(cli):
    code, out, _ = cli("scaling", "santa-fe", "--alpha", "2", "--max-length", "1000000", "--json")
    row = json.loads(out)
    assert code == 0 and set(row["methods"]) == {"exact"} and len(row["lengths"]) <= 30
    assert row["fit"]["law"] == "power" and abs(row["fit"]["exponent"] - 0.5) < 0.03


def test_scaling_refuses_a_sweep_over_its_time_limit_before_sampling(cli):
    argv = ["scaling", "hmm", "--max-length", "1024", "--samples", "1000000", "--max-seconds", "1"]
    code, out, err = cli(*argv)
    assert code == 2 and out == "" and "--max-seconds" in err and "1024" in err


def test_scaling_says_before_sampling_when_a_sweep_is_long(cli, monkeypatch):
    import infoscale.cli.sequences as exact

    monkeypatch.setattr(exact, "LONG_SWEEP_SECONDS", 0.0)
    code, out, err = cli("scaling", "hmm", "--max-length", "64", "--samples", "200", "--quiet")
    assert code == 0 and "note: Monte Carlo with 200 samples at L = 16, 26, 40, 64 will take about" in err
