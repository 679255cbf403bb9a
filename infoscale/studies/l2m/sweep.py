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

Shards (``infoscale.shards``): shard I/N trains the chains the cost-balanced split gives it, writes
only their run files (each under ``io.folder_lock`` per run, so shards may share the folder) and no
table; ``studies.l2m.merge`` builds the table from the run files of every shard.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict
from pathlib import Path

import numpy as np

from infoscale.errors import InvalidInput
from infoscale.io import folder_lock, write_json
from infoscale.nets.checkpoint import load_model, save_model
from infoscale.estimators.utilization import utilization
from infoscale.nets.early_stopping import EarlyStopping
from infoscale.nets.device import available_threads, torch_threads
from infoscale.nets.evaluate import evaluate
from infoscale.nets.models import build_model
from infoscale.nets.train import train
from infoscale.progress import progress_bar
from infoscale.protocols import GaussianFamily
from infoscale.shards import Shard
from infoscale.studies.l2m.config import SweepConfig
from infoscale.studies.l2m.schema import plain
from infoscale.studies.l2m.figures import plot_l2m
from infoscale.studies.l2m.plan import Run, chain_units, plan
from infoscale.studies.l2m.run_files import comparable, finished_runs, model_path, read_json, run_index
from infoscale.studies.l2m.summary import summarize_sweep
from infoscale.theory.rate_distortion import memoryless_kl, reference_curve


def run_sweep(config: SweepConfig, out_dir, progress: bool = True, resume: bool = False, overwrite: bool = False,
              shard: Shard = Shard(), executor=None) -> dict:
    """Run the sweep into ``out_dir``; write ``l2m.json``, ``summary.json`` and the figures; return the table.

    A folder that holds another sweep is refused (before any training) unless ``overwrite``;
    with ``resume`` the same sweep continues where it stopped (see the module docstring).
    ``shard`` I/N (N > 1): see the module docstring. ``executor``: ``None`` for the local pool of
    ``config.workers`` processes, or an ``infoscale.cluster.RayExecutor``.
    """
    if overwrite and not shard.whole:
        raise InvalidInput("--overwrite with --shard would delete the other shards' runs; remove the folder instead")
    runs = plan(config)
    out_dir = Path(out_dir)
    mine = shard_chains(runs, shard, config)
    finished = _prepare_folder(config, out_dir, resume, overwrite, None if shard.whole else {i for c in mine for i in c})
    todo = [chain for chain in mine if any(i not in finished for i in chain)]
    rows = {i: finished[i] for chain in mine for i in chain if i in finished}
    bar = progress_bar(total=sum(map(len, mine)), initial=len(rows), desc=f"l2m runs (shard {shard})",
                       enabled=progress, unit="run")
    for done in _execute(config, out_dir, todo, sorted(finished), runs, progress, executor):
        rows.update((row["run"], row) for row in done)
        bar.update(len(done))
        for row in done:
            _log(row, len(rows), len(runs), progress)
        if shard.whole:
            _write_table(config, out_dir, rows)
    bar.close()
    if not shard.whole:
        return {"config": config.to_dict(), "rows": [rows[i] for i in sorted(rows)]}
    return finish_sweep(config, out_dir, rows)


def analyse_sweep(config: SweepConfig, out_dir) -> dict:
    """Summarise and plot the finished runs of the sweep in ``out_dir`` (complete or cut short), training
    nothing: ``l2m.json``, ``summary.json`` and the figures, with ``config``'s analysis settings."""
    out_dir = Path(out_dir)
    if not (out_dir / "config.json").exists():
        raise InvalidInput(f"{str(out_dir)!r} holds no sweep to analyse (no config.json)")
    return finish_sweep(config, out_dir, _prepare_folder(config, out_dir, resume=True, overwrite=False))


def finish_sweep(config: SweepConfig, out_dir: Path, rows: dict) -> dict:
    """Write ``l2m.json`` (rows in run order), ``summary.json`` and the figures; return the table."""
    table = _write_table(config, out_dir, rows)
    summary = summarize_sweep(table)
    write_json(out_dir / "summary.json", summary)
    plot_l2m(table, out_dir, summary)
    return {**table, "summary": summary}


def shard_chains(runs: list[Run], shard: Shard, config: SweepConfig) -> list[list[int]]:
    """The chains of ``shard`` (a warm-started chain is one unit: its runs need each other's weights),
    balanced by estimated cost over the shards, started in ``_order`` (what identifies first)."""
    groups, units = chain_units(runs)
    return [groups[j] for j in sorted(shard.select([u.seconds for u in units]),
                                      key=lambda j: _order(runs[groups[j][0]], config))]


def _execute(config: SweepConfig, out_dir: Path, todo: list, finished: list[int], runs: list[Run], progress: bool,
             executor):
    """Train the chains ``todo``: yield each chain's new rows as it finishes (in any order)."""
    workers = min(config.workers, max(1, len(todo)))
    if executor is not None:
        calls = [(config, str(out_dir), chain, finished, config.threads or executor.threads, False) for chain in todo]
        yield from executor.map(_run_chain, calls)
        return
    threads = config.threads or max(1, available_threads() // workers)
    if workers == 1:
        for chain in todo:
            yield _run_chain(config, str(out_dir), chain, finished, threads, progress, runs)
        return
    context = multiprocessing.get_context("spawn")  # fresh interpreters: no forked torch state
    with _ctrl_c_ignored():  # the workers start with Ctrl-C ignored; this process stops them
        pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_exit_with_parent,
                                   initargs=(os.getpid(),))
        futures = [pool.submit(_run_chain, config, str(out_dir), chain, finished, threads, False) for chain in todo]
    try:
        for future in as_completed(futures):
            yield future.result()
    except BaseException:  # Ctrl-C or a failed chain: stop the workers now (finished runs are on disk)
        processes = list((getattr(pool, "_processes", None) or {}).values())  # shutdown forgets them
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        raise
    pool.shutdown()


@contextlib.contextmanager
def _ctrl_c_ignored():
    """SIGINT ignored in the main thread while the block runs. Processes started meanwhile inherit
    the ignored signal, and Python then never installs its KeyboardInterrupt handler in them."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _log(row: dict, done: int, total: int, progress: bool) -> None:
    """One line on stderr per finished run (a log to follow when stderr is a file)."""
    if progress:
        print(f"l2m: {done}/{total} {time.strftime('%H:%M:%S')} {row['family']} {row['family_params']} L={row['length']} "
              f"{row['label']} seed={row['seed']}: KL/token {row['mean_kl']}, {row['steps_taken']} steps"
              f"{' (cap)' if row['hit_cap'] else ''}, {row['train_seconds']:.0f} s", file=sys.stderr, flush=True)


def _exit_with_parent(parent: int) -> None:
    """In a worker: exit when the sweep's process is gone (killed), instead of training on as an orphan;
    Ctrl-C stays ignored (``_ctrl_c_ignored``): the sweep's process handles it and stops the workers."""
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


def _prepare_folder(config: SweepConfig, out_dir: Path, resume: bool, overwrite: bool,
                    mine: set[int] | None = None) -> dict[int, dict]:
    """Check the folder before any training; return the finished runs {index: row} to keep.

    ``mine``: a shard's runs; the folder may then hold the same sweep without ``resume`` (the other
    shards'), and only the shard's own old run files are removed."""
    saved_path = out_dir / "config.json"
    if saved_path.exists() and not overwrite:
        saved = read_json(saved_path)
        if not resume and mine is None:
            raise InvalidInput(f"{str(out_dir)!r} already holds a sweep; resume it (--resume), overwrite it "
                               "(--overwrite) or choose another output folder")
        if comparable(saved) != config.comparable():
            raise InvalidInput(f"{str(saved_path)!r} holds a different sweep's results; to resume, give the same "
                               "configuration, or choose another output folder")
    for old in list((out_dir / "runs").glob("run-*.json")) + list((out_dir / "models").glob("run-*.pt")):
        if (overwrite or not resume) and (mine is None or run_index(old) in mine):
            old.unlink()
    write_json(saved_path, config)
    return finished_runs(out_dir, mine) if resume else {}


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
                model, previous = (load_model(model_path(out, index)) if config.warm_start else None), run.length
                continue
            if model is None:  # once per run, or once per chain with warm starts
                model = build_model(run.model.arch, run.model_config, seed=run.train.seed)
            row_path = out / "runs" / f"run-{index:03d}.json"
            with folder_lock(row_path.parent, unit=row_path.name):  # never two processes on one run
                row = {**_run_one(run, model, config, progress), "run": index,
                       "warm_start_from": previous if config.warm_start else None,
                       "model_file": f"models/run-{index:03d}.pt"}
                # weights only, no optimizer state: a resumed sweep never restarts a run midway
                save_model(model_path(out, index), model, run.family, run.length, run.train.steps)
                write_json(row_path, row)
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
