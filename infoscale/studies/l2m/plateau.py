"""How far training got: the seed spread of each cell, the growing-state model's KL as a fraction of
the memoryless KL, and the plateau test.

- ``seed_spreads``: for every (family, length, model) trained with ≥ 2 seeds, the spread
  max − min of their KL per token, absolute and relative to the mean;
- ``transformer_fractions``: KL per token of each growing-state model over the memoryless KL
  (``theory.rate_distortion.memoryless_kl``, the level of a model that ignores the past), per
  family and length; the target is ≤ 5 % at every L;
- ``plateau_tests``: each model retrained at the longest length with twice the cap and no early
  stopping (``plateau`` of the config) against its early-stopped seeds: it *falls* when the
  doubled run's KL is below the seeds' mean by more than their spread. A model at its capacity
  stays within its spread; one whose KL is still limited by training falls.
"""

from __future__ import annotations

import numpy as np

from infoscale.studies.l2m.labels import family_label


def _cells(rows: list[dict]) -> dict:
    cells: dict = {}
    for r in rows:
        if not r.get("plateau") and r.get("mean_kl") is not None:
            cells.setdefault((family_label(r), r["length"], r["label"]), []).append(r["mean_kl"])
    return cells


def seed_spreads(rows: list[dict]) -> dict:
    """{"cells": [{family, length, label, kls, spread, relative}], "median_relative", "max_relative"}."""
    cells = [{"family": f, "length": L, "label": label, "kls": kls, "spread": float(np.ptp(kls)),
              "relative": float(np.ptp(kls) / np.mean(kls))}
             for (f, L, label), kls in _cells(rows).items() if len(kls) >= 2]
    relative = [c["relative"] for c in cells]
    return {"cells": cells, "median_relative": float(np.median(relative)) if relative else None,
            "max_relative": float(np.max(relative)) if relative else None}


def transformer_fractions(rows: list[dict]) -> dict:
    """{family: {L: mean KL over seeds / memoryless KL}} of the growing-state models' rows."""
    out: dict = {}
    grows = [r for r in rows if r["role"] == "growing-state" and not r.get("plateau") and r.get("memoryless_kl")]
    for (family, length, label), kls in _cells(grows).items():
        memoryless = next(r["memoryless_kl"] for r in grows if family_label(r) == family and r["length"] == length)
        out.setdefault(f"{family} {label}", {})[length] = float(np.mean(kls) / memoryless)
    return out


def plateau_tests(rows: list[dict]) -> list[dict]:
    """The plateau test of every doubled run (a row with ``plateau``) against its cell's seeds."""
    cells, out = _cells(rows), []
    for r in rows:
        if not r.get("plateau") or r.get("mean_kl") is None:
            continue
        kls = cells.get((family_label(r), r["length"], r["label"]), [])
        if not kls:
            continue
        spread = float(np.ptp(kls)) if len(kls) >= 2 else None
        mean = float(np.mean(kls))
        out.append({"run": f"{family_label(r)} L={r['length']} {r['label']}", "role": r["role"], "kl": mean,
                    "kl_doubled": r["mean_kl"], "seed_spread": spread, "seeds": len(kls),
                    "falls": spread is not None and mean - r["mean_kl"] > spread})
    return out
