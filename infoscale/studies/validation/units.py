"""The validation table's unit files: one ``cases/case-NNN.json`` per case (a family at one L).

They make the table resumable, shardable and mergeable (``runner.run_validation``'s ``out_dir``,
``resume``, ``shard`` and ``merge``). A file holds the case's key (its index, family label and L, and
the settings that decide its numbers: samples, seeds, master seed, estimators), its rows and its
skipped notes; it is used only where the key matches, otherwise the case is computed again. NaN and
±inf survive the strict JSON (written as null and "inf"/"-inf", read back as floats), so rows read
back equal the rows computed. Every case has its own seeds (``runner.case_seed``), so its rows do not
depend on which process computed it, or when.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from infoscale.io import write_json
from infoscale.shards import Unit
from infoscale.studies.validation.report import strict_json

#: The row fields that are floats (NaN or ±inf included).
FLOAT_COLUMNS = ("true_mi", "mean_estimate", "stderr", "mean_reported_stderr", "mean_log_ratio", "seed_spread",
                 "seconds")
#: Seconds per sample, seed and estimator, times 1 + L/64, for ``case_cost``: the quick preset's 196 s of CPU
#: (its module comment) spread over its cases; the full preset then comes to 3.5 h against its
#: estimated 4 h. It orders and balances cases; it is no promise.
SECONDS_PER_SAMPLE = 5.3e-5


def case_path(folder, index: int) -> Path:
    return Path(folder) / "cases" / f"case-{index:03d}.json"


def read_case(folder, index: int, key: dict) -> dict | None:
    """``{"rows", "skipped"}`` of case ``index`` saved in ``folder`` under ``key``; ``None`` where it is
    not there, unreadable, or another case's or another setting's."""
    try:
        saved = json.loads(case_path(folder, index).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(saved, dict) or saved.get("key") != key:
        return None
    return {"rows": [_floats(row) for row in saved["rows"]], "skipped": saved["skipped"]}


def write_case(folder, index: int, key: dict, part: dict) -> Path:
    """Write case ``index`` (``{"rows", "skipped"}``) atomically under ``key``."""
    return write_json(case_path(folder, index), strict_json({"key": key, **part}))


def _floats(row: dict) -> dict:
    back = {None: math.nan, "inf": math.inf, "-inf": -math.inf}
    return {k: back.get(v, v) if k in FLOAT_COLUMNS and not isinstance(v, float) else v for k, v in row.items()}


def case_cost(label: str, length: int, samples: int, seeds: int, estimators: int) -> Unit:
    """A case's rough cost: seconds ∝ samples · seeds · estimators · (1 + L/64); memory as the runner
    checks it (four float64 copies of the samples, one coordinate per token)."""
    seconds = SECONDS_PER_SAMPLE * samples * seeds * estimators * (1 + length / 64)
    return Unit(f"{label} L={length}", seconds, 4 * 8.0 * samples * length)
