"""The plug-in contract (nets/plugin.py): the state is measured from the tensors the step carries,
a wrong declared formula and a step that is not the parallel forward are refused, and the three
ways in (register_layer, an installed entry point, package.module:Factory) reach --arch, train and
the L²M sweep. The plug-ins are tests/data/toy_layers.py and the package tests/data/plugin_pkg."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from infoscale.cli import main
from infoscale.errors import InvalidInput, InvalidType
from infoscale.nets import models
from infoscale.nets.base import MixerStack
from infoscale.nets.checkpoint import load_model
from infoscale.nets.models import available_architectures, build_model, register_layer
from infoscale.nets.plugin import measure_state, state_tensors
from infoscale.nets.selective_ssm import SelectiveSSMLayer

DATA = Path(__file__).parent / "data"
SIZES = {"token_dim": 1, "d_model": 8, "n_layers": 2}


@pytest.fixture(autouse=True)
def plugins(monkeypatch, one_torch_thread):
    """tests/data on sys.path, and the registry restored afterwards (plug-ins register on first use)."""
    monkeypatch.syspath_prepend(str(DATA))
    monkeypatch.setattr(models.ARCHITECTURES, "_entries", dict(models.ARCHITECTURES._entries))


@pytest.fixture(scope="session")
def installed_plugin(tmp_path_factory):
    """tests/data/plugin_pkg pip-installed (no index, no dependencies) into a temporary folder."""
    root = tmp_path_factory.mktemp("plugin")
    shutil.copytree(DATA / "plugin_pkg", root / "src")  # the build writes beside its sources
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index",
                    "--target", str(root / "site"), str(root / "src")], check=True, capture_output=True)
    return root / "site"


@pytest.fixture
def with_installed(installed_plugin, monkeypatch):
    monkeypatch.syspath_prepend(str(installed_plugin))
    return installed_plugin


def test_measured_state_is_what_the_step_carries():
    model = build_model("toy_layers:gated", SIZES, seed=0)
    assert model.history_state_dim(5) == 2 * 8  # one d_model vector per layer
    assert model.history_buffer_dim(5) == 1  # the position counter
    assert build_model("toy_layers:right_formula", SIZES, seed=0).history_state_dim(3) == 16


def test_harness_counts_built_in_layers_as_their_formulas_do():
    """The built-in selective SSM's formulas (core + taps) against the harness's count of its step state."""
    stack = MixerStack([SelectiveSSMLayer(8, 4, 16, 3, "sequential") for _ in range(2)], 8)
    assert measure_state(stack, 5, torch.zeros(8)) == 2 * 16 * 4 + 2 * 16 * 2 == stack.state_dim(5) + stack.buffer_dim(5)


def test_a_declared_formula_that_disagrees_is_refused_naming_both_numbers():
    with pytest.raises(InvalidInput, match=r"declares a history state of 32 floats .* carries hold 16"):
        build_model("toy_layers:wrong_formula", SIZES, seed=0)


def test_a_step_that_is_not_the_parallel_forward_is_refused_naming_the_error():
    import toy_layers

    with torch.random.fork_rng():  # the same weights as build_model(seed=0): the factory runs first
        torch.manual_seed(0)
        layer = toy_layers.leaky_step(8, 2).eval()
    h = torch.randn(2, 12, 8, generator=torch.Generator().manual_seed(0))  # the harness's inputs
    with torch.no_grad():
        state, steps = layer.init_state(2, h), []
        for t in range(12):
            y, state = layer.step(h[:, t], state)
            steps.append(y)
        largest = float((layer(h) - torch.stack(steps, 1)).abs().max())
    assert largest > 1e-5
    with pytest.raises(InvalidInput, match=rf"differ from the parallel forward by up to {largest:.3g} \(allowed 1e-05\)"):
        build_model("toy_layers:leaky_step", SIZES, seed=0)
    # a term in forward and step alike is consistent: the check is of the two paths, not of the design
    assert build_model("toy_layers:gated", {**SIZES, "options": {"leak": 0.5}}, seed=0).history_state_dim(1) == 16


@pytest.mark.parametrize("arch, config, error, match", [
    ("toy_layers:nope", SIZES, InvalidInput, "toy_layers has no attribute 'nope'"),
    ("no_such_package.layers:f", SIZES, InvalidInput, "no module named 'no_such_package'"),
    ("nothing_here", SIZES, InvalidInput, r"unknown architecture 'nothing_here'; known: .*hf_mamba.*package\.module:Factory"),
    ("toy_layers:gated", {**SIZES, "options": {"width": 3}}, InvalidInput, "options {'width': 3} do not fit"),
    ("toy_layers:gated", {**SIZES, "options": [1]}, InvalidInput, "options must be an object"),
    ("toy_layers:torch", SIZES, InvalidType, "must name a callable factory"),
])
def test_bad_plugins_are_refused_clearly(arch, config, error, match):
    with pytest.raises(error, match=match):
        build_model(arch, config)


def test_the_bundled_hugging_face_layers_need_only_their_extra(monkeypatch):
    """Listed without transformers; built without it, one Unavailable naming the extra."""
    from infoscale.errors import Unavailable

    monkeypatch.setitem(sys.modules, "transformers", None)  # import transformers → ImportError
    assert {"hf_mamba", "hf_mamba2", "hf_llama"} <= set(available_architectures())
    with pytest.raises(Unavailable, match=r"pip install 'infoscale\[lm\]'"):
        build_model("hf_mamba", SIZES)


def test_a_state_holding_an_uncountable_object_is_refused():
    with pytest.raises(InvalidType, match="holds a object, whose tensors cannot be counted"):
        list(state_tensors((torch.zeros(2), object())))
    assert sum(t.numel() for t in state_tensors({"a": [torch.zeros(2, 3), 4], "b": (None, torch.zeros(5))})) == 11


def test_register_layer_builds_by_name_and_steps_like_forward(stepped_means):
    import toy_layers

    register_layer("toy-gated", toy_layers.gated)
    model = build_model("toy-gated", SIZES, seed=1)
    x = torch.randn(2, 6, 1, generator=torch.Generator().manual_seed(0))
    mean, _ = model(x)
    torch.testing.assert_close(stepped_means(model, x)[0], mean, rtol=0, atol=1e-5)


def test_an_installed_entry_point_appears_and_builds(with_installed):
    assert "toy_decay" in available_architectures()
    assert build_model("toy_decay", SIZES, seed=0).history_state_dim(7) == 2 * 8


def test_cli_train_runs_a_module_path_and_lists_the_entry_point(tmp_path, capsys, with_installed):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    assert "toy_decay" in capsys.readouterr().out
    assert main(["train", "hierarchical", "--k", "3", "--arch", "toy_layers:gated", "--length", "16", "--model-config",
                 json.dumps({"d_model": 8, "n_layers": 1}), "--steps", "2", "--batch-size", "4", "--threads", "1",
                 "--out", str(tmp_path / "run"), "--quiet"]) == 0
    assert "history state at L/2: 8 floats" in capsys.readouterr().out
    model = load_model(tmp_path / "run" / "checkpoint.pt")  # rebuilt from the module path it was saved under
    assert model.arch == "toy_layers:gated" and model.config.to_dict()["d_model"] == 8
    assert main(["train", "hierarchical", "--arch", "nothing_here", "--length", "16", "--out", str(tmp_path / "bad"),
                 "--quiet"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "unknown architecture 'nothing_here'" in err and len(err.strip().splitlines()) == 1


def test_l2m_smoke_runs_a_module_path_and_an_entry_point(tmp_path, capsys, l2m_smoke, with_installed):
    config = l2m_smoke(models=[{"label": "gated", "arch": "toy_layers:gated", "config": {"d_model": 4, "n_layers": 1}},
                               {"label": "decay", "arch": "toy_decay", "config": {"d_model": 4, "n_layers": 1}}])
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    assert main(["l2m", "--config", str(path), "--out", str(tmp_path / "out"), "--quiet", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [(r["length"], r["arch"], r["history_state_dim"]) for r in rows] == [
        (16, "toy_layers:gated", 4), (16, "toy_decay", 4), (64, "toy_layers:gated", 4), (64, "toy_decay", 4)]
    assert all(r["mean_kl"] >= 0 for r in rows)
