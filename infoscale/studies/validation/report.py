"""The validation report: where each estimator breaks, the text table, the CSV/JSON/PNG files."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from infoscale.io import atomic_path, save_figure, write_json
from infoscale.studies.validation.figures import plot_ratios, plot_two_point_vs_bipartite

#: The columns of the validation table (one row per family, length and estimator).
COLUMNS = ("family", "class", "L", "true_mi", "estimator", "mean_estimate", "stderr", "mean_reported_stderr",
           "mean_log_ratio", "seed_spread", "seconds", "seeds", "n_samples", "note")
#: The neural variational bounds, summarised by their ceiling and their spread over seeds.
NEURAL = ("infonce", "nwj", "mine", "smile")


def strict_json(obj):
    """``obj`` with NaN as ``None`` and ±inf as the strings ``"inf"``/``"-inf"`` (strict JSON)."""
    if isinstance(obj, dict):
        return {key: strict_json(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [strict_json(value) for value in obj]
    if isinstance(obj, float) and not np.isfinite(obj):
        return None if np.isnan(obj) else ("inf" if obj > 0 else "-inf")
    return obj


def neural_summary(rows: list, tolerance: float = 0.1) -> list:
    """For each neural bound, over all families by true MI: the smallest true MI at which it is off
    (``breakdown``'s rule), the smallest at which InfoNCE saturates, and its spread over seeds at
    the smallest and the largest true MI (the e^I variance growth of NWJ and MINE)."""
    out = []
    for name in NEURAL:
        series = sorted((r for r in rows if r["estimator"] == name and r["true_mi"] > 0), key=lambda r: r["true_mi"])
        if not series:
            continue
        off = [r for r in series if _is_off(r, tolerance)]
        saturated = [r["true_mi"] for r in series if r["note"].startswith("saturated")]
        out.append({"estimator": name,
                    "first_off_true_mi": None if not off else off[0]["true_mi"],
                    "first_off_at": None if not off else f"{off[0]['family']} L={off[0]['L']}",
                    "saturated_from_true_mi": min(saturated, default=None),
                    "spread_low": (series[0]["true_mi"], series[0]["seed_spread"]),
                    "spread_high": (series[-1]["true_mi"], series[-1]["seed_spread"])})
    return out


def breakdown(rows: list, tolerance: float = 0.1) -> list:
    """For each (estimator, family): the first L at which the estimator is off (or ``None``).

    Off means: the mean estimate misses the truth by more than ``tolerance`` in log ratio *and* by
    more than 3 standard errors (so that Monte-Carlo noise on a small MI does not count).
    """
    out = []
    keys = sorted({(row["estimator"], row["family"]) for row in rows})
    for estimator, family in keys:
        series = sorted((r for r in rows if r["estimator"] == estimator and r["family"] == family), key=lambda r: r["L"])
        broken = next((r for r in series if _is_off(r, tolerance)), None)
        out.append({
            "estimator": estimator, "family": family, "lengths": [r["L"] for r in series],
            "log_ratios": [r["mean_log_ratio"] for r in series],
            "breaks_at_L": None if broken is None else broken["L"],
            "log_ratio_there": None if broken is None else broken["mean_log_ratio"],
            "why": None if broken is None else broken["note"],
        })
    return out


def _is_off(row: dict, tolerance: float) -> bool:
    within_tolerance = abs(row["mean_log_ratio"]) <= tolerance  # False for NaN
    within_noise = bool(np.isfinite(row["mean_estimate"])) and abs(row["mean_estimate"] - row["true_mi"]) <= 3 * row["stderr"]
    return not (within_tolerance or within_noise)


def write_outputs(result, out_dir) -> list[Path]:
    """Write a ``ValidationResult`` as ``validation.csv``, ``validation.json`` and the figures into ``out_dir``; return the paths."""
    out_dir = Path(out_dir)
    paths = [out_dir / "validation.csv", out_dir / "validation.json"]
    with atomic_path(paths[0]) as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(result.rows)
    write_json(paths[1], result.to_dict())
    if result.rows:
        paths.append(save_figure(plot_ratios(result.rows), out_dir / "ratio_vs_length.png"))
    if result.two_point:
        paths.append(save_figure(plot_two_point_vs_bipartite(result.two_point), out_dir / "two_point_vs_bipartite.png"))
    return paths


def format_report(result) -> str:
    """The validation table, where each estimator breaks, and the two-point vs bipartite numbers."""
    lines = [f"{'family':<24} {'L':>5} {'estimator':<17} {'true':>9} {'estimate':>10} {'±':>8} {'log(est/true)':>13}"]
    for row in result.rows:
        lines.append(f"{row['family']:<24} {row['L']:>5} {row['estimator']:<17} {row['true_mi']:>9.4g} "
                     f"{row['mean_estimate']:>10.4g} {row['stderr']:>8.2g} {row['mean_log_ratio']:>13.3f}")
    lines.append("\nwhere each estimator breaks (|log ratio| > 0.1 beyond 3 standard errors):")
    for item in result.breakdown:
        where = "holds at every L tested" if item["breaks_at_L"] is None else \
            f"off from L = {item['breaks_at_L']} (log ratio {item['log_ratio_there']:.2f}; {item['why']})"
        lines.append(f"  {item['estimator']:<17} {item['family']:<24} {where}")
    neural = neural_summary(result.rows)
    if neural:
        lines.append("\nneural bounds (true MI in nats; seed spread = std of the estimate over seeds):")
    for item in neural:
        (low, s_low), (high, s_high) = item["spread_low"], item["spread_high"]
        first = item["first_off_true_mi"]
        sat = item["saturated_from_true_mi"]
        lines.append(f"  {item['estimator']:<8} "
                     + ("never off" if first is None else f"off from I = {first:.3g} ({item['first_off_at']})")
                     + ("" if sat is None else f"; saturated (> 0.9 ln B) from I = {sat:.3g}")
                     + f"; seed spread {s_low:.2g} at I = {low:.3g}, {s_high:.2g} at I = {high:.3g}")
    if result.two_point:
        tp = result.two_point
        lines.append("\nhierarchical: antipodal two-point I(X_1; X_L) vs bipartite I(L/2; L)")
        for i, length in enumerate(tp["lengths"]):
            lines.append(f"  L={length:<6} k=3: {tp['k=3']['two_point_antipodal'][i]:.4g} vs {tp['k=3']['bipartite'][i]:.4g}   "
                         f"k=1: {tp['k=1']['two_point_antipodal'][i]:.4g} vs {tp['k=1']['bipartite'][i]:.4g}")
    for line in result.skipped:
        lines.append(f"skipped: {line}")
    return "\n".join(lines)
