"""The language-model estimators on exact families: exact oracles, the vCLUB identity, one pass = per split, bad input."""

import numpy as np
import pytest

from infoscale.errors import InvalidInput
from infoscale.estimators.documents import Split, plan_splits, score_documents
from infoscale.estimators.first_tokens import Correction
from infoscale.estimators.model_based import OracleModel, direct_mi, vclub_mi
from infoscale.estimators.two_point_sample import two_point_mi_curve
from infoscale.exact.discrete import decode_tokens
from infoscale.generators import make_family
from infoscale.studies.lm_mi.curve import lm_mi_curve, summarize_curves
from infoscale.studies.lm_mi.text import cut_documents, read_texts, text_files


def _mean_se(values):
    return values.mean(axis=0), values.std(axis=0, ddof=1) / np.sqrt(len(values))


@pytest.mark.parametrize("name, params, length, ratios", [
    ("markov", {"vocab_size": 3, "concentration": 0.3}, 16, (2, 4)),
    ("tree", {"vocab_size": 2, "branching": 4, "k": 3}, 16, (2, 4)),
    ("hmm", {}, 8, (2, 4)),
])
def test_oracle_direct_equals_exact_mi_within_4_se(name, params, length, ratios):
    family = make_family(name, **params)
    docs = family.sample(3000, length, np.random.default_rng(1))
    splits = plan_splits([length], ratios)
    scores = score_documents(OracleModel(family), docs, splits, ("direct",), Correction("none"))
    mean, se = _mean_se(scores.values["direct"])
    for j, split in enumerate(splits):
        truth = family.bipartite_mi(split.ell, split.length)
        assert abs(mean[j] - truth) < 4 * se[j], (split, mean[j], truth, se[j])


def _club_gap(family, ell, length):
    """KL(p(x)p(y) ‖ p(x, y)) by enumerating V^L sequences."""
    V = family.vocab_size
    seqs = decode_tokens(np.arange(V**length), V, length)
    p = np.exp(family.log_prob(seqs)).reshape(V**ell, V ** (length - ell))
    px, py = p.sum(axis=1, keepdims=True), p.sum(axis=0, keepdims=True)
    return float(np.sum(px * py * np.log(px * py / p)))


def test_oracle_vclub_is_mi_plus_club_gap():
    family = make_family("markov", vocab_size=3, concentration=0.5, chain_seed=3)
    docs = family.sample(6000, 6, np.random.default_rng(2))
    splits = plan_splits([6], (2, 3))
    scores = score_documents(OracleModel(family), docs, splits, ("vclub",))
    mean, se = _mean_se(scores.values["vclub"])
    for j, split in enumerate(splits):
        gap = _club_gap(family, split.ell, split.length)
        assert gap > 0.01  # the identity is tested, not a vanishing gap
        target = family.bipartite_mi(split.ell, split.length) + gap
        assert abs(mean[j] - target) < 4 * se[j], (split, mean[j], target, se[j])


def test_all_splits_from_one_pass_equal_per_split_recomputation():
    family = make_family("markov", vocab_size=4, concentration=0.5)
    model = OracleModel(family)
    docs = family.sample(50, 24, np.random.default_rng(3))
    splits = plan_splits([8, 12, 24], (2, 3, 4))
    scores = score_documents(model, docs, splits)
    other = np.roll(docs, 1, axis=0)
    for j, s in enumerate(splits):
        x = docs[:, : s.length]
        joint = model.token_log_probs(x)[:, s.ell:].sum(axis=1)
        mixed = np.concatenate([other[:, : s.ell], x[:, s.ell:]], axis=1)
        np.testing.assert_allclose(scores.values["vclub"][:, j], joint - model.token_log_probs(mixed)[:, s.ell:].sum(axis=1),
                                   atol=1e-6, rtol=0)
        # the per-split estimators of estimators.model_based (vCLUB pairs X_i with Y_i+1 as here)
        assert scores.values["direct_raw"][:, j].mean() == pytest.approx(direct_mi(model, x, s.ell).value, abs=1e-6)
        assert scores.values["vclub"][:, j].mean() == pytest.approx(vclub_mi(model, x, s.ell).value, abs=1e-6)


def test_summary_recovers_a_planted_power_law_with_its_ci():
    rng = np.random.default_rng(4)
    lengths = [16, 32, 64, 128, 256]
    splits = [Split(L, 2, L // 2) for L in lengths]
    truth = 2.0 * np.asarray(lengths, float) ** 0.7
    values = truth * (1 + 0.2 * rng.standard_normal((400, len(lengths))))
    curve, = summarize_curves(splits, {"direct": values}, n_boot=400)
    assert curve["beta"]["ci"][0] < 0.7 < curve["beta"]["ci"][1]
    assert curve["beta"]["ci"][1] - curve["beta"]["ci"][0] < 0.1
    for point in curve["points"]:
        assert point["ci"][0] < point["mean"] < point["ci"][1]


def test_lm_mi_curve_gives_every_part_on_an_oracle():
    family = make_family("markov", vocab_size=3, concentration=0.3)
    docs = family.sample(200, 32, np.random.default_rng(5))
    out = lm_mi_curve(OracleModel(family), docs, [8, 16, 32], ratios=(2, 4), n_boot=50)
    assert {(c["estimator"], c["ratio"]) for c in out["curves"]} == {(e, r) for e in ("direct", "direct_raw", "vclub") for r in (2, 4)}
    assert out["tokens_per_second"] > 0 and out["tokens_scored"] > 200 * 32
    assert out["two_point"]["distances"][0] == 1


def test_two_point_sparse_counting_equals_dense_table():
    rng = np.random.default_rng(6)
    x = rng.integers(0, 4, size=(30, 40))
    x[x == 3] = 9000  # V² beyond the dense table: the occupied cells are counted
    sparse = two_point_mi_curve(x, distances=[1, 3, 7], method="miller-madow")
    dense = two_point_mi_curve(np.where(x == 9000, 3, x), distances=[1, 3, 7], method="miller-madow")
    np.testing.assert_allclose(sparse.mi, dense.mi, rtol=1e-12)
    np.testing.assert_allclose(sparse.stderr, dense.stderr, rtol=1e-12)


# ---- bad input --------------------------------------------------------------------------------
def test_ratios_below_two_and_short_documents_are_refused():
    with pytest.raises(InvalidInput, match="ratio"):
        plan_splits([16], (1, 2))
    family = make_family("markov", vocab_size=3)
    with pytest.raises(InvalidInput, match="largest length"):
        score_documents(OracleModel(family), family.sample(5, 8, 0), plan_splits([16], (2,)))


def test_text_errors_name_the_problem(tmp_path):
    with pytest.raises(InvalidInput, match="does not exist"):
        text_files([tmp_path / "missing.txt"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidInput, match="no text files"):
        text_files([tmp_path / "empty"])
    with pytest.raises(InvalidInput, match="matches no file"):
        text_files([str(tmp_path / "*.cor")])
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("café".encode("latin-1"))
    with pytest.raises(InvalidInput, match="not UTF-8.*offset 3"):
        read_texts([bad])
    with pytest.raises(InvalidInput, match="at least 2 are needed"):
        cut_documents([np.arange(30)], 16)


def test_documents_are_disjoint_windows_spread_over_files(tmp_path):
    (tmp_path / "a.txt").write_text("one")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("two")
    assert read_texts([tmp_path]) == ["one", "two"]
    docs = cut_documents([np.arange(100), np.arange(1000, 1035)], 10, n_docs=4).docs
    assert docs.shape == (4, 10)
    assert docs[0, 0] == 0 and docs[-1, 0] == 1020  # first and last window; none crosses a file
    assert len({tuple(d) for d in docs}) == 4


def test_an_infoscale_net_goes_through_the_same_pipeline():
    from infoscale.nets.models import build_model

    net = build_model("transformer", {"vocab_size": 5, "d_model": 16, "n_layers": 1, "n_heads": 2}, seed=0)
    docs = np.random.default_rng(7).integers(0, 5, size=(20, 16))
    splits = plan_splits([8, 16], (2, 4))
    scores = score_documents(net, docs, splits, ("direct",), Correction("none"))
    for j, s in enumerate(splits):
        x = docs[:, : s.length]
        expected = net.token_log_probs(x)[:, s.ell:].sum(axis=1) - net.block_log_prob(x, s.ell, s.length)
        np.testing.assert_allclose(scores.values["direct"][:, j], expected, rtol=1e-5, atol=1e-5)


def test_two_point_marks_where_the_estimator_bias_dominates():
    from infoscale.studies.lm_mi.curve import two_point_summary
    from infoscale.studies.lm_mi.report import two_point_line

    rng = np.random.default_rng(10)
    noise = two_point_summary(rng.integers(0, 200, size=5000), max_distance=16)  # independent: all bias
    assert noise["bias_floor"] > 0
    n = len(noise["distances"])
    assert f"at {n} of {n} distances" in two_point_line(noise)
    sticky = np.repeat(rng.integers(0, 200, size=100), 50)  # runs of 50 equal tokens: MI far above the bias
    line = two_point_line(two_point_summary(sticky, max_distance=16))
    assert "at least half the estimate at 0 of" in line
