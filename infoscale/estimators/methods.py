"""I(ℓ; L) of any family by a named method, and whole curves that use the best method per length.

The methods are the registry ``infoscale.estimators.registry.MI_METHODS`` (exact, mc, renyi2).
``auto``, for curves, takes the exact value wherever the family has one and Monte Carlo elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from infoscale.errors import InvalidInput
from infoscale.estimators.registry import MI_METHODS, nonnegative
from infoscale.estimators.result import Estimate
from infoscale.generators.base import split_position
from infoscale.progress import Progress

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


def mi_curve(family, lengths, split: float = 0.5, method: str = "auto", n_samples: int = 10_000,
             rng=None, progress: Progress = None) -> MICurve:
    """I(ℓ = split·L; L) for every length; ``auto`` = exact where available, else Monte Carlo.

    ``exact``/``auto`` first try the family's (possibly vectorised) ``mi_curve``; where a family has
    no exact value at some length it raises ``NotImplementedError`` and ``auto`` falls back to
    Monte Carlo length by length.
    """
    if method != "auto" and method not in MI_METHODS:
        raise InvalidInput(f"method must be one of {('auto', *MI_METHODS)}, got {method!r}")
    lengths = np.asarray(lengths, dtype=int)
    if method in ("auto", "exact"):
        try:
            values, _ = nonnegative(family.mi_curve(lengths, split=split))
            return MICurve(lengths, values, np.zeros(len(lengths)), ["exact"] * len(lengths))
        except NotImplementedError:
            if method == "exact":
                raise
    estimates = []
    for length in lengths:
        ell = split_position(split, int(length))
        chosen = method
        if method == "auto":
            try:
                estimates.append(estimate_mi(family, ell, int(length), "exact"))
                continue
            except NotImplementedError:
                chosen = "mc"
        estimates.append(estimate_mi(family, ell, int(length), chosen, n_samples, rng, progress))
    return MICurve(lengths, np.array([e.value for e in estimates]),
                   np.array([e.stderr or 0.0 for e in estimates]), [e.method for e in estimates])
