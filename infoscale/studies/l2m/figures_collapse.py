"""The L²M figures that test the bound: (c) the collapse on I/D against L/D, (e) the state law
D*_ε(L), and utilization against I/D. Every run is drawn; a point a log axis cannot place (a KL
of zero) is drawn at the bottom edge as an open triangle and counted in the panel's note.

- (c) ``collapse.png``: one row per fixed-state architecture (and the linear reference over the
  same design), KL per token against I(L/2; L)/D (left) and L/D (right); colour = D, marker = L,
  fill = family; the fitted monotone g at ĉ (its value at each run, grey ticks) and the scores in
  the titles; the growing-state models in a last row of their own;
- (e) ``state_law.png``: D*_ε(L) per family, one colour per ε and one marker per architecture, the
  linear reference under the same rule (dashed), slope-β guides (dotted);
- ``utilization.png``: the direct estimate of the information each run's state carries over the
  exact I(L/2; L), with its standard error, against I/D, one panel per architecture.
"""

from __future__ import annotations

import numpy as np

from infoscale.io import save_figure
from infoscale.studies.l2m.labels import MARKERS, family_label
from infoscale.theory.collapse import monotone_fit

FILLS = ("full", "none", "left", "bottom", "right", "top")


def _style(rows: list[dict]):
    lengths = sorted({r["length"] for r in rows})
    families = list(dict.fromkeys(family_label(r) for r in rows))
    return {L: MARKERS[i % len(MARKERS)] for i, L in enumerate(lengths)}, \
        {f: FILLS[i % len(FILLS)] for i, f in enumerate(families)}


def _scatter(ax, rows, x_of, states, markers, fills, cmap) -> int:
    """Draw rows (colour = D on a log scale, marker = L, fill = family); return how many sit at KL = 0."""
    import matplotlib

    norm = matplotlib.colors.LogNorm(min(states), max(states))
    floor = min((r["mean_kl"] for r in rows if r["mean_kl"] > 0), default=1e-6) / 3
    zeros = 0
    for r in rows:
        colour = cmap(norm(r["history_state_dim"]))
        at_zero = not r["mean_kl"] > 0
        zeros += at_zero
        ax.plot(x_of(r), floor if at_zero else r["mean_kl"], marker="v" if at_zero else markers[r["length"]],
                fillstyle="none" if at_zero else fills[family_label(r)], color=colour, ms=5, ls="none")
    return zeros


def plot_collapse(rows: list[dict], summary: dict, path, reference: list[dict] | None = None) -> None:
    """(c): see the module docstring. ``reference``: the linear reference's rows over the same design."""
    import matplotlib
    import matplotlib.pyplot as plt

    fixed = [r for r in rows if r["role"] == "fixed-state" and not r.get("plateau")]
    groups = [(arch, [r for r in fixed if r["arch"] == arch]) for arch in sorted({r["arch"] for r in fixed})]
    if reference:
        groups.append(("linear reference", reference))
    growing = [r for r in rows if r["role"] == "growing-state" and not r.get("plateau")]
    panels = len(groups) + bool(growing)
    fig, axes = plt.subplots(panels, 2, figsize=(11, 4.2 * panels), squeeze=False, layout="constrained")
    every = fixed + (reference or [])
    markers, fills = _style(every + growing)
    states = [r["history_state_dim"] for r in every + growing]
    cmap = matplotlib.colormaps["viridis"]
    for (arch, mine), (left, right) in zip(groups, axes):
        scores = summary["collapse"].get(arch, {}).get("kl", {})
        for ax, x_of, name in ((left, lambda r: r["mi_half"] / r["history_state_dim"], "I(L/2; L) / D"),
                               (right, lambda r: r["length"] / r["history_state_dim"], "L / D")):
            zeros = _scatter(ax, mine, x_of, states, markers, fills, cmap)
            ax.set(xscale="log", yscale="log", xlabel=name, ylabel="KL per token [nats]")
            if zeros:
                ax.text(0.02, 0.02, f"{zeros} runs at KL = 0 (▽ at the bottom edge)", transform=ax.transAxes, fontsize=7)
        _draw_fit(left, mine, scores)
        left.set_title(f"(c) {arch}: ĉ = {_f(scores.get('exponent_of_information'))} {_i(scores.get('interval'))}, "
                       f"R² on I/D {_f(scores.get('r2_information_ratio'))}", fontsize=9)
        right.set_title(f"R² on L/D {_f(scores.get('r2_length_ratio'))}; "
                        f"{'holds' if scores.get('verdict') else 'does not hold'}", fontsize=9)
    if growing:
        left, right = axes[-1]
        _scatter(left, growing, lambda r: r["mi_half"] / r["history_state_dim"], states, markers, fills, cmap)
        _scatter(right, growing, lambda r: r["length"] / r["history_state_dim"], states, markers, fills, cmap)
        left.set(xscale="log", yscale="log", xlabel="I(L/2; L) / D (D: the KV cache)", ylabel="KL per token [nats]",
                 title="growing-state models (their D grows with L)")
        right.set(xscale="log", yscale="log", xlabel="L / D")
    _legend(axes[0][1], markers, fills)
    fig.colorbar(matplotlib.cm.ScalarMappable(matplotlib.colors.LogNorm(min(states), max(states)), cmap),
                 ax=axes[:, 1], label="state D (floats)")
    save_figure(fig, path)


def _draw_fit(ax, rows, scores) -> None:
    """The fitted monotone g(ĉ·log I − log D), drawn against I/D on the left panel."""
    c_hat = scores.get("exponent_of_information")
    kept = [r for r in rows if r["mean_kl"] > 0]
    if c_hat is None or len(kept) < 4:
        return
    u = np.array([c_hat * np.log(r["mi_half"]) - np.log(r["history_state_dim"]) for r in kept])
    fitted = monotone_fit(u, np.log([r["mean_kl"] for r in kept]))
    x = np.array([r["mi_half"] / r["history_state_dim"] for r in kept])
    # g is a function of ĉ·log I − log D, not of I/D: its value at each run, as a grey tick
    ax.plot(x, np.exp(fitted), "_", color="0.3", ms=8, alpha=0.7, label=f"g at ĉ = {c_hat:.2f}")


def _legend(ax, markers, fills) -> None:
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], marker=m, color="0.3", ls="none", label=f"L = {L}") for L, m in markers.items()]
    handles += [Line2D([], [], marker="o", fillstyle=f, color="0.3", ls="none", label=name) for name, f in fills.items()]
    ax.legend(handles=handles, fontsize=6, loc="lower left")


def plot_state_law(law: dict, path) -> None:
    """(e): D*_ε(L) per family, the linear reference under the same rule, slope-β guides."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(law), figsize=(5.5 * len(law), 4.8), squeeze=False, layout="constrained")
    for ax, (name, entries) in zip(axes[0], law.items()):
        epsilons = sorted({e["epsilon"] for e in entries})
        archs = sorted({e["arch"] for e in entries})
        lengths = max((e["lengths"] for e in entries), key=len, default=[])
        for e in entries:
            colour = f"C{epsilons.index(e['epsilon'])}"
            points = [(L, d) for L, d in zip(e["lengths"], e["state_needed"]) if d]
            outside = len(lengths) - len(points)
            ax.plot(*(zip(*points) if points else ([], [])), MARKERS[archs.index(e["arch"])], color=colour, ls="-",
                    lw=0.8, label=f"{e['arch']}, ε = {e['epsilon']:g}: γ = {_f(e['gamma'])} {_i(e['interval'])}"
                                  + (f" ({outside} of {len(lengths)} L outside the sizes)" if outside else ""))
        for epsilon in epsilons:  # the reference is the same for every architecture: from the longest entry
            e = max((e for e in entries if e["epsilon"] == epsilon), key=lambda e: len(e["lengths"]))
            linear = [(L, d) for L, d in zip(e["lengths"], e.get("state_needed_linear") or []) if d]
            if linear:
                ax.plot(*zip(*linear), "x--", color=f"C{epsilons.index(epsilon)}", lw=0.8, alpha=0.7,
                        label=f"linear reference, ε = {epsilon:g}: γ = {_f(e.get('gamma_linear'))} "
                              f"{_i(e.get('interval_linear'))}")
        beta = entries[0]["beta_local"] if entries else None
        if beta is not None and lengths:
            x = np.array(lengths, float)
            for anchor in (1.0, 10.0):
                ax.plot(x, anchor * (x / x[0]) ** beta, ":", color="0.6", lw=0.8)
        ax.set(xscale="log", yscale="log", xlabel="sequence length L", ylabel="D*_ε(L) [floats]",
               title=f"(e) {name}\nlocal β = {_f(beta)} (dotted: slope β)")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=5)
    save_figure(fig, path)


def plot_utilization(rows: list[dict], path) -> None:
    """Utilization (direct estimate / exact I) ± its standard error against I/D, one panel per architecture."""
    import matplotlib.pyplot as plt

    used = [r for r in rows if r.get("utilization") and not r.get("plateau")]
    if not used:
        return
    archs = sorted({r["arch"] for r in used})
    fig, axes = plt.subplots(1, len(archs), figsize=(5 * len(archs), 4.2), squeeze=False, layout="constrained")
    markers, fills = _style(used)
    for ax, arch in zip(axes[0], archs):
        for r in (r for r in used if r["arch"] == arch):
            ax.errorbar(r["mi_half"] / r["history_state_dim"], r["utilization"]["utilization"],
                        r["utilization"]["stderr"], marker=markers[r["length"]], fillstyle=fills[family_label(r)],
                        color="C0", ms=4, capsize=1.5, ls="none")
        ax.axhline(1.0, color="0.5", lw=0.8, ls="--")
        ax.axhline(0.0, color="0.7", lw=0.6)
        ax.set(xscale="log", xlabel="I(L/2; L) / D", ylabel="utilization Î_direct / I(L/2; L)", title=arch)
    _legend(axes[0][0], markers, fills)
    save_figure(fig, path)


def _f(value, spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)


def _i(value) -> str:
    return "" if not value else f"[{value[0]:.2f}, {value[1]:.2f}]"
