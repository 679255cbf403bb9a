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

At the other end, a model with no history at all is best off predicting each token by its own
marginal; ``memoryless_kl`` gives its KL per token, the level the fixed-state models sink to.
"""

from __future__ import annotations

import numpy as np

from infoscale._checks import check_int
from infoscale.errors import InvalidInput
from infoscale.protocols import GaussianFamily

#: R(D) below this fraction of I(L/2; L) is rounding in the sum of the spectrum's tail (values of
#: 1e-33 nats were seen where the rank is exhausted): it is reported as 0.
ROUNDING = 1e-12


def linear_gaussian_reference(family, length: int, state_dim: int) -> float:
    """R(D): I(L/2; L) minus the MI of the top ``state_dim`` canonical directions, in nats."""
    return float(reference_curve(family, length, [state_dim])[0])


def memoryless_kl(family, length: int) -> float:
    """Mean KL per token of the best predictor that ignores the past, in nats: total correlation / L.

    Predicting x_t by any q(x_t) costs E KL(p(x_t | x_<t) ‖ q) = I(x_t; x_<t) + KL(p(x_t) ‖ q), least
    for the marginal q = p(x_t); summed over t, Σ_t I(x_t; x_<t) = Σ_t H(x_t) − H(X) is the total
    correlation, ½ (Σ_t ln Σ_tt − ln det Σ) per token dimension for a Gaussian with covariance Σ.
    """
    if not isinstance(family, GaussianFamily):
        raise InvalidInput(f"memoryless_kl needs a Gaussian family with a covariance; {family.name} has none")
    length = family.check_length(length)
    chol = family.cholesky(length)
    variances = np.einsum("ij,ij->i", chol, chol)  # Σ_tt, the rows of L Lᵀ
    total_correlation = 0.5 * np.sum(np.log(variances)) - np.sum(np.log(np.diag(chol)))
    return float(family.token_dim * total_correlation / length)


def reference_curve(family, length: int, dims) -> np.ndarray:
    """R(D) for each D in ``dims``, from one canonical-correlation spectrum at the cut L/2."""
    if not isinstance(family, GaussianFamily):
        raise InvalidInput(f"the linear-Gaussian reference needs a Gaussian family with mi_spectrum; {family.name} has none")
    length = family.check_length(length)
    dims = [check_int("state_dim", d, 0) for d in dims]
    contributions = np.repeat(family.mi_spectrum(length // 2, length).contributions, family.token_dim)  # descending
    tail = np.concatenate([np.cumsum(contributions[::-1])[::-1], [0.0]])  # tail[D] = Σ_{i≥D} terms
    tail[tail < ROUNDING * tail[0]] = 0.0  # directions beyond the spectrum's rank: float64 rounding, not MI
    return np.array([tail[min(d, len(contributions))] for d in dims])
