"""The L²M sweep's typed configuration: errors name their field, JSON round trips, frozen values,
one positions default, one model build per run, threads set in one place."""

import dataclasses
import json
from pathlib import Path

import pytest
import torch

from infoscale.cli import main
from infoscale.nets.base import DEFAULT_POSITIONS
from infoscale.nets.models import ARCHITECTURES
from infoscale.nets.train import TrainConfig
from infoscale.studies.l2m import (PRESETS, SweepConfig, TrainSettings, load_config, plan, run_sweep, summarize_sweep,
                                   validate)
from infoscale.studies.l2m.plan import chains

COMMITTED = Path(__file__).resolve().parents[1] / "docs" / "figures" / "l2m_collapse"


@pytest.mark.parametrize("change, message", [
    (lambda models: {"models": [{**models[1], "train": {"steps": 0}}]}, "models[0].train.steps must be >= 1"),
    (lambda models: {"models": [models[0], {**models[1], "label": 3}]}, "models[1].label must be a non-empty string"),
    (lambda models: {"models": [{**models[1], "extra": 1}]}, "unknown models[0] key 'extra'"),
    ({"eval": {"batch_size": 0}}, "eval.batch_size must be >= 1"),
    ({"families": [{"name": "hierarchical", "params": [3]}]}, "families[0].params must be an object"),
    ({"train_by_length": {"16": {"lr": -1.0}}}, "train_by_length.16.lr must be a finite number"),
    ({"train": {"tokens_per_step": 0}}, "train.tokens_per_step must be >= 1"),
    ({"analysis": {"thresholds": [0.1], "tau": 1}}, "unknown analysis key 'tau'"),
    ({"workers": 1.5}, "workers must be an integer >= 1"),
])
def test_validation_errors_name_the_field(change, message, l2m_smoke):
    config = l2m_smoke(**(change(l2m_smoke.models) if callable(change) else change))
    with pytest.raises(ValueError) as info:
        validate(config)
    assert message in str(info.value)


@pytest.mark.parametrize("name", [*PRESETS, "smoke"])
def test_a_config_round_trips_through_json(name, l2m_smoke):
    config = validate(l2m_smoke(train_by_length={64: {"steps": 5}})) if name == "smoke" else load_config(name)
    text = json.dumps(config.to_dict())
    again = SweepConfig.from_dict(json.loads(text))
    assert again == config and json.dumps(again.to_dict()) == text and hash(again) == hash(config)
    with pytest.raises(ValueError, match="unknown config key 'lenghts'"):
        SweepConfig.from_dict({**json.loads(text), "lenghts": [16]})  # strict: no key is ignored


def test_a_config_is_frozen_and_replace_validates_again(l2m_smoke):
    config = validate(l2m_smoke())
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.lengths = (16,)
    with pytest.raises(TypeError, match="frozen"):
        config.models[0].config["d_model"] = 16
    assert dataclasses.replace(config, workers=2).workers == 2
    with pytest.raises(ValueError, match="workers must be an integer >= 1"):
        dataclasses.replace(config, workers=0)


def test_train_settings_cover_every_train_config_field():
    """A TrainConfig field the sweep cannot set would silently take its default."""
    assert {f.name for f in dataclasses.fields(TrainConfig)} <= {f.name for f in dataclasses.fields(TrainSettings)}


def test_one_positions_default_for_every_architecture_and_the_sweep(l2m_smoke):
    for arch in ARCHITECTURES.names():
        config_class = ARCHITECTURES.get(arch)[0]
        assert {f.name: f.default for f in dataclasses.fields(config_class)}["positions"] == DEFAULT_POSITIONS, arch
    assert validate(l2m_smoke()).positions == DEFAULT_POSITIONS == "sinusoidal"


@pytest.mark.slow  # 1000 bootstrap resamples per score: minutes
def test_the_committed_sweep_is_read_and_re_analysed():
    """docs/figures/l2m_collapse: its configuration parses, and its table gives its summary again."""
    table = json.loads((COMMITTED / "l2m.json").read_text())
    assert SweepConfig.from_dict(table["config"]).analysis.epsilons == (0.05, 0.1, 0.2, 0.3)
    summary = json.loads(json.dumps(summarize_sweep(table)))
    _assert_close(summary, json.loads((COMMITTED / "summary.json").read_text()))


def _assert_close(a, b, path="summary"):
    """Equal JSON values, numbers to 1e-9 relative (LAPACK's rounding varies with its thread count)."""
    if isinstance(b, dict):
        assert isinstance(a, dict) and set(a) == set(b), path
        for key in b:
            _assert_close(a[key], b[key], f"{path}.{key}")
    elif isinstance(b, list):
        assert isinstance(a, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_close(x, y, f"{path}[{i}]")
    elif isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-12), path
    else:
        assert a == b, path


@pytest.mark.parametrize("warm_start", [False, True])
def test_each_run_builds_its_model_once(warm_start, tmp_path, monkeypatch, l2m_smoke):
    """plan builds no model (it sizes them on the meta device); a run builds its model once, and a
    warm-started chain builds one model for all its lengths."""
    import infoscale.studies.l2m.sweep as sweep

    built = []

    def counting_build(arch, config, seed=None):
        built.append(arch)
        return build(arch, config, seed=seed)

    build = sweep.build_model
    monkeypatch.setattr(sweep, "build_model", counting_build)
    config = validate(l2m_smoke(warm_start=warm_start))
    runs = plan(config)
    assert built == []
    run_sweep(config, tmp_path, progress=False)
    assert len(built) == (len(chains(runs)) if warm_start else len(runs))
    assert sorted(built) == sorted(run.model.arch for run in runs if not warm_start or run.length == 16)


def _record_thread_setting(monkeypatch) -> list:
    """Every torch.set_num_threads call as (threads, file of the caller)."""
    import inspect

    calls, original = [], torch.set_num_threads

    def recording(threads):
        calls.append((threads, Path(inspect.stack()[1].filename).name))
        original(threads)

    monkeypatch.setattr(torch, "set_num_threads", recording)
    return calls


def test_a_sweep_sets_threads_once_per_chain_through_nets_device(tmp_path, monkeypatch, l2m_smoke):
    config = validate(l2m_smoke(lengths=[16], warm_start=True, threads=1))
    previous = torch.get_num_threads()
    calls = _record_thread_setting(monkeypatch)
    run_sweep(config, tmp_path, progress=False)
    assert {caller for _, caller in calls} == {"device.py"}  # nets/device.py: torch_threads
    assert [threads for threads, _ in calls] == [1, previous] * len(chains(plan(config)))


def test_the_train_command_sets_threads_once_through_nets_device(tmp_path, monkeypatch, capsys):
    previous = torch.get_num_threads()
    calls = _record_thread_setting(monkeypatch)
    assert main(["train", "ar", "--arch", "gru", "--length", "16", "--steps", "1", "--threads", "1", "--quiet",
                 "--out", str(tmp_path)]) == 0
    assert calls == [(1, "device.py"), (previous, "device.py")]
