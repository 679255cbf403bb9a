"""Example 3: how many dimensions a linear history state needs, for the hierarchical family.

For a Gaussian sequence, the information the first half carries about the second splits over
canonical directions: I(L/2; L) = −½ Σ_i ln(1 − ρ_i²) with ρ_i the canonical correlations
(``family.mi_spectrum``). A linear summary of the past with D dimensions carries at most the top
D terms, so the smallest D reaching 99 % of I(L/2; L) (``MISpectrum.history_dimension``) is the
history state a linear model needs. The L²M bound says it must grow like the MI itself: for the
hierarchical family with k copies, like L^β with β = ln k / ln 4.

With the boundary step off the count is exact: the cross-covariance has rank k^(l−1) (one
direction per copy of layer 1 that straddles the cut), all its canonical correlations equal
layer 1's, so 99 % needs ⌈0.99·k^(l−1)⌉ of them. The boundary step adds directions of smaller
weight; the JSON records both.

    python examples/history_dimension.py            # L up to 4^6 (dense spectra; a few minutes)
    python examples/history_dimension.py --quick    # L up to 4^4, seconds

Writes ``history_dimension.png`` (spectrum; dimension vs L) and ``history_dimension.json`` into ``--out``.
"""

from __future__ import annotations

import math

import numpy as np
from tqdm.auto import tqdm

from _common import example_args  # --quick, --out (and --quiet): shared by the examples
from infoscale import fit_scaling_law, make_family
from infoscale.io import save_figure, write_json
from infoscale.plotting import plot_scaling, plt

FRACTION = 0.99
FIT_FROM = 16  # layer 1 (L = 4) has a single direction for every k


def spectra(k: int, boundary: bool, lengths, progress: bool) -> dict:
    """Canonical-correlation summary at the half cut for each length (dense, L ≤ 4^6)."""
    family = make_family("hierarchical", k=k, boundary=boundary)
    rows = {"lengths": list(lengths), "mi": [], "rank": [], "history_dimension": [], "spectrum": None}
    for length in tqdm(lengths, desc=f"k={k} boundary={boundary}", disable=not progress, leave=False):
        spectrum = family.mi_spectrum(length // 2, length)
        rows["mi"].append(spectrum.mi)
        rows["rank"].append(spectrum.rank())
        rows["history_dimension"].append(spectrum.history_dimension(FRACTION))
    rows["spectrum"] = spectrum.contributions[: spectrum.rank()]  # at the longest length
    return rows


def main(argv=None) -> dict:
    args = example_args(__doc__, argv, quiet=True)
    lengths = [4**level for level in range(1, 5 if args.quick else 7)]
    short = lengths[:5]  # boundary off the count is exact; up to 4^5 shows it (4^6 would add minutes)

    results, no_boundary = {}, {}
    for k in (1, 2, 3, 4):
        rows = spectra(k, True, lengths, not args.quiet)
        fitted = [i for i, length in enumerate(lengths) if length >= FIT_FROM]
        fit = fit_scaling_law([lengths[i] for i in fitted], np.array(rows["history_dimension"])[fitted])
        power = fit.fits["power"]
        rows.update(fit=fit, power_exponent=power.params["beta"], power_exponent_stderr=power.stderr["beta"],
                    expected_exponent=math.log(k) / math.log(4))
        results[f"k={k}"] = rows
        verdict = "no law fits" if fit.law == "none" else f"fitted {fit.law} law"
        print(f"k={k}: D_99%(L) = {rows['history_dimension']} for L = {lengths};  {verdict}, "
              f"power exponent {power.params['beta']:.3f} ± {power.stderr['beta']:.2g} "
              f"(ln k / ln 4 = {rows['expected_exponent']:.3f})")
        plain = spectra(k, False, short, not args.quiet)
        plain["copies_straddling_cut"] = [k ** (level - 1) for level in range(1, len(short) + 1)]
        no_boundary[f"k={k}"] = plain
        print(f"      boundary off: rank = {plain['rank']}, k^(l-1) = {plain['copies_straddling_cut']}, "
              f"D_99% = {plain['history_dimension']}")

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    for index, (key, rows) in enumerate(results.items()):
        terms = rows["spectrum"]
        left.semilogy(np.arange(1, len(terms) + 1), terms, ".-", color=f"C{index}", ms=3, label=key)
    left.set_xscale("log")
    left.set_xlabel("canonical direction i (sorted)")
    left.set_ylabel("−½ ln(1 − ρ_i²) [nats]")
    left.set_title(f"MI spectrum across the cut, L = {lengths[-1]}")
    left.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=8)
    plot_scaling([(f"{key} (ln k/ln 4 = {rows['expected_exponent']:.2f})", lengths, rows["history_dimension"],
                   rows["fit"]) for key, rows in results.items()],
                 title=f"dimensions carrying {FRACTION:.0%} of I(L/2; L)", ylabel="history dimension D", ax=right)
    fig.tight_layout()
    save_figure(fig, args.out / "history_dimension.png")
    summary = {
        "example": "history_dimension", "quick": args.quick, "fraction": FRACTION, "fit_from": FIT_FROM,
        "boundary_on": results, "boundary_off": no_boundary,
        "note": "boundary off: the rank of the cross-covariance is exactly k^(l-1) and all canonical correlations "
                "are equal, so the 99% dimension is ceil(0.99 k^(l-1)); boundary on adds weaker directions.",
    }
    write_json(args.out / "history_dimension.json", summary)
    print(f"wrote {args.out / 'history_dimension.png'} and {args.out / 'history_dimension.json'}")
    return summary


if __name__ == "__main__":
    main()
