"""Example 5: sample-based MI estimators scored against the exact I(L/2; L), and where each breaks.

Every family here knows its exact bipartite MI, so every sample-based estimator (plug-in,
Miller–Madow, Grassberger and NSB counting, the Gaussian log-det estimator, KSG, the neural
bounds InfoNCE, NWJ, MINE and SMILE, the model-based direct and vCLUB estimators with an exact
oracle model, and a truncated-context oracle) can be scored by
log(estimate / true) over seeds, as in bmi (Czyż et al.). ``run_validation`` runs the table;
``breakdown`` names, for each estimator and family, the first length where it is off by more than
10 % (beyond 3 standard errors) and why: too many words V^ℓ for n samples, too many dimensions
for KSG, too short a context.

    python examples/estimator_validation.py            # the harness's quick preset, ~4.5 min CPU
    python examples/estimator_validation.py --quick    # two families, two lengths: seconds

Writes ``estimator_validation.png`` (estimate/true against L, one panel per estimator) and
``estimator_validation.json`` (every row, the breakdown) into ``--out``.
"""

from __future__ import annotations

from _common import example_args  # --quick, --out (and --quiet): shared by the examples
from infoscale.io import save_figure, write_json
from infoscale.studies.validation import PRESETS, Case, format_report, plot_ratios, run_validation

SMOKE = {"samples": 300, "seeds": 2, "cases": (Case("ar", {}, (4, 8)), Case("markov", {"vocab_size": 2}, (4, 8)))}


def main(argv=None) -> dict:
    args = example_args(__doc__, argv, quiet=True)
    preset = SMOKE if args.quick else PRESETS["quick"]
    result = run_validation(preset["cases"], samples=preset["samples"], seeds=preset["seeds"], seed=0,
                            two_point_lengths=(4, 16), progress=not args.quiet)  # example 2 covers two-point MI
    print(format_report(result))  # the table, where each estimator breaks, and why
    save_figure(plot_ratios(result.rows), args.out / "estimator_validation.png")
    summary = {"example": "estimator_validation", "quick": args.quick, "samples": preset["samples"],
               "seeds": preset["seeds"], **result.to_dict()}
    write_json(args.out / "estimator_validation.json", summary)
    print(f"wrote {args.out / 'estimator_validation.png'} and {args.out / 'estimator_validation.json'}")
    return summary


if __name__ == "__main__":
    main()
