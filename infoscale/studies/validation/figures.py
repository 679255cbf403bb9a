"""The validation figures: log(estimate/true) against L per estimator, and two-point vs bipartite MI."""

from __future__ import annotations

import math

import numpy as np

from infoscale.estimators.registry import SAMPLE_ESTIMATORS


def plot_ratios(rows: list, band: float = 0.1):
    """One panel per estimator: log(estimate/true) against L, one colour per family in every panel.

    The grey band is |log ratio| ≤ ``band`` (the harness's tolerance); error bars are the rows'
    standard errors over the truth (the delta method for the log). A row without a finite log ratio
    is not dropped: its line goes on to an open triangle on the panel's edge — down on the floor,
    below every log ratio of the panel, for an estimate ≤ 0 in some seed (the worst failures); up on
    the top edge for +inf (a positive estimate of a zero MI). One legend, below the panels.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from infoscale.plotting import plt

    names = [name for name in SAMPLE_ESTIMATORS if any(r["estimator"] == name for r in rows)]
    families = sorted({r["family"] for r in rows})
    colour = {family: f"C{i % 10}" for i, family in enumerate(families)}
    marker = {family: "os^vDP*Xh<>"[i // 10 % 11] for i, family in enumerate(families)}
    columns = min(4, len(names))
    nrows = math.ceil(len(names) / columns)
    fig, axes = plt.subplots(nrows, columns, figsize=(4 * columns, 3.0 * nrows), squeeze=False)
    for ax, name in zip(axes.flat, names):
        ax.axhspan(-band, band, color="0.85", zorder=0)
        ax.axhline(0.0, color="k", lw=0.8)
        edges = _edges(rows, name, band)
        for family in families:
            series = sorted((r for r in rows if r["estimator"] == name and r["family"] == family), key=lambda r: r["L"])
            if series:
                _draw_series(ax, series, edges, colour[family], marker[family])
        ax.set_ylim(edges[0] - 0.25, edges[1] + 0.25)
        ax.set_xscale("log", base=2)
        ax.set_title(name)
        ax.set_xlabel("L")
        ax.set_ylabel("log(estimate / true)")
        ax.grid(True, which="both", alpha=0.3)
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    handles = [Line2D([], [], color=colour[f], marker=marker[f], label=f) for f in families]
    handles.append(Patch(color="0.85", label=f"|log ratio| ≤ {band:g}"))
    handles.append(Line2D([], [], color="0.3", marker="v", mfc="none", ls="none",
                          label="an estimate ≤ 0: no log ratio, drawn at the floor"))
    handles.append(Line2D([], [], color="0.3", marker="^", mfc="none", ls="none",
                          label="log ratio +inf (true MI 0), drawn at the top"))
    legend_rows = math.ceil(len(handles) / 4)
    reserved = 0.28 * legend_rows + 0.1  # inches below the panels for the legend
    fig.set_figheight(3.0 * nrows + reserved)
    fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=10, frameon=False)
    fig.tight_layout(rect=(0, reserved / fig.get_figheight(), 1, 1))
    return fig


def _edges(rows: list, name: str, band: float) -> tuple[float, float]:
    """Where a panel draws the rows without a finite log ratio: half a unit beyond all of its log ratios."""
    finite = [_ratio(r) for r in rows if r["estimator"] == name and np.isfinite(_ratio(r))]
    return min([-band, *finite]) - 0.5, max([band, *finite]) + 0.5


def _ratio(row: dict) -> float:
    """The row's mean log ratio; NaN where it is missing (``null`` in the JSON)."""
    return float("nan") if row["mean_log_ratio"] is None else float(row["mean_log_ratio"])


def _draw_series(ax, series: list, edges: tuple, colour: str, marker: str) -> None:
    """One family's log ratios against L; those not finite as open triangles on the panel's ``edges``
    (NaN or −inf: down, on the floor; +inf: up, on the top)."""
    lengths = np.array([r["L"] for r in series], dtype=float)
    true = np.array([r["true_mi"] for r in series])
    log_ratio = np.array([_ratio(r) for r in series], dtype=float)
    placed = np.isfinite(log_ratio)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        err = np.where(placed, np.array([r["stderr"] for r in series], dtype=float) / (true * np.exp(log_ratio)), 0.0)
    err = np.where(np.isfinite(err), err, 0.0)
    top = log_ratio == np.inf
    y = np.where(placed, log_ratio, np.where(top, edges[1], edges[0]))
    ax.errorbar(lengths, y, yerr=err, fmt="-", marker=marker, ms=3, color=colour, label=series[0]["family"])
    for shown, symbol, label in ((~placed & ~top, "v", "_nonpositive"), (top, "^", "_infinite")):
        if shown.any():
            ax.plot(lengths[shown], y[shown], symbol, mfc="none", ms=7, color=colour, label=label)


def plot_two_point_vs_bipartite(two_point: dict):
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
