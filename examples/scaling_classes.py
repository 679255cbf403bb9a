"""Example 1: the four scaling classes of the bipartite mutual information I(L/2; L).

For one continuous and one discrete family of each class, compute the *exact* I(L/2; L) over a
ladder of lengths (``family.mi_curve``) and let ``fit_scaling_law`` choose among the area, log,
power and volume laws by AIC, on L ≥ 16 (the shortest lengths carry finite-size corrections that
no asymptotic law describes; the CLI's ``--fit-from`` default is the same). The chosen law should
be the family's own class (``family.scaling``); the JSON records both.

    python examples/scaling_classes.py            # full: L up to 2^14 (about half a minute)
    python examples/scaling_classes.py --quick    # L up to 256, a few seconds

Writes ``scaling_classes.png`` (one panel per class) and ``scaling_classes.json`` into ``--out``.
"""

from __future__ import annotations

from _common import example_args  # --quick, --out (and --quiet): shared by the examples
from infoscale import make_family
from infoscale.io import save_figure, write_json
from infoscale.plotting import plot_scaling, plt
from infoscale.theory.scaling import LAWS, fit_scaling_law

# (class, family, parameters): one continuous and one discrete family per class.
FAMILIES = (
    ("area", "ar", {"coefficients": (0.9,)}),  # AR(1): I = −½ ln(1 − φ²) at every L
    ("area", "markov", {}),  # random 3-state chain: I = I(X_t; X_t+1)
    ("log", "gaussian-mean", {}),  # shared unknown mean: I → ½ ln L + const
    ("log", "dirichlet", {}),  # Pólya urn over 2 symbols: I → ½ ln L + const
    ("power", "hierarchical", {"k": 3}),  # the L²M paper's family, β = ln 3 / ln 4
    ("power", "tree", {"k": 3}),  # its discrete analogue, β = ln 3 / ln 4
    ("volume", "noisy-copy", {}),  # second half a noisy copy of the first
    ("volume", "copy", {}),  # second half an exact copy: I = (L/2) ln V
)
FIT_FROM = 16


def main(argv=None) -> dict:
    args = example_args(__doc__, argv)
    max_length = 256 if args.quick else 2**14

    results = []
    for law, name, params in FAMILIES:
        family = make_family(name, **params)
        lengths = family.lengths_up_to(max_length)
        mi = family.mi_curve(lengths)  # exact, nats
        fit = fit_scaling_law(lengths, mi, fit_from=FIT_FROM)
        results.append({"class": law, "family": name, "params": family.params, "expected": str(family.scaling),
                        "fit_from": FIT_FROM, "lengths": lengths, "mi": mi, "fit": fit})
        print(f"{name:>13} ({law:>6})  I(L/2;L) at L={lengths[-1]}: {mi[-1]:.6g} nats   {fit.describe()}")

    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    for ax, law in zip(axes.flat, LAWS):
        plot_scaling([(r["family"], r["lengths"], r["mi"], r["fit"]) for r in results if r["class"] == law],
                     title=f"{law} law", ax=ax)
    fig.suptitle("exact I(L/2; L): one continuous and one discrete family per scaling class")
    fig.tight_layout()
    save_figure(fig, args.out / "scaling_classes.png")
    summary = {"example": "scaling_classes", "quick": args.quick, "families": results}
    write_json(args.out / "scaling_classes.json", summary)
    print(f"wrote {args.out / 'scaling_classes.png'} and {args.out / 'scaling_classes.json'}")
    return summary


if __name__ == "__main__":
    main()
