"""The validation harness: table contents against the families' exact MI, breakdown, outputs."""

import csv
import json
from dataclasses import replace

import numpy as np
import pytest

from infoscale.cli import main
from infoscale.estimators.registry import SAMPLE_ESTIMATORS
from infoscale.studies.validation import (COLUMNS, Case, breakdown, format_report, run_validation,
                                             two_point_vs_bipartite, write_outputs)
from infoscale.studies.validation.report import NEURAL
from infoscale.generators import make_family


@pytest.fixture(scope="module")
def small_run():
    cases = [Case("copy", {"vocab_size": 2}, (4, 16)), Case("ar", {}, (4, 32))]
    estimators = [name for name in SAMPLE_ESTIMATORS if name not in NEURAL]  # the neural bounds: neural_run
    return run_validation(cases, estimators, samples=600, seeds=2, seed=1, two_point_lengths=(4, 16, 64),
                          progress=False)


@pytest.fixture(scope="module")
def neural_run():
    return run_validation([Case("ar", {}, (4,))], ["infonce", "mine"], samples=600, seeds=2, seed=1,
                          two_point_lengths=(4,), progress=False)


def test_rows_hold_the_exact_truth_and_applicable_estimators(small_run):
    rows = small_run.rows
    for row in rows:
        assert set(row) == set(COLUMNS)
        family = make_family(row["family"].split()[0], **({"vocab_size": 2} if row["family"].startswith("copy") else {}))
        assert row["true_mi"] == pytest.approx(family.bipartite_mi(row["L"] // 2, row["L"]), abs=1e-12)
    discrete = {r["estimator"] for r in rows if r["family"].startswith("copy")}
    continuous = {r["estimator"] for r in rows if r["family"] == "ar"}
    assert {"plugin", "grassberger", "direct", "direct-corrected"} <= discrete and "ksg" not in discrete
    assert {"gaussian", "ksg", "direct", "vclub"} <= continuous and "plugin" not in continuous


def test_breakdown_shows_plugin_saturation_and_model_shortfall(small_run):
    by = {(b["estimator"], b["family"]): b for b in small_run.breakdown}
    # copy V=2 at L=16: 2^8 = 256 words a side, 256 occupied joint cells vs n = 600: plug-in is low
    # but still near (exact copy); it works at L=4. The truncated oracle (4 tokens) misses copies
    # at distance 8 entirely.
    assert by[("plugin", "copy vocab_size=2")]["log_ratios"][0] == pytest.approx(0.0, abs=0.05)
    assert by[("direct-truncated", "copy vocab_size=2")]["breaks_at_L"] == 16
    assert by[("direct", "ar")]["breaks_at_L"] is None  # the exact oracle never breaks
    assert by[("vclub", "ar")]["breaks_at_L"] == 4  # vCLUB exceeds I even with the exact model
    assert by[("ksg", "ar")]["log_ratios"][-1] < by[("ksg", "ar")]["log_ratios"][0]  # worse in 16+16 dims


def test_breakdown_rule():
    rows = [{"estimator": "e", "family": "f", "L": L, "true_mi": 1.0, "mean_estimate": est, "stderr": se,
             "mean_log_ratio": float(np.log(est)), "note": f"note {L}"}
            for L, est, se in ((4, 1.05, 0.01), (8, 1.5, 0.3), (16, 2.0, 0.01))]
    (item,) = breakdown(rows, tolerance=0.1)
    assert item["breaks_at_L"] == 16 and item["why"] == "note 16"  # L=8 is off by 0.4 but within 3σ


def test_two_point_cannot_tell_k3_from_k1():
    tp = two_point_vs_bipartite((16, 64, 256))
    assert np.allclose(tp["k=3"]["two_point_antipodal"], tp["k=1"]["two_point_antipodal"], rtol=1e-9)
    ratio = np.array(tp["k=3"]["bipartite"]) / np.array(tp["k=1"]["bipartite"])
    assert np.all(np.diff(ratio) > 0) and ratio[-1] > 10  # bipartite MI: L^0.79 vs ln L


def test_outputs_written(small_run, tmp_path):
    paths = write_outputs(small_run, tmp_path)
    names = {p.name for p in paths}
    assert names == {"validation.csv", "validation.json", "ratio_vs_length.png", "two_point_vs_bipartite.png"}
    with open(tmp_path / "validation.csv") as handle:
        table = list(csv.DictReader(handle))
    assert len(table) == len(small_run.rows) and tuple(table[0]) == COLUMNS
    data = json.loads((tmp_path / "validation.json").read_text())
    assert data["breakdown"] and data["two_point_vs_bipartite"]["lengths"] == [4, 16, 64]


def test_cli_validate_small(tmp_path, capsys):
    code = main(["validate", "--families", "markov", "--lengths", "4,8", "--estimators", "plugin,direct",
                 "--seeds", "2", "--samples", "300", "--out", str(tmp_path), "--quiet"])
    assert code == 0
    out = capsys.readouterr().out
    assert "where each estimator breaks" in out and (tmp_path / "validation.csv").is_file()


def test_cli_validate_bad_input(tmp_path, capsys):
    assert main(["validate", "--estimators", "nope", "--out", str(tmp_path), "--quiet"]) == 2
    assert "unknown estimator" in capsys.readouterr().err
    assert main(["validate", "--families", "nope", "--out", str(tmp_path), "--quiet"]) == 2
    assert "unknown family" in capsys.readouterr().err


def test_case_seeds_do_not_depend_on_the_other_families_or_estimators():
    alone = run_validation([Case("markov", {"vocab_size": 2}, (4,))], estimators=["plugin"], samples=300, seeds=2,
                           seed=5, two_point_lengths=(4,), progress=False)
    mixed = run_validation([Case("ar", {}, (4,)), Case("markov", {"vocab_size": 2}, (4, 8))],
                           estimators=["gaussian", "plugin", "nsb"], samples=300, seeds=2, seed=5,
                           two_point_lengths=(4,), progress=False)
    (want,) = alone.rows
    (got,) = [r for r in mixed.rows if r["family"].startswith("markov") and r["L"] == 4 and r["estimator"] == "plugin"]
    assert got["mean_estimate"] == want["mean_estimate"] and got["seed_spread"] == want["seed_spread"]
    other = run_validation([Case("markov", {"vocab_size": 2}, (4,))], estimators=["plugin"], samples=300, seeds=2,
                           seed=6, two_point_lengths=(4,), progress=False)
    assert other.rows[0]["mean_estimate"] != want["mean_estimate"]  # the master seed still matters


def read_strict_json(path):
    return json.loads(path.read_text(), parse_constant=lambda name: pytest.fail(f"non-strict JSON constant {name}"))


def test_json_is_strict(small_run, tmp_path):
    write_outputs(small_run, tmp_path)
    data = read_strict_json(tmp_path / "validation.json")
    assert {r["estimator"] for r in data["rows"]} >= {"nsb", "miller-madow"}
    assert any(r["mean_log_ratio"] is None or r["mean_estimate"] == "inf" for r in data["rows"])  # NaN/inf written strictly


@pytest.mark.slow
def test_neural_rows_summarised(neural_run, tmp_path):
    write_outputs(neural_run, tmp_path)
    data = read_strict_json(tmp_path / "validation.json")
    assert {item["estimator"] for item in data["neural"]} == {"infonce", "mine"}
    # AR(1) φ = 0.5 cut at 2: I = −½ ln(1 − φ²) = 0.1438 nats, far below ln 128: no saturation
    (infonce,) = [r for r in neural_run.rows if r["estimator"] == "infonce"]
    assert infonce["true_mi"] == pytest.approx(-0.5 * np.log(0.75)) and not infonce["note"].startswith("saturated")
    assert abs(infonce["mean_estimate"] - infonce["true_mi"]) < 0.1
    assert "neural bounds" in format_report(neural_run)


def test_harness_skips_an_estimator_outside_its_dimension_tag(monkeypatch):
    # The harness reads the max_dim tag, whatever the estimator's name: a Gaussian estimator told
    # it is valid up to 6 dimensions, and KSG told 4, are skipped at L = 8 and run at L = 4.
    narrow = replace(SAMPLE_ESTIMATORS.get("gaussian"), name="gaussian-narrow", max_dim=6)
    monkeypatch.setitem(SAMPLE_ESTIMATORS._entries, "gaussian-narrow", narrow)
    monkeypatch.setitem(SAMPLE_ESTIMATORS._entries, "ksg", replace(SAMPLE_ESTIMATORS.get("ksg"), max_dim=4))
    result = run_validation([Case("ar", {}, (4, 8))], ["gaussian", "gaussian-narrow", "ksg"], samples=300, seeds=2,
                            seed=3, two_point_lengths=(4,), progress=False)
    ran = {(r["estimator"], r["L"]): r for r in result.rows}
    assert set(ran) == {("gaussian", 4), ("gaussian", 8), ("gaussian-narrow", 4), ("ksg", 4)}
    assert ran[("gaussian-narrow", 4)]["mean_estimate"] == ran[("gaussian", 4)]["mean_estimate"]
    assert "ar L=8 gaussian-narrow: skipped: dimension 8 > 6" in result.skipped
    assert "ar L=8 ksg: skipped: dimension 8 > 4" in result.skipped
