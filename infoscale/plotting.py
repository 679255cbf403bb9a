"""Figures shared by the CLI and the examples (matplotlib).

The backend is left to the caller: the CLI and the example scripts choose the headless ``Agg``
backend themselves; a notebook keeps its own.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def plot_scaling(curves, title: str = "", ylabel: str = "I(L/2; L) [nats]", ax=None):
    """Log-log plot of MI curves with their fitted laws.

    ``curves`` is a list of ``(label, lengths, mi, fit)`` with ``fit`` a ``ScalingFit`` or ``None``.
    Draws on ``ax`` when given (a panel of a larger figure), else on a new figure; returns the figure.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4.2))
    for index, (label, lengths, mi, fit) in enumerate(curves):
        color = f"C{index % 10}"
        lengths, mi = np.asarray(lengths, float), np.asarray(mi, float)
        shown = mi > 0  # log axes cannot show zero MI
        ax.loglog(lengths[shown], mi[shown], "o", color=color, label=label)
        if fit is not None:
            grid = np.geomspace(lengths.min(), lengths.max(), 200)
            ax.loglog(grid, np.maximum(fit.predict(grid), 1e-300), "-", color=color, alpha=0.7,
                      label=f"  fit: {fit.law}" + (f", β={fit.exponent:.3f}" if fit.law == "power" else ""))
    ax.set_xlabel("sequence length L")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    return ax.figure


def plot_two_point(distances, mi, fit=None, label: str = "I(d)"):
    """Log-log two-point MI against distance, with a ``TwoPointFit`` overlaid when given."""
    fig, ax = plt.subplots(figsize=(6, 4.2))
    distances, mi = np.asarray(distances, float), np.asarray(mi, float)
    shown = mi > 0  # log axes cannot show non-positive estimates
    ax.loglog(distances[shown], mi[shown], ".", ms=3, label=label)
    if fit is not None:
        ax.loglog(distances, fit.predict(distances), "-", label=fit.describe())
    ax.set_xlabel("distance d")
    ax.set_ylabel("two-point MI [nats]")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    return fig
