"""Example 2: two-point MI cannot tell scaling classes apart; the bipartite MI can.

The hierarchical Gaussian family with k = 3 has I(L/2; L) ∝ L^0.79, with k = 1 (boundary step on)
I(L/2; L) ∝ ln L. Yet the two-point MI of the sequence's end points, I(X_1; X_L) at distance
d = L − 1, is *identical* for the two at every L (the copies enter the end points with the same
weight |(M_c M_cᵀ)_{03}| = 5/16 for k = 1 and k = 3), so with L = 4^l and layer 1's
corr(X_1, X_4) = (M Mᵀ)_{03} = −1/4,

    I(X_1; X_L) = −½ ln(1 − (1/16)·(5/16)^(2(l−1))),   decaying as d^−α, α → 2 ln(16/5) / ln 4 ≈ 1.678.

Hence the L²M paper's point: a power-law two-point decay says nothing about how much information
a model must carry across the cut.

The end-point pair is special, though: the pair (X_1, X_{L/2+1}) at distance d = L/2, the first
tokens of the two halves, decays much faster for k = 1 than for k = 3. The JSON and the dashed
curves record it too, so the figure does not overstate the claim.

Exact throughout: ``two_point_mi`` from the dense covariance (L ≤ 4^6), ``bipartite_mi`` at the
half cut from the family's structured recursion.

    python examples/two_point_vs_bipartite.py            # L = 4 … 4096
    python examples/two_point_vs_bipartite.py --quick    # L = 4 … 256

Writes ``two_point_vs_bipartite.png`` (two panels) and ``two_point_vs_bipartite.json`` into ``--out``.
"""

from __future__ import annotations

import numpy as np

from _common import example_args  # --quick, --out (and --quiet): shared by the examples
from infoscale import fit_scaling_law, fit_two_point, make_family
from infoscale.io import save_figure, write_json
from infoscale.plotting import plot_scaling, plt


def main(argv=None) -> dict:
    args = example_args(__doc__, argv)
    results = {}
    for k in (3, 1):
        family = make_family("hierarchical", k=k, boundary=True)
        lengths = family.lengths_up_to(256 if args.quick else 4**6)
        ends = np.array([family.two_point_mi(0, L - 1, L) for L in lengths])  # d = L − 1
        halves = np.array([family.two_point_mi(0, L // 2, L) for L in lengths])  # d = L / 2
        bipartite = family.mi_curve(lengths)
        decay = fit_two_point(np.array(lengths) - 1, ends)
        law = fit_scaling_law(lengths[1:], bipartite[1:])  # L ≥ 16, as in example 1
        results[f"k={k}"] = {"params": family.params, "expected": str(family.scaling), "lengths": lengths,
                             "two_point_ends": ends, "two_point_half": halves, "bipartite": bipartite,
                             "two_point_fit": decay.to_dict(),
                             "bipartite_fit": law}
        print(f"k={k}: I(X_1; X_L): {decay.describe()};  I(L/2; L) {law.describe()}")
        for L, e, h, b in zip(lengths, ends, halves, bipartite):
            print(f"   L={L:>5}  I(X_1;X_L)={e:.6e}  I(X_1;X_L/2+1)={h:.6e}  I(L/2;L)={b:.6g}")
    gap = float(np.max(np.abs(results["k=3"]["two_point_ends"] - results["k=1"]["two_point_ends"])))
    print(f"largest |I_k=3(X_1;X_L) − I_k=1(X_1;X_L)| over L: {gap:.2e} nats")

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    for index, (key, r) in enumerate(results.items()):
        color = f"C{index}"
        left.loglog(np.array(r["lengths"]) - 1, r["two_point_ends"], "o-", color=color, ms=9 - 4 * index,
                    lw=3 - 1.5 * index, label=f"{key}: end points I(X_1; X_L), d = L − 1")
        left.loglog(np.array(r["lengths"]) // 2, r["two_point_half"], "s--", color=color, alpha=0.5, ms=4,
                    label=f"{key}: I(X_1; X_L/2+1), d = L/2")
    left.set_xlabel("distance d")
    left.set_ylabel("two-point MI [nats]")
    left.set_title("two-point MI: the end points coincide exactly")
    left.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=8)
    plot_scaling([(key, r["lengths"], r["bipartite"], r["bipartite_fit"]) for key, r in results.items()],
                 title="bipartite I(L/2; L): power law vs log law", ax=right)
    fig.tight_layout()
    save_figure(fig, args.out / "two_point_vs_bipartite.png")
    summary = {"example": "two_point_vs_bipartite", "quick": args.quick, "max_end_point_gap": gap,
               "families": results}
    write_json(args.out / "two_point_vs_bipartite.json", summary)
    print(f"wrote {args.out / 'two_point_vs_bipartite.png'} and {args.out / 'two_point_vs_bipartite.json'}")
    return summary


if __name__ == "__main__":
    main()
