"""The model commands: ``train`` (one model, exact KL or NLL; torchrun for DDP) and ``l2m`` (the sweep)."""

from __future__ import annotations

import contextlib
import json
import os

from infoscale.budget import training_seconds
from infoscale.cli.common import (Command, add_family_argument, add_max_seconds, add_seed, add_shard_flags, check_cost,
                                  params_text, print_json, shard_options)
from infoscale.errors import InvalidInput
from infoscale.io import check_writable, folder_lock


#: The built-in architectures of ``nets.models.ARCHITECTURES``, named here so that ``train --help``
#: imports no torch (``tests/test_cli_imports.py`` holds the two equal); ``--arch`` is looked up in
#: the registry when the command runs, so architectures registered later work too.
BUILTIN_ARCHITECTURES = ("gru", "linear_attention", "lstm", "mps", "selective_ssm", "sliding_window", "ssm",
                         "transformer")

#: The files ``train`` writes into its --out folder.
RUN_FILES = ("checkpoint.pt", "metrics.json", "evaluation.json")

#: Training estimated to take longer than this says so before it starts.
LONG_SECONDS = 300.0


# ---- train ------------------------------------------------------------------------------------
def add_train(p) -> None:
    from importlib.metadata import entry_points

    from infoscale.registry import ARCHITECTURE_ENTRY_POINTS

    installed = sorted(point.name for point in entry_points(group=ARCHITECTURE_ENTRY_POINTS))  # none imported
    add_family_argument(p)
    p.add_argument("--arch", required=True, help=f"architecture: {', '.join([*BUILTIN_ARCHITECTURES, *installed])}, "
                                                 "hf_mamba, hf_mamba2, hf_llama (the [lm] extra), or a plug-in layer "
                                                 "as package.module:Factory")
    p.add_argument("--length", type=int, required=True, help="sequence length L")
    p.add_argument("--model-config", default="{}", metavar="JSON",
                   help='model sizes as a JSON object, e.g. \'{"d_model": 64, "n_layers": 2}\' (tokens come from the family)')
    p.add_argument("--steps", type=int, default=200, help="optimiser steps (default 200)")
    p.add_argument("--batch-size", type=int, default=16,
                   help="sequences per step, the global batch split across torchrun processes (default 16)")
    p.add_argument("--lr", type=float, default=3e-3, help="AdamW peak learning rate: linear warmup, then cosine decay (default 0.003)")
    p.add_argument("--loss", choices=("kl", "nll"), help="default: kl for Gaussian families, nll for discrete ones")
    add_seed(p, "seed of the weights and the sample stream (default 0)")
    p.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda, cuda:1, ...")
    p.add_argument("--amp", action="store_true", help="bf16 autocast on CUDA")
    p.add_argument("--out", required=True, metavar="DIR", help="writes checkpoint.pt, metrics.json, evaluation.json")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--resume", action="store_true", help="continue from DIR/checkpoint.pt if it exists")
    mode.add_argument("--overwrite", action="store_true", help="replace the run already in DIR")
    add_threads(p)
    add_max_seconds(p, "training")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def add_threads(p) -> None:
    p.add_argument("--threads", type=int, help="torch CPU threads (default: the cores this process may use; "
                                                "oversubscribed threads made training 25-45x slower on a busy machine)")


def check_threads(requested: int | None) -> int:
    """The torch CPU threads ``--threads`` asks for, or every core this process may use (never more).
    Only ``nets.device.torch_threads`` sets them: around training here, in ``_run_chain`` for a sweep."""
    from infoscale._checks import check_int
    from infoscale.nets.device import available_threads

    cores = available_threads()
    return cores if requested is None else check_int("--threads", requested, 1, cores)


def run_train(args, family_params) -> int:
    from infoscale.generators import make_family
    from infoscale.nets.device import pick_device, torch_threads

    out = check_writable(args.out, "--out", folder=True)
    if args.amp and pick_device(args.device).type != "cuda":
        raise InvalidInput(f"--amp (bf16 autocast) runs on CUDA only, and the device here is "
                           f"{pick_device(args.device)}; drop --amp")
    family = make_family(args.family, **family_params)
    threads = check_threads(args.threads)
    with _rank0_lock(out), torch_threads(threads):  # one writer per folder; checked under the lock
        written = [name for name in RUN_FILES if (out / name).exists()]
        if written and not (args.resume or args.overwrite):
            raise InvalidInput(f"--out {args.out!r} already holds a run ({', '.join(written)}); "
                               "continue it with --resume or replace it with --overwrite")
        return _train(args, family, out, written)


def _rank0_lock(out):
    """The folder lock of ``out``, taken by the single process or by rank 0 of torchrun (which alone writes)."""
    return folder_lock(out) if os.environ.get("RANK", "0") == "0" else contextlib.nullcontext()


def _train(args, family, out, written) -> int:
    from infoscale.io import write_json
    from infoscale.nets.device import init_distributed, leave_distributed
    from infoscale.nets.evaluate import evaluate
    from infoscale.nets.models import build_model
    from infoscale.nets.train import TrainConfig, prepare, train

    try:
        sizes = json.loads(args.model_config)
    except json.JSONDecodeError as err:
        raise InvalidInput(f"--model-config is not valid JSON: {err}") from None
    if not isinstance(sizes, dict):
        raise InvalidInput("--model-config must be a JSON object")
    tokens = {"vocab_size": family.vocab_size} if family.discrete else {"token_dim": family.token_dim}
    model = build_model(args.arch, {**sizes, **tokens}, seed=args.seed)
    config = TrainConfig(steps=args.steps, batch_size=args.batch_size, lr=args.lr, loss=args.loss,
                         seed=args.seed, device=args.device, amp=args.amp, checkpoint_every=max(1, args.steps // 10))
    prepare(model, family, args.length, config)  # the loss and the model's tokens, before anything is removed
    n_parameters = sum(p.numel() for p in model.parameters())
    check_cost(f"training {args.steps} steps of {args.batch_size} × {args.length} tokens ({n_parameters:,} parameters)",
               training_seconds(args.steps, args.batch_size * args.length, n_parameters), args.max_seconds,
               "lower --steps for less", LONG_SECONDS)
    distributed = init_distributed()
    if args.overwrite:  # only now that every setting has been validated
        for name in written:
            (out / name).unlink(missing_ok=True)
    result = train(model, family, args.length, config, checkpoint=out / "checkpoint.pt", resume=args.resume,
                   metrics_path=out / "metrics.json", progress=not args.quiet)
    if distributed and leave_distributed():  # a rank other than 0 is done
        return 0
    ev = evaluate(model, family, args.length, progress=not args.quiet)
    write_json(out / "evaluation.json", ev.to_dict())
    kl = "n/a (no exact conditionals)" if ev.mean_kl is None else f"{ev.mean_kl:.5g} ± {ev.mean_kl_stderr:.2g}"
    print(f"{model.arch} on {family.name} {params_text(family.params)}, L={args.length}: final train loss "
          f"{result.final_loss:.5g}; KL/token {kl}; NLL/token {ev.mean_nll:.5g}; "
          f"history state at L/2: {ev.history_state_dim} floats; {result.tokens_per_second:.0f} tokens/s")
    print(f"wrote {out / 'checkpoint.pt'}, {out / 'metrics.json'}, {out / 'evaluation.json'}")
    return 0


# ---- l2m --------------------------------------------------------------------------------------
def add_l2m(p) -> None:
    from infoscale.studies.l2m import PRESETS

    p.add_argument("--preset", choices=tuple(PRESETS), default="quick",
                   help="quick: a short demonstration (9 runs); collapse: the collapse and state-law sweep (2 CPU cores); "
                        "full: one GPU (default quick)")
    p.add_argument("--config", metavar="FILE", help="JSON overriding the preset's keys (see infoscale.studies.l2m)")
    p.add_argument("--out", default="l2m-results", metavar="DIR", help="output folder (default l2m-results)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--resume", action="store_true",
                      help="keep the finished runs of an interrupted sweep in --out (same configuration) and do the rest")
    mode.add_argument("--overwrite", action="store_true", help="replace the sweep already in --out")
    mode.add_argument("--analyse", action="store_true",
                      help="summarise and plot the finished runs of the sweep in --out (same configuration; it may be "
                           "cut short), training nothing")
    p.add_argument("--json", action="store_true", help="print the table as one JSON object")
    p.add_argument("--threads", type=int, help="torch CPU threads, overriding the configuration's `threads` "
                                                "(default: the configuration's, else the cores this process may use)")
    add_max_seconds(p, "a sweep")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    add_shard_flags(p, "run")


def run_l2m(args, family_params) -> int:
    from dataclasses import replace

    from infoscale.shards import plan_lines
    from infoscale.studies.l2m import analyse_sweep, load_config, plan, run_sweep, summary_lines
    from infoscale.studies.l2m.merge import merge_sweeps
    from infoscale.studies.l2m.plan import chain_units

    check_writable(args.out, "--out", folder=True)
    shard, executor = shard_options(args)
    config = load_config(args.preset, args.config)
    if args.threads is not None:  # the sweep sets them, in each chain's process
        config = replace(config, threads=check_threads(args.threads))
    with folder_lock(args.out) if shard.whole or args.merge else contextlib.nullcontext():  # shards lock each run
        units = chain_units(plan(config))[1]  # a warm-started chain is one unit
        if args.plan is not None:
            print("\n".join(plan_lines(units, args.plan or shard.count)))
            return 0
        if args.analyse:
            table = analyse_sweep(config, args.out)
        elif args.merge:
            table = merge_sweeps(args.merge, args.out, overwrite=args.overwrite)
        else:
            mine = shard.select([u.seconds for u in units])
            check_cost(f"the {len(mine)} chains of training runs", sum(units[j].seconds for j in mine) / config.workers,
                       args.max_seconds, "lower train.steps or the lengths for less", LONG_SECONDS)
            table = run_sweep(config, args.out, progress=not args.quiet, resume=args.resume, overwrite=args.overwrite,
                              shard=shard, executor=executor)
    if args.json:
        print_json(table)
        return 0
    if not shard.whole and not args.merge:
        print(f"shard {shard}: {len(table['rows'])} runs in {args.out}/runs; when every shard is done, "
              f"`infoscale l2m --merge DIR… --out DIR` writes the table")
        return 0
    print("\n".join(summary_lines(table, table["summary"])))
    print(f"wrote {args.out}/l2m.json, {args.out}/summary.json, the trained models in {args.out}/models and the "
          "figures kl_vs_length.png, position_kl.png, collapse.png, linear_reference.png, state_law.png, utilization.png")
    return 0


COMMANDS = [
    Command("train", "train a model on fresh samples of a family (exact KL or NLL); torchrun for DDP", add_train, run_train),
    Command("l2m", "the L²M experiment: KL of models with different history states vs L", add_l2m, run_l2m),
]
