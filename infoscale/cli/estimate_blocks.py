"""``infoscale estimate`` on float samples (n, L[, D]): the block MI at L/2 by the estimators that apply.

The estimators are chosen by the registry's tags, never by name: those that take continuous
tokens alone, within their ``max_dim`` (the others reported as skipped); one asked for with
``--method`` runs even outside its range, and every result outside its estimator's validated
range (beyond ``max_dim``, or saturated at its ``ceiling``) carries a warning. ``--plot`` draws
what applies to float samples: the block MI of the samples' first L' tokens against L'.
"""

from __future__ import annotations

import numpy as np

from infoscale.cli.common import print_json
from infoscale.cli.estimate_model import model_curve, print_bipartite
from infoscale.errors import InvalidInput


def run_continuous(args, model, x) -> int:
    """Continuous samples (n, L[, D]): block MI at the half cut by the registry's pair estimators."""
    if x.ndim not in (2, 3) or x.shape[1] < 2:
        raise InvalidInput(f"continuous samples must be shaped (n, L) or (n, L, D) with L >= 2, got {x.shape}")
    ell = x.shape[1] // 2
    result = {"file": args.file, "shape": list(x.shape), "ell": ell, "two_point": None,
              "note": "the two-point step counts tokens and needs integer data: skipped for continuous samples",
              **block_estimates(args, x, ell)}
    if model is not None:
        result["bipartite"] = model_curve(args, model, x)
    if args.plot:
        result["plot"] = plot_prefix_curve(args, x, result["methods"])
    if args.json:
        print_json(result)
        return 0
    print(f"{args.file}: continuous samples, shape {x.shape}; {result['note']}")
    for name in result["methods"]:
        row = result[name]
        text = row.get("error") or row.get("skipped") or f"{row['value']:.5g} ± {row['stderr']:.2g} nats"
        print(f"  I({ell}; {x.shape[1]}) by {name}: {text}")
        if row.get("warning"):
            print(f"    WARNING: {row['warning']}")
    if model is not None:
        print_bipartite(args, result["bipartite"])
    if args.plot:
        print(f"figure written to {args.plot} (block MI of the first L' tokens, L' = {result['plot']['lengths']})")
    return 0


def continuous_methods(method: str | None, dim: int) -> tuple[list[str], dict]:
    """The pair estimators to run on float samples of joint dimension ``dim``, read from the tags.

    ``method`` alone if given (it must take continuous tokens); otherwise every estimator whose
    ``tokens`` tag is continuous alone (the neural bounds, which take either kind and train a
    critic, run only when asked for), those outside their ``max_dim`` tag reported as skipped.
    """
    from infoscale.estimators.registry import SAMPLE_ESTIMATORS, pair_methods

    if method is not None:
        if method not in pair_methods("continuous"):
            raise InvalidInput(f"--method {method} counts discrete tokens; float samples take one of "
                               f"{', '.join(pair_methods('continuous'))}")
        return [method], {}
    specs = [SAMPLE_ESTIMATORS.get(name) for name in pair_methods("continuous")]
    specs = [spec for spec in specs if spec.tokens == ("continuous",)]
    skipped = {spec.name: {"skipped": f"block dimension {dim} > {spec.max_dim}, the largest it is run at"}
               for spec in specs if not spec.fits(dim)}
    return [spec.name for spec in specs], skipped


def block_estimates(args, x, ell) -> dict:
    """{"methods": [...], name: Estimate dict (with a "warning" outside its range), {"error": ...} or
    {"skipped": ...}}; refused if none ran."""
    from infoscale.estimators.block import split_blocks
    from infoscale.estimators.registry import SAMPLE_ESTIMATORS

    blocks = split_blocks(x, ell)
    dim = blocks[0].shape[1] + blocks[1].shape[1]
    names, out = continuous_methods(args.method, dim)
    for name in names:
        if name not in out:
            spec = SAMPLE_ESTIMATORS.get(name)
            try:
                out[name] = spec.pairs(*blocks, seed=args.seed).to_dict()
            except InvalidInput as err:
                out[name] = {"error": str(err)}
            else:
                out[name]["warning"] = outside_range(spec, dim, out[name])
    if not any("value" in out[name] for name in names):
        reasons = "; ".join(f"{name}: {out[name].get('error') or out[name].get('skipped')}" for name in names)
        raise InvalidInput(f"no block estimator applies to the continuous samples in {args.file}: {reasons}")
    return {"methods": names, **out}


def outside_range(spec, dim: int, row: dict) -> str | None:
    """Why a result lies outside the range its estimator was validated on (its tags), or None."""
    if not spec.fits(dim):
        return (f"outside its validated range: block dimension {dim} > {spec.max_dim}, where `infoscale validate` "
                f"shows {spec.name} far from the truth; its error bar measures its noise, not that bias")
    if (row.get("extra") or {}).get("saturated"):
        return f"saturated at its ceiling {spec.ceiling:.3g} nats: read it as I ≳ {spec.ceiling:.3g}, not as I"
    return None


def plot_prefix_curve(args, x, names) -> dict:
    """Write --plot: I(L'/2; L') of the samples' first L' tokens, L' = 2, 4, 8, … and L, by each of
    ``names`` at the L' where it applies (its ``max_dim``; points it refuses are left out)."""
    from infoscale.estimators.block import split_blocks
    from infoscale.estimators.registry import SAMPLE_ESTIMATORS
    from infoscale.io import save_figure
    from infoscale.plotting import plot_scaling

    token_dim = int(np.prod(x.shape[2:], dtype=int))
    lengths = sorted({*(2**p for p in range(1, int(np.log2(x.shape[1])) + 1)), x.shape[1]})
    curves = []
    for name in names:
        spec, points = SAMPLE_ESTIMATORS.get(name), []
        for length in (length for length in lengths if spec.fits(length * token_dim)):
            try:
                points.append((length, spec.pairs(*split_blocks(x[:, :length], length // 2), seed=args.seed)))
            except InvalidInput:
                continue
        if points:
            curves.append((name, [p[0] for p in points], [p[1].value for p in points], None,
                           [p[1].stderr for p in points]))
    fig = plot_scaling(curves, title=f"{args.file}: block MI of the first L' tokens", ylabel="I(L'/2; L') [nats]",
                       estimated="estimate")
    save_figure(fig, args.plot)
    return {"file": args.plot, "lengths": lengths, "curves": [curve[0] for curve in curves]}
