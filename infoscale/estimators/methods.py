"""I(ℓ; L) of any family by a named method (``estimate_mi``), and whole curves that use the best method
per length (``estimate_mi_curve``; a family's own ``mi_curve`` is its exact curve).

The methods are the registry ``infoscale.estimators.registry.MI_METHODS`` (exact, mc, renyi2).
``auto``, for curves, takes the exact value wherever the family has one and Monte Carlo elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from infoscale._checks import check_int, check_int_array
from infoscale.errors import InvalidInput
from infoscale.estimators.registry import MI_METHODS, nonnegative
from infoscale.estimators.result import Estimate, timer
from infoscale.generators.base import split_position
from infoscale.progress import Progress, report

#: ``check_cost(seconds, lengths)``: called with a sweep's estimated sampling time before it starts.
CostCheck = Optional[Callable[[float, list], None]]


def estimate_mi(family, ell: int, length: int, method: str = "exact", n_samples: int = 10_000,
                rng=None, progress: Progress = None) -> Estimate:
    """One I(ℓ; L) as an ``Estimate`` by ``method``, a name in ``MI_METHODS``."""
    if method not in MI_METHODS:
        raise InvalidInput(f"method must be one of {tuple(MI_METHODS)}, got {method!r}")
    return MI_METHODS.get(method).run(family, ell, length, n_samples, rng, progress)


@dataclass(frozen=True)
class MICurve:
    """I(ℓ; L) over lengths with standard errors (0 where exact) and the method used at each
    (``Estimate.method`` names: exact, monte-carlo, renyi2)."""

    lengths: np.ndarray
    mi: np.ndarray
    stderr: np.ndarray
    methods: list

    @property
    def estimated(self) -> bool:
        """True when some point is a Monte-Carlo estimate (its stderr should weight a fit)."""
        return "monte-carlo" in self.methods


def estimate_mi_curve(family, lengths, split: float = 0.5, method: str = "auto", n_samples: int = 10_000,
                      rng=None, progress: Progress = None, check_cost: CostCheck = None) -> MICurve:
    """I(ℓ = split·L; L) for every length; ``auto`` = exact where available, else Monte Carlo.

    ``exact``/``auto`` first try the family's (possibly vectorised) ``mi_curve``; where a family has
    no exact value at some length it raises ``NotImplementedError`` and ``auto`` falls back to
    Monte Carlo length by length. Before any sampling, ``check_cost(seconds, lengths)`` (if given)
    receives the estimated time of the Monte-Carlo lengths (``sampling_seconds``) and may refuse.
    ``progress(done, total)`` counts sampled tokens over the whole curve (its cost is ∝ n·L),
    so one bar with a remaining-time estimate covers every length.
    """
    if method != "auto" and method not in MI_METHODS:
        raise InvalidInput(f"method must be one of {('auto', *MI_METHODS)}, got {method!r}")
    lengths = check_int_array("lengths", lengths, 1)  # 16.5 is refused, never truncated
    if method in ("auto", "exact"):
        try:
            values, _ = nonnegative(family.mi_curve(lengths, split=split))
            return MICurve(lengths, values, np.zeros(len(lengths)), ["exact"] * len(lengths))
        except NotImplementedError:
            if method == "exact":
                raise
    estimates: dict[int, Estimate] = {}
    pending = []
    for i, length in enumerate(lengths):
        if method == "auto":
            try:
                estimates[i] = estimate_mi(family, split_position(split, int(length)), int(length), "exact")
                continue
            except NotImplementedError:
                pass
        pending.append(i)
    chosen = "mc" if method == "auto" else method
    if pending and check_cost is not None and chosen == "mc":
        check_cost(sampling_seconds(family, lengths[pending], split, chosen, n_samples), lengths[pending].tolist())
    total, done = int(n_samples * lengths[pending].sum()), 0
    for i in pending:
        length = int(lengths[i])
        inner = None if progress is None else (lambda d, t, base=done, L=length: progress(base + d * L, total))
        estimates[i] = estimate_mi(family, split_position(split, length), length, chosen, n_samples, rng, inner)
        done += n_samples * length
        report(progress, done, total)
    ordered = [estimates[i] for i in range(len(lengths))]
    return MICurve(lengths, np.array([e.value for e in ordered]),
                   np.array([e.stderr or 0.0 for e in ordered]), [e.method for e in ordered])


def sampling_seconds(family, lengths, split: float = 0.5, method: str = "mc", n_samples: int = 10_000,
                     pilot_samples: int = 1000) -> float:
    """Estimated seconds of ``method`` with ``n_samples`` at every length, from two timed pilot runs
    at the middle length L_p (geometrically; their own seeds: the sweep's draws are unchanged). The
    first, of 2 samples, pays the one-off cost of a length (a family building its state, e.g. a
    DMRG ground state); the second, of ``pilot_samples``, the cost per sample. The cost per sample
    is scaled by L / L_p, the one-off cost by (L / L_p)² (DMRG's grows about so: its sweeps
    lengthen and multiply with L), so the pilot never runs at the longest, most expensive length."""
    lengths = check_int_array("lengths", lengths, 1)  # 16.5 is refused, never truncated
    middle = np.exp(np.mean(np.log(lengths)))
    probe = int(lengths[np.argmin(np.abs(np.log(lengths / middle)))])
    pilot = min(check_int("pilot_samples", pilot_samples, 2), max(int(n_samples), 2))
    ell = split_position(split, probe)
    with timer() as first:
        estimate_mi(family, ell, probe, method, 2, np.random.default_rng(0))
    with timer() as second:
        estimate_mi(family, ell, probe, method, pilot, np.random.default_rng(1))
    per_sample = second() / pilot
    setup = max(first() - 2 * per_sample, 0.0)
    ratio = lengths / probe
    return float(np.sum(setup * ratio**2 + per_sample * n_samples * ratio))
