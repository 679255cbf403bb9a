"""Where torch runs: the device, the CPU threads, the process group of ``torchrun``.

One place sets torch's thread count (``torch_threads``, a context manager that restores the
previous count), so the CLI, the L²M workers and the neural estimators pin threads alike.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

import torch
import torch.distributed as dist

from infoscale.errors import InvalidInput


def pick_device(name: str = "auto") -> torch.device:
    """``auto``: this rank's CUDA device when CUDA is present, else the CPU; CUDA asked for where
    this torch has none, or a name torch does not know, is an ``InvalidInput`` naming ``device``."""
    if name != "auto":
        try:
            device = torch.device(name)
        except (RuntimeError, TypeError):
            raise InvalidInput(f"device must be auto, cpu, cuda or cuda:N, got {name!r}") from None
        if device.type not in ("cpu", "cuda"):
            raise InvalidInput(f"device must be auto, cpu, cuda or cuda:N, got {name!r}")
        if device.type == "cuda" and not torch.cuda.is_available():
            raise InvalidInput(f"device {name!r}: this torch build has no CUDA device available; use --device cpu or auto")
        if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
            raise InvalidInput(f"device {name!r}: only {torch.cuda.device_count()} CUDA device(s) here")
        return device
    if torch.cuda.is_available():
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
    return torch.device("cpu")


def init_distributed() -> bool:
    """Join the process group ``torchrun`` describes (env WORLD_SIZE > 1); ``False`` when single-process."""
    if dist.is_initialized():
        return True
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return False
    dist.init_process_group(backend="nccl" if torch.cuda.is_available() else "gloo")
    if torch.cuda.is_available():
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
    return True


def leave_distributed() -> int:
    """Leave the process group after a barrier, so that no rank tears its connections down while
    another still uses them (gloo aborts the process then); returns this process's rank."""
    rank = dist.get_rank()
    dist.barrier()
    dist.destroy_process_group()
    return rank


def available_threads() -> int:
    """CPU cores this process may run on (its affinity mask), the default for ``--threads``."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextmanager
def torch_threads(threads: int):
    """Run the block with torch using ``threads`` CPU threads, then restore the previous count."""
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
