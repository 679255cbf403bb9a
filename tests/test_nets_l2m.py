"""The L²M experiment: a tiny smoke configuration (``l2m_smoke`` of conftest.py) through the same code
path as the presets, config validation before any training, and the CLI; the quick preset itself is
slow-marked."""

import json

import numpy as np
import pytest
import torch

from infoscale.cli import main
from infoscale.generators import make_family
from infoscale.studies.l2m import PRESETS, load_config, plan, run_sweep, validate
from infoscale.nets.train import train

def run_json(config: dict, out, **kwargs) -> dict:
    """The sweep of a JSON configuration, validated once."""
    return run_sweep(validate(config), out, **kwargs)


FIGURES = ("kl_vs_length.png", "position_kl.png", "collapse.png", "linear_reference.png")


def test_smoke_run_writes_the_table_and_figures(tmp_path, l2m_smoke):
    table = run_json(l2m_smoke(), tmp_path, progress=False)
    assert [(r["length"], r["label"]) for r in table["rows"]] == [(16, "tf"), (16, "gru-4"), (64, "tf"), (64, "gru-4")]
    family = make_family("hierarchical", k=3, token_dim=1)
    for row in table["rows"]:
        length = row["length"]
        assert row["mi_half"] == pytest.approx(family.bipartite_mi(length // 2, length), rel=1e-12)
        assert len(row["position_kl"]) == length and min(row["position_kl"]) >= 0.0
        assert row["mean_kl"] == pytest.approx(np.mean(row["position_kl"]), rel=1e-12)
        assert row["kl_second_half_total"] == pytest.approx(np.sum(row["position_kl"][length // 2:]), rel=1e-12)
        assert row["train_config"]["batch_size"] == 128 // length
    gru = [r for r in table["rows"] if r["label"] == "gru-4"]
    assert [r["history_state_dim"] for r in gru] == [4, 4]  # one layer of 4 hidden floats
    tf16 = table["rows"][0]
    assert tf16["history_state_dim"] == 2 * 1 * 8 * 8  # KV cache after L/2 = 8 tokens
    assert json.loads((tmp_path / "l2m.json").read_text())["rows"][0]["label"] == "tf"
    for name in FIGURES:
        assert (tmp_path / name).stat().st_size > 0


@pytest.mark.parametrize("warm_start", [True, False])
def test_warm_start_continues_from_the_previous_length(warm_start, tmp_path, monkeypatch, l2m_smoke):
    """With warm_start each (model, L) starts from that model's final weights at the previous L;
    without it, from the same fresh initialisation as the first length."""
    import infoscale.studies.l2m.sweep as l2m

    seen = []  # (label, length, parameters at entry, parameters at exit)

    def recording_train(model, family, length, config, progress, stop=None):
        before = [p.detach().clone() for p in model.parameters()]
        result = train(model, family, length, config, progress=progress, stop=stop)
        seen.append((model.arch, length, before, [p.detach().clone() for p in model.parameters()]))
        return result

    monkeypatch.setattr(l2m, "train", recording_train)
    table = run_json(l2m_smoke(warm_start=warm_start), tmp_path, progress=False)
    assert [r["warm_start_from"] for r in table["rows"]] == ([None, None, 16, 16] if warm_start else [None] * 4)
    for arch in ("transformer", "gru"):
        (_, _, init16, final16), (_, _, init64, _) = [s for s in seen if s[0] == arch]
        expected = final16 if warm_start else init16
        assert all(torch.equal(a, b) for a, b in zip(init64, expected))  # bit-for-bit the same weights
        assert not all(torch.equal(a, b) for a, b in zip(init16, final16))  # training moved them


def test_resume_finishes_an_interrupted_sweep_with_the_same_results(tmp_path, monkeypatch, l2m_smoke):
    """A sweep cut after its third run, resumed into the same folder, retrains only the fourth run
    (warm-started from the saved weights) and ends with the uninterrupted sweep's numbers exactly."""
    import infoscale.studies.l2m.sweep as l2m
    from infoscale.nets.checkpoint import load_model

    config = l2m_smoke(warm_start=True)
    whole = run_json(config, tmp_path / "whole", progress=False)
    cut = tmp_path / "cut"
    run_json(config, cut, progress=False)
    saved = json.loads((cut / "l2m.json").read_text())
    (cut / saved["rows"][3]["model_file"]).unlink()  # the fourth run never finished
    trained = []
    monkeypatch.setattr(l2m, "train", lambda model, family, length, config, progress, stop=None:
                        trained.append((model.arch, length)) or train(model, family, length, config, progress=progress))
    resumed = run_json(config, cut, progress=False, resume=True)
    assert trained == [("gru", 64)]
    for a, b in zip(whole["rows"], resumed["rows"]):
        assert (a["label"], a["length"], a["mean_kl"], a["position_kl"]) == (b["label"], b["length"], b["mean_kl"], b["position_kl"])
    model = load_model(cut / resumed["rows"][0]["model_file"])  # the saved models are usable checkpoints
    assert model.arch == "transformer" and model.checkpoint_info["length"] == 16


def test_resume_refuses_another_sweeps_folder(tmp_path, monkeypatch, l2m_smoke):
    import infoscale.studies.l2m.sweep as l2m

    run_json(l2m_smoke(lengths=[16]), tmp_path, progress=False)
    monkeypatch.setattr(l2m, "train", lambda *args, **kwargs: pytest.fail("trained despite the mismatch"))
    with pytest.raises(ValueError, match="holds a different sweep's results"):
        run_json(l2m_smoke(), tmp_path, progress=False, resume=True)
    assert len(json.loads((tmp_path / "l2m.json").read_text())["rows"]) == 2  # left as it was
    same = run_json(l2m_smoke(lengths=[16]), tmp_path, progress=False, resume=True)  # all finished: no training
    assert [r["label"] for r in same["rows"]] == ["tf", "gru-4"]


# a change of the smoke configuration: a dict, or a function of the smoke config's model specs
@pytest.mark.parametrize("change, match", [
    ({"warm_start": True, "lengths": [64, 16]}, "warm_start needs increasing lengths"),
    (lambda models: {"models": [models[0], models[0]]}, "model labels must be unique"),
    ({"lengths": [16, 100]}, "power of 4"),
    ({"models": [{"label": "x", "arch": "rwkv", "config": {}}]}, "unknown architecture"),
    ({"models": [{"label": "x", "arch": "ssm", "config": {"state_size": 0}}]}, "state_size must be >= 1"),
    ({"models": [{"label": "x", "arch": "gru"}]}, "each model needs 'config'"),
    ({"train": {"steps": 0}}, "steps must be >= 1"),
    ({"families": [{"name": "no-such-family"}]}, "unknown family"),
    ({"eval": {"samples": 8}}, "unknown eval key 'samples'"),
    (lambda models: {"models": [{**models[1], "train_by_length": {"32": {"steps": 2}}}]}, "names length 32, which is not in"),
    (lambda models: {"models": [{**models[1], "train_by_length": {"64": {"stepz": 2}}}]}, "stepz"),
])
def test_bad_configs_fail_before_any_training(change, match, tmp_path, monkeypatch, l2m_smoke):
    import infoscale.studies.l2m.sweep as l2m

    def no_training(*args, **kwargs):
        raise AssertionError("training started before the configuration was validated")

    monkeypatch.setattr(l2m, "train", no_training)
    config = l2m_smoke(**(change(l2m_smoke.models) if callable(change) else change))
    with pytest.raises(ValueError, match=match):
        run_json(config, tmp_path, progress=False)
    assert not (tmp_path / "l2m.json").exists()


def test_discrete_family_plans_with_exact_kl(l2m_smoke):
    config = l2m_smoke(families=[{"name": "markov", "params": {"vocab_size": 3}}], train={"steps": 1, "loss": "kl"})
    runs = plan(validate(config))
    assert len(runs) == 4 and runs[0].train.loss == "kl"


def test_train_by_length_overrides_one_length_only(l2m_smoke):
    gru = {**l2m_smoke.models[1], "train": {"lr": 0.5}, "train_by_length": {64: {"steps": 7}}}
    runs = plan(validate(l2m_smoke(models=[gru])))
    settings = {run.length: (run.train.steps, run.train.lr) for run in runs}
    assert settings == {16: (3, 0.5), 64: (7, 0.5)}  # common steps, model lr, per-length steps


def test_config_files_override_presets(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"preset": "full", "lengths": [16]}))
    config = load_config("quick", path)
    assert config.lengths == (16,) and config.to_dict()["models"] == validate(PRESETS["full"]).to_dict()["models"]
    path.write_text(json.dumps({"warm_start": False}))
    assert load_config("quick", path).warm_start is False and PRESETS["quick"]["warm_start"] is True
    path.write_text(json.dumps({"lenghts": [16]}))
    with pytest.raises(ValueError, match="unknown config key 'lenghts'"):
        load_config("quick", path)
    with pytest.raises(ValueError, match="preset must be one of"):
        load_config("huge")


def test_presets_are_valid_configurations():
    for name in PRESETS:
        assert plan(load_config(name))  # sizes every family, length and model; trains nothing


def test_cli_l2m_smoke_and_bad_input(tmp_path, capsys, l2m_smoke):
    path = tmp_path / "smoke.json"
    path.write_text(json.dumps(l2m_smoke(lengths=[16])))
    assert main(["l2m", "--config", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    assert "gru-4" in capsys.readouterr().out
    assert (tmp_path / "out" / "l2m.json").exists()
    path.write_text(json.dumps(l2m_smoke(lengths=[64])))  # another sweep into the same folder
    assert main(["l2m", "--config", str(path), "--out", str(tmp_path / "out"), "--quiet", "--resume"]) == 2
    assert "holds a different sweep's results" in capsys.readouterr().err
    path.write_text(json.dumps(l2m_smoke(models=[{"label": "x", "arch": "nope", "config": {}}])))
    assert main(["l2m", "--config", str(path), "--out", str(tmp_path / "bad"), "--quiet"]) == 2
    assert "unknown architecture" in capsys.readouterr().err


@pytest.mark.slow
def test_quick_preset_shows_the_transformer_advantage(tmp_path):
    """The quick preset (≤ 15 min on 2 cores): the small GRU's and SSM's KL grow with L; the
    transformer's grows less than a quarter as much and stays below a tenth of theirs at every L."""
    table = run_json(load_config("quick"), tmp_path, progress=False)
    kl = {(r["label"], r["length"]): r["mean_kl"] for r in table["rows"]}
    lengths = sorted({r["length"] for r in table["rows"]})
    short, long = lengths[0], lengths[-1]
    growth = {label: kl[(label, long)] - kl[(label, short)] for label in ("transformer", "gru-8", "ssm-8x2")}
    for small in ("gru-8", "ssm-8x2"):
        assert growth[small] > 0 and growth["transformer"] < growth[small] / 4
        assert all(kl[("transformer", length)] < kl[(small, length)] / 10 for length in lengths)


TINY_COLLAPSE = {
    "families": [{"name": "hierarchical", "params": {"k": 3, "token_dim": 1}},
                 {"name": "hierarchical", "params": {"k": 2, "token_dim": 1}}],
    "lengths": [16, 64],
    "models": [{"label": "tf", "arch": "transformer", "config": {"d_model": 8, "n_layers": 1, "n_heads": 2}},
               *[{"label": f"m-{d}", "arch": "selective_ssm", "config": {"d_model": 8, "n_layers": 1, "d_inner": d,
                                                                          "state_size": 1}} for d in (1, 2, 4)]],
    "train": {"steps": 6, "tokens_per_step": 128, "warmup": 1, "log_every": 1},
    "eval": {"n_samples": 8, "batch_size": 8},
    "threads": 1, "warm_start": True, "analysis": {"epsilons": [0.1, 0.3], "bootstrap": 10},
}


def test_tiny_collapse_config_writes_the_table_and_the_summary(tmp_path):
    table = run_json(TINY_COLLAPSE, tmp_path, progress=False)
    saved, summary = (json.loads((tmp_path / name).read_text()) for name in ("l2m.json", "summary.json"))
    assert len(saved["rows"]) == 2 * 2 * 4 and summary == json.loads(json.dumps(table["summary"]))
    roles = {r["label"]: r["role"] for r in saved["rows"]}
    assert roles == {"tf": "growing-state", "m-1": "fixed-state", "m-2": "fixed-state", "m-4": "fixed-state"}
    for row in saved["rows"]:
        assert row["positions"] == "sinusoidal" and row["history_buffer_dim"] >= 1
        assert row["steps_taken"] == 6 and row["hit_cap"] and row["early_stopping"] is None  # no rule: the cap
    assert set(summary["collapse"]) == {"selective_ssm", "linear reference"}
    assert summary["capped_runs"] == []  # without early stopping no run is listed as capped
    fractions = summary["transformer"]["fraction_of_memoryless_kl"]["hierarchical k=3 token_dim=1 tf"]
    tf = {r["length"]: (r["mean_kl"], r["memoryless_kl"]) for r in saved["rows"]
          if r["label"] == "tf" and r["family_index"] == 0}
    assert fractions == {str(L): pytest.approx(kl / m, rel=1e-12) for L, (kl, m) in tf.items()}


def test_two_workers_give_the_one_process_results(tmp_path):
    """Chains are independent: two worker processes reproduce the single-process sweep exactly."""
    config = {**TINY_COLLAPSE, "families": TINY_COLLAPSE["families"][:1], "analysis": {}}
    one = run_json(config, tmp_path / "one", progress=False)
    two = run_json({**config, "workers": 2}, tmp_path / "two", progress=False)
    assert [(r["label"], r["length"], r["mean_kl"]) for r in one["rows"]] == \
           [(r["label"], r["length"], r["mean_kl"]) for r in two["rows"]]


def test_a_folder_holding_a_sweep_is_not_overwritten_silently(tmp_path, capsys, l2m_smoke):
    config = l2m_smoke(lengths=[16])
    run_json(config, tmp_path, progress=False)
    with pytest.raises(ValueError, match="already holds a sweep"):
        run_json(config, tmp_path, progress=False)
    assert run_json(config, tmp_path, progress=False, overwrite=True)["rows"]
    (tmp_path / "models" / "run-000.pt").write_bytes(b"truncated")  # a damaged model file: that run again
    resumed = run_json(config, tmp_path, progress=False, resume=True)
    assert [r["label"] for r in resumed["rows"]] == ["tf", "gru-4"]
    assert "run-000.json or its model is unreadable" in capsys.readouterr().err


@pytest.mark.parametrize("change, match", [
    ({"models": [1]}, r"models\[0\] must be an object"),
    ({"families": [{"params": {}}]}, r"families\[0\] must be an object with a string 'name'"),
    ({"threads": -3}, "threads must be an integer >= 1"),
    ({"workers": 0}, "workers must be an integer >= 1"),
    ({"positions": "rope"}, "positions must be one of"),
    (lambda models: {"models": [{**models[1], "config": {"d_model": 4, "positions": "none"}}]}, "sets positions"),
    ({"analysis": {"thresholds": [-1]}}, "thresholds must be a list of KL values > 0"),
    ({"eval": {"n_samples": 1}}, "eval.n_samples must be >= 2"),
])
def test_config_types_are_checked_before_any_training(change, match, tmp_path, l2m_smoke):
    with pytest.raises(ValueError, match=match):
        run_json(l2m_smoke(**(change(l2m_smoke.models) if callable(change) else change)), tmp_path, progress=False)
    assert not (tmp_path / "config.json").exists()


def test_cli_threads_are_bounded_by_the_available_cores(tmp_path, capsys):
    from infoscale.nets.device import available_threads

    code = main(["train", "hierarchical", "--arch", "gru", "--length", "16", "--steps", "1", "--out", str(tmp_path),
                 "--threads", str(available_threads() + 1), "--quiet"])
    assert code == 2 and "--threads must be between 1 and" in capsys.readouterr().err
