"""The linear-Gaussian reference: the least KL a D-float linear history can leave.

Cut a Gaussian sequence at ℓ = L/2 into A = x_<ℓ and B = x_≥ℓ. A model that predicts B through a
history z = f(A) has, by the chain rule and the data-processing inequality,

    Σ_{t≥ℓ} E KL_t  =  E KL(p(B | A) ‖ q(B | z, …))  ≥  I(A; B) − I(z; B).

If z is D linear features of A, I(z; B) is at most the MI carried by the top D canonical
correlations ρ_1 ≥ ρ_2 ≥ … between A and B, so the total KL over the second half is at least

    R(D) = I(L/2; L) − Σ_{i≤D} −½ ln(1 − ρ_i²).

With token_dim independent copies stacked in a token, each ρ_i appears token_dim times. This is
a reference, not a bound on nonlinear models (a nonlinear state can pack more into D floats); it
shows what a state of a model's size would leave undone if it were used as well as a linear one.
"""

from __future__ import annotations

import numpy as np

from infoscale._checks import check_int


def linear_gaussian_reference(family, length: int, state_dim: int) -> float:
    """R(D): I(L/2; L) minus the MI of the top ``state_dim`` canonical directions, in nats."""
    return float(reference_curve(family, length, [state_dim])[0])


def reference_curve(family, length: int, dims) -> np.ndarray:
    """R(D) for each D in ``dims``, from one canonical-correlation spectrum at the cut L/2."""
    if not hasattr(family, "mi_spectrum"):
        raise ValueError(f"the linear-Gaussian reference needs a Gaussian family with mi_spectrum; {family.name} has none")
    length = family.check_length(length)
    dims = [check_int("state_dim", d, 0) for d in dims]
    contributions = np.repeat(family.mi_spectrum(length // 2, length).contributions, family.token_dim)  # descending
    tail = np.concatenate([np.cumsum(contributions[::-1])[::-1], [0.0]])  # tail[D] = Σ_{i≥D} terms
    return np.array([tail[min(d, len(contributions))] for d in dims])
