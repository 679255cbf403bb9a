"""The L²M figures from an ``l2m.json`` table and its summary, one panel per family where it matters.

- (a) ``kl_vs_length.png``: KL per token against L, on a linear and a log KL axis (one row each),
  with the best predictor that ignores the past;
- (b) ``position_kl.png``: KL at each position at the longest L (binned);
- (c) ``collapse.png``, (e) ``state_law.png`` and ``utilization.png``: the figures of the scores,
  from the summary (``figures_collapse``);
- (d) ``linear_reference.png``: each run's total KL over the second half against R(D).

Fixed-state models of one architecture share a colour map from light (small state) to dark.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from infoscale.io import save_figure
from infoscale.studies.l2m.config import SweepConfig
from infoscale.studies.l2m.figures_collapse import plot_collapse, plot_state_law, plot_utilization
from infoscale.studies.l2m.labels import MARKERS, family_label
from infoscale.studies.l2m.reference import reference_rows

ARCH_COLOURS = ("Blues", "Oranges", "Greens", "Purples", "Reds", "Greys")


def _styles(rows: list[dict]) -> dict:
    """label -> colour: growing-state models in solid colours, fixed-state ones shaded by state size."""
    import matplotlib

    styles, archs = {}, sorted({r["arch"] for r in rows if r["role"] == "fixed-state"})
    for i, label in enumerate(dict.fromkeys(r["label"] for r in rows if r["role"] == "growing-state")):
        styles[label] = ("k", "C3", "C4", "C5")[i % 4]
    for arch, cmap in zip(archs, ARCH_COLOURS):
        labels = sorted({(r["history_state_dim"], r["label"]) for r in rows if r["arch"] == arch and r["role"] == "fixed-state"})
        for j, (_, label) in enumerate(labels):
            styles[label] = matplotlib.colormaps[cmap](0.35 + 0.6 * j / max(1, len(labels) - 1))
    return styles


def _families(rows: list[dict]) -> list[tuple[str, list[dict]]]:
    indices = sorted({r["family_index"] for r in rows})
    return [(family_label(next(r for r in rows if r["family_index"] == i)), [r for r in rows if r["family_index"] == i])
            for i in indices]


def plot_l2m(table: dict, out_dir, summary: dict | None = None) -> None:
    """Write figures (a)–(e) and utilization into ``out_dir`` (d only with R(D) rows; c, e and utilization
    only with a ``summary``)."""
    rows = [r for r in table["rows"] if r.get("mean_kl") is not None]
    if not rows:
        return
    out_dir, styles, families = Path(out_dir), _styles(rows), _families(rows)
    plot_kl_vs_length(families, styles, out_dir / "kl_vs_length.png")
    plot_position_kl(families, styles, out_dir / "position_kl.png")
    plot_linear_reference(rows, families, styles, out_dir / "linear_reference.png")
    if summary is not None:  # the figures of the scores (figures_collapse): (c), (e), utilization
        plot_collapse(rows, summary, out_dir / "collapse.png", reference_rows(SweepConfig.from_dict(table["config"])))
        if summary.get("state_law"):
            plot_state_law(summary["state_law"], out_dir / "state_law.png")
        plot_utilization(rows, out_dir / "utilization.png")


def _panels(width: int, height: float, rows: int = 1):
    import matplotlib.pyplot as plt

    return plt.subplots(rows, width, figsize=(5.5 * width, height), squeeze=False, layout="constrained")


def plot_kl_vs_length(families: list, styles: dict, path) -> None:
    """(a): KL per token against L, a linear and a log KL axis, with the no-history predictor."""
    fig, axes = _panels(len(families), 8, rows=2)
    for column, (name, mine) in enumerate(families):
        for row_axes, yscale in zip(axes, ("linear", "log")):
            ax = row_axes[column]
            for label in dict.fromkeys(r["label"] for r in mine):
                rs = sorted((r for r in mine if r["label"] == label), key=lambda r: r["length"])
                ax.errorbar([r["length"] for r in rs], [r["mean_kl"] for r in rs], [r["mean_kl_stderr"] for r in rs],
                            marker="o", ms=3, capsize=2, color=styles[label], label=f"{label} ({rs[0]['history_state_dim']})"
                            if rs[0]["role"] == "fixed-state" else label)
            memoryless = sorted({(r["length"], r["memoryless_kl"]) for r in mine if r.get("memoryless_kl") is not None})
            if memoryless:
                ax.plot(*zip(*memoryless), ls="--", color="0.5", marker="x", label="no history (marginals)")
            ax.set(xscale="log", yscale=yscale, xlabel="sequence length L", ylabel="KL per token [nats]",
                   title=f"(a) {name}, {yscale} KL axis")
            if yscale == "linear":
                ax.set_ylim(bottom=0)
        axes[1][column].legend(fontsize=6, ncol=2)
    save_figure(fig, path)


def plot_position_kl(families: list, styles: dict, path) -> None:
    """(b): KL at each position at the longest L, averaged over bins."""
    fig, axes = _panels(len(families), 4.2)
    for ax, (name, mine) in zip(axes[0], families):
        longest = max(r["length"] for r in mine)
        for r in mine:
            if r["length"] == longest and r.get("position_kl"):
                kl = np.asarray(r["position_kl"])
                bin_width = max(1, longest // 64)  # average over bins so the curves stay readable
                binned = kl[: len(kl) // bin_width * bin_width].reshape(-1, bin_width).mean(1)
                growing = r["role"] == "growing-state"
                ax.plot(np.arange(len(binned)) * bin_width + bin_width / 2, binned, color=styles[r["label"]],
                        lw=2.2 if growing else 1.0, ls="-" if growing else "--", label=r["label"], zorder=3 if growing else 2)
        ax.set(yscale="log", xlabel="position t", ylabel="KL at position t [nats]", title=f"(b) {name}, L = {longest}")
        ax.legend(fontsize=6, ncol=2)
    save_figure(fig, path)


def plot_linear_reference(rows: list, families: list, styles: dict, path) -> None:
    """(d): each run's total KL over the second half against R(D); nothing without R(D) rows."""
    refs = [r for r in rows if "linear_reference" in r and "kl_second_half_total" in r]
    if not refs:
        return
    lengths = sorted({r["length"] for r in rows})
    fig, axes = _panels(len(families), 4.5)
    for ax, (name, _) in zip(axes[0], families):
        mine = [r for r in refs if family_label(r) == name]
        if not mine:
            continue
        for length_index, length in enumerate(lengths):
            rs = [r for r in mine if r["length"] == length]
            ax.scatter([max(r["linear_reference"], 1e-3) for r in rs], [r["kl_second_half_total"] for r in rs],
                       c=[styles[r["label"]] for r in rs], marker=MARKERS[length_index % len(MARKERS)], s=22,
                       label=f"L = {length}")
        top = max(max(r["kl_second_half_total"], r["linear_reference"]) for r in mine)
        ax.plot([1e-3, top], [1e-3, top], "k:", lw=1, label="KL = R(D)")
        ax.set(xscale="log", yscale="log", xlabel="linear-Gaussian reference R(D) [nats] (floored at 1e-3)",
               ylabel="total KL over positions ≥ L/2 [nats]", title=f"(d) {name}")
        ax.legend(fontsize=7)
    save_figure(fig, path)
