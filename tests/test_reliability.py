"""Small defects found by the fuzzer, strict JSON, temp-file hygiene and output-path checks."""

import itertools
import json
import os

import numpy as np
import pytest

from infoscale import make_family
from infoscale.cli import main
from infoscale.errors import InvalidInput
from infoscale.estimators.block import ksg_mi
from infoscale.estimators.methods import estimate_mi
from infoscale.exact.gaussian import gaussian_mi, mi_spectrum
from infoscale.io import atomic_path, check_writable, remove_stale_temps, write_json


def test_tree_k0_log_prob_is_uniform_and_normalised():
    family = make_family("tree", k=0)  # layers above the first are all fresh symbols: uniform
    x = family.sample(3, 64, 0)
    np.testing.assert_allclose(family.log_prob(x), -64 * np.log(2), rtol=1e-12)
    np.testing.assert_allclose(family.marginal_log_prob(x, 0, 32), -32 * np.log(2), rtol=1e-12)
    every = np.array(list(itertools.product([0, 1], repeat=16)))
    assert np.exp(family.log_prob(every)).sum() == pytest.approx(1.0, rel=1e-12)


def test_exact_mi_rounding_below_zero_is_reported_as_zero():
    family = make_family("hierarchical", k=0, boundary=False)  # independent rows: I = 0 at a row boundary
    raw = family.bipartite_mi(20, 64)
    estimate = estimate_mi(family, 20, 64, "exact")
    assert abs(raw) < 1e-12 and estimate.value == max(raw, 0.0) >= 0.0
    assert ("rounding" in estimate.extra) == (raw < 0)


def test_gaussian_mi_refuses_a_non_symmetric_matrix():
    cov = np.array([[2.0, 0.5], [0.9, 2.0]])
    with pytest.raises(InvalidInput, match="symmetric"):
        gaussian_mi(cov, 1)
    with pytest.raises(InvalidInput, match="symmetric"):
        mi_spectrum(np.block([[cov, np.zeros((2, 2))], [np.zeros((2, 2)), np.eye(2)]]), 2)


def test_ksg_refuses_repeated_points():
    a = np.ones((50, 1))
    with pytest.raises(InvalidInput, match="k-th neighbour"):
        ksg_mi(a, a)
    rng = np.random.default_rng(0)
    assert ksg_mi(rng.normal(size=(200, 1)), rng.normal(size=(200, 1))).value > -0.1


def test_estimate_text_names_the_method_once():
    text = str(estimate_mi(make_family("ar"), 8, 16, "exact"))
    assert text.count("exact") == 1


def test_json_is_strict(tmp_path):
    path = write_json(tmp_path / "r.json", {"a": float("nan"), "b": [np.float64(np.inf), 1.5], "c": np.array([np.nan])})
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == {"a": None, "b": [None, 1.5], "c": [None]}


def test_temp_files_of_killed_writers_are_removed(tmp_path):
    dead = tmp_path / ".r.json.infoscale-tmp-999999999-0123abcd.json"  # no such PID
    live = tmp_path / f".r.json.infoscale-tmp-{os.getpid()}-0123abcd.json"
    dead.write_text("partial")
    live.write_text("being written")
    write_json(tmp_path / "other.json", {})
    assert not dead.exists() and live.exists()
    assert remove_stale_temps(tmp_path) == []
    with atomic_path(tmp_path / "x.json") as tmp:
        assert ".infoscale-tmp-" in tmp.name


def test_check_writable(tmp_path):
    (tmp_path / "file").write_text("")
    assert check_writable(tmp_path / "new" / "deeper" / "x.png", "--plot") == tmp_path / "new" / "deeper" / "x.png"
    assert not (tmp_path / "new").exists()  # nothing is created by the check
    for bad, folder in [(tmp_path, False), (tmp_path / "file", True), (tmp_path / "file" / "x.png", False),
                        ("", False), ("/proc/x.png", False)]:
        with pytest.raises(InvalidInput, match="--out"):
            check_writable(bad, "--out", folder=folder)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_version_and_max_memory(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out.startswith("infoscale ")
    assert main(["--max-memory", "0.001", "spectrum", "ar", "--length", "1024"]) == 2
    assert "--max-memory" in capsys.readouterr().err
    assert main(["--max-memory", "1", "spectrum", "ar", "--length", "64"]) == 0


def test_continuous_samples_round_trip_through_estimate(tmp_path, capsys):
    path = tmp_path / "x.npz"
    assert main(["sample", "hierarchical", "--length", "16", "-n", "3000", "-o", str(path)]) == 0
    capsys.readouterr()
    assert main(["estimate", str(path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    exact = make_family("hierarchical").bipartite_mi(8, 16)
    assert result["two_point"] is None and "integer" in result["note"]
    assert abs(result["gaussian"]["value"] - exact) < 4 * result["gaussian"]["stderr"] + 0.02  # Wishart-corrected
    assert 0 < result["ksg"]["value"] < exact  # KSG is biased low in 16 dimensions


def test_estimate_model_must_cover_the_data(tmp_path, capsys):
    from infoscale.nets.checkpoint import save_model
    from infoscale.nets.models import build_model

    checkpoint = tmp_path / "m.pt"
    save_model(checkpoint, build_model("gru", {"vocab_size": 2, "d_hidden": 4}, seed=0), make_family("markov", vocab_size=2), 8, 0)
    data = tmp_path / "t.npz"
    np.savez(data, x=np.random.default_rng(0).integers(0, 5, size=(20, 16)))
    assert main(["estimate", str(data), "--model", str(checkpoint), "--quiet"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "tokens 0..1" in err


def test_family_command_help_lists_the_family_parameters(capsys):
    with pytest.raises(SystemExit):
        main(["mi", "--help"])
    out = capsys.readouterr().out
    assert "--hurst" in out and "--snr" in out and "--chain-seed" in out


def test_train_refuses_an_existing_run_unless_told(tmp_path, capsys, one_torch_thread):
    argv = ["train", "ar", "--arch", "gru", "--length", "8", "--model-config", '{"d_hidden": 4}', "--steps", "2",
            "--batch-size", "2", "--threads", "1", "--quiet", "--out", str(tmp_path / "run")]
    assert main(argv) == 0
    before = (tmp_path / "run" / "metrics.json").read_text()
    capsys.readouterr()
    assert main(argv) == 2 and "--overwrite" in capsys.readouterr().err
    assert main([*argv, "--overwrite", "--loss", "nll", "--lr", "1e300"]) == 2  # refused before anything is removed
    assert (tmp_path / "run" / "metrics.json").read_text() == before
    assert main([*argv, "--overwrite", "--seed", "1"]) == 0
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["train_config"]["seed"] == 1
