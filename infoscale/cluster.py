"""Ray as the cluster engine (the optional ``[cluster]`` extra): each unit of a job as one Ray task.

``RayExecutor(cpus, gpus).map(fn, calls)`` submits ``fn(*call)`` for every call as a Ray task that
asks for ``cpus`` CPUs and ``gpus`` GPUs (fractional: 0.25 puts four tasks on one GPU) and yields
the results as the tasks finish. Ray places the tasks, sets ``CUDA_VISIBLE_DEVICES`` for each and
retries tasks of a lost node; nothing of that is rebuilt here. The units write their own files, so
``--resume`` and ``--merge`` work on a Ray run as on any other. ``slots()`` is how many such tasks
the cluster runs at once (``lm-mi``'s default number of tasks, each a model copy).

Ray is connected to when a job first maps: to the running cluster (``ray.init(address="auto")``:
``RAY_ADDRESS`` or the cluster started on this node by ``ray start``), else to a local cluster
started for the job. A process that called ``ray.init`` itself keeps its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from infoscale._checks import check_float
from infoscale.errors import Unavailable


@dataclass(frozen=True)
class RayExecutor:
    """Units as Ray tasks of ``cpus`` CPUs (> 0) and ``gpus`` GPUs (>= 0, fractional allowed) each."""

    cpus: float = 1.0
    gpus: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "cpus", check_float("--cpus-per-run", self.cpus, 0.0, low_open=True))
        object.__setattr__(self, "gpus", check_float("--gpus-per-run", self.gpus, 0.0))

    @property
    def threads(self) -> int:
        """The torch CPU threads of one unit: its whole CPUs, at least one."""
        return max(1, math.floor(self.cpus))

    def slots(self) -> int:
        """How many such tasks the connected cluster runs at once: its CPUs (and GPUs) over a task's, at least 1."""
        resources = connect().cluster_resources()
        fits = [resources.get("CPU", 0.0) / self.cpus] + ([resources.get("GPU", 0.0) / self.gpus] if self.gpus else [])
        return max(1, math.floor(min(fits) + 1e-9))  # 1e-9: 3 GPUs / 0.1 is 29.999…

    def map(self, fn: Callable, calls: Iterable[tuple]) -> Iterator:
        """``fn(*call)`` for each call as a Ray task; the results in the order the tasks finish."""
        ray = connect()
        task = ray.remote(fn).options(num_cpus=self.cpus, num_gpus=self.gpus, max_retries=1)
        pending = [task.remote(*call) for call in calls]
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            yield ray.get(done[0])


def connect():
    """The ``ray`` module, connected to a cluster (see the module docstring)."""
    try:
        import ray
    except ImportError:
        raise Unavailable("--executor ray needs Ray: pip install -e '.[cluster]'") from None
    if not ray.is_initialized():
        try:
            ray.init(address="auto", log_to_driver=False)
        except ConnectionError:  # no running cluster: start one on this machine
            ray.init(log_to_driver=False)
    return ray
