"""The L²M sweep: validate every run first, then train, evaluate exactly, save, and resume."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import torch

from infoscale.errors import InvalidInput
from infoscale.generators import make_family
from infoscale.io import to_builtin, write_json
from infoscale.nets.checkpoint import load_model, save_model
from infoscale.nets.evaluate import evaluate
from infoscale.nets.l2m.figures import plot_l2m
from infoscale.nets.models import build_model
from infoscale.nets.reference import memoryless_kl, reference_curve
from infoscale.nets.train import TrainConfig, prepare, train
from infoscale.protocols import GaussianFamily


def plan(config: dict) -> list[dict]:
    """Validate the whole sweep and return its runs (family, length, model spec, TrainConfig)."""
    unknown = sorted(set(config["eval"]) - {"n_samples", "batch_size", "seed"})
    if unknown:
        raise InvalidInput(f"unknown eval key {unknown[0]!r}; known keys: n_samples, batch_size, seed")
    labels = [spec.get("label") for spec in config["models"]]
    if len(set(labels)) < len(labels):
        raise InvalidInput(f"model labels must be unique, got {labels}")
    lengths = config["lengths"]
    if config.get("warm_start", False) and any(a >= b for a, b in zip(lengths, lengths[1:])):
        raise InvalidInput(f"warm_start needs increasing lengths, got {lengths}")
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
        raise InvalidInput(f"train_by_length of model {spec.get('label')!r} names length {unknown[0]}, "
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
            raise InvalidInput(f"each model needs {key!r}; got {spec}")
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
        raise InvalidInput(f"cannot resume from {str(path)!r}: {err}") from None
    if _canonical(saved.get("config")) != _canonical(config):
        raise InvalidInput(f"{str(path)!r} holds a different sweep's results; to resume, give the same "
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
    if isinstance(family, GaussianFamily):
        row["linear_reference"] = float(reference_curve(family, length, [state_dim])[0])
        row["memoryless_kl"] = memoryless_kl(family, length)
    return row
