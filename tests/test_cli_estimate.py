"""`infoscale estimate` on a real text shipped with an installed package, on samples, and on bad files."""

import importlib
import importlib.metadata
import json
import re
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


# ---- estimators chosen for the data, warnings outside their range, plots of what applies ----------
@pytest.fixture(scope="module")
def wide_samples(tmp_path_factory):
    """hierarchical k = 3 at L = 256: blocks of 128 + 128 dimensions, far beyond KSG's validated 64."""
    path = tmp_path_factory.mktemp("wide") / "h.npz"
    assert main(["sample", "hierarchical", "--k", "3", "--length", "256", "-n", "600", "--seed", "1", "-o", str(path)]) == 0
    return path


def _ksg_values_without_warning(text: str) -> list[str]:
    lines = text.splitlines()
    return [line for i, line in enumerate(lines) if re.search(r"by ksg: [-\d.]+ ±", line)
            and not (i + 1 < len(lines) and "WARNING: outside its validated range" in lines[i + 1])]


def test_estimate_never_prints_ksg_in_128_plus_128_dimensions_without_a_warning(wide_samples, capsys):
    capsys.readouterr()
    assert main(["estimate", str(wide_samples), "--quiet"]) == 0
    default = capsys.readouterr().out
    assert "by ksg: block dimension 256 > 64" in default and "by gaussian: 8." in default  # exact I = 8.65
    assert main(["estimate", str(wide_samples), "--method", "ksg", "--quiet"]) == 0  # asked for: run, warned
    forced = capsys.readouterr().out
    assert re.search(r"by ksg: [-\d.]+ ±", forced) and _ksg_values_without_warning(forced) == []
    assert _ksg_values_without_warning("  I(128; 256) by ksg: 0.24 ± 0.014 nats\n") != []  # the check can fail
    assert main(["estimate", str(wide_samples), "--method", "ksg", "--json", "--quiet"]) == 0
    assert "block dimension 256 > 64" in json.loads(capsys.readouterr().out)["ksg"]["warning"]


def test_no_warning_within_the_validated_range(ar_samples, capsys):
    capsys.readouterr()
    assert main(["estimate", str(ar_samples), "--json", "--quiet"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["gaussian"]["warning"] is None and result["ksg"]["warning"] is None


def test_plot_of_float_samples_draws_each_estimator_where_it_applies(ar_samples, tmp_path, capsys):
    plot = tmp_path / "blocks.png"
    capsys.readouterr()
    assert main(["estimate", str(ar_samples), "--plot", str(plot), "--json", "--quiet"]) == 0
    drawn = json.loads(capsys.readouterr().out)["plot"]
    assert drawn["curves"] == ["gaussian", "ksg"] and drawn["lengths"] == [2, 4, 8]
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_of_integer_tokens_draws_the_two_point_curve(tmp_path, capsys):
    tokens, plot = tmp_path / "t.npz", tmp_path / "tp.png"
    assert main(["sample", "markov", "--length", "32", "-n", "200", "-o", str(tokens)]) == 0
    assert main(["estimate", str(tokens), "--max-distance", "8", "--plot", str(plot), "--quiet"]) == 0
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and "figure written to" in capsys.readouterr().out


# ---- --model: the model's own fit quality beside its estimate ------------------------------------
def test_an_untrained_model_is_flagged_by_its_exact_kl(tmp_path, capsys):
    from infoscale.generators import make_family
    from infoscale.nets.checkpoint import family_record, save_checkpoint
    from infoscale.nets.models import build_model

    samples = tmp_path / "x.npz"
    assert main(["sample", "markov", "--length", "16", "-n", "200", "--seed", "2", "-o", str(samples)]) == 0
    model = build_model("gru", {"vocab_size": 3, "d_model": 8}, seed=0)  # random weights: never trained
    ckpt = save_checkpoint(tmp_path / "m.pt", arch="gru", model_config={"vocab_size": 3, "d_model": 8},
                           model_state=model.state_dict(), family=family_record(make_family("markov")), length=16)
    capsys.readouterr()
    assert main(["estimate", str(samples), "--model", str(ckpt), "--max-distance", "4", "--json", "--quiet"]) == 0
    quality = json.loads(capsys.readouterr().out)["bipartite"]["fit_quality"]
    assert quality["kl_per_token"] > 0.01 and "under-trained" in quality["warning"]
    assert main(["estimate", str(samples), "--model", str(ckpt), "--max-distance", "4", "--quiet"]) == 0
    assert "model fit: KL" in (out := capsys.readouterr().out) and "WARNING: the model is under-trained" in out


@pytest.mark.parametrize("kl, flagged", [(0.001, False), (0.05, True)])
def test_fit_quality_flags_by_the_second_half_kl_against_the_estimate(monkeypatch, kl, flagged):
    """Second-half KL 8·kl against a direct estimate of 1 nat: 0.008 passes, 0.4 (> 10 %) is flagged."""
    from infoscale.cli import estimate_model
    from infoscale.nets.evaluate import Evaluation

    def fake(model, family, length, **_):
        return Evaluation("gru", length, 256, np.full(length, kl), np.zeros(length), np.ones(length), kl, 0.0,
                          1.0, 0.0, 8)

    class Model:
        discrete, checkpoint_info = True, {"family": {"name": "markov", "params": {}}}

    monkeypatch.setattr(importlib.import_module("infoscale.nets.evaluate"), "evaluate", fake)
    quality = estimate_model.fit_quality(Model(), None, {4: 0.9, 16: 1.0})
    assert quality["kl_second_half"] == pytest.approx(8 * kl) and (quality["warning"] is not None) == flagged


@pytest.mark.slow
def test_a_trained_model_is_not_flagged(tmp_path, capsys, one_torch_thread):
    """A GRU trained 400 steps on markov (KL ≈ 1e-3 nats/token) passes the check a random one fails."""
    samples, out = tmp_path / "x.npz", tmp_path / "run"
    assert main(["sample", "markov", "--length", "16", "-n", "2000", "--seed", "2", "-o", str(samples)]) == 0
    assert main(["train", "markov", "--arch", "gru", "--length", "16", "--steps", "400", "--lr", "0.01",
                 "--threads", "1", "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["estimate", str(samples), "--model", str(out / "checkpoint.pt"), "--max-distance", "4",
                 "--json", "--quiet"]) == 0
    quality = json.loads(capsys.readouterr().out)["bipartite"]["fit_quality"]
    assert quality["kl_per_token"] < 0.01 and quality["warning"] is None
