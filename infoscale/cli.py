"""The ``infoscale`` command line: a thin layer over the library.

Every command that takes a family accepts the family's own parameters as ``--name value`` (see
``infoscale families``). Bad input ends with one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from infoscale.generators import family_class, family_names, make_family
from infoscale.generators.base import split_position
from infoscale.generators.registry import parse_family_args


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit code 2 (subparsers inherit it)."""

    def error(self, message):
        raise _UsageError(f"{message} (see `{self.prog} --help`)")


class _UsageError(Exception):
    pass


# ---- families ---------------------------------------------------------------------------------
def _add_families(sub):
    p = sub.add_parser("families", help="list the sequence families and their parameters")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_run_families)


def _run_families(args, family_params) -> int:
    _no_extra(family_params)
    rows = {}
    for name in family_names():
        cls = family_class(name)
        rows[name] = {
            "discrete": cls.discrete,
            "scaling": str(make_family(name).scaling),
            "params": {prm.name: {"default": prm.default, "help": prm.help} for prm in cls.PARAMS},
            "doc": (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else "",
        }
    if args.json:
        print(json.dumps(rows, indent=2, default=str))
        return 0
    for name, row in rows.items():
        kind = "discrete" if row["discrete"] else "continuous"
        print(f"{name:<15} {kind:<11} {row['scaling']:<22} {row['doc']}")
        for pname, info in row["params"].items():
            print(f"{'':<15} --{pname.replace('_', '-'):<18} default {info['default']!s:<12} {info['help']}")
    return 0


# ---- scaling ----------------------------------------------------------------------------------
def _add_scaling(sub):
    p = sub.add_parser("scaling", help="exact I(ℓ; L) over a ladder of lengths and the fitted scaling law")
    p.add_argument("family", help="family name (see `infoscale families`)")
    p.add_argument("--max-length", type=int, required=True, help="largest sequence length")
    p.add_argument("--split", type=float, default=0.5, help="cut position as a fraction of L (default 0.5)")
    p.add_argument("--fit-from", type=int, default=16, help="fit the law on lengths >= this (default 16)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("--plot", metavar="FILE", help="write a log-log figure (PNG)")
    p.set_defaults(func=_run_scaling)


def _run_scaling(args, family_params) -> int:
    from infoscale.theory.scaling import fit_scaling_law

    family = make_family(args.family, **family_params)
    lengths = family.lengths_up_to(args.max_length)
    mi = family.mi_curve(lengths, split=args.split)
    fitted = [i for i, length in enumerate(lengths) if length >= args.fit_from]
    if len(fitted) < 3:
        raise ValueError(f"need at least 3 lengths >= --fit-from {args.fit_from} to fit a law; "
                         f"raise --max-length (lengths here: {lengths})")
    fit = fit_scaling_law(np.asarray(lengths)[fitted], mi[fitted])
    result = {"family": family.name, "params": family.params, "split": args.split,
              "lengths": list(map(int, lengths)), "mi": mi.tolist(), "fit": fit.to_dict(),
              "expected": str(family.scaling)}
    if args.plot:
        from infoscale.io import save_figure
        from infoscale.plotting import plot_scaling

        fig = plot_scaling([(f"{family.name} {_params_text(family.params)}", lengths, mi, fit)],
                           title=f"{family.name}: exact I(ℓ={args.split:g}L; L)")
        save_figure(fig, args.plot)
    if args.json:
        print(json.dumps(result, default=_jsonable))
        return 0
    print(f"{family.name} {_params_text(family.params)}   (expected class: {family.scaling})")
    print(f"{'L':>10}  {'ell':>10}  {'I(ell; L) [nats]':>18}")
    for length, value in zip(lengths, mi):
        print(f"{length:>10d}  {split_position(args.split, length):>10d}  {value:>18.10g}")
    print(f"fit over L >= {args.fit_from}: {fit.describe()}")
    if args.plot:
        print(f"figure written to {args.plot}")
    return 0


# ---- spectrum ---------------------------------------------------------------------------------
def _add_spectrum(sub):
    p = sub.add_parser("spectrum", help="canonical correlations across the cut (Gaussian families)")
    p.add_argument("family")
    p.add_argument("--length", type=int, required=True)
    p.add_argument("--split", type=float, default=0.5)
    p.add_argument("--fraction", type=float, default=0.99,
                   help="report the history dimension carrying this fraction of the MI (default 0.99)")
    p.add_argument("--top", type=int, default=10, help="how many correlations to print (default 10)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_run_spectrum)


def _run_spectrum(args, family_params) -> int:
    family = make_family(args.family, **family_params)
    if not hasattr(family, "mi_spectrum"):
        raise ValueError(f"the {family.name} family is not Gaussian: canonical correlations are defined "
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
        print(json.dumps(result, default=_jsonable))
        return 0
    print(f"{family.name} {_params_text(family.params)}  L={length} cut at {ell}")
    print(f"I = {result['mi']:.10g} nats from {result['rank']} nonzero canonical correlations")
    print(f"history dimension carrying {args.fraction:.0%} of I: {result['history_dimension']}")
    print(f"{'i':>4}  {'rho_i':>12}  {'-1/2 ln(1-rho^2)':>18}")
    for i, (rho, c) in enumerate(zip(spectrum.correlations[: args.top], spectrum.contributions[: args.top]), 1):
        print(f"{i:>4}  {rho:>12.8f}  {c:>18.10g}")
    return 0


# ---- sample -----------------------------------------------------------------------------------
def _add_sample(sub):
    p = sub.add_parser("sample", help="draw exact samples and save them to an .npz (key 'x')")
    p.add_argument("family")
    p.add_argument("--length", type=int, required=True)
    p.add_argument("-n", type=int, required=True, help="number of sequences")
    p.add_argument("--seed", type=int, required=True, help="random seed")
    p.add_argument("-o", "--out", required=True, help="output .npz file")
    p.set_defaults(func=_run_sample)


def _run_sample(args, family_params) -> int:
    from infoscale.io import write_npz

    family = make_family(args.family, **family_params)
    x = family.sample(args.n, args.length, args.seed)
    meta = json.dumps({"family": family.name, "params": family.params, "seed": args.seed}, default=_jsonable)
    path = write_npz(args.out, x=x, meta=np.array(meta))
    print(f"wrote {x.shape} {x.dtype} samples of {family.name} to {path}")
    return 0


# ---- plumbing ---------------------------------------------------------------------------------
COMMANDS = (_add_families, _add_scaling, _add_spectrum, _add_sample)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="infoscale", allow_abbrev=False,
                     description="Information theory of long sequences: exact MI scaling, estimators, L²M.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for add in COMMANDS:
        add(sub)
    for choice in sub.choices.values():
        choice.allow_abbrev = False  # so family parameters are never read as abbreviated options
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        family_params = parse_family_args(args.family, extra) if hasattr(args, "family") else _leftover(extra)
        return args.func(args, family_params)
    except (_UsageError, ValueError, TypeError, NotImplementedError) as err:
        message = str(err).splitlines()[0] if str(err) else type(err).__name__
        print(f"infoscale: error: {message}", file=sys.stderr)
        return 2


def _leftover(extra: list[str]) -> dict:
    if extra:
        raise _UsageError(f"unrecognized arguments: {' '.join(extra)}")
    return {}


def _no_extra(family_params: dict) -> None:
    """For commands that take no family parameters."""
    if family_params:
        raise _UsageError(f"unrecognized arguments: {' '.join(family_params)}")


def _params_text(params: dict) -> str:
    return " ".join(f"{k}={v}" for k, v in params.items())


def _jsonable(obj):
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, tuple):
        return list(obj)
    raise TypeError(f"cannot serialise {type(obj).__name__}")


if __name__ == "__main__":
    sys.exit(main())
