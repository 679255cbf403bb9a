"""The L²M figures (a)–(d) from an ``l2m.json`` table."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from infoscale.io import save_figure


def plot_l2m(table: dict, out_dir) -> None:
    """Figures (a)–(d) from an ``l2m.json`` table."""
    import matplotlib.pyplot as plt

    rows = [r for r in table["rows"] if r.get("mean_kl") is not None]
    if not rows:
        return
    out_dir = Path(out_dir)
    labels = list(dict.fromkeys(r["label"] for r in rows))
    colors = {label: f"C{i}" for i, label in enumerate(labels)}
    by_label = {label: sorted((r for r in rows if r["label"] == label), key=lambda r: r["length"]) for label in labels}

    # (a) twice: a linear KL axis shows growth in nats, a log axis relative growth
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    memoryless = {}  # (family, params) -> {L: KL of the best predictor that ignores the past}
    for r in rows:
        if r.get("memoryless_kl") is not None:
            memoryless.setdefault((r["family"], json.dumps(r["family_params"], sort_keys=True)), {})[r["length"]] = r["memoryless_kl"]
    for ax, yscale in zip(axes, ("linear", "log")):
        for label, rs in by_label.items():
            ax.errorbar([r["length"] for r in rs], [r["mean_kl"] for r in rs], [r["mean_kl_stderr"] for r in rs],
                        marker="o", capsize=3, color=colors[label], label=label)
        for i, ((name, _), curve) in enumerate(memoryless.items()):
            lengths = sorted(curve)
            ax.plot(lengths, [curve[n] for n in lengths], ls="--", color="0.5", marker="x",
                    label="no history (marginals)" + (f", {name} #{i + 1}" if len(memoryless) > 1 else ""))
        ax.set(xscale="log", yscale=yscale, xlabel="sequence length L", ylabel="average KL per token [nats]",
               title=f"(a) KL vs L, {yscale} KL axis")
    axes[0].set_ylim(bottom=0)
    axes[0].legend(fontsize=8)
    save_figure(fig, out_dir / "kl_vs_length.png")

    longest = max(r["length"] for r in rows)  # (b)
    fig, ax = plt.subplots(figsize=(6, 4.2))
    for r in rows:
        if r["length"] == longest:
            kl = np.asarray(r["position_kl"])
            width = max(1, longest // 64)  # average over bins so the curves stay readable
            binned = kl[: len(kl) // width * width].reshape(-1, width).mean(1)
            ax.plot(np.arange(len(binned)) * width + width / 2, binned, color=colors[r["label"]], label=r["label"])
    ax.set(yscale="log", xlabel="position t", ylabel="KL at position t [nats]",
           title=f"(b) position-wise KL, L = {longest}")
    ax.legend(fontsize=8)
    save_figure(fig, out_dir / "position_kl.png")

    fig, ax = plt.subplots(figsize=(6, 4.2))  # (c)
    for label, rs in by_label.items():
        rs = [r for r in rs if r["mi_per_state_dim"] is not None]
        ax.plot([r["mi_per_state_dim"] for r in rs], [r["mean_kl"] for r in rs], "o-", color=colors[label], label=label)
    ax.set(xscale="log", xlabel="I(L/2; L) / history_state_dim(L/2)", ylabel="average KL per token [nats]",
           title="(c) KL against MI per state dimension")
    ax.legend(fontsize=8)
    save_figure(fig, out_dir / "kl_vs_mi_per_dim.png")

    refs = [r for r in rows if "linear_reference" in r and "kl_second_half_total" in r]  # (d)
    if refs:
        fig, ax = plt.subplots(figsize=(6, 4.2))
        for label in labels:
            rs = [r for r in refs if r["label"] == label]
            ax.plot([r["linear_reference"] for r in rs], [r["kl_second_half_total"] for r in rs], "o",
                    color=colors[label], label=label)
            for r in rs:
                ax.annotate(f"L={r['length']}", (r["linear_reference"], r["kl_second_half_total"]), fontsize=6)
        top = max(max(r["kl_second_half_total"], r["linear_reference"]) for r in refs)
        ax.plot([0, top], [0, top], "k:", lw=1, label="KL = R(D)")
        ax.set(xlabel="linear-Gaussian reference R(D) [nats]", ylabel="total KL over positions ≥ L/2 [nats]",
               title="(d) trained models vs the linear-Gaussian reference")
        ax.legend(fontsize=8)
        save_figure(fig, out_dir / "linear_reference.png")
