"""The estimator commands: ``validate`` (every estimator against the exact MI) and ``estimate`` (your data)."""

from __future__ import annotations

import contextlib

import numpy as np

from infoscale.cli.common import (Command, add_quiet, add_seed, add_shard_flags, bounded_int, csv_list, print_json,
                                  shard_options)
from infoscale.cli.estimate_blocks import run_continuous
from infoscale.cli.estimate_model import load_checked_model, model_curve, print_bipartite
from infoscale.errors import InvalidInput
from infoscale.io import check_figure_path, check_writable, folder_lock
from infoscale.progress import bar


# ---- validate ---------------------------------------------------------------------------------
def add_validate(p) -> None:
    from infoscale.estimators.registry import SAMPLE_ESTIMATORS
    from infoscale.studies.validation import PRESETS

    p.add_argument("--preset", choices=tuple(PRESETS), default="quick",
                   help="cases, sample count and seeds (quick: 4.5 min of CPU time on a 2-core AMD EPYC; full: estimated at ~4 h CPU, not run end to end; "
                        "default quick)")
    p.add_argument("--families", help="comma-separated family names (default: the preset's)")
    p.add_argument("--estimators", help=f"comma-separated, from {','.join(SAMPLE_ESTIMATORS)} (default: all)")
    p.add_argument("--lengths", help="comma-separated lengths for every chosen family (default: the preset's)")
    p.add_argument("--seeds", type=bounded_int(1), help="independent repetitions (default: the preset's)")
    p.add_argument("--samples", type=bounded_int(2), help="samples per repetition (default: the preset's)")
    add_seed(p, "master random seed (default 0)")
    p.add_argument("--out", default="validation", help="output folder (default ./validation)")
    p.add_argument("--json", action="store_true", help="print the breakdown as JSON instead of a table")
    p.add_argument("--resume", action="store_true", help="keep the cases already in --out/cases (same settings)")
    add_quiet(p)
    add_shard_flags(p, "case")


def run_validate(args, family_params) -> int:
    from infoscale.studies.validation import PRESETS, Case, format_report, run_validation, write_outputs
    from infoscale.generators import family_class, make_family

    check_writable(args.out, "--out", folder=True)
    preset = PRESETS[args.preset]
    cases = list(preset["cases"])
    if args.families:
        chosen = csv_list(args.families)
        by_name = {case.family: case for case in cases}
        cases = [by_name.get(name, Case(name, {}, (4, 8, 16))) for name in chosen]
        for name in chosen:
            family_class(name)  # a clear error for an unknown family
    if args.lengths:
        try:
            lengths = tuple(int(t) for t in csv_list(args.lengths))
        except ValueError:
            raise InvalidInput(f"--lengths must be comma-separated integers, got {args.lengths!r}") from None
        cases = [Case(case.family, case.params, lengths) for case in cases]
        for case in cases:  # lengths asked for explicitly must all be possible
            family = make_family(case.family, **case.params)
            for length in lengths:
                family.check_length(length)
    shard, executor = shard_options(args)
    names = csv_list(args.estimators) if args.estimators else None
    samples = preset["samples"] if args.samples is None else args.samples
    seeds = preset["seeds"] if args.seeds is None else args.seeds
    if args.plan is not None:
        return _print_validation_plan(cases, names, samples, seeds, args.plan or shard.count)
    whole = shard.whole or bool(args.merge)  # shards share --out: each locks only the case it computes
    with folder_lock(args.out) if whole else contextlib.nullcontext():
        result = run_validation(cases, names, samples=samples, seeds=seeds, seed=args.seed,
                                two_point_lengths=preset["two_point_lengths"], progress=not args.quiet,
                                out_dir=args.out, resume=args.resume, shard=shard, merge=args.merge or (),
                                executor=executor)
        if not whole:
            print(f"shard {shard}: {len({(r['family'], r['L']) for r in result.rows})} cases in {args.out}/cases; "
                  "when every shard is done, `infoscale validate --merge DIR… --out DIR` (same options) writes the table")
            return 0
        paths = write_outputs(result, args.out)
    if args.json:
        print_json({"breakdown": result.breakdown, "two_point_vs_bipartite": result.two_point,
                    "files": [str(p) for p in paths]})
        return 0
    print(format_report(result))
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0


def _print_validation_plan(cases, names, samples: int, seeds: int, count: int) -> int:
    from infoscale.shards import plan_lines
    from infoscale.studies.validation.runner import plan_cases
    from infoscale.studies.validation.units import case_cost

    jobs, names, _, _ = plan_cases(cases, names, samples, seeds, 0)
    print("\n".join(plan_lines([case_cost(case.label, length, samples, seeds, len(names)) for case, _, length in jobs],
                               count)))
    return 0


# ---- estimate ---------------------------------------------------------------------------------
def add_estimate(p) -> None:
    from infoscale.estimators.entropy import ENTROPY_METHODS
    from infoscale.estimators.registry import pair_methods

    continuous = pair_methods("continuous")
    p.add_argument("file", help="an .npz of integer token arrays (key 'x') or a UTF-8 text file (byte tokens); "
                                "an .npz of float samples (n, L[, D]) gets the block MI at L/2 instead")
    p.add_argument("--method", choices=(*ENTROPY_METHODS, *continuous), default=None,
                   help=f"integer tokens: the entropy estimator of the two-point MI, one of {', '.join(ENTROPY_METHODS)} "
                        f"(default grassberger); float samples: the block estimator, one of {', '.join(continuous)} "
                        "(default: those made for continuous data alone that are valid at its dimension)")
    add_seed(p, "seed of the estimators that draw (the neural bounds; default 0)")
    p.add_argument("--max-distance", type=int, help="largest distance d (default min(L − 1, 1024))")
    p.add_argument("--model", metavar="CKPT", help="a model checkpoint (infoscale.nets) for the bipartite MI curve, printed with the model's own fit "
                        "quality (exact KL on its training family, else NLL on the data) and flagged when under-trained")
    p.add_argument("--max-length", type=bounded_int(8), default=1024,
                   help="with --model: longest window L (text is cut into rows of this length; default 1024)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--plot", metavar="FILE", help="write a figure (PNG): integer tokens, the two-point curve and its fit; float "
                        "samples, the block MI of the first L' tokens against L' by each estimator that applies")
    add_quiet(p)


def run_estimate(args, family_params) -> int:
    from infoscale.estimators.entropy import ENTROPY_METHODS
    from infoscale.estimators.two_point_sample import two_point_mi_curve
    from infoscale.token_files import load_tokens

    if args.plot is not None:
        check_figure_path(args.plot, "--plot")
    x = load_tokens(args.file)
    model = load_checked_model(args, x) if args.model else None  # a bad checkpoint is refused before any work
    if not np.issubdtype(x.dtype, np.integer):
        return run_continuous(args, model, x)
    if args.method not in (None, *ENTROPY_METHODS):
        raise InvalidInput(f"--method {args.method} estimates the block MI of float samples; the two-point MI of "
                           f"the integer tokens in {args.file} takes one of {', '.join(ENTROPY_METHODS)}")
    method = args.method or "grassberger"
    with bar("two-point MI", not args.quiet, unit="d") as progress:
        curve = two_point_mi_curve(x, max_distance=args.max_distance, method=method, progress=progress)
    fit = curve.fit()
    symbols = int(np.count_nonzero(np.bincount(x.ravel())))  # the alphabet actually used
    result = {"file": args.file, "shape": list(x.shape), "distinct_symbols": symbols, "two_point": curve.to_dict(),
              "two_point_fit": fit.to_dict()}
    if args.model:
        result["bipartite"] = model_curve(args, model, x)
    if args.plot:
        from infoscale.io import save_figure
        from infoscale.plotting import plot_two_point

        fig = plot_two_point(curve.distances, curve.mi, fit, label=f"I(d), {curve.method}", stderr=curve.stderr)
        save_figure(fig, args.plot)
    if args.json:
        print_json(result)
        return 0
    print(f"{args.file}: {x.size} tokens, shape {x.shape}, V = {symbols} distinct symbols "
          f"(codes 0..{curve.vocab_size - 1})")
    print(f"{'d':>6}  {'I(d) [nats]':>12}  {'±':>9}")
    for index in np.unique(np.geomspace(1, len(curve.distances), 16).astype(int)) - 1:
        print(f"{curve.distances[index]:>6}  {curve.mi[index]:>12.5g}  {curve.stderr[index]:>9.2g}")
    print(f"fit: {fit.describe()}")
    if args.model:
        print_bipartite(args, result["bipartite"])
    if args.plot:
        print(f"figure written to {args.plot}")
    return 0


COMMANDS = [
    Command("validate", "score every sample-based estimator against the exact MI (table + figures)",
            add_validate, run_validate),
    Command("estimate", "two-point MI curve (and, with --model, bipartite MI) of your own sequences",
            add_estimate, run_estimate),
]
