"""Where an expected scaling law starts to hold: the first fit start from which it fits I(L).

A family's scaling class is asymptotic. A hidden Markov chain's I(L/2; L) rises over a few
correlation lengths before it settles on its area law; a fit from a fixed length that still sees
the rise rejects every law ("no law fits") although the curve is what the class says. This module
refits from each successive length L₀ (the fit of ``theory.scaling.fit_scaling_law``, with its
Monte-Carlo standard errors) and reports the first L₀ from which the *expected* law is accepted by
the same test (χ² p-value ≥ ``accept`` with standard errors, rms relative residual ≤ 2·tolerance
on an exact curve), or that it is accepted from no start with at least three points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from infoscale.errors import InvalidInput
from infoscale.theory.scaling import LAWS, LawFit, fit_scaling_law


@dataclass(frozen=True)
class Onset:
    """The expected ``law``, the first fit start ``start`` from which it fits (``None``: none) and that fit."""

    law: str
    start: float | None
    fit: LawFit | None
    known_sigma: bool

    def describe(self) -> str:
        if self.fit is None:
            return f"the expected {self.law} law fits from no start with 3 or more points"
        quality = (f"χ²/dof = {self.fit.chi2 / max(self.fit.dof, 1):.3g}, p = {self.fit.p_value:.2g}"
                   if self.known_sigma else f"rms rel. residual {self.fit.rms_residual:.2%}")
        params = ", ".join(f"{name} = {value:.4g}" for name, value in self.fit.params.items())
        return f"the expected {self.law} law fits from L >= {self.start:g} ({params}; {quality})"

    def to_dict(self) -> dict:
        return {"law": self.law, "start": self.start, "params": None if self.fit is None else self.fit.params,
                "p_value": None if self.fit is None or not self.known_sigma else self.fit.p_value,
                "rms_residual": None if self.fit is None else self.fit.rms_residual}


def expected_onset(lengths, mi, law: str, stderr=None, fit_from: float | None = None, tolerance: float = 0.02,
                   accept: float = 0.01) -> Onset:
    """The first start L₀ ≥ ``fit_from`` from which ``law`` fits I(L) on L ≥ L₀ (module docstring)."""
    if law not in LAWS:
        raise InvalidInput(f"law must be one of {LAWS}, got {law!r}")
    starts = np.unique(np.asarray(lengths, dtype=float))
    starts = starts[starts >= (fit_from or 0.0)][:-2]  # at least 3 points from each start
    for start in starts:
        fit = fit_scaling_law(lengths, mi, stderr=stderr, tolerance=tolerance, fit_from=start, accept=accept)
        candidate = fit.fits[law]
        if (candidate.p_value >= accept) if fit.known_sigma else (candidate.rms_residual <= 2 * tolerance):
            return Onset(law, float(start), candidate, fit.known_sigma)
    return Onset(law, None, None, stderr is not None)
