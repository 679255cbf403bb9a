"""Figures shared by the CLI and the examples (matplotlib).

The backend is left to the caller: the CLI and the example scripts choose the headless ``Agg``
backend themselves; a notebook keeps its own.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def plot_scaling(curves, title: str = "", ylabel: str = "I(L/2; L) [nats]", ax=None, estimated: str = "Monte Carlo"):
    """Log-log plot of MI curves with their fitted laws.

    ``curves`` is a list of ``(label, lengths, mi, fit)`` or ``(label, lengths, mi, fit, stderr)``,
    ``fit`` a ``ScalingFit`` or ``None``, ``stderr`` 0 where a value is exact. Exact values are filled
    circles; estimates (stderr > 0) open squares with ±1 standard-error bars, labelled ``estimated``
    (what made them: "Monte Carlo" by default); values ≤ 0, which a log
    axis cannot place, are marked on the axis floor (``mark_nonpositive``). A fit is drawn over
    the lengths it was fitted on and only where it is positive; "no law fits" is said in the legend.
    Draws on ``ax`` when given (a panel of a larger figure), else on a new figure; returns the figure.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4.2))
    for index, (label, lengths, mi, fit, *rest) in enumerate(curves):
        color = f"C{index % 10}"
        lengths, mi = np.asarray(lengths, float), np.asarray(mi, float)
        err = np.asarray(rest[0], float) if rest and rest[0] is not None else np.zeros_like(mi)
        shown = mi > 0  # log axes cannot place zero or negative MI: those are marked on the floor
        exact, noisy = shown & (err == 0), shown & (err > 0)
        if exact.any() or not noisy.any():
            ax.loglog(lengths[exact], mi[exact], "o", color=color, label=f"{label} (exact)" if noisy.any() else label)
        if noisy.any():
            low = np.minimum(err[noisy], 0.999 * mi[noisy])  # a lower bar may not cross zero on log axes
            ax.errorbar(lengths[noisy], mi[noisy], yerr=[low, err[noisy]], fmt="s", mfc="none", color=color,
                        capsize=2, label=f"{label} ({estimated} ±1 s.e.)")
            ax.set_xscale("log"), ax.set_yscale("log")
        mark_nonpositive(ax, lengths, mi, color)
        if fit is not None:
            _draw_fit(ax, fit, color)
    ax.set_xlabel("sequence length L")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    return ax.figure


def _draw_fit(ax, fit, color) -> None:
    """The fitted law over its fitted range, where positive; or a legend entry saying none fits."""
    if not fit.fits_data:
        ax.plot([], [], " ", label=f"  no law fits (closest: {fit.closest})")
        return
    grid = np.geomspace(fit.lengths.min(), fit.lengths.max(), 200)
    values = fit.predict(grid)
    positive = values > 0
    text = f"  fit: {fit.law}" + (f", β={fit.exponent:.3f}±{fit.exponent_stderr:.2g}" if fit.law == "power" else "")
    ax.loglog(grid[positive], values[positive], "-", color=color, alpha=0.7, label=text)


def plot_two_point(distances, mi, fit=None, label: str = "I(d)", stderr=None):
    """Log-log two-point MI against distance (±1 s.e. band when given), with a ``TwoPointFit`` overlaid.

    Every estimate is drawn: those ≤ 0, which a log axis cannot place, as open triangles on the
    axis floor (``mark_nonpositive``, counted in the legend). The fit is drawn where it stays
    above that floor, not down to the 1e-23 an exponential reaches; the legend sits below the axes.
    """
    fig, ax = plt.subplots(figsize=(6, 4.8))
    distances, mi = np.asarray(distances, float), np.asarray(mi, float)
    shown = mi > 0
    ax.loglog(distances[shown], mi[shown], ".", ms=3, label=label)
    if stderr is not None:
        err = np.asarray(stderr, float)
        ax.fill_between(distances[shown], np.maximum(mi - err, mi * 1e-3)[shown], (mi + err)[shown],
                        alpha=0.25, lw=0, label="±1 s.e.")
    floor = mark_nonpositive(ax, distances, mi, "C3")
    if fit is not None:
        values = fit.predict(distances)
        drawn = values >= floor
        ax.loglog(distances[drawn], values[drawn], "-", label=fit.describe())
    ax.set_xlabel("distance d")
    ax.set_ylabel("two-point MI [nats]")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
    fig.tight_layout()
    return fig


def mark_nonpositive(ax, x, y, color) -> float:
    """Draw the values y ≤ 0 that a log y axis cannot place as open down-triangles on its floor.

    The floor is a factor 3 below the smallest positive value of the axis' lines so far (1e-6
    without any); the axis is extended down to show it, and the legend entry counts the values.
    Returns the floor (what a fit drawn with them should stay above).
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    placed = [np.asarray(line.get_ydata(), float) for line in ax.get_lines()] + [y]
    positive = np.concatenate([values[values > 0] for values in placed])
    floor = positive.min() / 3 if positive.size else 1e-6
    low = ~(y > 0) & ~np.isnan(y)
    if low.any():
        ax.set_yscale("log")
        ax.plot(x[low], np.full(int(low.sum()), floor), "v", mfc="none", color=color, ms=5,
                label=f"{int(low.sum())} value(s) ≤ 0, drawn at the floor {floor:.2g}")
        ax.set_ylim(bottom=floor / 2)
    return floor
