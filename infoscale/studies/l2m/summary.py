"""The L²M sweep summarised: the text table, and ``summary.json`` (collapse, state law, growth, convergence)."""

from __future__ import annotations

import numpy as np

from infoscale.generators import make_family
from infoscale.theory.collapse import collapse_scores, growth_ratio, state_law
from infoscale.studies.l2m.config import SweepConfig
from infoscale.studies.l2m.figures import family_label
from infoscale.theory.rate_distortion import reference_curve
from infoscale.protocols import GaussianFamily

#: Targets of the collapse sweep (issue 17): γ within this of β, and the transformer's KL growth.
GAMMA_TOLERANCE = 0.15
GROWTH_TARGET = 1.5
#: A run counts as converged when its training loss changed by less than this over its last 20 % of steps.
CONVERGED = 0.02


def summarize_sweep(table: dict) -> dict:
    """Per family: the collapse scores, D*(L) with its exponent per architecture and threshold, the
    growing-state models' KL growth; and over all runs, the convergence figures."""
    rows = [r for r in table["rows"] if r.get("mean_kl") is not None]
    thresholds = SweepConfig.from_dict(table["config"]).analysis.thresholds  # a saved table's config, checked
    out = {"collapse": {}, "collapse_by_arch": {}, "state_law": {}, "transformer_growth": {},
           "convergence": _convergence(rows)}
    for index in sorted({r["family_index"] for r in rows}):
        mine = [r for r in rows if r["family_index"] == index]
        label = family_label(mine[0])
        fixed = [r for r in mine if r["role"] == "fixed-state"]
        if fixed:
            out["collapse"][label] = collapse_scores(fixed)
            out["collapse_by_arch"][label] = {arch: collapse_scores([r for r in fixed if r["arch"] == arch])
                                              for arch in sorted({r["arch"] for r in fixed})}
        family = make_family(mine[0]["family"], **mine[0]["family_params"])
        if fixed and thresholds and isinstance(family, GaussianFamily):
            curves = {}
            for length in sorted({r["length"] for r in fixed}):
                states = np.arange(1, length // 2 * family.token_dim + 1)
                curves[length] = (states, reference_curve(family, length, states) / length)
            beta = family.scaling.exponent if family.scaling.law == "power" else None
            out["state_law"][label] = state_law(fixed, thresholds, curves, beta)
        for model in sorted({r["label"] for r in mine if r["role"] == "growing-state"}):
            out["transformer_growth"].setdefault(label, {})[model] = growth_ratio([r for r in mine if r["label"] == model])
    out["targets"] = _targets(out)
    return out


def _convergence(rows: list[dict]) -> dict:
    figures = [r.get("convergence") for r in rows]
    known = [f for f in figures if f is not None]
    return {"threshold": CONVERGED, "max": max(known) if known else None,
            "not_converged": [f"{family_label(r)} L={r['length']} {r['label']}: {r['convergence']:.3f}"
                              for r in rows if r.get("convergence") is not None and r["convergence"] > CONVERGED]}


def _targets(summary: dict) -> dict:
    """Whether each target of the collapse sweep is met, from the numbers above."""
    collapse = {label: scores["holds"] for label, scores in summary["collapse"].items()}
    gamma = {}
    for label, entries in summary["state_law"].items():
        for entry in entries:
            beta = entry["beta_local"]
            ok = entry["gamma"] is not None and beta is not None and abs(entry["gamma"] - beta) <= GAMMA_TOLERANCE
            gamma[f"{label} {entry['arch']} τ={entry['threshold']:g}"] = ok
    growth = {f"{label} {model}": ratio is not None and ratio <= GROWTH_TARGET
              for label, models in summary["transformer_growth"].items() for model, ratio in models.items()}
    return {"collapse": collapse, "gamma_within_tolerance_of_local_beta": gamma,
            "transformer_growth_at_most_1.5": growth}


def summary_lines(table: dict, summary: dict | None = None) -> list[str]:
    """A plain-text table of the runs, then the summary's headline numbers."""
    lines = [f"{'family':<17} {'L':>6} {'model':<16} {'state':>8} {'I(L/2;L)':>9} {'KL/token':>9} {'± se':>7} "
             f"{'R(D)/L':>8} {'no hist':>8} {'conv':>6} {'train s':>8}"]
    for r in table["rows"]:
        kl = "-" if r["mean_kl"] is None else f"{r['mean_kl']:.4f}"
        se = "-" if r["mean_kl_stderr"] is None else f"{r['mean_kl_stderr']:.4f}"
        mi = float("nan") if r["mi_half"] is None else r["mi_half"]
        ref = r.get("linear_reference", float("nan")) / r["length"]
        conv = "-" if r.get("convergence") is None else f"{r['convergence']:.3f}"
        lines.append(f"{family_label(r):<17} {r['length']:>6} {r['label']:<16} {r['history_state_dim']:>8} {mi:>9.3f} "
                     f"{kl:>9} {se:>7} {ref:>8.4f} {r.get('memoryless_kl', float('nan')):>8.4f} {conv:>6} "
                     f"{r['train_seconds']:>8.0f}")
    if summary is None:
        return lines
    for label, scores in summary["collapse"].items():
        by_arch = summary["collapse_by_arch"][label]
        for name, entry in [("all fixed-state models", scores), *by_arch.items()]:
            lines.append(f"collapse, {label}, {name}: R² of log KL on log(I/D) {_num(entry['r2_ratio'])}, on log D "
                         f"{_num(entry['r2_state'])}, on log L {_num(entry['r2_length'])} "
                         f"({entry['points']} runs): {'holds' if entry['holds'] else 'does not hold'}")
    for label, entries in summary["state_law"].items():
        for e in entries:
            lines.append(f"state law, {label}, {e['arch']}, KL ≤ {e['threshold']:g}: D*(L) = "
                         f"{', '.join(_num(d, '.1f') for d in e['state_needed'])} at L = {e['lengths']}; "
                         f"γ = {_num(e['gamma'])} ± {_num(e['gamma_stderr'])} (linear reference "
                         f"{_num(e['gamma_linear'])}); β local {_num(e['beta_local'])}, asymptotic "
                         f"{_num(e['beta_asymptotic'])}")
    for label, models in summary["transformer_growth"].items():
        for model, ratio in models.items():
            lines.append(f"growth, {label}, {model}: KL(L_max)/KL(L_min) = {_num(ratio, '.2f')}")
    conv = summary["convergence"]
    lines.append(f"convergence: largest relative change over the last 20 % of steps {_num(conv['max'], '.3f')}; "
                 f"{len(conv['not_converged'])} run(s) above {conv['threshold']}")
    return lines


def _num(value, spec: str = ".3f") -> str:
    return "-" if value is None else format(value, spec)
