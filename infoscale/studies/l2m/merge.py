"""Merging a sharded L²M sweep: the run files of its shards' folders into the table of one sweep.

``merge_sweeps(folders, out_dir)`` reads each folder's ``config.json`` (all must be the same
sweep), takes every readable run (``runs/run-NNN.json`` with its model), refuses when a run of
the plan is in none of them (naming the runs), copies the runs into ``out_dir`` (which may be one
of the folders: a shared folder merges into itself) and writes ``l2m.json``, ``summary.json`` and
the figures exactly as an uninterrupted sweep does. Rows differ from one sweep's only in their
timing fields (``train_seconds``, ``tokens_per_second``). The result is an ordinary sweep folder:
``--resume`` and ``--merge`` take it like any other.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from infoscale.errors import InvalidInput
from infoscale.io import atomic_path, write_json
from infoscale.studies.l2m.config import SweepConfig
from infoscale.studies.l2m.plan import plan
from infoscale.studies.l2m.run_files import comparable, finished_runs, model_path, read_json
from infoscale.studies.l2m.sweep import finish_sweep

#: The fields of a row that are times, not results: they differ between a sharded and a whole sweep.
TIMING_FIELDS = ("train_seconds", "tokens_per_second")


def merge_sweeps(folders, out_dir, overwrite: bool = False) -> dict:
    """The table of one sweep from the run files in ``folders`` (see the module docstring)."""
    folders = [Path(folder) for folder in folders]
    if not folders:
        raise InvalidInput("--merge needs at least one folder")
    config = _same_sweep(folders)
    out_dir = Path(out_dir)
    if (out_dir / "config.json").exists() and not overwrite and out_dir.resolve() not in {f.resolve() for f in folders} \
            and comparable(read_json(out_dir / "config.json")) != config.comparable():
        raise InvalidInput(f"--out {str(out_dir)!r} holds another sweep; choose another folder or --overwrite")
    total = len(plan(config))
    rows, sources = {}, {}
    for folder in folders:
        for index, row in finished_runs(folder).items():
            rows.setdefault(index, row)
            sources.setdefault(index, folder)
    missing = sorted(set(range(total)) - set(rows))
    if missing:
        raise InvalidInput(f"runs {', '.join(map(str, missing))} of {total} are in none of the --merge folders; "
                           "run (or --resume) the shards that hold them first")
    write_json(out_dir / "config.json", config)
    for index, folder in sources.items():
        if folder.resolve() != out_dir.resolve():
            _copy(folder / "runs" / f"run-{index:03d}.json", out_dir / "runs" / f"run-{index:03d}.json")
            _copy(model_path(folder, index), model_path(out_dir, index))
    return finish_sweep(config, out_dir, rows)


def _same_sweep(folders: list[Path]) -> SweepConfig:
    """The sweep every folder's ``config.json`` holds; refused where one holds another or none."""
    configs = []
    for folder in folders:
        path = folder / "config.json"
        if not path.exists():
            raise InvalidInput(f"--merge folder {str(folder)!r} holds no sweep (no config.json)")
        try:
            configs.append(SweepConfig.from_dict(read_json(path)))
        except TypeError as err:
            raise InvalidInput(f"{str(path)!r} is no sweep configuration: {err}") from None
    for folder, config in zip(folders[1:], configs[1:]):
        if config.comparable() != configs[0].comparable():
            raise InvalidInput(f"--merge folders {str(folders[0])!r} and {str(folder)!r} hold different sweeps")
    return configs[0]


def _copy(source: Path, target: Path) -> None:
    with atomic_path(target) as tmp:
        shutil.copyfile(source, tmp)
