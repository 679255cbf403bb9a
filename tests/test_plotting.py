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


def test_two_point_plot_shows_negative_estimates_on_the_floor_and_keeps_fit_and_legend_off_the_data():
    d = np.arange(1.0, 200.0)
    mi = 0.5 * np.exp(-d / 4.0)
    mi[[60, 120, 150]] = [-1e-4, -3e-5, 0.0]  # what a bias-corrected estimator gives where I(d) ≈ 0
    fit = fit_two_point(d[:40], mi[:40], np.full(40, 1e-6))
    fig = plot_two_point(d, mi, fit, stderr=np.full(d.shape, 1e-6))
    ax = fig.axes[0]
    (marked,) = _lines(ax, "3 value(s) ≤ 0")
    np.testing.assert_array_equal(marked.get_xdata(), [61.0, 121.0, 151.0])
    floor = marked.get_ydata()[0]
    assert floor == mi[mi > 0].min() / 3 and ax.get_ylim()[0] < floor  # on the axis, inside the view
    (points,) = _lines(ax, "I(d)")
    assert len(points.get_xdata()) + len(marked.get_xdata()) == len(d)  # every estimate drawn
    (curve,) = _lines(ax, fit.describe())
    assert curve.get_ydata().min() >= floor  # not drawn down to 1e-23
    fig.canvas.draw()
    legend, frame = ax.get_legend().get_window_extent(), ax.get_window_extent()
    assert legend.y1 <= frame.y0  # below the axes: it covers no data
    plt.close(fig)


def test_scaling_plot_marks_a_negative_monte_carlo_estimate():
    mi = 0.3 + 0.5 * np.log(L)
    mi[0] = -0.01
    fig = plot_scaling([("f", L, mi, None, np.full(L.shape, 0.02))])
    (marked,) = _lines(fig.axes[0], "1 value(s) ≤ 0")
    assert marked.get_xdata()[0] == L[0] and 0 < marked.get_ydata()[0] < mi[1:].min()
    plt.close(fig)


def test_validation_figure_keeps_rows_whose_estimate_went_negative():
    from infoscale.studies.validation.figures import plot_ratios

    def row(length, ratio):
        return {"estimator": "mine", "family": "ar", "L": length, "true_mi": 2.0, "stderr": 0.1,
                "mean_log_ratio": ratio}

    rows = [row(4, -0.05), row(8, -0.3), row(16, float("nan")), row(32, float("nan")), row(64, float("inf"))]
    fig = plot_ratios(rows)
    ax = fig.axes[0]
    (series,) = [c for c in ax.containers if c.get_label() == "ar"]
    np.testing.assert_array_equal(series.lines[0].get_xdata(), [4, 8, 16, 32, 64])  # it does not stop at L = 8
    (marked,) = _lines(ax, "_nonpositive")
    np.testing.assert_array_equal(marked.get_xdata(), [16, 32])
    assert np.all(marked.get_ydata() < -0.3) and ax.get_ylim()[0] < marked.get_ydata().min()
    (infinite,) = _lines(ax, "_infinite")  # +inf (a positive estimate of zero MI) on the top edge, not the floor
    assert infinite.get_xdata()[0] == 64 and 0.1 < infinite.get_ydata()[0] < ax.get_ylim()[1]
    plt.close(fig)
