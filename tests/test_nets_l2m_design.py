"""The collapse preset's design, checked without training it: the state it counts is the state its
models carry, the early-stopping rule stops where it should, and a tiny version runs end to end."""

import json

import numpy as np
import pytest
import torch

from infoscale.generators import make_family
from infoscale.nets.early_stopping import EarlyStopping, should_stop
from infoscale.nets.models import build_model, make_config
from infoscale.nets.train import TrainConfig, train
from infoscale.studies.l2m import PRESETS, analyse_sweep, load_config, plan, run_sweep, validate


def _elements(state) -> int:
    """Floats held in the tensors of a (nested) step state; the position counter is an int, not a tensor."""
    if isinstance(state, torch.Tensor):
        return state[:1].numel()  # one sequence
    if isinstance(state, (tuple, list)):
        return sum(_elements(s) for s in state)
    return 0


def test_history_state_dim_counts_the_tensors_step_carries():
    """For every model of the collapse preset, at token_dim 1 and 4: after n tokens read by step(), the
    tensors of the state hold history_state_dim(n) floats, plus the buffer minus the position counter,
    which is 0 for the fixed-state models (the selective SSM runs with kernel 1: no convolution taps
    carried); a fixed-state model's D is the size its label names."""
    config = load_config("collapse")
    n = 3
    for spec in config.models:
        for token_dim in (1, 4):
            model_config = make_config(spec.arch, {**dict(spec.config), "token_dim": token_dim,
                                                   "positions": config.positions})
            model = build_model(spec.arch, model_config, seed=0).eval()
            x = torch.randn(1, n, token_dim, generator=torch.Generator().manual_seed(0))
            state = model.init_state(1)
            with torch.no_grad():
                for t in range(n):
                    _, state = model.step(x[:, t], state)
            extra = model.history_buffer_dim(n) - (1 if config.positions == "sinusoidal" else 0)
            assert _elements(state) == model.history_state_dim(n) + extra, spec.label
            if spec.arch != "transformer":
                assert extra == 0 and model.history_state_dim(n) == int(spec.label.split("-")[1]), spec.label
            else:
                assert model.history_state_dim(n) == 2 * n * spec.config["d_model"] * spec.config["n_layers"]


def test_the_rule_stops_where_the_curve_flattens_and_not_before():
    """K falls linearly from 2 to 1 over 500 steps, then stays at 1, checked every 20 steps. At check s
    the best value at or before 0.7 s is K(c), c the last check ≤ 0.7 s; it is within 2 % of the best
    now (1) only when 2 − c/500 < 1/0.98, i.e. c > 489.8, so c = 500 and s ≥ 500/0.7 = 714.3: the rule
    first fires at 720, never before the curve is flat."""
    steps = np.arange(20, 2001, 20)
    values = np.where(steps <= 500, 2.0 - steps / 500.0, 1.0)
    fired = [s for i, s in enumerate(steps) if should_stop(steps[: i + 1], values[: i + 1], 0.3, 0.02)]
    assert fired[0] == 720
    assert not should_stop([20, 40], [1.0, 1.0], 0.3, 0.02, min_steps=100)  # never before min_steps


def test_the_rule_never_stops_a_power_law_decay():
    """K = s^(−1/2) improves by 1 − 0.7^(1/2) = 16 % over any last 30 % of steps: no stop under any cap."""
    steps = np.arange(20, 20001, 20)
    values = steps ** -0.5
    assert not any(should_stop(steps[: i + 1], values[: i + 1], 0.3, 0.02) for i in range(len(steps)))


def test_early_stopping_ends_training_and_restores_the_best_weights():
    """A tiny GRU with a learning rate of zero never improves: the rule stops it at min_steps, the
    checks are exact KL values, and the restored weights are those of the best check."""
    torch.set_num_threads(1)
    family = make_family("hierarchical", k=3, token_dim=1)
    model = build_model("gru", make_config("gru", {"d_model": 4, "n_layers": 1, "token_dim": 1}), seed=0)
    stopper = EarlyStopping(family, 16, every=2, min_steps=6, n_samples=4)
    result = train(model, family, 16, TrainConfig(steps=50, batch_size=2, lr=1e-12, warmup=0), progress=False,
                   stop=stopper)
    assert result.steps == stopper.stopped_at == 6 and len(stopper.history) == 3
    assert stopper.history[0][1] == pytest.approx(stopper.kl(model), rel=1e-6)


TINY = {
    "families": [{"name": "hierarchical", "params": {"k": 3, "token_dim": 1}},
                 {"name": "hierarchical", "params": {"k": 2, "token_dim": 1}}],
    "lengths": [4, 16],
    "models": [
        {"label": "tf", "arch": "transformer", "families": [0], "seeds": [0, 1],
         "config": {"d_model": 8, "n_layers": 1, "n_heads": 2}},
        {"label": "gru-2", "arch": "gru", "seeds": [0, 1], "config": {"d_model": 8, "n_layers": 1, "d_hidden": 2}},
        {"label": "mamba-2", "arch": "selective_ssm",
         "config": {"d_model": 8, "n_layers": 1, "d_inner": 2, "state_size": 1, "conv_kernel": 1}},
    ],
    "train": {"steps": 4, "tokens_per_step": 64, "warmup": 1, "log_every": 1},
    "early_stopping": {"every": 2, "min_steps": 2, "n_samples": 4},
    "eval": {"n_samples": 4, "batch_size": 4},
    "threads": 1, "workers": 1, "plateau": ["tf", "gru-2"], "utilization_samples": 4,
    "analysis": {"epsilons": [0.3], "bootstrap": 10},
}


def test_a_tiny_collapse_sweep_writes_every_new_field(tmp_path, monkeypatch):
    """The collapse preset's keys on a tiny design: rows with seeds, steps, caps and utilization; a
    summary with every score; the plateau runs; and --analyse gives the same summary again. (The
    figures, slow to save, are drawn by test_the_tiny_sweep_draws_every_figure.)"""
    import infoscale.studies.l2m.sweep as sweep

    monkeypatch.setattr(sweep, "plot_l2m", lambda table, out_dir, summary: None)
    config = validate({**PRESETS["collapse"], **TINY})
    table = run_sweep(config, tmp_path, progress=False)
    rows = table["rows"]
    assert len(rows) == len(plan(config)) == 2 * 2 + 2 * 2 * (2 + 1) + 2  # tf; gru (2 seeds) + mamba; plateau
    for r in rows:
        assert {"seed", "steps_taken", "hit_cap", "early_stopping", "utilization", "plateau"} <= set(r)
        assert set(r["utilization"]) >= {"utilization", "stderr"} and r["utilization"]["stderr"] > 0
        assert r["history_buffer_dim"] == 1  # the position counter only: no taps
    plateau = [r for r in rows if r["plateau"]]
    assert {(r["label"], r["length"], r["train_config"]["steps"], r["early_stopping"]) for r in plateau} == \
        {("tf", 16, 8, None), ("gru-2", 16, 8, None)}
    summary = json.loads((tmp_path / "summary.json").read_text())
    for arch in ("gru", "selective_ssm", "linear reference"):
        for value in ("kl", "fraction"):
            s = summary["collapse"][arch][value]
            assert {"exponent_of_information", "interval", "r2_information_ratio", "r2_length_ratio", "r2_state",
                    "r2_length", "verdict"} <= set(s)
    law = summary["state_law"]["hierarchical k=2 token_dim=1"]
    assert {(e["arch"], e["epsilon"]) for e in law} == {("gru", 0.3), ("selective_ssm", 0.3)}
    assert all({"gamma", "interval", "gamma_linear", "interval_linear", "beta_local"} <= set(e) for e in law)
    assert {c["label"] for c in summary["seed_spread"]["cells"]} == {"tf", "gru-2"}
    assert len(summary["utilization"]) == len(rows) - len(plateau)
    assert set(summary["transformer"]["fraction_of_memoryless_kl"]["hierarchical k=3 token_dim=1 tf"]) == {"4", "16"}
    assert {p["run"] for p in summary["transformer"]["plateau"]} == \
        {"hierarchical k=3 token_dim=1 L=16 tf", "hierarchical k=3 token_dim=1 L=16 gru-2"}
    assert isinstance(summary["capped_runs"], list)
    again = analyse_sweep(config, tmp_path)["summary"]
    assert json.loads(json.dumps(again)) == summary


@pytest.mark.slow
def test_the_tiny_sweep_draws_every_figure(tmp_path):
    run_sweep(validate({**PRESETS["collapse"], **TINY}), tmp_path, progress=False)
    for name in ("kl_vs_length.png", "position_kl.png", "collapse.png", "linear_reference.png", "state_law.png",
                 "utilization.png"):
        assert (tmp_path / name).stat().st_size > 0


@pytest.mark.parametrize("preset", ["collapse", "full"])
def test_the_presets_follow_the_identifying_design(preset):
    """Planned, not run: families that differ in I at equal L (k = 2, 3, 4 with the boundary step, and
    k = 3 at a second token_dim), ≥ 4 lengths, ≥ 6 state sizes spanning ≥ 64× per fixed-state
    architecture at one width, ≥ 2 seeds at ≥ 3 sizes per architecture and family, no warm start,
    early stopping, the selective SSM at kernel 1; full: token_dim 16–64 and L up to 4096."""
    config = load_config(preset)
    runs = plan(config)
    params = [dict(f.params) for f in config.families]
    assert {p["k"] for p in params if p["token_dim"] == params[0]["token_dim"]} == {2, 3, 4}
    assert all(p["boundary"] for p in params) and len({p["token_dim"] for p in params if p["k"] == 3}) == 2
    assert len(config.lengths) >= 4 and not config.warm_start and config.early_stopping is not None
    fixed = [r for r in runs if not r.grows and not r.plateau]
    for arch in ("gru", "selective_ssm"):
        mine = [r for r in fixed if r.model.arch == arch]
        states = sorted({r.state_dim for r in mine})
        assert len(states) >= 6 and states[-1] / states[0] >= 64, arch
        assert len({r.model.config["d_model"] for r in mine}) == 1  # only the state changes
        for index in range(len(config.families)):
            seeded = {r.state_dim for r in mine if r.family_index == index and r.seed != 0}
            assert len(seeded) >= 3, (arch, index)
    assert all(r.model.config["conv_kernel"] == 1 for r in fixed if r.model.arch == "selective_ssm")
    assert {r.model.label for r in runs if r.plateau} == set(config.plateau)
    if preset == "full":
        assert {p["token_dim"] for p in params} == {16, 64} and max(config.lengths) == 4096
