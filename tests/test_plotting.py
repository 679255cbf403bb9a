"""Scaling figures: fits drawn over their fitted range where positive, estimates with error bars."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402

from infoscale.plotting import plot_scaling, plot_two_point  # noqa: E402
from infoscale.theory.scaling import LawFit, ScalingFit, fit_scaling_law  # noqa: E402
from infoscale.theory.two_point import fit_two_point  # noqa: E402

L = 2.0 ** np.arange(2, 11)


def _lines(ax, label_start):
    return [line for line in ax.get_lines() if str(line.get_label()).startswith(label_start)]


def test_fit_is_drawn_over_the_fitted_range_only_and_estimates_get_error_bars():
    mi = 0.3 + 0.5 * np.log(L)
    stderr = np.where(L > 16, 0.02 * mi, 0.0)  # exact up to 16, Monte Carlo beyond
    fit = fit_scaling_law(L, mi, stderr=stderr, fit_from=16)
    fig = plot_scaling([("f", L, mi, fit, stderr)])
    ax = fig.axes[0]
    (line,) = _lines(ax, "  fit")
    assert line.get_xdata().min() == 16 and line.get_xdata().max() == L.max()
    assert len(ax.containers) == 1  # one errorbar set: the Monte-Carlo points
    assert ax.containers[0].lines[0].get_xdata().min() == 32
    (exact,) = _lines(ax, "f (exact)")
    assert exact.get_xdata().max() == 16
    lo, hi = ax.get_ylim()
    assert lo > 1e-3 and hi < 1e2  # no 1e-300 floor dragging the axis down
    plt.close(fig)


def test_a_fit_is_not_drawn_where_it_is_negative_nor_when_no_law_fits():
    log = LawFit("log", {"a": -1.0, "c": 0.5}, {"a": 0.0, "c": 0.0}, 0.0, 4.0, 7, 0.0)
    fit = ScalingFit(law="log", closest="log", fits={"log": log}, lengths=L, midpoints=L[:-1],
                     local_exponents=np.ones(len(L) - 1))
    mi = np.maximum(log.predict(L), 0.01)
    fig = plot_scaling([("f", L, mi, fit)])
    (line,) = _lines(fig.axes[0], "  fit")
    assert np.all(line.get_ydata() > 0) and line.get_xdata().min() > np.exp(2.0)  # I < 0 below L = e²
    plt.close(fig)
    none = fit_scaling_law(L, 1e-6 * L**2)
    fig = plot_scaling([("g", L, 1e-6 * L**2, none)])
    assert none.law == "none" and _lines(fig.axes[0], "  no law fits") and not _lines(fig.axes[0], "  fit")
    plt.close(fig)


def test_two_point_plot_shows_positive_part_of_the_fit():
    d = np.arange(1.0, 100.0)
    mi = 0.2 * np.exp(-d / 5.0) + 1e-4
    fig = plot_two_point(d, mi, fit_two_point(d, mi, np.full(d.shape, 1e-5)), stderr=np.full(d.shape, 1e-5))
    assert all(np.all(line.get_ydata() > 0) for line in fig.axes[0].get_lines())
    plt.close(fig)
