"""The L²M sweep: validate every run first, then train, evaluate exactly, save, and resume.

The runs are family × length × model. With ``warm_start`` the runs of one (family, model) form a
*chain* over increasing lengths, each starting from the weights of the one before; otherwise each
run is a chain of its own. Chains are independent, so ``workers`` processes train them side by
side; every run's result depends on its configuration only, not on which process ran it or when.

Files in the output folder:

- ``config.json``: the sweep's configuration (a folder holds one sweep);
- ``runs/run-NNN.json`` and ``models/run-NNN.pt``: each finished run's row and trained weights,
  both written atomically as the run finishes — the unit of ``resume``;
- ``l2m.json`` (all rows so far, in run order), and at the end ``summary.json`` and the figures.

``resume``: the runs whose row and model files are both readable are kept; the others are
trained, warm starts continuing from the saved weights. File names come from the run's index,
never from paths stored in a file.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from infoscale.errors import InvalidInput
from infoscale.io import write_json
from infoscale.nets.checkpoint import load_model, save_model
from infoscale.estimators.utilization import utilization
from infoscale.nets.early_stopping import EarlyStopping
from infoscale.nets.device import available_threads, torch_threads
from infoscale.nets.evaluate import evaluate
from infoscale.nets.models import build_model
from infoscale.nets.train import train
from infoscale.protocols import GaussianFamily
from infoscale.studies.l2m.config import SweepConfig
from infoscale.studies.l2m.schema import plain
from infoscale.studies.l2m.figures import plot_l2m
from infoscale.studies.l2m.plan import Run, chains, plan
from infoscale.studies.l2m.summary import summarize_sweep
from infoscale.theory.rate_distortion import memoryless_kl, reference_curve


def run_sweep(config: SweepConfig, out_dir, progress: bool = True, resume: bool = False, overwrite: bool = False) -> dict:
    """Run the sweep into ``out_dir``; write ``l2m.json``, ``summary.json`` and the figures; return the table.

    A folder that holds another sweep is refused (before any training) unless ``overwrite``;
    with ``resume`` the same sweep continues where it stopped (see the module docstring).
    """
    runs = plan(config)
    out_dir = Path(out_dir)
    finished = _prepare_folder(config, out_dir, resume, overwrite)
    todo = sorted((chain for chain in chains(runs) if any(i not in finished for i in chain)),
                  key=lambda chain: _order(runs[chain[0]], config))
    rows = dict(finished)
    workers = min(config.workers, max(1, len(todo)))
    threads = config.threads or max(1, available_threads() // workers)
    bar = tqdm(total=len(runs), initial=len(finished), desc="l2m runs", disable=None if progress else True,
               file=sys.stderr)
    if workers == 1:
        for chain in todo:
            for row in _run_chain(config, str(out_dir), chain, sorted(finished), threads, progress, runs):
                rows[row["run"]] = row
                bar.update()
                _log(row, len(rows), len(runs), progress)
                _write_table(config, out_dir, rows)
    else:
        context = multiprocessing.get_context("spawn")  # fresh interpreters: no forked torch state
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_exit_with_parent,
                                 initargs=(os.getpid(),)) as pool:
            futures = [pool.submit(_run_chain, config, str(out_dir), chain, sorted(finished), threads, False)
                       for chain in todo]
            for future in as_completed(futures):
                for row in future.result():
                    rows[row["run"]] = row
                    bar.update()
                    _log(row, len(rows), len(runs), progress)
                _write_table(config, out_dir, rows)
    bar.close()
    return _finish(config, out_dir, rows)


def analyse_sweep(config: SweepConfig, out_dir) -> dict:
    """Summarise and plot the finished runs of the sweep in ``out_dir`` (complete or cut short), training
    nothing: ``l2m.json``, ``summary.json`` and the figures, with ``config``'s analysis settings."""
    out_dir = Path(out_dir)
    if not (out_dir / "config.json").exists():
        raise InvalidInput(f"{str(out_dir)!r} holds no sweep to analyse (no config.json)")
    return _finish(config, out_dir, _prepare_folder(config, out_dir, resume=True, overwrite=False))


def _finish(config: SweepConfig, out_dir: Path, rows: dict) -> dict:
    table = _write_table(config, out_dir, rows)
    summary = summarize_sweep(table)
    write_json(out_dir / "summary.json", summary)
    plot_l2m(table, out_dir, summary)
    return {**table, "summary": summary}


def _log(row: dict, done: int, total: int, progress: bool) -> None:
    """One line on stderr per finished run (a log to follow when stderr is a file)."""
    if progress:
        print(f"l2m: {done}/{total} {time.strftime('%H:%M:%S')} {row['family']} {row['family_params']} L={row['length']} "
              f"{row['label']} seed={row['seed']}: KL/token {row['mean_kl']}, {row['steps_taken']} steps"
              f"{' (cap)' if row['hit_cap'] else ''}, {row['train_seconds']:.0f} s", file=sys.stderr, flush=True)


def _exit_with_parent(parent: int) -> None:
    """In a worker: exit when the sweep's process is gone (killed), instead of training on as an orphan."""
    def watch():
        while os.getppid() == parent:
            time.sleep(2.0)
        os._exit(1)
    threading.Thread(target=watch, daemon=True).start()


def _order(run: Run, config: SweepConfig) -> tuple:
    """The order chains start in, so that a sweep cut short holds what identifies first: every family and
    size of one architecture (the selective SSM, the cheapest at long L, then the others), then the extra
    seeds, then the plateau runs; the longest first within a family (balanced workers). The cost is rough:
    parameters, times L for a state that grows with L."""
    first_seed = (run.model.seeds or (run.seed,))[0]
    cost = run.n_parameters * (max(config.lengths) if run.grows else 1)
    return run.plateau, run.seed != first_seed, run.model.arch != "selective_ssm", run.grows, run.family_index, -cost


def _write_table(config: SweepConfig, out_dir: Path, rows: dict) -> dict:
    table = {"config": config.to_dict(), "rows": [rows[i] for i in sorted(rows)]}
    write_json(out_dir / "l2m.json", table)
    return table


def _prepare_folder(config: SweepConfig, out_dir: Path, resume: bool, overwrite: bool) -> dict[int, dict]:
    """Check the folder before any training; return the finished runs {index: row} to keep."""
    saved_path = out_dir / "config.json"
    if saved_path.exists() and not overwrite:
        try:
            saved = json.loads(saved_path.read_text())
        except (OSError, json.JSONDecodeError) as err:
            raise InvalidInput(f"cannot read {str(saved_path)!r}: {err}") from None
        if not resume:
            raise InvalidInput(f"{str(out_dir)!r} already holds a sweep; resume it (--resume), overwrite it "
                               "(--overwrite) or choose another output folder")
        if _comparable(saved) != config.comparable():
            raise InvalidInput(f"{str(saved_path)!r} holds a different sweep's results; to resume, give the same "
                               "configuration, or choose another output folder")
    for old in list((out_dir / "runs").glob("run-*.json")) + list((out_dir / "models").glob("run-*.pt")):
        if overwrite or not resume:
            old.unlink()
    write_json(saved_path, config)
    return _finished_runs(out_dir) if resume else {}


def _comparable(saved) -> str | None:
    """A saved configuration's ``comparable`` form; ``None`` where it is no valid configuration."""
    try:
        return SweepConfig.from_dict(saved).comparable()
    except (InvalidInput, TypeError):
        return None


def _finished_runs(out_dir: Path) -> dict[int, dict]:
    """Runs whose row and model files are both readable (anything else is trained again)."""
    finished = {}
    for path in sorted((out_dir / "runs").glob("run-*.json")):
        try:
            row = json.loads(path.read_text())
            index = int(path.stem.split("-")[1])
            load_model(_model_path(out_dir, index))
        except Exception:  # noqa: BLE001 - whatever makes a file unreadable (truncation, damage), the run is redone
            print(f"infoscale: note: {path.name} or its model is unreadable; that run is trained again", file=sys.stderr)
            continue
        finished[index] = row
    return finished


def _model_path(out_dir: Path, index: int) -> Path:
    return out_dir / "models" / f"run-{index:03d}.pt"


def _run_chain(config: SweepConfig, out_dir: str, chain: list[int], finished: list[int], threads: int,
               progress: bool, runs: list[Run] | None = None) -> list[dict]:
    """Train the runs of one chain that are not ``finished``, in order (in this process or a worker),
    with torch on ``threads`` CPU threads: the one place the sweep sets them."""
    with torch_threads(threads):
        runs = plan(config) if runs is None else runs
        out = Path(out_dir)
        rows, model, previous = [], None, None
        for index in chain:
            run = runs[index]
            if index in finished:
                model, previous = (load_model(_model_path(out, index)) if config.warm_start else None), run.length
                continue
            if model is None:  # once per run, or once per chain with warm starts
                model = build_model(run.model.arch, run.model_config, seed=run.train.seed)
            row = {**_run_one(run, model, config, progress), "run": index,
                   "warm_start_from": previous if config.warm_start else None,
                   "model_file": f"models/run-{index:03d}.pt"}
            # weights only, no optimizer state: a resumed sweep never restarts a run midway
            save_model(_model_path(out, index), model, run.family, run.length, run.train.steps)
            write_json(out / "runs" / f"run-{index:03d}.json", row)
            rows.append(row)
            previous = run.length
            if not config.warm_start:
                model = None
    return rows


def convergence(history: list[dict], loss: str, steps: int) -> float | None:
    """Relative change of the training loss over the last 20 % of steps: the least-squares line through
    the logged losses there, its drop over the span divided by their mean (0 when flat, > 0 while falling)."""
    tail = [(h["step"], h[loss]) for h in history if h["step"] > 0.8 * steps and np.isfinite(h[loss])]
    if len(tail) < 3:
        return None
    x, y = np.array(tail, dtype=np.float64).T
    slope = np.polyfit(x, y, 1)[0]
    return float(-slope * (x[-1] - x[0]) / np.mean(y))


def _run_one(run: Run, model, config: SweepConfig, progress: bool) -> dict:
    """Train ``model`` (in place) for one run, evaluate it exactly, and return its table row."""
    family, length, spec, train_config = run.family, run.length, run.model, run.train
    stopper = None
    if config.early_stopping is not None and not run.plateau:
        stopper = EarlyStopping(family, length, **asdict(config.early_stopping))
    result = train(model, family, length, train_config, progress=progress, stop=stopper)
    if stopper is not None:
        stopper.restore_best(model)
    ev = evaluate(model, family, length, progress=False, **config.eval.given())
    try:
        mi_half = family.bipartite_mi(length // 2, length)
    except NotImplementedError:
        mi_half = None
    state_dim = model.history_state_dim(length // 2)
    fixed = model.history_state_dim(1) == model.history_state_dim(length)
    row = {
        "family": family.name, "family_params": family.params, "family_index": run.family_index,
        "length": length, "label": spec.label, "arch": spec.arch, "config": plain(spec.config),
        "positions": config.positions, "role": "fixed-state" if fixed else "growing-state",
        "n_parameters": sum(p.numel() for p in model.parameters()),
        "history_state_dim": state_dim, "history_buffer_dim": model.history_buffer_dim(length // 2), "mi_half": mi_half,
        "mi_per_state_dim": None if mi_half is None else mi_half / state_dim,
        "mean_kl": ev.mean_kl, "mean_kl_stderr": ev.mean_kl_stderr, "mean_nll": ev.mean_nll,
        "final_train_loss": result.final_loss, "convergence": convergence(result.history, result.loss, train_config.steps),
        "loss_history": [[h["step"], h[result.loss]] for h in result.history],
        "train_seconds": result.seconds, "tokens_per_second": result.tokens_per_second,
        "train_config": asdict(train_config), "seed": run.seed, "plateau": run.plateau, "steps_taken": result.steps,
        "hit_cap": result.steps >= train_config.steps,
        "early_stopping": None if stopper is None else {"stopped_at": stopper.stopped_at, "checks": stopper.history},
        "position_kl": None if ev.position_kl is None else ev.position_kl.tolist(),
    }
    if ev.position_kl is not None:
        row["kl_second_half_total"] = float(ev.position_kl[length // 2:].sum())
    if config.utilization_samples and mi_half:
        row["utilization"] = utilization(model, family, length, config.utilization_samples)
    if isinstance(family, GaussianFamily):
        row["linear_reference"] = float(reference_curve(family, length, [state_dim])[0])
        row["memoryless_kl"] = memoryless_kl(family, length)
    return row
