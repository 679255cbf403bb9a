"""The validation harness: every sample-based estimator on every family, length and seed, against the exact MI.

For each case (family, length L, seed) it draws n exact samples, cuts them at ℓ = L/2 and runs
each estimator that applies to the family's kind of tokens, next to the exact I(L/2; L) from
``family.bipartite_mi``. The table has one row per (family, L, estimator): the mean estimate over
seeds; its standard error, the larger of (spread of the per-seed estimates) and (mean reported
error), over √seeds, so that neither a lucky spread over few seeds nor an optimistic reported
error makes a row look precise; the mean reported standard error; the mean of log(estimate/true)
(NaN where an estimate is not positive, inf where it is infinite); and the mean time.

Where each estimator breaks is part of the output (``breakdown``): for every estimator and family,
the first length at which |mean log(estimate/true)| exceeds ``tolerance`` (default 0.1, a 10 %
error) and the miss exceeds 3 standard errors, with the quantity that explains it: the number of
words V^ℓ of a half against n for the counting estimators, the dimension ℓ·D of each block for
KSG, the context length for the truncated oracle, the CLUB gap for vCLUB.

``two_point_vs_bipartite`` is the L²M paper's point that two-point MI cannot tell scaling classes
apart: for the hierarchical family with k = 3 (I(L/2; L) ∝ L^0.79) and k = 1 (∝ ln L) the
antipodal two-point MI I(X_1; X_L) is the same at every L, while the bipartite MI differs by
orders of magnitude. The harness writes the table as CSV and JSON and the figures as PNG.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
from tqdm.auto import tqdm

from infoscale._checks import as_rng, check_float, check_int
from infoscale.estimators.block import discrete_block_mi, gaussian_sample_mi, ksg_mi, split_blocks
from infoscale.estimators.model_based import OracleModel, direct_mi, vclub_mi
from infoscale.generators import family_names, make_family
from infoscale.io import atomic_path, save_figure, write_json

COLUMNS = ("family", "class", "L", "true_mi", "estimator", "mean_estimate", "stderr", "mean_reported_stderr",
           "mean_log_ratio", "seconds", "seeds", "n_samples", "note")


@dataclass(frozen=True)
class EstimatorSpec:
    """A named estimator: which tokens it takes (``discrete``, ``continuous`` or ``any``) and how to run it."""

    name: str
    tokens: str
    run: Callable  # (family, x, ell) -> Estimate
    cause: Callable  # (family, x, ell) -> str explaining the regime (V^ℓ vs n, dimension, context)


def _words(family, x, ell):
    return f"V^ℓ = {family.vocab_size}^{ell} = {float(family.vocab_size) ** ell:.3g} words vs n = {x.shape[0]}"


def _dimension(family, x, ell):
    return f"block dimensions {ell * family.token_dim} + {(x.shape[1] - ell) * family.token_dim}, n = {x.shape[0]}"


def _context(context):
    return lambda family, x, ell: f"oracle model with {context} context, cut at ℓ = {ell}"


def _ksg(family, x, ell):
    return ksg_mi(*split_blocks(x, ell), k=3)


TRUNCATED_CONTEXT = 4

ESTIMATORS = {spec.name: spec for spec in (
    EstimatorSpec("plugin", "discrete", lambda f, x, ell: discrete_block_mi(x, ell, "plugin"), _words),
    EstimatorSpec("grassberger", "discrete", lambda f, x, ell: discrete_block_mi(x, ell, "grassberger"), _words),
    EstimatorSpec("gaussian", "continuous", lambda f, x, ell: gaussian_sample_mi(*split_blocks(x, ell)), _dimension),
    EstimatorSpec("ksg", "continuous", _ksg, _dimension),
    EstimatorSpec("direct", "any", lambda f, x, ell: direct_mi(OracleModel(f), x, ell), _context("full")),
    EstimatorSpec("direct-corrected", "discrete",
                  lambda f, x, ell: direct_mi(OracleModel(f), x, ell, first_tokens=min(2, x.shape[1] - ell - 1)),
                  _context("full")),
    EstimatorSpec("vclub", "any", lambda f, x, ell: vclub_mi(OracleModel(f), x, ell),
                  lambda f, x, ell: "exact oracle model; vCLUB exceeds I by KL(p(x)p(y) ‖ p(x, y)) even then"),
    EstimatorSpec("direct-truncated", "any",
                  lambda f, x, ell: direct_mi(OracleModel(f, context=TRUNCATED_CONTEXT), x, ell),
                  _context(f"a {TRUNCATED_CONTEXT}-token")),
)}


@dataclass(frozen=True)
class Case:
    """One family (by registry name and parameters) and the lengths to test it at."""

    family: str
    params: dict
    lengths: tuple

    @property
    def label(self) -> str:
        return self.family + "".join(f" {k}={v}" for k, v in self.params.items())


PRESETS = {
    # 2.5 min wall (62 s CPU) measured on 2 busy cores: every estimator is seen working and breaking.
    "quick": dict(samples=2000, seeds=3, cases=(
        Case("ar", {}, (4, 8, 16, 32, 64)),
        Case("hierarchical", {"k": 3}, (4, 16, 64)),
        Case("gaussian-mean", {}, (4, 8, 16, 32, 64)),
        Case("noisy-copy", {}, (4, 8, 16, 32)),
        Case("markov", {"vocab_size": 2}, (4, 8, 12, 16, 24)),
        Case("copy", {"vocab_size": 2}, (4, 8, 12, 16, 24)),
        Case("dirichlet", {}, (4, 8, 12, 16)),
        Case("tree", {}, (4, 16, 64)),
    ), two_point_lengths=(4, 16, 64, 256, 1024)),
    "full": dict(samples=20000, seeds=10, cases=(
        Case("ar", {}, (4, 8, 16, 32, 64, 128)),
        Case("fgn", {}, (4, 8, 16, 32, 64, 128)),
        Case("hierarchical", {"k": 3}, (4, 16, 64, 256)),
        Case("hierarchical", {"k": 1}, (4, 16, 64, 256)),
        Case("gaussian-mean", {}, (4, 8, 16, 32, 64, 128)),
        Case("noisy-copy", {}, (4, 8, 16, 32, 64)),
        Case("markov", {"vocab_size": 2}, (4, 8, 12, 16, 24, 32)),
        Case("hmm", {}, (4, 8, 12, 16)),
        Case("copy", {"vocab_size": 2}, (4, 8, 12, 16, 24, 32)),
        Case("dirichlet", {}, (4, 8, 12, 16, 24)),
        Case("tree", {}, (4, 16, 64)),
    ), two_point_lengths=(4, 16, 64, 256, 1024, 4096)),
}

#: KSG is skipped above this block dimension (its cost grows as n² there and the point is made).
KSG_MAX_DIM = 64


@dataclass
class ValidationResult:
    """The table rows, the breakdown summary and the two-point-vs-bipartite curves."""

    rows: list
    breakdown: list
    two_point: dict
    skipped: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"columns": list(COLUMNS), "rows": self.rows, "breakdown": self.breakdown,
                "two_point_vs_bipartite": self.two_point, "skipped": self.skipped}


def run_validation(cases=None, estimators=None, samples: int = 2000, seeds: int = 3, seed: int = 0,
                   tolerance: float = 0.1, two_point_lengths=(4, 16, 64, 256, 1024),
                   progress: bool = True) -> ValidationResult:
    """Run every estimator × case × length × seed; see the module docstring for what is measured."""
    samples = check_int("samples", samples, 2)
    seeds = check_int("seeds", seeds, 1)
    tolerance = check_float("tolerance", tolerance, 0.0, low_open=True)
    cases = list(PRESETS["quick"]["cases"] if cases is None else cases)
    names = list(ESTIMATORS) if estimators is None else list(estimators)
    unknown = [name for name in names if name not in ESTIMATORS]
    if unknown:
        raise ValueError(f"unknown estimator {unknown[0]!r}; known: {', '.join(ESTIMATORS)}")
    skipped, jobs = [], []
    for case in cases:
        if case.family not in family_names():
            skipped.append(f"{case.label}: family not registered")
            continue
        family = make_family(case.family, **case.params)
        for length in case.lengths:
            try:
                family.check_length(length)
            except ValueError as err:
                skipped.append(f"{case.label} L={length}: {err}")
                continue
            jobs.append((case, family, length))
    rng = as_rng(seed)
    rows = []
    for case, family, length in tqdm(jobs, disable=not progress, desc="validate", unit="case"):
        rows.extend(_run_case(case, family, length, names, samples, seeds, rng, skipped))
    return ValidationResult(rows=rows, breakdown=breakdown(rows, tolerance), skipped=skipped,
                            two_point=two_point_vs_bipartite(two_point_lengths))


def _run_case(case, family, length, names, samples, seeds, rng, skipped) -> list:
    ell = length // 2
    true_mi = float(family.bipartite_mi(ell, length))
    specs = [ESTIMATORS[name] for name in names if _applies(ESTIMATORS[name], family)]
    results: dict[str, list] = {spec.name: [] for spec in specs}
    notes: dict[str, str] = {}
    for _ in range(seeds):
        x = family.sample(samples, length, rng)
        for spec in specs:
            if spec.name == "ksg" and length * getattr(family, "token_dim", 1) > KSG_MAX_DIM:
                notes[spec.name] = f"skipped: dimension {length * family.token_dim} > {KSG_MAX_DIM}"
                continue
            try:
                results[spec.name].append(spec.run(family, x, ell))
            except (ValueError, NotImplementedError) as err:
                notes[spec.name] = f"skipped: {err}"
                continue
            notes[spec.name] = spec.cause(family, x, ell)
    rows = []
    for spec in specs:
        estimates = results[spec.name]
        if not estimates:
            skipped.append(f"{case.label} L={length} {spec.name}: {notes.get(spec.name, '')}")
            continue
        values = np.array([e.value for e in estimates])
        reported = np.array([np.nan if e.stderr is None else e.stderr for e in estimates])
        spread = np.std(values, ddof=1) if len(values) > 1 and np.all(np.isfinite(values)) else np.nan
        stderr = np.fmax(spread, np.mean(reported)) / math.sqrt(len(values))
        rows.append({
            "family": case.label, "class": str(family.scaling), "L": length, "true_mi": true_mi,
            "estimator": spec.name, "mean_estimate": float(values.mean()),
            "stderr": float(stderr),
            "mean_reported_stderr": float(np.mean(reported)),
            "mean_log_ratio": _mean_log_ratio(values, true_mi),
            "seconds": float(np.mean([e.seconds for e in estimates])), "seeds": len(values),
            "n_samples": estimates[0].n_samples, "note": notes[spec.name],
        })
    return rows


def _applies(spec: EstimatorSpec, family) -> bool:
    return spec.tokens == "any" or (spec.tokens == "discrete") == bool(family.discrete)


def _mean_log_ratio(values: np.ndarray, true_mi: float) -> float:
    """Mean of log(estimate/true); NaN if any estimate (or the truth) is not positive."""
    if true_mi <= 0 or np.any(values <= 0):
        return float("nan")
    with np.errstate(over="ignore"):
        return float(np.mean(np.log(values / true_mi)))


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


def two_point_vs_bipartite(lengths=(4, 16, 64, 256, 1024)) -> dict:
    """Exact antipodal two-point MI I(X_1; X_L) and bipartite I(L/2; L) for hierarchical k = 3 and k = 1."""
    if "hierarchical" not in family_names():
        return {}
    out = {"lengths": list(lengths)}
    for k in (3, 1):
        family = make_family("hierarchical", k=k)
        out[f"k={k}"] = {
            "bipartite": [float(family.bipartite_mi(L // 2, L)) for L in lengths],
            "two_point_antipodal": [float(family.two_point_mi(0, L - 1, L)) for L in lengths],
            "scaling": str(family.scaling),
        }
    return out


# ---- output -----------------------------------------------------------------------------------
def write_outputs(result: ValidationResult, out_dir) -> list[Path]:
    """Write ``validation.csv``, ``validation.json`` and the figures into ``out_dir``; return the paths."""
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
        paths.append(save_figure(plot_two_point(result.two_point), out_dir / "two_point_vs_bipartite.png"))
    return paths


def plot_ratios(rows: list):
    """One panel per estimator: estimate/true against L for every family (error bars from the seeds)."""
    from infoscale.plotting import plt

    names = [name for name in ESTIMATORS if any(r["estimator"] == name for r in rows)]
    columns = min(4, len(names))
    fig, axes = plt.subplots(math.ceil(len(names) / columns), columns, figsize=(4 * columns, 3.2 * math.ceil(len(names) / columns)),
                             squeeze=False)
    for ax, name in zip(axes.flat, names):
        families = sorted({r["family"] for r in rows if r["estimator"] == name})
        for index, family in enumerate(families):
            series = sorted((r for r in rows if r["estimator"] == name and r["family"] == family), key=lambda r: r["L"])
            lengths = np.array([r["L"] for r in series], dtype=float)
            true = np.array([r["true_mi"] for r in series])
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.array([r["mean_estimate"] for r in series]) / true
                err = np.array([r["stderr"] for r in series]) / true
            shown = np.isfinite(ratio) & np.isfinite(err)  # infinite estimates (vCLUB on a copy) stay in the table
            ratio, err = np.where(shown, ratio, np.nan), np.where(shown, err, np.nan)
            ax.errorbar(lengths, ratio, yerr=err, fmt="o-", ms=3, color=f"C{index % 10}", label=family)
        ax.axhline(1.0, color="k", lw=0.8)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_title(name)
        ax.set_xlabel("L")
        ax.set_ylabel("estimate / true")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=6)
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def plot_two_point(two_point: dict):
    """Bipartite and antipodal two-point MI against L for hierarchical k = 3 and k = 1 (log-log)."""
    from infoscale.plotting import plt

    fig, ax = plt.subplots(figsize=(6, 4.2))
    lengths = two_point["lengths"]
    for index, key in enumerate(k for k in two_point if k.startswith("k=")):
        ax.loglog(lengths, two_point[key]["bipartite"], "o-", color=f"C{index}", label=f"{key}: bipartite I(L/2; L)")
        ax.loglog(lengths, two_point[key]["two_point_antipodal"], "--", marker="sx"[index % 2], ms=9 - 3 * index,
                  color=f"C{index}", mfc="none", label=f"{key}: two-point I(X_1; X_L)")  # the curves coincide
    ax.set_xlabel("sequence length L")
    ax.set_ylabel("mutual information [nats]")
    ax.set_title("hierarchical family: two-point MI cannot tell k = 3 from k = 1")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    return fig


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
    if result.two_point:
        tp = result.two_point
        lines.append("\nhierarchical: antipodal two-point I(X_1; X_L) vs bipartite I(L/2; L)")
        for i, length in enumerate(tp["lengths"]):
            lines.append(f"  L={length:<6} k=3: {tp['k=3']['two_point_antipodal'][i]:.4g} vs {tp['k=3']['bipartite'][i]:.4g}   "
                         f"k=1: {tp['k=1']['two_point_antipodal'][i]:.4g} vs {tp['k=1']['bipartite'][i]:.4g}")
    for line in result.skipped:
        lines.append(f"skipped: {line}")
    return "\n".join(lines)
