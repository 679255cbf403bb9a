"""Per-document records of an LM-MI run: the summary is recomputed from them, halves merge into the
whole run, an interrupted run resumes to the uninterrupted result; the first-tokens correction on
an exact family whose start state is wrong; a "log" fit prints no β."""

import json

import numpy as np
import pytest

from infoscale.errors import InvalidInput
from infoscale.estimators.documents import Split, plan_splits
from infoscale.estimators.first_tokens import Correction, MidDocumentStart
from infoscale.estimators.model_based import OracleModel
from infoscale.generators import make_family
from infoscale.studies.lm_mi.curve import lm_mi_curve, summarize_curves, summarize_records
from infoscale.studies.lm_mi.records import merge_records, read_records
from infoscale.studies.lm_mi.report import format_lm_mi_report

FAMILY = make_family("markov", vocab_size=3, concentration=0.3, chain_seed=1)
SETUP = {"lengths": [8, 16], "ratios": (2, 4), "n_boot": 50, "two_point": False, "chunk": 4}


def _docs(n, seed=0):
    return FAMILY.sample(n, 16, np.random.default_rng(seed))


def _curves(result):
    return np.array([[p["mean"], *p["ci"]] for c in result["curves"] for p in c["points"]])


def assert_same_records(a, b):
    """Same documents, same sources and offsets, same values (to 1e-12: batches may differ in shape)."""
    assert [(r["index"], r["source"], r["offset"]) for r in a] == [(r["index"], r["source"], r["offset"]) for r in b]
    for key in a[0]["values"]:
        np.testing.assert_allclose([r["values"][key] for r in a], [r["values"][key] for r in b], rtol=1e-12, atol=1e-12)


def test_records_hold_every_document_and_the_summary_is_recomputed_from_them(tmp_path):
    docs, path = _docs(20), tmp_path / "run.jsonl"
    result = lm_mi_curve(OracleModel(FAMILY), docs, seed=3, records=path, **SETUP)
    settings, records = read_records(path)
    assert [r["index"] for r in records] == list(range(20))
    assert settings["seed"] == 3 and settings["bootstrap"] == 50 and settings["correction"]["method"] == "context"
    assert {"threads", "versions", "model"} <= set(settings) and settings["versions"]["numpy"] == np.__version__
    n_splits = len(plan_splits([8, 16], (2, 4)))
    assert all(len(r["values"]["direct"]) == n_splits for r in records)
    # the summary is the mean of the records' values; and it is recomputed from the file alone
    direct = np.array([r["values"]["direct"] for r in records])
    means = [p["mean"] for c in result["curves"] if c["estimator"] == "direct" for p in c["points"]]
    np.testing.assert_allclose(sorted(means), sorted(direct.mean(axis=0)), rtol=1e-12)
    np.testing.assert_array_equal(_curves(summarize_records(settings, records)), _curves(result))


def test_two_halves_merge_into_the_whole_run(tmp_path):
    docs, model = _docs(24), OracleModel(FAMILY)
    whole = lm_mi_curve(model, docs, records=tmp_path / "whole.jsonl", **SETUP)
    for name, part in (("a", range(0, 11)), ("b", range(11, 24))):
        half = lm_mi_curve(model, docs, records=tmp_path / f"{name}.jsonl", indices=list(part), **SETUP)
        assert half["complete"] is False and half["n_docs"] == len(part)
    settings, records = merge_records([tmp_path / "a.jsonl", tmp_path / "b.jsonl"])
    assert_same_records(records, read_records(tmp_path / "whole.jsonl")[1])
    np.testing.assert_allclose(_curves(summarize_records(settings, records)), _curves(whole), rtol=1e-10)
    with pytest.raises(InvalidInput, match="are in two files"):
        merge_records([tmp_path / "a.jsonl", tmp_path / "whole.jsonl"])


class Killed(Exception):
    pass


class DiesAfter(OracleModel):
    """The exact oracle, killed (an exception) at its ``calls``-th model call."""

    def __init__(self, family, calls):
        super().__init__(family)
        self.calls = calls

    def token_log_probs(self, x):
        self.calls -= 1
        if self.calls < 0:
            raise Killed
        return super().token_log_probs(x)


def test_a_killed_run_resumes_to_the_uninterrupted_result(tmp_path):
    docs = _docs(20)
    whole = lm_mi_curve(OracleModel(FAMILY), docs, records=tmp_path / "whole.jsonl", **SETUP)
    path = tmp_path / "killed.jsonl"
    model = DiesAfter(FAMILY, 12)
    with pytest.raises(Killed):
        lm_mi_curve(model, docs, records=path, **SETUP)
    _, partial = read_records(path)
    assert 0 < len(partial) < 20 and len(partial) % SETUP["chunk"] == 0  # whole chunks only
    model.calls = 10**9  # the same model, restarted
    resumed = lm_mi_curve(model, docs, records=path, **SETUP)
    assert_same_records(read_records(path)[1], read_records(tmp_path / "whole.jsonl")[1])
    np.testing.assert_allclose(_curves(resumed), _curves(whole), rtol=1e-10)
    with pytest.raises(InvalidInput, match="setting 'seed' differs"):
        lm_mi_curve(model, docs, records=path, **{**SETUP, "seed": 1})


def test_max_seconds_stops_between_chunks_and_says_so(tmp_path):
    result = lm_mi_curve(OracleModel(FAMILY), _docs(40), records=tmp_path / "r.jsonl", max_seconds=1e-9, **SETUP)
    assert result["complete"] is False and result["n_docs"] == SETUP["chunk"]
    assert "incomplete: 4 of 40" in format_lm_mi_report(result)


def wrong_start(family):
    """The exact chain with each sequence's first token scored by a wrong law (0.85 on token 0)."""
    V = family.vocab_size
    return MidDocumentStart(OracleModel(family), np.log([0.85] + [0.15 / (V - 1)] * (V - 1)))


def test_first_token_correction_recovers_the_exact_mi_and_is_stable_as_documents_are_added():
    family = make_family("markov", vocab_size=4, concentration=0.3, chain_seed=5)
    docs = family.sample(3000, 16, np.random.default_rng(8))
    model, estimates = wrong_start(family), {}
    for n in (600, 3000):
        result = lm_mi_curve(model, docs[:n], [16], (2,), ("direct",), Correction(), two_point=False, n_boot=20)
        estimates[n] = {c["estimator"]: c["points"][0] for c in result["curves"]}
    truth = family.bipartite_mi(8, 16)
    for n, points in estimates.items():
        corrected, raw = points["direct"], points["direct_raw"]
        stated = 4 * corrected["stderr"] + abs(corrected["correction"]["bias"])
        assert abs(corrected["mean"] - truth) < stated, (n, corrected, truth)
        assert abs(raw["mean"] - truth) > 10 * raw["stderr"], (n, raw, truth)  # the bias the correction removes
    a, b = estimates[600]["direct"], estimates[3000]["direct"]
    assert abs(a["mean"] - b["mean"]) < 4 * np.hypot(a["stderr"], b["stderr"]) + abs(a["correction"]["bias"])


def _report(values, lengths):
    splits = [Split(L, 2, L // 2) for L in lengths]
    curves = summarize_curves(splits, {"direct": values}, n_boot=100)
    return format_lm_mi_report({"n_docs": len(values), "lengths": lengths, "ratios": [2], "tokens_scored": 1,
                                "tokens_per_second": 1.0, "correction": Correction("none").to_dict(),
                                "curves": curves})


def test_a_log_fit_prints_no_beta_and_a_power_fit_does():
    rng = np.random.default_rng(9)
    lengths = [16, 32, 64, 128, 256, 512]
    L = np.asarray(lengths, float)
    log_law = _report((1 + 0.8 * np.log(L)) * (1 + 0.05 * rng.standard_normal((400, 6))), lengths)
    assert "log law" in log_law and "β" not in log_law and "paper:" not in log_law
    power_law = _report(2 * L**0.7 * (1 + 0.05 * rng.standard_normal((400, 6))), lengths)
    assert "chosen law: power, β = 0.70" in power_law and "(paper: 0.76)" in power_law


def test_records_file_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"index": 0}) + "\n")
    with pytest.raises(InvalidInput, match="not an lm-mi records file"):
        read_records(bad)
    with pytest.raises(InvalidInput, match="does not exist"):
        read_records(tmp_path / "none.jsonl")
    with pytest.raises(InvalidInput, match="indices must be document numbers"):
        lm_mi_curve(OracleModel(FAMILY), _docs(6), indices=[7], **SETUP)
