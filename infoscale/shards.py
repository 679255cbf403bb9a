"""Shards: one long job cut into N deterministic, cost-balanced parts that any engine can run.

A job (the L²M sweep, the validation table, LM-MI of a corpus) is a list of independent *units*
(a run or a chain of warm-started runs, a case, a document), each with an estimated cost. Shard
``I/N`` (0 <= I < N) takes the units that greedy longest-processing-time gives it: units in
decreasing cost (ties by index), each to the shard with the least cost so far (ties by the lower
shard), so every shard computes the same split without talking to the others. Each unit is
written to its own file atomically (``infoscale.io``), so shards may share one output folder or
write separate folders that the job's ``--merge`` combines; the files are resume's files too.

``parse_shard(None)`` reads a SLURM job array: ``SLURM_ARRAY_TASK_ID`` minus
``SLURM_ARRAY_TASK_MIN`` (0 when unset) of ``SLURM_ARRAY_TASK_COUNT``. Shards that share a folder
take ``io.folder_lock`` per unit, never per folder: two processes never compute one unit at once.
"""

from __future__ import annotations

import heapq
import os
import re
from dataclasses import dataclass

from infoscale.errors import InvalidInput

_FORM = re.compile(r"^\s*([+-]?\d+)\s*/\s*([+-]?\d+)\s*$")


@dataclass(frozen=True)
class Shard:
    """Part ``index`` of ``count`` (0 <= index < count); ``Shard(0, 1)`` is the whole job."""

    index: int = 0
    count: int = 1

    def __post_init__(self):
        if not (isinstance(self.index, int) and isinstance(self.count, int) and 0 <= self.index < self.count):
            raise InvalidInput(f"--shard must be I/N with integers 0 <= I < N, got {self.index}/{self.count}")

    @property
    def whole(self) -> bool:
        return self.count == 1

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def select(self, costs) -> list[int]:
        """The indices of the units (of estimated ``costs``) that are this shard's, in increasing order."""
        return split(costs, self.count)[self.index]


def parse_shard(text: str | None, environ=None) -> Shard:
    """``I/N`` from ``--shard``, else from a SLURM job array's environment, else the whole job."""
    environ = os.environ if environ is None else environ
    if text is None:
        task, count = environ.get("SLURM_ARRAY_TASK_ID"), environ.get("SLURM_ARRAY_TASK_COUNT")
        if task is None and count is None:
            return Shard()
        if task is None or count is None:
            raise InvalidInput("SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT must be set together "
                               f"(got {task!r} and {count!r}); or give --shard I/N")
        try:
            text = f"{int(task) - int(environ.get('SLURM_ARRAY_TASK_MIN', 0))}/{int(count)}"
        except ValueError:
            raise InvalidInput(f"SLURM_ARRAY_TASK_ID/COUNT/MIN must be integers, got {task!r}/{count!r}") from None
    match = _FORM.match(str(text))
    if match is None:
        raise InvalidInput(f"--shard must be I/N with integers 0 <= I < N, got {text!r}")
    return Shard(int(match.group(1)), int(match.group(2)))


def split(costs, count: int) -> list[list[int]]:
    """Greedy longest-processing-time: ``count`` lists of unit indices, each in increasing order."""
    order = sorted(range(len(costs)), key=lambda i: (-float(costs[i]), i))
    loads = [(0.0, shard) for shard in range(count)]
    parts: list[list[int]] = [[] for _ in range(count)]
    for unit in order:
        load, shard = heapq.heappop(loads)
        parts[shard].append(unit)
        heapq.heappush(loads, (load + float(costs[unit]), shard))
    return [sorted(part) for part in parts]


@dataclass(frozen=True)
class Unit:
    """One unit as ``--plan`` shows it: its name, estimated seconds and peak memory in bytes."""

    name: str
    seconds: float
    memory: float


def plan_lines(units: list[Unit], count: int) -> list[str]:
    """The ``--plan`` dry run: every unit's estimate, then how the units split over ``count`` shards."""
    lines = [f"{'unit':<40} {'est. s':>10} {'memory':>10}"]
    lines += [f"{u.name:<40} {u.seconds:>10.3g} {_size(u.memory):>10}" for u in units]
    total = sum(u.seconds for u in units)
    lines.append(f"{len(units)} units, {total:.3g} s estimated in all")
    for index, part in enumerate(split([u.seconds for u in units], count)):
        seconds = sum(units[i].seconds for i in part)
        memory = max((units[i].memory for i in part), default=0.0)
        lines.append(f"shard {index}/{count}: {len(part)} units, {seconds:.3g} s, peak {_size(memory)}")
    return lines


def _size(nbytes: float) -> str:
    for unit in ("B", "KiB", "MiB"):
        if nbytes < 1024:
            return f"{nbytes:.3g} {unit}"
        nbytes /= 1024
    return f"{nbytes:.3g} GiB"
