"""The example scripts: each runs with --quick, writes a PNG and a JSON, and its numbers check out.

Each example is imported from ``examples/`` and its ``main(argv)`` run in-process (one interpreter
start for all of them). The numbers are read back from the JSON file the example wrote and checked
against independent computations: dense covariance log-determinants, closed forms and identities.
The full-size runs are ``slow`` tests.
"""

import importlib.util
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from infoscale import make_family
from infoscale.exact.gaussian import gaussian_mi

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def load_example(name: str):
    """``examples/<name>.py`` imported as a module."""
    if str(EXAMPLES) not in sys.path:  # as when run as a script: the examples import their _common helper
        sys.path.insert(0, str(EXAMPLES))
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_example(name: str, out: Path, *argv: str, outputs: str | None = None, figures=None) -> dict:
    """Import ``examples/<name>.py``, run its ``main`` into ``out``; check its PNGs, return its JSON.

    An example writes ``<name>.png`` and ``<name>.json`` unless ``figures`` / ``outputs`` name others.
    """
    load_example(name).main([*argv, "--out", str(out)])
    for figure in figures or [f"{name}.png"]:
        assert (out / figure).read_bytes()[:8] == PNG_MAGIC, figure
    return json.loads((out / (outputs or f"{name}.json")).read_text())


def by_family(summary: dict) -> dict:
    return {row["family"]: row for row in summary["families"]}


# ---- 1. scaling classes ----------------------------------------------------------------------
def check_scaling_classes(summary: dict) -> None:
    rows = by_family(summary)
    for row in rows.values():  # every fitted law is the family's own class
        assert row["fit"]["law"] == row["class"], row["family"]
    hier = rows["hierarchical"]
    family = make_family("hierarchical", **hier["params"])
    dense = [gaussian_mi(family.covariance(L), L // 2) for L in hier["lengths"] if L <= 1024]
    # structured recursion vs three dense Cholesky log-determinants: rounding only
    np.testing.assert_allclose(hier["mi"][: len(dense)], dense, rtol=1e-9)
    copy = rows["copy"]  # identity: I = (L/2)·ln V for a uniform string and its exact copy
    np.testing.assert_allclose(copy["mi"], np.array(copy["lengths"]) / 2 * np.log(copy["params"]["vocab_size"]),
                               rtol=1e-12)
    phi = rows["ar"]["params"]["coefficients"][0]  # identity: stationary AR(1), −½ ln(1 − φ²) at every L
    np.testing.assert_allclose(rows["ar"]["mi"], -0.5 * np.log1p(-phi**2), rtol=1e-10)
    # the tree's exact curve is a pure power law in L = 4^l: the fit recovers β = ln 3 / ln 4 to rounding
    assert abs(rows["tree"]["fit"]["exponent"] - math.log(3) / math.log(4)) < 1e-8


def test_scaling_classes_quick(tmp_path):
    summary = run_example("scaling_classes", tmp_path, "--quick")
    assert summary["quick"] and max(by_family(summary)["copy"]["lengths"]) == 256
    check_scaling_classes(summary)


@pytest.mark.slow
def test_scaling_classes_full(tmp_path):
    summary = run_example("scaling_classes", tmp_path)
    check_scaling_classes(summary)
    # with L up to 4^7 the hierarchical k = 3 exponent is within 0.01 of ln 3 / ln 4 (boundary corrections)
    assert abs(by_family(summary)["hierarchical"]["fit"]["exponent"] - math.log(3) / math.log(4)) < 0.01


# ---- 2. two-point vs bipartite ---------------------------------------------------------------
def check_two_point(summary: dict) -> None:
    k3, k1 = summary["families"]["k=3"], summary["families"]["k=1"]
    levels = np.log(k3["lengths"]) / np.log(4)
    # closed form of the end-point MI, the same for k = 1 and k = 3 (see the example's docstring)
    closed = -0.5 * np.log1p(-(1 / 16) * (5 / 16) ** (2 * (levels - 1)))
    np.testing.assert_allclose(k3["two_point_ends"], closed, rtol=1e-10)
    np.testing.assert_allclose(k1["two_point_ends"], closed, rtol=1e-10)
    assert summary["max_end_point_gap"] < 1e-15
    for row in (k3, k1):  # bipartite at the half cut and the d = L/2 pair, from the dense covariance
        family = make_family("hierarchical", **row["params"])
        for L, bipartite, half in zip(row["lengths"], row["bipartite"], row["two_point_half"]):
            cov = family.covariance(L)
            assert bipartite == pytest.approx(gaussian_mi(cov, L // 2), rel=1e-9)
            assert half == pytest.approx(-0.5 * np.log1p(-cov[0, L // 2] ** 2), rel=1e-9)  # unit variances
    assert k3["bipartite_fit"]["law"] == "power" and k1["bipartite_fit"]["law"] == "log"


def test_two_point_vs_bipartite_quick(tmp_path):
    summary = run_example("two_point_vs_bipartite", tmp_path, "--quick")
    assert summary["families"]["k=3"]["lengths"] == [4, 16, 64, 256]
    check_two_point(summary)


@pytest.mark.slow
def test_two_point_vs_bipartite_full(tmp_path):
    summary = run_example("two_point_vs_bipartite", tmp_path)
    assert summary["families"]["k=3"]["lengths"][-1] == 4**6
    check_two_point(summary)
    # asymptotic decay exponent 2 ln(16/5) / ln 4 ≈ 1.678; the fit over d = 3..4095 sits within 0.1
    assert abs(summary["families"]["k=3"]["two_point_fit"]["alpha"] - 2 * math.log(16 / 5) / math.log(4)) < 0.1


# ---- 3. history dimension --------------------------------------------------------------------
def check_history(summary: dict, tolerance: float) -> None:
    for k in (1, 2, 3, 4):
        off = summary["boundary_off"][f"k={k}"]
        copies = [k ** (level - 1) for level in range(1, len(off["lengths"]) + 1)]
        assert off["rank"] == copies  # the exact count without the boundary step
        assert off["history_dimension"] == [math.ceil(0.99 * c - 1e-9) for c in copies]  # equal correlations
        # the reference I(L/2; L) = 0.29389·k^(l−1) without the boundary step (½ ln(9/5) = 0.29389 to 5 digits)
        np.testing.assert_allclose(off["mi"], 0.29389 * np.array(copies), rtol=2e-5)
        on = summary["boundary_on"][f"k={k}"]
        family = make_family("hierarchical", k=k, boundary=True)
        # dense spectrum sum vs the structured half-cut recursion: rounding only
        np.testing.assert_allclose(on["mi"], family.mi_curve(on["lengths"]), rtol=1e-8)
        assert all(d <= r for d, r in zip(on["history_dimension"], on["rank"]))
        if k >= 2:  # finite-size corrections at these short ladders stay within the given tolerance
            assert abs(on["power_exponent"] - math.log(k) / math.log(4)) < tolerance
    assert summary["boundary_on"]["k=1"]["fit"]["law"] == "log"


def test_history_dimension_quick(tmp_path):
    summary = run_example("history_dimension", tmp_path, "--quick", "--quiet")
    check_history(summary, tolerance=0.1)  # L = 16..256: three points per fit


@pytest.mark.slow
def test_history_dimension_full(tmp_path):
    summary = run_example("history_dimension", tmp_path, "--quiet")
    check_history(summary, tolerance=0.06)  # L = 16..4096


# ---- 4. critical Ising chain -----------------------------------------------------------------
def check_critical_chain(summary: dict, charge_tolerance: float) -> None:
    from infoscale.estimators.tensor_network import probability_table

    family = make_family("ising", **summary["params"])
    for L, S, mc, se, exact in zip(summary["lengths"], summary["entropy"], summary["shannon_mc"],
                                   summary["shannon_mc_stderr"], summary["shannon_exact"]):
        assert 0 < S <= np.log(summary["params"]["chi"]) + 1e-12  # entanglement of a bond-χ MPS ≤ ln χ
        if exact is not None:
            assert abs(mc - exact) < 4 * se  # seeded Monte Carlo within 4 standard errors of enumeration
            assert exact <= 2 * S + 1e-9  # measured MI of a pure state ≤ its quantum MI 2S
    # dense check at L = 8 from the full table p = ψ² (ψ > 0 in the σᶻ basis): Rényi-2 MI from the
    # collision sums of p and its half marginals, and the Schmidt count from an SVD of ψ. The test's
    # family runs DMRG afresh, and quimb's eigensolver starts are not bit-reproducible. What DMRG
    # guarantees is its stopping rule, a relative energy change of DMRG_TOL; a state whose energy is
    # off by δE differs from the ground state by O(sqrt(δE / gap)), and so does any quantity of it.
    # Observed agreement is ~1e-7; the test allows what the method guarantees, sqrt(DMRG_TOL) ≈ 3e-4.
    from infoscale.generators.ising import DMRG_TOL

    L = summary["lengths"][0]
    p = probability_table(family, L).reshape(2 ** (L // 2), 2 ** (L // 2))
    renyi2 = np.log(np.sum(p**2)) - np.log(np.sum(p.sum(1) ** 2)) - np.log(np.sum(p.sum(0) ** 2))
    assert summary["renyi2"][0] == pytest.approx(renyi2, rel=np.sqrt(DMRG_TOL))
    weights = np.linalg.svd(np.sqrt(p), compute_uv=False) ** 2
    discarded = 1 - np.cumsum(weights)
    assert summary["chi_needed"][0] == int(np.argmax(discarded <= summary["schmidt_tol"])) + 1
    for L, rank in zip(summary["tt_lengths"], summary["tt_max_rank"]):
        assert 1 <= rank <= 2 ** (L // 2)  # no cut of a table over 2^L needs more than 2^(L/2)
    # Calabrese–Cardy: S = (c/6) ln L + const with c = 1/2 (finite-size corrections at short L)
    assert abs(summary["central_charge"] - 0.5) < charge_tolerance
    assert summary["fits"]["entropy"]["law"] == "log" and summary["fits"]["renyi2"]["law"] == "log"


def test_critical_chain_quick(tmp_path):
    summary = run_example("critical_chain", tmp_path, "--quick", "--quiet")
    assert summary["lengths"] == [8, 16, 32]
    check_critical_chain(summary, charge_tolerance=0.1)  # L = 8..32: c ≈ 0.56


@pytest.mark.slow
def test_critical_chain_full(tmp_path):
    summary = run_example("critical_chain", tmp_path, "--quiet")
    check_critical_chain(summary, charge_tolerance=0.05)
    assert summary["fits"]["shannon_mc"]["law"] == "log"


# ---- 5. estimator validation -----------------------------------------------------------------
def check_validation(summary: dict) -> None:
    from infoscale.estimators.enumeration import exact_mutual_information

    rows = summary["rows"]
    assert rows and {row["estimator"] for row in rows} >= {"plugin", "gaussian", "direct"}
    for row in rows:
        if row["family"] == "ar":  # identity: AR(1) with the default φ = 0.5 has I = −½ ln(1 − φ²) at every L
            assert row["true_mi"] == pytest.approx(-0.5 * np.log1p(-0.25), rel=1e-10)
        if row["family"] == "markov vocab_size=2" and row["L"] <= 8:  # brute-force enumeration of 2^L strings
            exact = exact_mutual_information(make_family("markov", vocab_size=2), row["L"] // 2, row["L"])
            assert row["true_mi"] == pytest.approx(exact.value, rel=1e-9)
    # the plug-in estimator's bias grows with the number of words 2^(L/2): it must break on markov
    plugin = next(b for b in summary["breakdown"] if b["estimator"] == "plugin" and b["family"].startswith("markov"))
    assert plugin["breaks_at_L"] is not None and plugin["log_ratios"][-1] > plugin["log_ratios"][0]


def test_estimator_validation_quick(tmp_path):
    summary = run_example("estimator_validation", tmp_path, "--quick", "--quiet")
    assert summary["quick"] and summary["samples"] == 300
    check_validation(summary)


@pytest.mark.slow
def test_estimator_validation_full(tmp_path):
    check_validation(run_example("estimator_validation", tmp_path, "--quiet"))


# ---- 6. the L²M experiment -------------------------------------------------------------------
L2M_FIGURES = ["kl_vs_length.png", "position_kl.png", "collapse.png", "linear_reference.png"]
QUICK_FIGURES = [f"l2m_quick/{name}" for name in L2M_FIGURES]


def check_l2m(table: dict) -> None:
    models = {spec["label"]: spec["config"] for spec in table["config"]["models"]}
    family = make_family("hierarchical", k=3)
    for row in table["rows"]:
        L, config = row["length"], models[row["label"]]
        # exact I(L/2; L) against the dense covariance (the run uses the structured recursion)
        assert row["mi_half"] == pytest.approx(gaussian_mi(family.covariance(L), L // 2), rel=1e-9)
        # history-state accounting, counted by hand: KV cache 2·layers·d_model per past token;
        # GRU hidden state d_model per layer; diagonal SSM d_model·state_size per layer
        expected = {"transformer": 2 * config["n_layers"] * config["d_model"] * (L // 2),
                    "gru": config["n_layers"] * config["d_model"],
                    "ssm": config["n_layers"] * config["d_model"] * config.get("state_size", 1)}[row["arch"]]
        assert row["history_state_dim"] == expected, row["label"]
        assert np.isfinite(row["mean_kl"]) and row["mean_kl"] > -1e-6  # a KL is never negative
        assert len(row["position_kl"]) == L


def test_l2m_experiment_quick(tmp_path):
    table = run_example("l2m_experiment", tmp_path, "--quick", "--quiet", outputs="l2m_quick/l2m.json",
                        figures=QUICK_FIGURES)
    assert sorted({row["length"] for row in table["rows"]}) == [16, 64]
    check_l2m(table)


@pytest.mark.slow
def test_l2m_experiment_full(tmp_path):
    table = run_example("l2m_experiment", tmp_path, "--quiet", outputs="l2m_quick/l2m.json", figures=QUICK_FIGURES)
    check_l2m(table)
    kl = {(row["label"], row["length"]): row["mean_kl"] for row in table["rows"]}
    # the transformer (growing KV cache) beats both fixed-state models at every length, by more than
    # 5 standard errors (each mean KL's stderr is ~1 % of it at 128 evaluation sequences)
    for row in table["rows"]:
        if row["label"] != "transformer":
            gap = row["mean_kl"] - kl["transformer", row["length"]]
            assert gap > 5 * row["mean_kl_stderr"], (row["label"], row["length"])


# ---- 7. the L²M collapse ---------------------------------------------------------------------
COLLAPSE_FIGURES = [f"l2m_collapse/{name}" for name in L2M_FIGURES + ["state_law.png", "utilization.png"]]


def check_collapse(table: dict, summary: dict) -> None:
    from infoscale.exact.gaussian import mi_spectrum

    models = {spec["label"]: spec["config"] for spec in table["config"]["models"]}
    for row in table["rows"]:
        L, config = row["length"], models[row["label"]]
        family = make_family("hierarchical", **row["family_params"])
        assert row["mi_half"] == pytest.approx(gaussian_mi(family.covariance(L), L // 2), rel=1e-9)
        if row["arch"] == "selective_ssm":  # d_inner channels × state_size per layer, counted by hand
            assert row["history_state_dim"] == config["n_layers"] * config["d_inner"] * config["state_size"]
        if row["role"] == "fixed-state":
            # the linear reference: I minus the MI of the top D canonical directions, from a dense spectrum
            terms = np.sort(mi_spectrum(family.covariance(L), L // 2).contributions)[::-1]
            assert row["linear_reference"] == pytest.approx(terms[row["history_state_dim"]:].sum(), abs=1e-9)
        assert row["positions"] == "sinusoidal" and row["history_buffer_dim"] == 1  # the counter; kernel 1: no taps
    assert set(summary["collapse"]) == {"gru", "selective_ssm", "linear reference"}
    for by_value in summary["collapse"].values():
        for s in by_value.values():
            assert all(r is None or r <= 1.0 for r in (s["r2_information_ratio"], s["r2_length_ratio"], s["r2_state"],
                                                        s["r2_length"]))
    for entries in summary["state_law"].values():
        for entry in entries:
            assert entry["lengths"] == [4, 16, 64, 256] and entry["epsilon"] == 0.3


def test_l2m_collapse_quick(tmp_path):
    table = run_example("l2m_collapse", tmp_path, "--quick", "--quiet", outputs="l2m_collapse/l2m.json",
                        figures=COLLAPSE_FIGURES)
    check_collapse(table, json.loads((tmp_path / "l2m_collapse" / "summary.json").read_text()))


# ---- 8. bring your own layer -------------------------------------------------------------------
@pytest.mark.slow
def test_bring_your_own_layer_quick(tmp_path):
    """The new layer runs beside the built-in ones through the same sweep: its state (d_state floats,
    counted by hand from its config) is the harness's measurement, every run has its utilization, the
    collapse is scored per architecture, and the figures exist."""
    table = run_example("bring_your_own_layer", tmp_path, "--quick", "--quiet", outputs="bring_your_own_layer/l2m.json",
                        figures=[f"bring_your_own_layer/{name}" for name in L2M_FIGURES + ["utilization.png"]])
    models = {spec["label"]: spec for spec in table["config"]["models"]}
    glr = [row for row in table["rows"] if row["label"].startswith("glr-")]
    assert {row["label"] for row in glr} == {"glr-2", "glr-8"} and len(glr) == 4
    for row in glr:
        assert row["history_state_dim"] == models[row["label"]]["config"]["options"]["d_state"]
        family = make_family("hierarchical", **row["family_params"])
        assert row["mi_half"] == pytest.approx(gaussian_mi(family.covariance(row["length"]), row["length"] // 2), rel=1e-9)
    assert all(row["utilization"]["mi_half"] == row["mi_half"] for row in table["rows"])
    summary = json.loads((tmp_path / "bring_your_own_layer" / "summary.json").read_text())
    assert {"selective_ssm", glr[0]["arch"]} <= set(summary["collapse"])


# ---- the regenerator -------------------------------------------------------------------------
def test_make_figures_runs_the_named_examples(tmp_path, capsys):
    run_example("make_figures", tmp_path, "--quick", "--only", "two_point_vs_bipartite",
                outputs="two_point_vs_bipartite.json", figures=["two_point_vs_bipartite.png"])
    assert "==== two_point_vs_bipartite" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["two_point_vs_bipartite.json", "two_point_vs_bipartite.png"]


# ---- language models on exact truth ------------------------------------------------------------
@pytest.mark.slow
def test_lm_exact_truth_quick(tmp_path):
    table = run_example("lm_exact_truth", tmp_path, "--quick")
    for row in table["rows"]:
        family = make_family(row["family"], **table["cases"][row["family"]]["params"])
        assert row["exact"] == pytest.approx(family.bipartite_mi(row["ell"], row["L"]), rel=1e-12)
        if row["model"] == "oracle" and row["estimator"] == "direct":  # q = p: unbiased
            assert abs(row["estimate"] - row["exact"]) < 4.5 * row["stderr"], row
        if row["model"] == "oracle" and row["estimator"] == "vclub":  # q = p: above I by the CLUB gap
            assert row["estimate"] > row["exact"] + 3 * row["stderr"], row


# ---- natural language: the second corpus's preparation -------------------------------------------
def test_kjv_books_drop_references_and_keep_books_chapters_and_verses():
    """Debian's ``bible -f`` output, constructed: each book one document in order of appearance, its verses
    one a line without their references, a blank line where the chapter changes (also when only the
    chapter number's digits differ), blank lines of the input ignored."""
    lines = ["Ge1:1 In the beginning God created the heaven and the earth.",
             "Ge1:2 And the earth was without form, and void.",
             "Ge2:1 Thus the heavens and the earth were finished.  ", "",
             "1Jn1:1 That which was from the beginning,",
             "1Jn10:1 Behold, 2 witnesses: 3:16 is text.",
             "Rev22:21 The grace of our Lord Jesus Christ be with you all. Amen."]
    books = load_example("natural_language").kjv_books(lines)
    assert books == [
        ("Ge", "In the beginning God created the heaven and the earth.\nAnd the earth was without form, and void.\n\n"
               "Thus the heavens and the earth were finished.\n"),
        ("1Jn", "That which was from the beginning,\n\nBehold, 2 witnesses: 3:16 is text.\n"),
        ("Rev", "The grace of our Lord Jesus Christ be with you all. Amen.\n")]


def test_kjv_books_refuse_a_line_that_is_not_a_verse():
    with pytest.raises(ValueError, match="line 2 of the bible output is not a verse: 'Genesis 1'"):
        load_example("natural_language").kjv_books(["Ge1:1 In the beginning.", "Genesis 1", "Ge1:2 And."])


def test_kjv_corpus_without_bible_kjv_is_refused_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `bible` program
    with pytest.raises(SystemExit, match=r"^--corpus kjv needs .*: apt-get install bible-kjv$"):
        load_example("natural_language").main(["--quick", "--corpus", "kjv", "--out", str(tmp_path)])
