"""The record every estimator returns."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace


@dataclass(frozen=True)
class Estimate:
    """An estimate in nats with its standard error (``None`` when exact)."""

    value: float
    stderr: float | None
    method: str
    n_samples: int | None = None
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    def with_extra(self, **items) -> "Estimate":
        """A copy with ``items`` added to ``extra`` (e.g. ``params``, the settings it was run with)."""
        return replace(self, extra={**self.extra, **items})

    def __str__(self) -> str:
        parts = [] if self.stderr is None else [f"± {self.stderr:.4g}"]
        parts.append(self.method + ("" if self.n_samples is None else f", n={self.n_samples}"))
        parts.append(f"{self.seconds:.3g} s")
        return f"{self.value:.6g} nats ({'; '.join(parts)})"


@contextmanager
def timer():
    """Measure wall time: ``with timer() as t: ...; t()`` gives the seconds elapsed."""
    start = time.perf_counter()
    end = None

    def elapsed() -> float:
        return (end if end is not None else time.perf_counter()) - start

    try:
        yield elapsed
    finally:
        end = time.perf_counter()
