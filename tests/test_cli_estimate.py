"""`infoscale estimate` on a real text shipped with an installed package, on samples, and on bad files."""

import importlib.metadata
import json
from dataclasses import replace

import numpy as np
import pytest

from infoscale.cli import main
from infoscale.estimators.entropy import mi_from_joint_counts
from infoscale.estimators.registry import SAMPLE_ESTIMATORS, pair_methods


def _numpy_licence():
    """numpy's LICENSE.txt from its installed distribution (a real UTF-8 text we did not write)."""
    dist = importlib.metadata.distribution("numpy")
    for item in dist.files or ():
        if item.name.upper().startswith("LICENSE") and item.suffix == ".txt":
            path = dist.locate_file(item)
            if path.is_file():
                return path
    pytest.skip("numpy's licence text is not installed with its distribution")


def test_estimate_on_a_licence_text(capsys):
    path = _numpy_licence()
    assert main(["estimate", str(path), "--max-distance", "64", "--json", "--quiet"]) == 0
    result = json.loads(capsys.readouterr().out)
    raw = np.frombuffer(path.read_bytes(), dtype=np.uint8).astype(int)
    tp = result["two_point"]
    assert result["shape"] == [raw.size] and tp["distances"] == list(range(1, 65))
    # I(1) from an independent count of adjacent byte pairs.
    joint = np.zeros((256, 256))
    np.add.at(joint, (raw[:-1], raw[1:]), 1)
    assert tp["mi"][0] == pytest.approx(mi_from_joint_counts(joint, "grassberger").value, abs=1e-12)
    # Text: strong short-range dependence that decays; the fit finds a decay.
    assert tp["mi"][0] > 0.5 and tp["mi"][63] < 0.5 * tp["mi"][0]
    fit = result["two_point_fit"]
    assert fit["model"] in ("power", "exponential") and fit["determined"]
    # The alphabet actually used, not the largest byte + 1.
    assert result["distinct_symbols"] == np.unique(raw).size < raw.max() + 1


def test_estimate_on_sampled_npz(tmp_path, capsys):
    out = tmp_path / "markov.npz"
    assert main(["sample", "markov", "--length", "64", "-n", "300", "--seed", "1", "-o", str(out)]) == 0
    capsys.readouterr()
    plot = tmp_path / "tp.png"
    assert main(["estimate", str(out), "--max-distance", "16", "--plot", str(plot), "--quiet"]) == 0
    text = capsys.readouterr().out
    # A Markov chain's I(d) decays exponentially: no power law, no double minus.
    assert "fit: not a power law; exponential decay: I(d) =" in text and plot.is_file()
    assert "--" not in text.split("fit:")[1]


def test_estimate_bad_files(tmp_path, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    binary = tmp_path / "data.bin"
    binary.write_bytes(np.arange(512, dtype=np.uint16).tobytes())
    floats = tmp_path / "floats.npz"
    np.savez(floats, x=np.random.default_rng(0).standard_normal((3, 8)))
    for path, message in ((empty, "empty"), (binary, "binary"), (floats, "no block estimator"),
                          (tmp_path / "missing.txt", "does not exist")):
        assert main(["estimate", str(path), "--quiet"]) == 2
        assert message in capsys.readouterr().err


def test_estimate_with_model_checkpoint(tmp_path, capsys):
    # A real nets checkpoint when the nets package provides one; otherwise a clear error.
    try:
        from infoscale.nets.checkpoint import save_checkpoint
        from infoscale.nets.models import build_model
    except ImportError:
        pytest.skip("infoscale.nets checkpoints are not available")
    samples = tmp_path / "x.npz"
    assert main(["sample", "markov", "--length", "16", "-n", "64", "--seed", "2", "-o", str(samples)]) == 0
    try:
        model = build_model("gru", {"vocab_size": 3, "d_model": 8})
    except (TypeError, ValueError) as err:
        pytest.skip(f"nets model config differs from this test's guess: {err}")
    ckpt = save_checkpoint(tmp_path / "m.pt", arch="gru", model_config={"vocab_size": 3, "d_model": 8},
                           model_state=model.state_dict())
    capsys.readouterr()
    assert main(["estimate", str(samples), "--model", str(ckpt), "--max-distance", "8", "--json", "--quiet"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["bipartite"]["lengths"] == [4, 8, 16]


# ---- float samples: the registry's continuous pair estimators -----------------------------------
AR_MI = -0.5 * np.log(1 - 0.5**2)  # the default AR(1), φ = 0.5, cut anywhere: I = −½ ln(1 − φ²)


@pytest.fixture(scope="module")
def ar_samples(tmp_path_factory):
    path = tmp_path_factory.mktemp("ar") / "ar.npz"
    assert main(["sample", "ar", "--length", "8", "-n", "2000", "--seed", "1", "-o", str(path)]) == 0
    return path


@pytest.mark.parametrize("method", pair_methods("continuous"))
def test_estimate_method_runs_every_continuous_pair_method(method, ar_samples, capsys, one_torch_thread):
    capsys.readouterr()
    assert main(["estimate", str(ar_samples), "--method", method, "--seed", "2", "--json", "--quiet"]) == 0
    result = json.loads(capsys.readouterr().out)
    spec = SAMPLE_ESTIMATORS.get(method)
    row = result[method]
    assert result["methods"] == [method] and result["ell"] == 4
    assert row["extra"]["params"] == spec.params and np.isfinite(row["value"])
    if spec.ceiling is not None:
        assert row["value"] <= spec.ceiling
    if spec.tokens == ("continuous",) and spec.fits(8):  # valid here: Gaussian data, 4 + 4 dimensions, n = 2000
        assert row["value"] == pytest.approx(AR_MI, abs=0.05)


def test_estimate_chooses_continuous_methods_by_tags(ar_samples, capsys, monkeypatch):
    capsys.readouterr()
    assert main(["estimate", str(ar_samples), "--json", "--quiet"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["methods"] == ["gaussian", "ksg"] and all("value" in result[m] for m in result["methods"])
    # told it is valid only up to 4 dimensions, KSG is skipped at 8 (by its tag, not its name)
    monkeypatch.setitem(SAMPLE_ESTIMATORS._entries, "ksg", replace(SAMPLE_ESTIMATORS.get("ksg"), max_dim=4))
    assert main(["estimate", str(ar_samples), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "by ksg: block dimension 8 > 4" in out and "by gaussian: 0.1" in out


def test_estimate_method_refused_for_the_other_kind_of_data(ar_samples, tmp_path, capsys):
    tokens = tmp_path / "tokens.npz"
    assert main(["sample", "markov", "--length", "16", "-n", "50", "-o", str(tokens)]) == 0
    assert main(["estimate", str(tokens), "--method", "gaussian", "--quiet"]) == 2
    assert "integer tokens" in capsys.readouterr().err
    assert main(["estimate", str(ar_samples), "--method", "plugin", "--quiet"]) == 2
    assert "float samples take one of gaussian, ksg" in capsys.readouterr().err
    assert main(["estimate", str(tokens), "--method", "plugin", "--max-distance", "4", "--json", "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out)["two_point"]["method"] == "plugin"
