"""The family commands: ``scaling``, ``spectrum``, ``mi`` and ``sample``."""

from __future__ import annotations

import numpy as np

from infoscale.budget import check_memory
from infoscale.cli.common import (Command, add_family_argument, add_max_seconds, check_cost, add_output_flags, add_quiet, add_seed, bounded_int,
                                  params_text, print_json)
from infoscale.errors import InvalidInput
from infoscale.estimators.methods import estimate_mi, estimate_mi_curve
from infoscale.estimators.registry import MI_METHODS
from infoscale.generators import make_family
from infoscale.generators.base import split_position
from infoscale.io import check_figure_path, check_writable, dumps
from infoscale.progress import bar
from infoscale.protocols import GaussianFamily


#: A sweep estimated to sample for longer than this says so before it starts.
LONG_SWEEP_SECONDS = 300.0


def _method_help(auto: bool) -> str:
    lines = ["auto (default): exact where the family gives it, else Monte Carlo"] if auto else []
    lines += [f"{name}: {spec.help}" for name, spec in MI_METHODS.items()]
    return "; ".join(lines)


def _add_mc_options(p) -> None:
    p.add_argument("--samples", type=bounded_int(2), default=10_000, help="Monte-Carlo samples (default 10000)")
    add_seed(p, "Monte-Carlo random seed (default 0)")
    p.add_argument("--split", type=float, default=0.5, help="cut position as a fraction of L (default 0.5)")


# ---- scaling ----------------------------------------------------------------------------------
def add_scaling(p) -> None:
    add_family_argument(p)
    p.add_argument("--max-length", type=int, required=True, help="largest sequence length")
    p.add_argument("--fit-from", type=int, default=16, help="fit the law on lengths >= this (default 16)")
    p.add_argument("--method", choices=("auto", *MI_METHODS), default="auto", help=_method_help(auto=True))
    _add_mc_options(p)
    add_max_seconds(p, "a sweep")
    add_output_flags(p, plot=True)
    add_quiet(p)


def run_scaling(args, family_params) -> int:
    from infoscale.theory.scaling import fit_scaling_law

    if args.plot is not None:
        check_figure_path(args.plot, "--plot")
    family = make_family(args.family, **family_params)
    lengths = family.lengths_up_to(args.max_length)
    family.check_length(max(lengths))
    with bar(f"I(ℓ; L) at {len(lengths)} lengths", not args.quiet, unit="token", unit_scale=True) as progress:
        curve = estimate_mi_curve(family, lengths, args.split, args.method, args.samples, args.seed, progress,
                                  check_cost=lambda seconds, sampled: _check_sweep(args, seconds, sampled))
    mi, stderr, methods = curve.mi, curve.stderr, curve.methods
    if sum(length >= args.fit_from for length in lengths) < 3:
        raise InvalidInput(f"need at least 3 lengths >= --fit-from {args.fit_from} to fit a law; "
                           f"raise --max-length or lower --fit-from (lengths here: {lengths})")
    fit = fit_scaling_law(lengths, mi, stderr=stderr if curve.estimated else None, fit_from=args.fit_from)
    result = {"family": family.name, "params": family.params, "split": args.split,
              "lengths": list(map(int, lengths)), "mi": mi.tolist(), "stderr": stderr.tolist(),
              "methods": methods, "fit_from": args.fit_from, "fit": fit.to_dict(), "expected": str(family.scaling)}
    if args.plot:
        from infoscale.io import save_figure
        from infoscale.plotting import plot_scaling

        fig = plot_scaling([(f"{family.name} {params_text(family.params)}", lengths, mi, fit, stderr)],
                           title=f"{family.name}: I(ℓ={args.split:g}L; L) ({', '.join(sorted(set(methods)))})")
        save_figure(fig, args.plot)
    if args.json:
        print_json(result)
        return 0
    print(f"{family.name} {params_text(family.params)}   (expected class: {family.scaling})")
    print(f"{'L':>10}  {'ell':>10}  {'I(ell; L) [nats]':>18}  {'stderr':>10}  method")
    for length, value, err, method in zip(lengths, mi, stderr, methods):
        err_text = f"{err:.3g}" if method == "monte-carlo" else ("exact" if method == "exact" else "-")
        print(f"{length:>10d}  {split_position(args.split, length):>10d}  {value:>18.10g}  {err_text:>10}  {method}")
    print(f"fit over L >= {args.fit_from}: {fit.describe()}")
    if args.plot:
        print(f"figure written to {args.plot}")
    return 0


def _check_sweep(args, seconds: float, sampled: list) -> None:
    """Say before it starts when the Monte-Carlo part of a sweep is long; refuse past --max-seconds."""
    what = f"Monte Carlo with {args.samples} samples at L = {', '.join(map(str, sampled))}"
    check_cost(what, seconds, args.max_seconds, "lower --max-length or --samples for less", LONG_SWEEP_SECONDS)


# ---- spectrum ---------------------------------------------------------------------------------
def add_spectrum(p) -> None:
    add_family_argument(p)
    p.add_argument("--length", type=int, required=True)
    p.add_argument("--split", type=float, default=0.5)
    p.add_argument("--fraction", type=float, default=0.99,
                   help="report the history dimension carrying this fraction of the MI (default 0.99)")
    p.add_argument("--top", type=bounded_int(0), default=10, help="how many correlations to print (default 10)")
    p.add_argument("--json", action="store_true")


def run_spectrum(args, family_params) -> int:
    family = make_family(args.family, **family_params)
    if not isinstance(family, GaussianFamily):
        raise InvalidInput(f"the {family.name} family is not Gaussian: canonical correlations are defined "
                           "for Gaussian families only")
    length = family.check_length(args.length)
    ell = split_position(args.split, length)
    spectrum = family.mi_spectrum(ell, length)
    dim = spectrum.history_dimension(args.fraction)
    dims = family.token_dim
    result = {"family": family.name, "params": family.params, "length": length, "ell": ell,
              "mi": dims * spectrum.mi, "rank": dims * spectrum.rank(), "fraction": args.fraction,
              "history_dimension": dims * dim, "correlations": spectrum.correlations.tolist(),
              "note": f"correlations are per token dimension; each appears token_dim={dims} times"}
    if args.json:
        print_json(result)
        return 0
    print(f"{family.name} {params_text(family.params)}  L={length} cut at {ell}")
    print(f"I = {result['mi']:.10g} nats from {result['rank']} nonzero canonical correlations")
    print(f"history dimension carrying {args.fraction:.0%} of I: {result['history_dimension']}")
    print(f"{'i':>4}  {'rho_i':>12}  {'-1/2 ln(1-rho^2)':>18}")
    for i, (rho, c) in enumerate(zip(spectrum.correlations[: args.top], spectrum.contributions[: args.top]), 1):
        print(f"{i:>4}  {rho:>12.8f}  {c:>18.10g}")
    return 0


# ---- sample -----------------------------------------------------------------------------------
def add_sample(p) -> None:
    add_family_argument(p)
    p.add_argument("--length", type=int, required=True)
    p.add_argument("-n", type=bounded_int(1), required=True, help="number of sequences")
    add_seed(p)
    p.add_argument("-o", "--out", required=True, help="output .npz file")


def run_sample(args, family_params) -> int:
    from infoscale.io import write_npz

    check_writable(args.out, "--out", suffixes=(".npz",))
    family = make_family(args.family, **family_params)
    length = family.check_length(args.length)
    check_memory(f"-n {args.n} samples of length {length}", 8.0 * args.n * length * (family.token_dim if isinstance(family, GaussianFamily) else 1))
    x = family.sample(args.n, length, args.seed)
    meta = dumps({"family": family.name, "params": family.params, "seed": args.seed})
    path = write_npz(args.out, x=x, meta=np.array(meta))
    print(f"wrote {x.shape} {x.dtype} samples of {family.name} to {path}")
    return 0


# ---- mi ---------------------------------------------------------------------------------------
def add_mi(p) -> None:
    add_family_argument(p)
    p.add_argument("--length", type=int, required=True)
    p.add_argument("--method", choices=tuple(MI_METHODS), default="exact", help=_method_help(auto=False))
    _add_mc_options(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_quiet(p)


def run_mi(args, family_params) -> int:
    family = make_family(args.family, **family_params)
    length = family.check_length(args.length)
    ell = split_position(args.split, length)
    with bar(f"I({ell}; {length})", not args.quiet) as progress:
        estimate = estimate_mi(family, ell, length, args.method, args.samples, args.seed, progress)
    if args.json:
        print_json({"family": family.name, "params": family.params, "length": length, "ell": ell,
                    **estimate.to_dict()})
        return 0
    print(f"{family.name} {params_text(family.params)}  L={length} cut at {ell}")
    print(f"I = {estimate}")
    return 0


COMMANDS = [
    Command("scaling", "I(ℓ; L) over a ladder of lengths and the fitted scaling law", add_scaling, run_scaling),
    Command("spectrum", "canonical correlations across the cut (Gaussian families)", add_spectrum, run_spectrum),
    Command("sample", "draw exact samples and save them to an .npz (key 'x')", add_sample, run_sample),
    Command("mi", "bipartite I(ℓ; L): the family's exact value or a Monte-Carlo estimate", add_mi, run_mi),
]
