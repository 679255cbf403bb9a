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
from infoscale.io import to_builtin


#: Ways to get one bipartite MI (``mi --method``; ``scaling --method`` adds ``auto``).
from infoscale.estimators.methods import MI_METHODS, estimate_mi, mi_curve


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
    p.add_argument("--method", choices=("auto",) + MI_METHODS, default="auto",
                   help="auto (default): exact where the family gives it, else Monte Carlo; "
                        "exact; mc: exact-likelihood Monte Carlo; renyi2: Rényi-2 MI (MPS families)")
    p.add_argument("--samples", type=int, default=10_000, help="Monte-Carlo samples per length (default 10000)")
    p.add_argument("--seed", type=int, default=0, help="Monte-Carlo random seed (default 0)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_run_scaling)


def _run_scaling(args, family_params) -> int:
    from infoscale.theory.scaling import fit_scaling_law

    family = make_family(args.family, **family_params)
    lengths = family.lengths_up_to(args.max_length)
    curve = mi_curve(family, lengths, args.split, args.method, args.samples, args.seed, not args.quiet)
    mi, stderr, methods = curve.mi, curve.stderr, curve.methods
    fitted = [i for i, length in enumerate(lengths) if length >= args.fit_from]
    if len(fitted) < 3:
        raise ValueError(f"need at least 3 lengths >= --fit-from {args.fit_from} to fit a law; "
                         f"raise --max-length (lengths here: {lengths})")
    fit = fit_scaling_law(np.asarray(lengths)[fitted], mi[fitted],
                          stderr=stderr[fitted] if curve.estimated else None)
    result = {"family": family.name, "params": family.params, "split": args.split,
              "lengths": list(map(int, lengths)), "mi": mi.tolist(), "stderr": stderr.tolist(),
              "methods": methods, "fit": fit.to_dict(), "expected": str(family.scaling)}
    if args.plot:
        from infoscale.io import save_figure
        from infoscale.plotting import plot_scaling

        fig = plot_scaling([(f"{family.name} {_params_text(family.params)}", lengths, mi, fit)],
                           title=f"{family.name}: I(ℓ={args.split:g}L; L) ({', '.join(sorted(set(methods)))})")
        save_figure(fig, args.plot)
    if args.json:
        print(json.dumps(result, default=to_builtin))
        return 0
    print(f"{family.name} {_params_text(family.params)}   (expected class: {family.scaling})")
    print(f"{'L':>10}  {'ell':>10}  {'I(ell; L) [nats]':>18}  {'stderr':>10}  method")
    for length, value, err, method in zip(lengths, mi, stderr, methods):
        err_text = "exact" if method != "monte-carlo" else f"{err:.3g}"
        print(f"{length:>10d}  {split_position(args.split, length):>10d}  {value:>18.10g}  {err_text:>10}  {method}")
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
        print(json.dumps(result, default=to_builtin))
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
    meta = json.dumps({"family": family.name, "params": family.params, "seed": args.seed}, default=to_builtin)
    path = write_npz(args.out, x=x, meta=np.array(meta))
    print(f"wrote {x.shape} {x.dtype} samples of {family.name} to {path}")
    return 0


# ---- mi ---------------------------------------------------------------------------------------
def _add_mi(sub):
    p = sub.add_parser("mi", help="bipartite I(ℓ; L): the family's exact value or a Monte-Carlo estimate")
    p.add_argument("family")
    p.add_argument("--length", type=int, required=True)
    p.add_argument("--method", choices=MI_METHODS, default="exact",
                   help="exact: the family's closed form / exact sum; mc: exact-likelihood Monte Carlo; "
                        "renyi2: exact Rényi-2 MI by tensor contraction (MPS families: mps, ising)")
    p.add_argument("--samples", type=int, default=10_000, help="Monte-Carlo samples (default 10000)")
    p.add_argument("--seed", type=int, default=0, help="Monte-Carlo random seed (default 0)")
    p.add_argument("--split", type=float, default=0.5, help="cut position as a fraction of L (default 0.5)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_run_mi)


def _run_mi(args, family_params) -> int:
    family = make_family(args.family, **family_params)
    length = family.check_length(args.length)
    ell = split_position(args.split, length)
    estimate = estimate_mi(family, ell, length, args.method, args.samples, args.seed, not args.quiet)
    if args.json:
        print(json.dumps({"family": family.name, "params": family.params, "length": length, "ell": ell,
                          **estimate.to_dict()}, default=to_builtin))
        return 0
    print(f"{family.name} {_params_text(family.params)}  L={length} cut at {ell}")
    print(f"I = {estimate}")
    return 0


# ---- validate ---------------------------------------------------------------------------------
def _add_validate(sub):
    from infoscale.estimators.validation import ESTIMATORS, PRESETS

    p = sub.add_parser("validate", help="score every sample-based estimator against the exact MI (table + figures)")
    p.add_argument("--preset", choices=tuple(PRESETS), default="quick",
                   help="cases, sample count and seeds (quick: ~2-3 min on 2 cores; default quick)")
    p.add_argument("--families", help="comma-separated family names (default: the preset's)")
    p.add_argument("--estimators", help=f"comma-separated, from {','.join(ESTIMATORS)} (default: all)")
    p.add_argument("--lengths", help="comma-separated lengths for every chosen family (default: the preset's)")
    p.add_argument("--seeds", type=int, help="independent repetitions (default: the preset's)")
    p.add_argument("--samples", type=int, help="samples per repetition (default: the preset's)")
    p.add_argument("--seed", type=int, default=0, help="master random seed (default 0)")
    p.add_argument("--out", default="validation", help="output folder (default ./validation)")
    p.add_argument("--json", action="store_true", help="print the breakdown as JSON instead of a table")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_run_validate)


def _run_validate(args, family_params) -> int:
    from infoscale.estimators.validation import PRESETS, Case, format_report, run_validation, write_outputs

    _no_extra(family_params)
    preset = PRESETS[args.preset]
    cases = list(preset["cases"])
    if args.families:
        chosen = _csv(args.families)
        by_name = {case.family: case for case in cases}
        cases = [by_name.get(name, Case(name, {}, (4, 8, 16))) for name in chosen]
        for name in chosen:
            family_class(name)  # a clear error for an unknown family
    if args.lengths:
        try:
            lengths = tuple(int(t) for t in _csv(args.lengths))
        except ValueError:
            raise ValueError(f"--lengths must be comma-separated integers, got {args.lengths!r}") from None
        cases = [Case(case.family, case.params, lengths) for case in cases]
    result = run_validation(cases, _csv(args.estimators) if args.estimators else None,
                            samples=preset["samples"] if args.samples is None else args.samples,
                            seeds=preset["seeds"] if args.seeds is None else args.seeds,
                            seed=args.seed, two_point_lengths=preset["two_point_lengths"], progress=not args.quiet)
    paths = write_outputs(result, args.out)
    if args.json:
        print(json.dumps({"breakdown": result.breakdown, "two_point_vs_bipartite": result.two_point,
                          "files": [str(p) for p in paths]}, default=to_builtin))
        return 0
    print(format_report(result))
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0


# ---- estimate ---------------------------------------------------------------------------------
def _add_estimate(sub):
    p = sub.add_parser("estimate", help="two-point MI curve (and, with --model, bipartite MI) of your own sequences")
    p.add_argument("file", help="an .npz of integer token arrays (key 'x') or a UTF-8 text file (byte tokens)")
    p.add_argument("--method", choices=("grassberger", "miller-madow", "plugin"), default="grassberger",
                   help="entropy estimator for the two-point MI (default grassberger)")
    p.add_argument("--max-distance", type=int, help="largest distance d (default min(L − 1, 1024))")
    p.add_argument("--model", metavar="CKPT", help="a model checkpoint (infoscale.nets) for the bipartite MI curve")
    p.add_argument("--max-length", type=int, default=1024,
                   help="with --model: longest window L (text is cut into rows of this length; default 1024)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--plot", metavar="FILE", help="write the two-point curve and its fit (PNG)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_run_estimate)


def _run_estimate(args, family_params) -> int:
    from infoscale.estimators.two_point_sample import load_tokens, two_point_mi_curve

    _no_extra(family_params)
    x = load_tokens(args.file)
    curve = two_point_mi_curve(x, max_distance=args.max_distance, method=args.method, progress=not args.quiet)
    fit = curve.fit()
    result = {"file": args.file, "shape": list(x.shape), "two_point": curve.to_dict(), "two_point_fit": fit.to_dict()}
    if args.model:
        result["bipartite"] = _model_curve(args, x)
    if args.plot:
        from infoscale.io import save_figure
        from infoscale.plotting import plot_two_point

        fig = plot_two_point(curve.distances, curve.mi, fit, label=f"I(d), {curve.method}")
        save_figure(fig, args.plot)
    if args.json:
        print(json.dumps(result, default=to_builtin))
        return 0
    print(f"{args.file}: {x.size} tokens, shape {x.shape}, V = {curve.vocab_size}")
    print(f"{'d':>6}  {'I(d) [nats]':>12}  {'±':>9}")
    for index in np.unique(np.geomspace(1, len(curve.distances), 16).astype(int)) - 1:
        print(f"{curve.distances[index]:>6}  {curve.mi[index]:>12.5g}  {curve.stderr[index]:>9.2g}")
    print(f"fit: {fit.describe()}")
    if args.model:
        bip = result["bipartite"]
        print(f"model-based I(L/2; L) with {args.model}:")
        for length, direct, vclub in zip(bip["lengths"], bip["direct"], bip["vclub"]):
            print(f"  L={length:<6} direct {direct['value']:.5g} ± {direct['stderr']:.2g}   vCLUB {vclub['value']:.5g}")
        if bip["fit"] is not None:
            print(f"  fit of the direct curve: {bip['fit'].describe()}")
    if args.plot:
        print(f"figure written to {args.plot}")
    return 0


def _model_curve(args, x) -> dict:
    """Model-based bipartite MI curve of the data (rows of up to --max-length tokens)."""
    from infoscale.estimators.model_based import TorchModel, model_mi_curve
    from infoscale.nets.checkpoint import load_model

    model = TorchModel(load_model(args.model))
    if model.discrete != np.issubdtype(x.dtype, np.integer):
        raise ValueError(f"the model takes {'discrete' if model.discrete else 'continuous'} tokens but "
                         f"{args.file} holds {x.dtype} values")
    if x.ndim == 1:
        width = min(args.max_length, x.size // 2)
        if width < 4:
            raise ValueError(f"{args.file} is too short to cut into two rows of at least 4 tokens")
        x = x[: (x.size // width) * width].reshape(-1, width)
    x = x[:, : args.max_length]
    return model_mi_curve(model, x, progress=not args.quiet)


def _csv(text: str) -> list[str]:
    return [t.strip() for t in str(text).split(",") if t.strip()]


# ---- nets: train, l2m --------------------------------------------------------------------------
def _add_train(sub):
    p = sub.add_parser("train", help="train a model on fresh samples of a family (exact KL or NLL); torchrun for DDP")
    p.add_argument("family", help="family name (see `infoscale families`)")
    p.add_argument("--arch", required=True, help="architecture: transformer, sliding_window, gru, lstm, ssm, "
                                                "selective_ssm, linear_attention")
    p.add_argument("--length", type=int, required=True, help="sequence length L")
    p.add_argument("--model-config", default="{}", metavar="JSON",
                   help='model sizes as a JSON object, e.g. \'{"d_model": 64, "n_layers": 2}\' (tokens come from the family)')
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--batch-size", type=int, default=16, help="global batch (split across torchrun processes)")
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--loss", choices=("kl", "nll"), help="default: kl for Gaussian families, nll for discrete ones")
    p.add_argument("--seed", type=int, default=0, help="seed of the weights and the sample stream")
    p.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda, cuda:1, ...")
    p.add_argument("--amp", action="store_true", help="bf16 autocast on CUDA")
    p.add_argument("--out", required=True, metavar="DIR", help="writes checkpoint.pt, metrics.json, evaluation.json")
    p.add_argument("--resume", action="store_true", help="continue from DIR/checkpoint.pt if it exists")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_run_train)


def _run_train(args, family_params) -> int:
    from pathlib import Path

    from infoscale.io import write_json
    from infoscale.nets.evaluate import evaluate
    from infoscale.nets.models import build_model
    from infoscale.nets.train import TrainConfig, init_distributed, train

    family = make_family(args.family, **family_params)
    try:
        sizes = json.loads(args.model_config)
    except json.JSONDecodeError as err:
        raise ValueError(f"--model-config is not valid JSON: {err}") from None
    if not isinstance(sizes, dict):
        raise ValueError("--model-config must be a JSON object")
    tokens = {"vocab_size": family.vocab_size} if family.discrete else {"token_dim": family.token_dim}
    model = build_model(args.arch, {**sizes, **tokens}, seed=args.seed)
    config = TrainConfig(steps=args.steps, batch_size=args.batch_size, lr=args.lr, loss=args.loss,
                         seed=args.seed, device=args.device, amp=args.amp, checkpoint_every=max(1, args.steps // 10))
    distributed = init_distributed()
    out = Path(args.out)
    result = train(model, family, args.length, config, checkpoint=out / "checkpoint.pt", resume=args.resume,
                   metrics_path=out / "metrics.json", progress=not args.quiet)
    if distributed:
        import torch.distributed as dist

        rank = dist.get_rank()
        dist.destroy_process_group()
        if rank:
            return 0
    ev = evaluate(model, family, args.length, progress=not args.quiet)
    write_json(out / "evaluation.json", ev.to_dict())
    kl = "n/a (no exact conditionals)" if ev.mean_kl is None else f"{ev.mean_kl:.5g} ± {ev.mean_kl_stderr:.2g}"
    print(f"{model.arch} on {family.name} {_params_text(family.params)}, L={args.length}: final train loss "
          f"{result.final_loss:.5g}; KL/token {kl}; NLL/token {ev.mean_nll:.5g}; "
          f"history state at L/2: {ev.history_state_dim} floats; {result.tokens_per_second:.0f} tokens/s")
    print(f"wrote {out / 'checkpoint.pt'}, {out / 'metrics.json'}, {out / 'evaluation.json'}")
    return 0


def _add_l2m(sub):
    p = sub.add_parser("l2m", help="the L²M experiment: KL of models with different history states vs L")
    p.add_argument("--preset", choices=("quick", "full"), default="quick",
                   help="quick: ≤ 15 min on 2 CPU cores; full: one GPU (default quick)")
    p.add_argument("--config", metavar="FILE", help="JSON overriding the preset's keys (see infoscale.nets.l2m)")
    p.add_argument("--out", default="l2m-results", metavar="DIR", help="output folder (default l2m-results)")
    p.add_argument("--resume", action="store_true",
                   help="keep the finished runs of an interrupted sweep in --out (same configuration) and do the rest")
    p.add_argument("--json", action="store_true", help="print the table as one JSON object")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_run_l2m)


def _run_l2m(args, family_params) -> int:
    from infoscale.nets.l2m import load_config, run_l2m, summary_lines

    _no_extra(family_params)
    table = run_l2m(load_config(args.preset, args.config), args.out, progress=not args.quiet, resume=args.resume)
    if args.json:
        print(json.dumps(table, default=to_builtin))
        return 0
    print("\n".join(summary_lines(table)))
    print(f"wrote {args.out}/l2m.json, the trained models in {args.out}/models and figures kl_vs_length.png, "
          "position_kl.png, kl_vs_mi_per_dim.png, linear_reference.png")
    return 0


# ---- plumbing ---------------------------------------------------------------------------------
COMMANDS = (_add_families, _add_scaling, _add_spectrum, _add_sample, _add_mi, _add_validate, _add_estimate,
            _add_train, _add_l2m)


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


if __name__ == "__main__":
    sys.exit(main())
