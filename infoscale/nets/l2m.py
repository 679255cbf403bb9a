"""The L²M experiment: train models of several history-state sizes on families of growing MI.

Chen et al. (L²M, Sec. 6, Fig. 3) train models with exact-KL losses on the hierarchical Gaussian
family (k = 3, I(L/2; L) ∝ L^0.79) and find that the transformer, whose KV cache grows with L,
keeps a flat per-token KL, while fixed-state models degrade as L grows; against
I(L/2; L) / dim(history state) all models fall on one curve. ``run_l2m`` sweeps
family × length × model, evaluates each trained model exactly, and writes

- ``l2m.json``: one row per run (mean KL ± stderr, NLL, history_state_dim at L/2, I(L/2; L),
  the total KL over the second half, the linear-Gaussian reference R(D), the KL of the best
  predictor with no history (``memoryless_kl``), throughput, position-wise KL, ``model_file``);
- ``models/run-NNN.pt``: each trained model (``infoscale.nets.checkpoint.load_model`` reads it);
- ``kl_vs_length.png`` (a), ``position_kl.png`` (b), ``kl_vs_mi_per_dim.png`` (c),
  ``linear_reference.png`` (d).

A configuration is a dict (JSON file) with ``families`` ([{name, params}]), ``lengths``,
``models`` ([{label, arch, config, train, train_by_length}]; the token interface is filled in
from each family, ``train`` optionally overrides the common training settings for that model and
``train_by_length`` ({L: settings}) overrides them again at single lengths, e.g. more steps
where attention over L tokens needs them),
``train`` (``TrainConfig`` fields, plus ``tokens_per_step`` giving batch = tokens_per_step // L),
``eval`` ({n_samples, batch_size}), ``threads`` (torch CPU threads, or null) and the optional
``warm_start`` (default false). A file may name a ``preset`` to start from and override any of
its top-level keys. Everything is validated — every family, length, model and loss — before the
first training step.

``warm_start``: a length curriculum, the same for every model. Each model at length L starts from
its own weights trained at the previous length of the sweep (``lengths`` must then increase)
instead of from a fresh initialisation, with a fresh optimizer and learning-rate schedule. Every
architecture here is length-agnostic, so the weights carry over; the short lengths teach the
local structure cheaply (4096 tokens are 64 sequences at L = 64 but 4 at L = 1024). It is fair:
a fixed-state model gets the same extra training, yet its state stays the same size. Each row
records ``warm_start_from`` (the previous length, or null).

``resume``: a sweep cut short (a job's time limit, a pre-empted GPU) continues where it stopped
when run again into the same folder with the same configuration (``infoscale l2m … --resume``):
finished runs are read back, not retrained.
"""

from __future__ import annotations

import copy
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from infoscale.generators import make_family
from infoscale.io import save_figure, to_builtin, write_json
from infoscale.nets.checkpoint import load_model, save_model
from infoscale.nets.evaluate import evaluate
from infoscale.nets.models import build_model
from infoscale.nets.reference import memoryless_kl, reference_curve
from infoscale.nets.train import TrainConfig, prepare, train

_QUICK_FAMILY = [{"name": "hierarchical", "params": {"k": 3, "token_dim": 1}}]

PRESETS = {
    # ≤ 15 minutes on 2 CPU cores (one thread): a transformer against a small GRU and a small diagonal SSM.
    # The GRU's cost per step grows with L, not with the batch: it takes fewer, larger steps.
    # Every model warm-starts from its own weights at the previous length (a length curriculum).
    "quick": {
        "families": _QUICK_FAMILY,
        "lengths": [64, 256, 1024],
        "models": [
            # No ALiBi: the fused causal kernel is 2.2× faster forward + backward at L = 1024, which buys a
            # third layer and more steps where the L² attention needs them most.
            {"label": "transformer", "arch": "transformer",
             "config": {"d_model": 64, "n_layers": 3, "n_heads": 4, "alibi": False},
             "train": {"steps": 600, "lr": 1e-2, "warmup": 50},
             "train_by_length": {"256": {"steps": 1000}, "1024": {"steps": 2400}}},
            {"label": "gru-8", "arch": "gru", "config": {"d_model": 8, "n_layers": 1},
             "train": {"steps": 100, "tokens_per_step": 8192, "warmup": 10}},
            {"label": "ssm-8x2", "arch": "ssm", "config": {"d_model": 8, "n_layers": 1, "state_size": 2}},
        ],
        "train": {"steps": 300, "tokens_per_step": 4096, "lr": 1e-2, "warmup": 30, "log_every": 25},
        "eval": {"n_samples": 128, "batch_size": 32},
        "threads": 1,
        "warm_start": True,
    },
    # One GPU: the paper's token dimension 64, L up to 4096, every architecture at two sizes.
    "full": {
        "families": [{"name": "hierarchical", "params": {"k": 3, "token_dim": 64}}],
        "lengths": [64, 256, 1024, 4096],
        "models": [
            {"label": "transformer", "arch": "transformer", "config": {"d_model": 128, "n_layers": 4, "n_heads": 4}},
            {"label": "sliding-64", "arch": "sliding_window", "config": {"d_model": 128, "n_layers": 4, "n_heads": 4, "window": 64}},
            {"label": "gru-64", "arch": "gru", "config": {"d_model": 64, "n_layers": 2}},
            {"label": "gru-256", "arch": "gru", "config": {"d_model": 256, "n_layers": 2}},
            {"label": "lstm-128", "arch": "lstm", "config": {"d_model": 128, "n_layers": 2}},
            {"label": "ssm-128x8", "arch": "ssm", "config": {"d_model": 128, "n_layers": 4, "state_size": 8}},
            {"label": "mamba-128x16", "arch": "selective_ssm", "config": {"d_model": 128, "n_layers": 4, "state_size": 16}},
            {"label": "linear-attn-128", "arch": "linear_attention", "config": {"d_model": 128, "n_layers": 4, "n_heads": 4}},
        ],
        "train": {"steps": 3000, "tokens_per_step": 65536, "lr": 1e-3, "warmup": 200, "log_every": 50, "amp": True},
        "eval": {"n_samples": 512, "batch_size": 16},
        "threads": None,
    },
}

_KEYS = ("families", "lengths", "models", "train", "eval", "threads")
_OPTIONAL = ("warm_start",)  # default false


def load_config(preset: str | None = "quick", path=None) -> dict:
    """A preset, overridden key by key by the JSON file at ``path`` (which may name its own preset)."""
    override = {}
    if path is not None:
        try:
            override = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as err:
            raise ValueError(f"cannot read config {str(path)!r}: {err}") from None
        if not isinstance(override, dict):
            raise ValueError(f"config {str(path)!r} must hold a JSON object")
        preset = override.pop("preset", preset)
    if preset is not None and preset not in PRESETS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {preset!r}")
    config = copy.deepcopy(PRESETS[preset]) if preset is not None else {}
    unknown = sorted(set(override) - set(_KEYS + _OPTIONAL))
    if unknown:
        raise ValueError(f"unknown config key {unknown[0]!r}; known keys: preset, {', '.join(_KEYS + _OPTIONAL)}")
    config.update(override)
    missing = [key for key in _KEYS if key not in config]
    if missing:
        raise ValueError(f"config lacks {missing[0]!r} (give a preset or the key)")
    return config


def plan(config: dict) -> list[dict]:
    """Validate the whole sweep and return its runs (family, length, model spec, TrainConfig)."""
    unknown = sorted(set(config["eval"]) - {"n_samples", "batch_size", "seed"})
    if unknown:
        raise ValueError(f"unknown eval key {unknown[0]!r}; known keys: n_samples, batch_size, seed")
    labels = [spec.get("label") for spec in config["models"]]
    if len(set(labels)) < len(labels):
        raise ValueError(f"model labels must be unique, got {labels}")
    lengths = config["lengths"]
    if config.get("warm_start", False) and any(a >= b for a, b in zip(lengths, lengths[1:])):
        raise ValueError(f"warm_start needs increasing lengths, got {lengths}")
    runs = []
    for index, fam_spec in enumerate(config["families"]):
        family = make_family(fam_spec["name"], **fam_spec.get("params", {}))
        for length in lengths:
            length = family.check_length(length)
            for spec in config["models"]:
                override = {**spec.get("train", {}), **_by_length(spec, lengths).get(str(length), {})}
                common = {k: v for k, v in config["train"].items() if not ("batch_size" in override and k == "tokens_per_step")}
                train_config = _train_config({**common, **override}, length)
                model = _build(spec, family)
                prepare(model, family, length, train_config)
                runs.append({"family": family, "family_index": index, "length": length, "spec": spec,
                             "train": train_config})
    return runs


def _by_length(spec: dict, lengths: list) -> dict:
    """A model's ``train_by_length`` with string keys (as JSON has them), checked against the sweep."""
    by_length = {str(key): value for key, value in spec.get("train_by_length", {}).items()}
    unknown = sorted(set(by_length) - {str(length) for length in lengths})
    if unknown:
        raise ValueError(f"train_by_length of model {spec.get('label')!r} names length {unknown[0]}, "
                         f"which is not in lengths {lengths}")
    return by_length


def _train_config(values: dict, length: int) -> TrainConfig:
    """A ``TrainConfig`` from a dict whose ``tokens_per_step`` sets the batch to tokens_per_step // L."""
    values = dict(values)
    tokens_per_step = values.pop("tokens_per_step", None)
    if tokens_per_step is not None:
        values["batch_size"] = max(1, int(tokens_per_step) // length)
    return TrainConfig.from_dict(values)


def _build(spec: dict, family, seed: int = 0):
    for key in ("label", "arch", "config"):
        if key not in spec:
            raise ValueError(f"each model needs {key!r}; got {spec}")
    tokens = {"vocab_size": family.vocab_size} if family.discrete else {"token_dim": family.token_dim}
    return build_model(spec["arch"], {**spec["config"], **tokens}, seed=seed)


def run_l2m(config: dict, out_dir, progress: bool = True, resume: bool = False) -> dict:
    """Run the sweep, write ``l2m.json`` and the four figures into ``out_dir``; return the table.

    Each trained model is saved to ``out_dir/models/run-NNN.pt`` (its row's ``model_file``; read
    it back with ``infoscale.nets.checkpoint.load_model``). With ``warm_start``, the model of
    (family, label) trained at one length is trained further at the next length (see the module
    docstring). With ``resume``, the runs already in ``out_dir/l2m.json`` whose model files exist
    are kept instead of retrained, and warm starts continue from the saved weights: a sweep cut
    short (a time limit, a pre-empted job) picks up where it stopped, with the same results on CPU.
    """
    runs = plan(config)
    out_dir = Path(out_dir)
    finished = _finished_rows(config, out_dir) if resume else []
    previous = torch.get_num_threads()
    if config.get("threads"):
        torch.set_num_threads(int(config["threads"]))
    rows, latest = [], {}  # (family index, label) -> (length, model) of its last run, when warm-starting
    try:
        for index, run in enumerate(runs):
            key = (run["family_index"], run["spec"]["label"])
            if index < len(finished):
                rows.append(finished[index])
                model = load_model(out_dir / finished[index]["model_file"]) if config.get("warm_start", False) else None
            else:
                model_file = f"models/run-{index:03d}.pt"
                start_length, model = latest.get(key, (None, None))
                if model is None:
                    model = _build(run["spec"], run["family"], seed=run["train"].seed)
                row = _run_one(run, model, config["eval"], progress)
                # weights only, no optimizer state: a resumed sweep never restarts a run midway
                save_model(out_dir / model_file, model, run["family"], run["length"], run["train"].steps)
                rows.append({**row, "warm_start_from": start_length, "model_file": model_file})
                write_json(out_dir / "l2m.json", {"config": config, "rows": rows})
            if config.get("warm_start", False):
                latest[key] = (run["length"], model)
    finally:
        torch.set_num_threads(previous)
    table = {"config": config, "rows": rows}
    write_json(out_dir / "l2m.json", table)
    plot_l2m(table, out_dir)
    return table


def _finished_rows(config: dict, out_dir: Path) -> list[dict]:
    """The leading rows of ``out_dir/l2m.json`` whose model files exist, if it holds this same sweep."""
    path = out_dir / "l2m.json"
    if not path.exists():
        return []
    try:
        saved = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise ValueError(f"cannot resume from {str(path)!r}: {err}") from None
    if _canonical(saved.get("config")) != _canonical(config):
        raise ValueError(f"{str(path)!r} holds a different sweep's results; to resume, give the same "
                         "configuration, or choose another output folder")
    finished = []
    for row in saved.get("rows", []):
        if "model_file" not in row or not (out_dir / row["model_file"]).is_file():
            break
        finished.append(row)
    return finished


def _canonical(config) -> str:
    """A configuration as JSON text that does not depend on key order or on tuples versus lists."""
    return json.dumps(config, sort_keys=True, default=to_builtin)


def _run_one(run: dict, model, eval_config: dict, progress: bool) -> dict:
    """Train ``model`` (in place) for one run, evaluate it exactly, and return its table row."""
    family, length, spec, train_config = run["family"], run["length"], run["spec"], run["train"]
    result = train(model, family, length, train_config, progress=progress)
    ev = evaluate(model, family, length, progress=False, **eval_config)
    try:
        mi_half = family.bipartite_mi(length // 2, length)
    except NotImplementedError:
        mi_half = None
    state_dim = model.history_state_dim(length // 2)
    row = {
        "family": family.name, "family_params": family.params, "length": length, "label": spec["label"],
        "arch": spec["arch"], "n_parameters": sum(p.numel() for p in model.parameters()),
        "history_state_dim": state_dim, "mi_half": mi_half,
        "mi_per_state_dim": None if mi_half is None else mi_half / state_dim,
        "mean_kl": ev.mean_kl, "mean_kl_stderr": ev.mean_kl_stderr, "mean_nll": ev.mean_nll,
        "final_train_loss": result.final_loss, "train_seconds": result.seconds,
        "tokens_per_second": result.tokens_per_second, "train_config": asdict(train_config),
        "position_kl": None if ev.position_kl is None else ev.position_kl.tolist(),
    }
    if ev.position_kl is not None:
        row["kl_second_half_total"] = float(ev.position_kl[length // 2:].sum())
    if hasattr(family, "mi_spectrum"):
        row["linear_reference"] = float(reference_curve(family, length, [state_dim])[0])
    if hasattr(family, "cholesky"):
        row["memoryless_kl"] = memoryless_kl(family, length)
    return row


def plot_l2m(table: dict, out_dir) -> None:
    """Figures (a)–(d) from an ``l2m.json`` table."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in table["rows"] if r.get("mean_kl") is not None]
    if not rows:
        return
    out_dir = Path(out_dir)
    labels = list(dict.fromkeys(r["label"] for r in rows))
    colors = {label: f"C{i}" for i, label in enumerate(labels)}
    by_label = {label: sorted((r for r in rows if r["label"] == label), key=lambda r: r["length"]) for label in labels}

    # (a) twice: a linear KL axis shows growth in nats, a log axis relative growth
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    memoryless = {}  # (family, params) -> {L: KL of the best predictor that ignores the past}
    for r in rows:
        if r.get("memoryless_kl") is not None:
            memoryless.setdefault((r["family"], json.dumps(r["family_params"], sort_keys=True)), {})[r["length"]] = r["memoryless_kl"]
    for ax, yscale in zip(axes, ("linear", "log")):
        for label, rs in by_label.items():
            ax.errorbar([r["length"] for r in rs], [r["mean_kl"] for r in rs], [r["mean_kl_stderr"] for r in rs],
                        marker="o", capsize=3, color=colors[label], label=label)
        for i, ((name, _), curve) in enumerate(memoryless.items()):
            lengths = sorted(curve)
            ax.plot(lengths, [curve[n] for n in lengths], ls="--", color="0.5", marker="x",
                    label="no history (marginals)" + (f", {name} #{i + 1}" if len(memoryless) > 1 else ""))
        ax.set(xscale="log", yscale=yscale, xlabel="sequence length L", ylabel="average KL per token [nats]",
               title=f"(a) KL vs L, {yscale} KL axis")
    axes[0].set_ylim(bottom=0)
    axes[0].legend(fontsize=8)
    save_figure(fig, out_dir / "kl_vs_length.png")

    longest = max(r["length"] for r in rows)  # (b)
    fig, ax = plt.subplots(figsize=(6, 4.2))
    for r in rows:
        if r["length"] == longest:
            kl = np.asarray(r["position_kl"])
            width = max(1, longest // 64)  # average over bins so the curves stay readable
            binned = kl[: len(kl) // width * width].reshape(-1, width).mean(1)
            ax.plot(np.arange(len(binned)) * width + width / 2, binned, color=colors[r["label"]], label=r["label"])
    ax.set(yscale="log", xlabel="position t", ylabel="KL at position t [nats]",
           title=f"(b) position-wise KL, L = {longest}")
    ax.legend(fontsize=8)
    save_figure(fig, out_dir / "position_kl.png")

    fig, ax = plt.subplots(figsize=(6, 4.2))  # (c)
    for label, rs in by_label.items():
        rs = [r for r in rs if r["mi_per_state_dim"] is not None]
        ax.plot([r["mi_per_state_dim"] for r in rs], [r["mean_kl"] for r in rs], "o-", color=colors[label], label=label)
    ax.set(xscale="log", xlabel="I(L/2; L) / history_state_dim(L/2)", ylabel="average KL per token [nats]",
           title="(c) KL against MI per state dimension")
    ax.legend(fontsize=8)
    save_figure(fig, out_dir / "kl_vs_mi_per_dim.png")

    refs = [r for r in rows if "linear_reference" in r and "kl_second_half_total" in r]  # (d)
    if refs:
        fig, ax = plt.subplots(figsize=(6, 4.2))
        for label in labels:
            rs = [r for r in refs if r["label"] == label]
            ax.plot([r["linear_reference"] for r in rs], [r["kl_second_half_total"] for r in rs], "o",
                    color=colors[label], label=label)
            for r in rs:
                ax.annotate(f"L={r['length']}", (r["linear_reference"], r["kl_second_half_total"]), fontsize=6)
        top = max(max(r["kl_second_half_total"], r["linear_reference"]) for r in refs)
        ax.plot([0, top], [0, top], "k:", lw=1, label="KL = R(D)")
        ax.set(xlabel="linear-Gaussian reference R(D) [nats]", ylabel="total KL over positions ≥ L/2 [nats]",
               title="(d) trained models vs the linear-Gaussian reference")
        ax.legend(fontsize=8)
        save_figure(fig, out_dir / "linear_reference.png")


def summary_lines(table: dict) -> list[str]:
    """A plain-text table of the runs."""
    lines = [f"{'family':<13} {'L':>6} {'model':<16} {'state dim':>10} {'I(L/2;L)':>9} {'KL/token':>9} {'± se':>7} "
             f"{'R(D)':>8} {'KL 2nd half':>11} {'no history':>10} {'tok/s':>8}"]
    for r in table["rows"]:
        kl = "-" if r["mean_kl"] is None else f"{r['mean_kl']:.4f}"
        se = "-" if r["mean_kl_stderr"] is None else f"{r['mean_kl_stderr']:.4f}"
        mi = float("nan") if r["mi_half"] is None else r["mi_half"]
        lines.append(f"{r['family']:<13} {r['length']:>6} {r['label']:<16} {r['history_state_dim']:>10} {mi:>9.3f} "
                     f"{kl:>9} {se:>7} {r.get('linear_reference', float('nan')):>8.3f} "
                     f"{r.get('kl_second_half_total', float('nan')):>11.3f} {r.get('memoryless_kl', float('nan')):>10.4f} "
                     f"{r['tokens_per_second']:>8.0f}")
    return lines
