"""The LM-MI result as text and as a figure shaped like the L²M paper's Fig. 2, never overclaiming.

``format_lm_mi_report`` says which first-tokens correction was applied, lists every curve
(I(ℓ; L) with its bootstrap CI per length; the corrected direct curve beside the raw one with the
correction and its stated error), each curve's chosen law with its parameters, and β with its
bootstrap CI next to the paper's **only when the chosen law is a power law**; the two-point
exponent and at how many distances the shuffled-text (estimator-bias) level is at least half
the estimate. ``plot_lm_mi``
draws each estimator's I(ℓ; L) against L (raw direct as open markers), the chosen law's curve,
and the two-point MI with the bias level shaded.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FormatStrFormatter, LogFormatterSciNotation, LogLocator, NullFormatter

from infoscale.studies.lm_mi.curve import PAPER_BETA, PAPER_TWO_POINT_ALPHA
from infoscale.theory.scaling import law_curve
from infoscale.theory.two_point import decay_curve


def correction_text(correction: dict) -> str:
    """One line naming the first-tokens correction of the direct estimator."""
    if correction["method"] == "none" or correction["first_tokens"] == 0:
        return "direct: no first-tokens correction (raw log q(Y | X) − log q(Y | BOS))"
    return (f"direct: first {correction['first_tokens']} tokens of Y scored by the model's marginal over "
            f"{correction['contexts']} contexts of {correction['context_tokens']} tokens from other documents "
            "(jackknifed); direct_raw is the uncorrected estimate")


def format_lm_mi_report(result: dict) -> str:
    """The run as text (see the module docstring)."""
    done = "" if result.get("complete", True) else f" (incomplete: {result['n_docs']} of {result['n_planned']})"
    lines = [f"{result['n_docs']} documents{done}, lengths {result['lengths']}, ratios {list(result['ratios'])}; "
             f"{result['tokens_scored']} tokens scored at {result['tokens_per_second']:.0f} tokens/s",
             correction_text(result["correction"])]
    for curve in result["curves"]:
        lines.append(f"\n{curve['estimator']}, L = {curve['ratio']}·ℓ:")
        corrected = "correction" in curve["points"][0]
        lines.append("      L      ℓ    I [nats]     95% CI" + ("              correction ± se (jackknife bias)"
                                                                 if corrected else ""))
        for p in curve["points"]:
            row = f"  {p['L']:5d}  {p['ell']:5d}  {p['mean']:10.4g}   [{p['ci'][0]:.4g}, {p['ci'][1]:.4g}]"
            if corrected:
                c = p["correction"]
                row += f"   {c['mean']:+.4g} ± {c['stderr']:.2g} ({c['bias']:+.2g})"
            lines.append(row)
        lines.append("  " + fit_line(curve))
    two = result.get("two_point")
    if two is not None:
        lines.append("\n" + two_point_line(two))
    return "\n".join(lines)


def fit_line(curve: dict) -> str:
    """β only for a power law; otherwise the chosen law and its parameters; or why there is no fit."""
    if curve["fit"] is None:
        return "no fit (fewer than 3 lengths, or an estimate not positive)"
    if curve["beta"] is not None:
        b = curve["beta"]
        return (f"chosen law: power, β = {b['value']:.3f}, 95% CI {_interval(b['ci'], 3)} "
                f"(paper: {PAPER_BETA.get(curve['estimator'].removesuffix('_raw'))})")
    return f"chosen law: {curve['fit_text']} — not a power law, no exponent claimed"


def two_point_line(two: dict) -> str:
    text = two["fit_text"] if two.get("fit") else f"no fit: {two.get('fit_error')}"
    biased = np.asarray(two["mi"]) <= 2 * two["bias_floor"]
    return (f"two-point MI on {two['n_tokens']} tokens: {text} (paper: α = {PAPER_TWO_POINT_ALPHA}); "
            f"the shuffled-text level (estimator bias, no correlation) is {two['bias_floor']:.3g} nats, at least "
            f"half the estimate at {int(biased.sum())} of {biased.size} distances: there the bias dominates")


def _interval(ci, digits: int) -> str:
    return "(none: resamples not positive)" if ci is None else f"[{ci[0]:.{digits}f}, {ci[1]:.{digits}f}]"


def plot_lm_mi(result: dict, title: str = ""):
    """(a) direct (raw as open markers) and (b) vCLUB I(ℓ; L) against L per ratio with the chosen law,
    (c) two-point MI against d with the shuffled-text level shaded."""
    estimators = [e for e in dict.fromkeys(c["estimator"] for c in result["curves"]) if e != "direct_raw"]
    panels = len(estimators) + ("two_point" in result)
    fig, axes = plt.subplots(1, panels, figsize=(4.8 * panels, 4.2), squeeze=False)
    for ax, name in zip(axes[0], estimators):
        positive = False
        for index, curve in enumerate(c for c in result["curves"] if c["estimator"] == name):
            positive |= _draw_curve(ax, curve, f"C{index}", "o")
            raw = [c for c in result["curves"] if c["estimator"] == name + "_raw" and c["ratio"] == curve["ratio"]]
            for other in raw:
                positive |= _draw_curve(ax, other, f"C{index}", "o", hollow=True)
        ax.set(xscale="log", yscale="log" if positive else "linear", xlabel="sequence length L",
               ylabel="bipartite MI I(ℓ; L) [nats]", title=f"{name} (paper β = {PAPER_BETA[name]})")
        _readable(ax)
    if "two_point" in result:
        _draw_two_point(axes[0][-1], result["two_point"])
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def _draw_curve(ax, curve: dict, color: str, marker: str, hollow: bool = False) -> bool:
    """Points with CIs (positive ones on a log axis) and the chosen law; whether any point was positive."""
    L = np.array([p["L"] for p in curve["points"]], float)
    mean = np.array([p["mean"] for p in curve["points"]])
    ci = np.array([p["ci"] for p in curve["points"]])
    shown = mean > 0
    err = np.abs(np.stack([mean - ci[:, 0], ci[:, 1] - mean]))[:, shown]
    label = f"L = {curve['ratio']}ℓ" + (" raw" if hollow else "")
    fit = curve["fit"]
    if fit is not None and fit["law"] != "none" and not hollow:
        grid = np.geomspace(L.min(), L.max(), 100)
        ax.plot(grid, law_curve(fit["law"], fit["params"], grid), "-", color=color, alpha=0.6)
        b = curve["beta"]
        label += f": β = {b['value']:.2f} {_interval(b['ci'], 2)}" if b else f": {fit['law']} law"
    ax.errorbar(L[shown], mean[shown], yerr=err, fmt=marker, color=color, ms=4, capsize=2, label=label,
                mfc="none" if hollow else color)
    return bool(shown.any())


def _draw_two_point(ax, two: dict) -> None:
    d, mi = np.asarray(two["distances"], float), np.asarray(two["mi"])
    shown = mi > 0
    ax.loglog(d[shown], mi[shown], "o", ms=3, label="I(d)")
    floor = two["bias_floor"]
    if floor > 0:
        ax.axhspan(min(mi[shown].min(initial=floor), floor) / 2, floor, color="0.85", zorder=0,
                   label=f"shuffled-text level {floor:.2g} (bias)")
    if two.get("fit"):
        f = two["fit"]
        label = f"A·d^-α + C, α = {f['params']['alpha']:.2f}" if f["model"] == "power" else f"{f['model']} fit"
        ax.loglog(d, decay_curve(f["model"], f["params"], d), "-", label=label)
    if shown.any():  # the data's range, not the fitted curve's tail
        ax.set_ylim(min(mi[shown].min(), floor if floor > 0 else np.inf) / 3, mi[shown].max() * 3)
    ax.set(xlabel="distance d", ylabel="two-point MI [nats]", title=f"two-point (paper α = {PAPER_TWO_POINT_ALPHA})")
    _readable(ax)


def _readable(ax) -> None:
    """Log axes labelled at decades, and at 2 and 5 only when they span under two decades (the
    default labels every minor tick, which overlap); a light grid; a small legend."""
    for axis, limits in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
        if axis.get_scale() == "log":
            narrow = np.log10(limits[1] / limits[0]) < 2
            axis.set_major_locator(LogLocator(base=10, numticks=8))
            axis.set_major_formatter(FormatStrFormatter("%g") if narrow else LogFormatterSciNotation())
            axis.set_minor_locator(LogLocator(base=10, subs=(2.0, 5.0) if narrow else np.arange(2.0, 10.0)))
            axis.set_minor_formatter(FormatStrFormatter("%g") if narrow else NullFormatter())
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
