"""The files of a sweep's runs: ``runs/run-NNN.json`` (a row) beside ``models/run-NNN.pt`` (its model).

A run counts as finished only when both read back; anything damaged is trained again. Shared by
the sweep (resume, shards) and ``merge`` (the shards' folders into one table).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from infoscale.errors import InvalidInput
from infoscale.nets.checkpoint import load_model
from infoscale.studies.l2m.config import SweepConfig


def read_json(path: Path):
    """The JSON in ``path``; one ``InvalidInput`` naming it where it cannot be read."""
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise InvalidInput(f"cannot read {str(path)!r}: {err}") from None


def run_index(path: Path) -> int:
    """The run index in a run file's name (``run-NNN.json``, ``run-NNN.pt``)."""
    return int(path.stem.split("-")[1])


def comparable(saved) -> str | None:
    """A saved configuration's ``comparable`` form; ``None`` where it is no valid configuration."""
    try:
        return SweepConfig.from_dict(saved).comparable()
    except (InvalidInput, TypeError):
        return None


def finished_runs(out_dir: Path, only: set[int] | None = None) -> dict[int, dict]:
    """Runs (of ``only``, if given) whose row and model files are both readable (anything else is trained again)."""
    finished = {}
    for path in sorted((out_dir / "runs").glob("run-*.json")):
        try:
            index = run_index(path)
            if only is not None and index not in only:  # another shard's run
                continue
            row = json.loads(path.read_text())
            load_model(model_path(out_dir, index))
        except Exception:  # noqa: BLE001 - whatever makes a file unreadable (truncation, damage), the run is redone
            print(f"infoscale: note: {path.name} or its model is unreadable; that run is trained again", file=sys.stderr)
            continue
        finished[index] = row
    return finished


def model_path(out_dir: Path, index: int) -> Path:
    return out_dir / "models" / f"run-{index:03d}.pt"
