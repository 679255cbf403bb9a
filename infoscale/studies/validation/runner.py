"""Running the validation table: every estimator × case × length × seed against the exact MI."""

from __future__ import annotations

import contextlib
import math
import zlib
from pathlib import Path
from dataclasses import dataclass, field

import numpy as np

from infoscale._checks import check_float, check_int
from infoscale.budget import check_memory
from infoscale.errors import InvalidInput
from infoscale.estimators.registry import SAMPLE_ESTIMATORS
from infoscale.progress import progress_bar
from infoscale.studies.validation.presets import PRESETS
from infoscale.studies.validation.report import COLUMNS, breakdown, neural_summary, strict_json
from infoscale.generators import family_names, make_family
from infoscale.io import folder_lock
from infoscale.shards import Shard
from infoscale.studies.validation.units import case_cost, case_path, read_case, write_case


@dataclass
class ValidationResult:
    """The table rows, the breakdown summary and the two-point-vs-bipartite curves."""

    rows: list
    breakdown: list
    two_point: dict
    skipped: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return strict_json({"columns": list(COLUMNS), "rows": self.rows, "breakdown": self.breakdown,
                            "neural": neural_summary(self.rows), "two_point_vs_bipartite": self.two_point,
                            "skipped": self.skipped})


#: Bytes one estimate of one repetition keeps until the report (an Estimate and its row entry).
RESULT_BYTES = 2048


def run_validation(cases=None, estimators=None, samples: int = 2000, seeds: int = 3, seed: int = 0,
                   tolerance: float = 0.1, two_point_lengths=(4, 16, 64, 256, 1024), progress: bool = True,
                   out_dir=None, resume: bool = False, shard: Shard = Shard(), merge=(),
                   executor=None) -> ValidationResult:
    """Run every estimator × case × length × seed; see the module docstring for what is measured.

    ``out_dir``: each case (a family at one L) is written to its own file as it finishes
    (``units``); ``resume`` keeps the cases whose file there matches. ``shard`` I/N computes only
    that shard's cases (balanced by ``units.case_cost``); its result holds only them. ``merge``:
    folders whose case files make the whole table, nothing computed (a case in none is refused).
    ``executor``: ``None`` computes here, a ``cluster.RayExecutor`` each case as a Ray task.
    """
    tolerance = check_float("tolerance", tolerance, 0.0, low_open=True)
    jobs, names, skipped, settings = plan_cases(cases, estimators, samples, seeds, seed)
    costs = [case_cost(case.label, length, samples, seeds, len(names)).seconds for case, _, length in jobs]
    mine = range(len(jobs)) if merge else shard.select(costs)
    keys = {i: {"index": i, "case": jobs[i][0].label, "L": jobs[i][2], **settings} for i in mine}
    sources = [Path(f) for f in merge] or ([Path(out_dir)] if resume and out_dir is not None else [])
    parts = {i: part for i in mine if (part := next(filter(None, (read_case(f, i, keys[i]) for f in sources)), None))}
    todo = [i for i in mine if i not in parts]
    if merge and todo:
        raise InvalidInput(f"cases {', '.join(map(str, todo))} of {len(jobs)} are in none of the --merge folders; "
                           "run (or --resume) the shards that hold them first")
    if merge and out_dir is not None:  # the merged folder holds every case, so --resume and --merge take it
        for i, part in parts.items():
            if read_case(out_dir, i, keys[i]) is None:
                write_case(out_dir, i, keys[i], part)
    calls = [(jobs[i][0], jobs[i][2], names, samples, seeds, seed, None if out_dir is None else str(out_dir), i, keys[i]) for i in todo]
    results = executor.map(compute_case, calls) if executor is not None else (compute_case(*c) for c in calls)
    for index, part in progress_bar(results, total=len(todo), enabled=progress, desc="validate", unit="case"):
        parts[index] = part
    rows = [row for i in sorted(parts) for row in parts[i]["rows"]]
    skipped += [note for i in sorted(parts) for note in parts[i]["skipped"]]
    return ValidationResult(rows=rows, breakdown=breakdown(rows, tolerance), skipped=skipped,
                            two_point=two_point_vs_bipartite(two_point_lengths) if shard.whole or merge else {})


def plan_cases(cases, estimators, samples: int, seeds: int, seed: int):
    """The cases (case, family, L) to run, the estimator names, the skipped notes and the settings that
    decide the numbers; checked (names, lengths, memory) before any sampling."""
    samples = check_int("samples", samples, 2)
    seeds = check_int("seeds", seeds, 1)
    cases = list(PRESETS["quick"]["cases"] if cases is None else cases)
    names = SAMPLE_ESTIMATORS.names() if estimators is None else list(estimators)
    for name in names:
        SAMPLE_ESTIMATORS.get(name)  # an unknown name raises, listing the known ones
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
    if not jobs:
        raise InvalidInput("no case to run: " + ("; ".join(skipped) or "no cases given"))
    check_memory(f"seeds={seeds} repetitions × {len(names)} estimators × {len(jobs)} cases (their results)",
                 RESULT_BYTES * seeds * len(names) * len(jobs))
    check_memory(f"samples={samples} sequences of length {max(job[2] for job in jobs)}",
                 4 * 8.0 * samples * max(job[2] for job in jobs))
    seed = check_int("seed", seed, 0)
    return jobs, names, skipped, {"samples": samples, "seeds": seeds, "seed": seed, "estimators": names}


def compute_case(case, length, names, samples, seeds, seed, out_dir, index, key) -> tuple[int, dict]:
    """(``index``, ``{"rows", "skipped"}``) of one case, written to its unit file in ``out_dir`` (if given)."""
    family, skipped = make_family(case.family, **case.params), []
    path = None if out_dir is None else case_path(out_dir, index)
    with contextlib.nullcontext() if path is None else folder_lock(path.parent, unit=path.name):
        part = {"rows": _run_case(case, family, length, names, samples, seeds, seed, skipped), "skipped": skipped}
        if out_dir is not None:
            write_case(out_dir, index, key, part)
    return index, part


def case_seed(seed: int, *keys) -> int:
    """A seed derived from the master seed and the keys (strings or ints), the same whatever else runs."""
    words = [key if isinstance(key, int) else zlib.crc32(str(key).encode()) for key in keys]
    return int(np.random.SeedSequence([seed, *words]).generate_state(1)[0])


def _run_case(case, family, length, names, samples, seeds, seed, skipped) -> list:
    ell = length // 2
    true_mi = float(family.bipartite_mi(ell, length))
    specs = [SAMPLE_ESTIMATORS.get(name) for name in names if SAMPLE_ESTIMATORS.get(name).applies_to(family)]
    results: dict[str, list] = {spec.name: [] for spec in specs}
    notes: dict[str, str] = {}
    for repeat in range(seeds):
        # the samples depend on (family, L, repeat) only, each estimator's own randomness on its name too
        x = family.sample(samples, length, case_seed(seed, case.label, length, repeat))
        dim = int(np.prod(x.shape[1:]))  # of both blocks together: L tokens of D coordinates
        for spec in specs:
            if not spec.fits(dim):  # the estimator's max_dim tag
                notes[spec.name] = f"skipped: dimension {dim} > {spec.max_dim}"
                continue
            try:
                results[spec.name].append(spec.run(family, x, ell, case_seed(seed, case.label, length, spec.name, repeat)))
            except (ValueError, NotImplementedError) as err:
                notes[spec.name] = f"skipped: {err}"
                continue
            notes[spec.name] = spec.regime(family, x, ell)
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
        saturated = sum(bool(e.extra.get("saturated")) for e in estimates)
        if saturated:  # InfoNCE at its ln(batch) ceiling: the estimate says only "I ≳ ln B"
            notes[spec.name] = f"saturated in {saturated}/{len(values)} seeds (> 0.9 ln B); {notes[spec.name]}"
        rows.append({
            "family": case.label, "class": str(family.scaling), "L": length, "true_mi": true_mi,
            "estimator": spec.name, "mean_estimate": float(values.mean()),
            "stderr": float(stderr),
            "mean_reported_stderr": float(np.mean(reported)),
            "mean_log_ratio": _mean_log_ratio(values, true_mi),
            "seed_spread": float(spread),
            "seconds": float(np.mean([e.seconds for e in estimates])), "seeds": len(values),
            "n_samples": estimates[0].n_samples, "note": notes[spec.name],
        })
    return rows


def _mean_log_ratio(values: np.ndarray, true_mi: float) -> float:
    """Mean of log(estimate/true); NaN if any estimate (or the truth) is not positive."""
    if true_mi <= 0 or np.any(values <= 0):
        return float("nan")
    with np.errstate(over="ignore"):
        return float(np.mean(np.log(values / true_mi)))


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
