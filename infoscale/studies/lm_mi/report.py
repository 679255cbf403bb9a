"""The LM-MI result as text and as a figure shaped like the L²M paper's Fig. 2.

``format_lm_mi_report`` lists every curve (I(ℓ; L) with its bootstrap CI per length), each curve's
fitted law, the power-law β with its bootstrap CI next to the paper's (0.76 direct, 0.71 vCLUB),
the two-point exponent next to its 0.91, and the throughput. ``plot_lm_mi`` draws the bipartite MI
of each estimator against L (log-log, CIs as error bars, power-law fits) and the two-point MI
against d with the bias-corrected fit A·d^−α + C.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from infoscale.studies.lm_mi.curve import PAPER_BETA, PAPER_TWO_POINT_ALPHA
from infoscale.theory.two_point import decay_curve


def format_lm_mi_report(result: dict) -> str:
    lines = [f"{result['n_docs']} documents, lengths {result['lengths']}, ratios {list(result['ratios'])}; "
             f"{result['tokens_scored']} tokens scored at {result['tokens_per_second']:.0f} tokens/s "
             f"({result['seconds']:.1f} s in all)"]
    for curve in result["curves"]:
        lines.append(f"\n{curve['estimator']}, L = {curve['ratio']}·ℓ:")
        lines.append("      L      ℓ    I [nats]     95% CI")
        for p in curve["points"]:
            lines.append(f"  {p['L']:5d}  {p['ell']:5d}  {p['mean']:10.4g}   [{p['ci'][0]:.4g}, {p['ci'][1]:.4g}]")
        if curve["beta"] is not None:
            b = curve["beta"]
            lines.append(f"  β = {b['value']:.3f}, 95% CI {_interval(b['ci'], 3)} "
                         f"(paper: {PAPER_BETA[curve['estimator']]}); chosen law: {curve['fit']['law']}")
        else:
            lines.append("  no fit (fewer than 3 lengths, or an estimate not positive)")
    two = result.get("two_point")
    if two is not None:
        fit = two.get("fit")
        text = two["fit_text"] if fit else f"no fit: {two.get('fit_error')}"
        lines.append(f"\ntwo-point MI on {two['n_tokens']} tokens: {text} (paper: α = {PAPER_TWO_POINT_ALPHA})")
    return "\n".join(lines)


def _interval(ci, digits: int) -> str:
    return "(none: resamples not positive)" if ci is None else f"[{ci[0]:.{digits}f}, {ci[1]:.{digits}f}]"


def plot_lm_mi(result: dict, title: str = ""):
    """(a) direct and (b) vCLUB I(ℓ; L) against L per ratio, (c) two-point MI against d."""
    estimators = list(dict.fromkeys(c["estimator"] for c in result["curves"]))
    panels = len(estimators) + ("two_point" in result)
    fig, axes = plt.subplots(1, panels, figsize=(4.6 * panels, 4), squeeze=False)
    for ax, name in zip(axes[0], estimators):
        positive = False
        for index, curve in enumerate(c for c in result["curves"] if c["estimator"] == name):
            L = np.array([p["L"] for p in curve["points"]], float)
            mean = np.array([p["mean"] for p in curve["points"]])
            ci = np.array([p["ci"] for p in curve["points"]])
            shown = mean > 0  # a log axis shows the positive estimates
            positive |= bool(shown.any())
            err = np.abs(np.stack([mean - ci[:, 0], ci[:, 1] - mean]))[:, shown]
            label = f"L = {curve['ratio']}ℓ"
            if curve["beta"] is not None:
                b = curve["beta"]
                grid = np.geomspace(L.min(), L.max(), 100)
                ax.plot(grid, b["A"] * grid ** b["value"], "-", color=f"C{index}", alpha=0.6)
                label += f": β = {b['value']:.2f} {_interval(b['ci'], 2)}"
            ax.errorbar(L[shown], mean[shown], yerr=err, fmt="o", color=f"C{index}", ms=4, capsize=2, label=label)
        ax.set(xscale="log", yscale="log" if positive else "linear", xlabel="sequence length L", ylabel="bipartite MI I(ℓ; L) [nats]",
               title=f"{name} (paper β = {PAPER_BETA[name]})")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    if "two_point" in result:
        ax, two = axes[0][-1], result["two_point"]
        d, mi = np.asarray(two["distances"], float), np.asarray(two["mi"])
        shown = mi > 0
        ax.loglog(d[shown], mi[shown], "o", ms=3, label="I(d)")
        if two.get("fit"):
            f = two["fit"]
            label = f"A·d^-α + C, α = {f['params']['alpha']:.2f}" if f["model"] == "power" else f"{f['model']} fit"
            ax.loglog(d, decay_curve(f["model"], f["params"], d), "-", label=label)
        ax.set(xlabel="distance d", ylabel="two-point MI [nats]", title=f"two-point (paper α = {PAPER_TWO_POINT_ALPHA})")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
