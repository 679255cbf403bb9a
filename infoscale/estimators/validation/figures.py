"""The validation figures: estimate/true against L per estimator, and two-point vs bipartite MI."""

from __future__ import annotations

import math

import numpy as np

from infoscale.estimators.registry import SAMPLE_ESTIMATORS


def plot_ratios(rows: list):
    """One panel per estimator: estimate/true against L for every family (error bars from the seeds)."""
    from infoscale.plotting import plt

    names = [name for name in SAMPLE_ESTIMATORS if any(r["estimator"] == name for r in rows)]
    columns = min(4, len(names))
    fig, axes = plt.subplots(math.ceil(len(names) / columns), columns, figsize=(4 * columns, 3.2 * math.ceil(len(names) / columns)),
                             squeeze=False)
    for ax, name in zip(axes.flat, names):
        families = sorted({r["family"] for r in rows if r["estimator"] == name})
        for index, family in enumerate(families):
            series = sorted((r for r in rows if r["estimator"] == name and r["family"] == family), key=lambda r: r["L"])
            lengths = np.array([r["L"] for r in series], dtype=float)
            true = np.array([r["true_mi"] for r in series])
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.array([r["mean_estimate"] for r in series]) / true
                err = np.array([r["stderr"] for r in series]) / true
            shown = np.isfinite(ratio) & np.isfinite(err)  # infinite estimates (vCLUB on a copy) stay in the table
            ratio, err = np.where(shown, ratio, np.nan), np.where(shown, err, np.nan)
            ax.errorbar(lengths, ratio, yerr=err, fmt="o-", ms=3, color=f"C{index % 10}", label=family)
        ax.axhline(1.0, color="k", lw=0.8)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_title(name)
        ax.set_xlabel("L")
        ax.set_ylabel("estimate / true")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=6)
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def plot_two_point(two_point: dict):
    """Bipartite and antipodal two-point MI against L for hierarchical k = 3 and k = 1 (log-log)."""
    from infoscale.plotting import plt

    fig, ax = plt.subplots(figsize=(6, 4.2))
    lengths = two_point["lengths"]
    for index, key in enumerate(k for k in two_point if k.startswith("k=")):
        ax.loglog(lengths, two_point[key]["bipartite"], "o-", color=f"C{index}", label=f"{key}: bipartite I(L/2; L)")
        ax.loglog(lengths, two_point[key]["two_point_antipodal"], "--", marker="sx"[index % 2], ms=9 - 3 * index,
                  color=f"C{index}", mfc="none", label=f"{key}: two-point I(X_1; X_L)")  # the curves coincide
    ax.set_xlabel("sequence length L")
    ax.set_ylabel("mutual information [nats]")
    ax.set_title("hierarchical family: two-point MI cannot tell k = 3 from k = 1")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    return fig
