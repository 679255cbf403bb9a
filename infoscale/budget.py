"""Resource budgets: estimate memory and time before allocating, and refuse clearly past a limit.

Commands and library entry points that can be asked for more than the machine has call
``check_memory`` (and ``check_time``) with their own estimate *before* they allocate or start, so
that a too-large request ends in one clear ``InvalidInput`` naming the parameter, the estimate and
the limit — never in an out-of-memory kill or an hour-long hang.

Limits: memory defaults to half of this machine's physical memory (or of the process's
address-space limit where that is smaller), time to none; both can be
changed process-wide with ``set_limits`` (the CLI's ``infoscale --max-memory GB`` does this for
memory; the command line sets no time limit) or per call.
"""

from __future__ import annotations

import os

from infoscale.errors import InvalidInput

_LIMITS: dict[str, float | None] = {"memory": None, "seconds": None}


def physical_memory() -> int:
    """Bytes of physical memory of this machine (0 where the OS does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 0


def memory_limit() -> int:
    """The current memory limit in bytes: ``set_limits(memory=…)``, else half the physical memory
    (half the address-space limit ``RLIMIT_AS`` instead where the process runs under a smaller one)."""
    if _LIMITS["memory"] is not None:
        return int(_LIMITS["memory"])
    limit = physical_memory() // 2 or 8 * 2**30
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            limit = min(limit, soft // 2)
    except (ImportError, ValueError, OSError):
        pass
    return limit


def set_limits(memory: float | None = None, seconds: float | None = None) -> None:
    """Set the process-wide memory limit (bytes) and time limit (seconds); ``None`` keeps the default."""
    if memory is not None and not memory > 0:
        raise InvalidInput(f"the memory limit must be > 0 bytes, got {memory!r}")
    if seconds is not None and not seconds > 0:
        raise InvalidInput(f"the time limit must be > 0 seconds, got {seconds!r}")
    _LIMITS.update(memory=memory, seconds=seconds)


def format_bytes(nbytes: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if abs(nbytes) < 1024 or unit == "PB":
            return f"{nbytes:.3g} {unit}"
        nbytes /= 1024
    raise AssertionError("unreachable")


def format_seconds(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.3g} s"
    if seconds < 7200:
        return f"{seconds / 60:.3g} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.3g} h"
    return f"{seconds / 86400:.3g} days"


def check_memory(what: str, nbytes: float, limit: float | None = None,
                 override: str = "--max-memory") -> None:
    """Refuse when ``what`` (e.g. "n=10^12 samples of length 64") needs more than the memory limit."""
    limit = memory_limit() if limit is None else limit
    if nbytes > limit:
        raise InvalidInput(f"{what} needs about {format_bytes(nbytes)} of memory, over the limit of "
                           f"{format_bytes(limit)}; ask for less, or raise the limit with {override}")


def check_time(what: str, seconds: float, limit: float | None = None,
               override: str = "set_limits(seconds=...)") -> None:
    """Refuse when ``what`` is estimated to take longer than the time limit (no limit by default)."""
    limit = _LIMITS["seconds"] if limit is None else limit
    if limit is not None and seconds > limit:
        raise InvalidInput(f"{what} would take about {format_seconds(seconds)}, over the limit of "
                           f"{format_seconds(limit)}; ask for less, or raise the limit with {override}")


def training_seconds(steps: int, tokens_per_step: int, n_parameters: int, flops_per_second: float = 1.5e10) -> float:
    """A rough time of training in one process: 6 FLOPs per parameter per token (forward and backward)
    plus 2,000 per token (data, loss) at ``flops_per_second``, and 1 ms per step. The default rate
    matches the L²M presets' stated times on 2 CPU cores (quick ≈ 15 min, collapse ≈ 60 min); treat
    the result as an order of magnitude (a GPU is faster, a busy CPU slower)."""
    return float(steps) * (1e-3 + float(tokens_per_step) * (6.0 * n_parameters + 2000.0) / flops_per_second)
