"""Figures shared by the CLI and the examples (matplotlib).

The backend is left to the caller: the CLI and the example scripts choose the headless ``Agg``
backend themselves; a notebook keeps its own.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def plot_scaling(curves, title: str = "", ylabel: str = "I(L/2; L) [nats]", ax=None):
    """Log-log plot of MI curves with their fitted laws.

    ``curves`` is a list of ``(label, lengths, mi, fit)`` or ``(label, lengths, mi, fit, stderr)``,
    ``fit`` a ``ScalingFit`` or ``None``, ``stderr`` 0 where a value is exact. Exact values are filled
    circles; estimates (stderr > 0) open squares with ±1 standard-error bars. A fit is drawn over
    the lengths it was fitted on and only where it is positive; "no law fits" is said in the legend.
    Draws on ``ax`` when given (a panel of a larger figure), else on a new figure; returns the figure.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4.2))
    for index, (label, lengths, mi, fit, *rest) in enumerate(curves):
        color = f"C{index % 10}"
        lengths, mi = np.asarray(lengths, float), np.asarray(mi, float)
        err = np.asarray(rest[0], float) if rest and rest[0] is not None else np.zeros_like(mi)
        shown = mi > 0  # log axes cannot show zero MI
        exact, noisy = shown & (err == 0), shown & (err > 0)
        ax.loglog(lengths[exact], mi[exact], "o", color=color, label=f"{label} (exact)" if noisy.any() else label)
        if noisy.any():
            low = np.minimum(err[noisy], 0.999 * mi[noisy])  # a lower bar may not cross zero on log axes
            ax.errorbar(lengths[noisy], mi[noisy], yerr=[low, err[noisy]], fmt="s", mfc="none", color=color,
                        capsize=2, label=f"{label} (Monte Carlo ±1 s.e.)")
            ax.set_xscale("log"), ax.set_yscale("log")
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

    Only positive estimates and the positive part of the fit can be shown on log axes.
    """
    fig, ax = plt.subplots(figsize=(6, 4.2))
    distances, mi = np.asarray(distances, float), np.asarray(mi, float)
    shown = mi > 0
    ax.loglog(distances[shown], mi[shown], ".", ms=3, label=label)
    if stderr is not None:
        err = np.asarray(stderr, float)
        ax.fill_between(distances[shown], np.maximum(mi - err, mi * 1e-3)[shown], (mi + err)[shown],
                        alpha=0.25, lw=0, label="±1 s.e.")
    if fit is not None:
        values = fit.predict(distances)
        positive = values > 0
        ax.loglog(distances[positive], values[positive], "-", label=fit.describe())
    ax.set_xlabel("distance d")
    ax.set_ylabel("two-point MI [nats]")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    return fig
