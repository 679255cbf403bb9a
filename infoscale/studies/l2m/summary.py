"""The L²M sweep summarised: ``summary.json`` and the text table.

Per fixed-state architecture, pooled over families, lengths and sizes: the collapse scores of
``theory.collapse`` for the KL per token and for the fraction of the information lost; the same
for the linear reference over the sweep's own design. Per family: the information-proportional
state law D*_ε(L) (``theory.state_law``). Over the runs: the capped runs, the seed spreads, the
utilization of every run, the transformer's KL as a fraction of the memoryless KL, and the
plateau test (``plateau``).
"""

from __future__ import annotations

import numpy as np

from infoscale.generators import make_family
from infoscale.protocols import GaussianFamily
from infoscale.studies.l2m.config import SweepConfig
from infoscale.studies.l2m.labels import family_label
from infoscale.studies.l2m.plateau import plateau_tests, seed_spreads, transformer_fractions
from infoscale.studies.l2m.reference import reference_curves, reference_rows
from infoscale.theory.collapse import collapse_scores
from infoscale.theory.state_law import MIN_LENGTHS, gamma_interval, information_state_law

#: Targets of the collapse sweep (issue 22): γ within this of the local β.
GAMMA_TOLERANCE = 0.15


def summarize_sweep(table: dict) -> dict:
    """The summary of an ``l2m.json`` table (its config checked): see the module docstring."""
    config = SweepConfig.from_dict(table["config"])
    rows = [r for r in table["rows"] if r.get("mean_kl") is not None]
    main = [r for r in rows if not r.get("plateau")]
    fixed = [r for r in main if r["role"] == "fixed-state"]
    betas = _local_betas(config)
    beta_min = min(betas.values()) if betas else None
    bootstrap = config.analysis.bootstrap
    collapse = {arch: {value: collapse_scores([r for r in fixed if r["arch"] == arch], value, beta_min, bootstrap)
                       for value in ("kl", "fraction")} for arch in sorted({r["arch"] for r in fixed})}
    reference = reference_rows(config)
    if reference:
        collapse["linear reference"] = {value: collapse_scores(reference, value, beta_min, bootstrap)
                                        for value in ("kl", "fraction")}
    out = {"collapse": collapse, "beta_local": betas, "state_law": _state_laws(config, fixed),
           "capped_runs": [_name(r) for r in main if r.get("hit_cap") and r.get("early_stopping") is not None],
           "seed_spread": seed_spreads(main), "utilization": _utilization(main),
           "transformer": {"fraction_of_memoryless_kl": transformer_fractions(main), "plateau": plateau_tests(rows)}}
    out["targets"] = _targets(out)
    return out


def _local_betas(config: SweepConfig) -> dict:
    """The local exponent of I(L/2; L) over the sweep's lengths, per family label."""
    out = {}
    for spec in config.families:
        family = make_family(spec.name, **dict(spec.params))
        try:
            mi = [family.bipartite_mi(L // 2, L) for L in config.lengths]
        except NotImplementedError:
            continue
        out[family_label({"family": family.name, "family_params": family.params})] = \
            gamma_interval(config.lengths, mi, bootstrap=0)["gamma"] if len(config.lengths) >= MIN_LENGTHS else None
    return {k: v for k, v in out.items() if v is not None}


def _state_laws(config: SweepConfig, fixed: list[dict]) -> dict:
    out = {}
    for index in sorted({r["family_index"] for r in fixed}):
        mine = [r for r in fixed if r["family_index"] == index]
        family = make_family(mine[0]["family"], **mine[0]["family_params"])
        curves = reference_curves(family, sorted({r["length"] for r in mine})) if isinstance(family, GaussianFamily) \
            else None
        out[family_label(mine[0])] = information_state_law(mine, config.analysis.epsilons, curves,
                                                           config.analysis.bootstrap)
    return out


def _name(row: dict) -> str:
    return f"{family_label(row)} L={row['length']} {row['label']} seed={row.get('seed')}"


def _utilization(rows: list[dict]) -> list[dict]:
    return [{"run": _name(r), "arch": r["arch"], "family": family_label(r), "length": r["length"],
             "history_state_dim": r["history_state_dim"], "mi_per_state_dim": r["mi_per_state_dim"],
             "utilization": r["utilization"]["utilization"], "stderr": r["utilization"]["stderr"]}
            for r in rows if r.get("utilization")]


def _targets(summary: dict) -> dict:
    """Whether each target of the collapse sweep is met, from the numbers above."""
    gamma, ordered = {}, {}
    for label, entries in summary["state_law"].items():
        for e in entries:
            ok = e["gamma"] is not None and e["beta_local"] is not None and abs(e["gamma"] - e["beta_local"]) <= GAMMA_TOLERANCE
            gamma[f"{label} {e['arch']} ε={e['epsilon']:g}"] = ok
    fractions = summary["transformer"]["fraction_of_memoryless_kl"]
    return {"collapse_verdict": {f"{arch} {value}": s["verdict"] for arch, by in summary["collapse"].items()
                                 for value, s in by.items()},
            "gamma_within_0.15_of_local_beta": gamma,
            "transformer_at_most_5_percent_of_memoryless": {f"{fam} L={L}": v is not None and v <= 0.05
                                                            for fam, by in fractions.items() for L, v in by.items()},
            "capped_runs": len(summary["capped_runs"])}


def summary_lines(table: dict, summary: dict | None = None) -> list[str]:
    """A plain-text table of the runs, then the summary's headline numbers."""
    lines = [f"{'family':<24} {'L':>5} {'model':<12} {'seed':>4} {'state':>7} {'I(L/2;L)':>9} {'KL/token':>9} "
             f"{'± se':>7} {'R(D)/L':>8} {'no hist':>8} {'steps':>6} {'util':>6} {'train s':>8}"]
    for r in table["rows"]:
        kl = "-" if r["mean_kl"] is None else f"{r['mean_kl']:.4f}"
        se = "-" if r["mean_kl_stderr"] is None else f"{r['mean_kl_stderr']:.4f}"
        mi = float("nan") if r["mi_half"] is None else r["mi_half"]
        util = r.get("utilization", {}).get("utilization", float("nan")) if r.get("utilization") else float("nan")
        steps = f"{r.get('steps_taken', '-')}{'+' if r.get('hit_cap') else ''}"
        lines.append(f"{family_label(r):<24} {r['length']:>5} {r['label']:<12} {r.get('seed', '-')!s:>4} "
                     f"{r['history_state_dim']:>7} {mi:>9.3f} {kl:>9} {se:>7} "
                     f"{r.get('linear_reference', float('nan')) / r['length']:>8.4f} "
                     f"{r.get('memoryless_kl', float('nan')):>8.4f} {steps:>6} {util:>6.2f} {r['train_seconds']:>8.0f}")
    return lines if summary is None else lines + headline_lines(summary)


def headline_lines(summary: dict) -> list[str]:
    """The summary's numbers, one line each."""
    lines = []
    for arch, by in summary["collapse"].items():
        for value, s in by.items():
            interval = "-" if s["interval"] is None else f"[{s['interval'][0]:.2f}, {s['interval'][1]:.2f}]"
            lines.append(f"collapse, {arch}, {value}: ĉ = {_num(s['exponent_of_information'])} {interval}; R² on I/D "
                         f"{_num(s['r2_information_ratio'])}, on L/D {_num(s['r2_length_ratio'])}, on D "
                         f"{_num(s['r2_state'])}, on L {_num(s['r2_length'])} ({s['points']} points, {s['dropped']} "
                         f"at zero): {'holds' if s['verdict'] else 'does not hold'}")
    for label, entries in summary["state_law"].items():
        for e in entries:
            lines.append(f"state law, {label}, {e['arch']}, ε = {e['epsilon']:g}: D* = "
                         f"{', '.join(_num(d, '.1f') for d in e['state_needed'])}; γ = {_num(e['gamma'])} "
                         f"{_interval(e['interval'])} (linear reference {_num(e.get('gamma_linear'))} "
                         f"{_interval(e.get('interval_linear'))}); β local {_num(e['beta_local'])}")
    lines.append(f"capped runs: {len(summary['capped_runs'])}" +
                 "".join(f"\n  {name}" for name in summary["capped_runs"]))
    for family, by in summary["transformer"]["fraction_of_memoryless_kl"].items():
        lines.append(f"transformer / memoryless KL, {family}: " +
                     ", ".join(f"L={L}: {_num(v)}" for L, v in by.items()))
    for entry in summary["transformer"]["plateau"]:
        lines.append(f"plateau, {entry['run']}: KL {_num(entry['kl'], '.5f')} → {_num(entry['kl_doubled'], '.5f')} "
                     f"with twice the cap (seed spread {_num(entry['seed_spread'], '.5f')}): "
                     f"{'falls by more than the spread' if entry['falls'] else 'within the spread'}")
    return lines


def _interval(value) -> str:
    return "-" if value is None else f"[{value[0]:.2f}, {value[1]:.2f}]"


def _num(value, spec: str = ".3f") -> str:
    return "-" if value is None else format(value, spec)
