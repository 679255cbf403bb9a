"""Utilization (``estimators.utilization``) against exact values it does not compute itself.

For a Gaussian family and the oracle truncated to a c-token context (``OracleModel(context=c)``),
the expected direct estimate has a closed form: each log q(x_t | window) is a Gaussian log density
with the window's exact conditional variance s²(t | window), and since the window's mean is the best
linear predictor under p, E_p[log q(x_t | window)] = −½ log(2πe s²). Hence

    E[Î_c] = ½ Σ_{t ≥ ℓ} [ log s²(t | x_max(ℓ, t−c)..t−1) − log s²(t | x_max(0, t−c)..t−1) ],

computed here from Schur complements of the covariance (``numpy.linalg.solve``), independently of
the oracle's Cholesky path. The estimate must match it within 4 standard errors (the Monte-Carlo
error of the finite sample; the closed form has none).
"""

import numpy as np
import pytest

from infoscale import make_family
from infoscale.errors import InvalidInput
from infoscale.estimators.model_based import OracleModel
from infoscale.estimators.utilization import utilization


def _conditional_variance(cov: np.ndarray, t: int, start: int) -> float:
    """Var(x_t | x_start..t−1) from the covariance (Schur complement)."""
    window = np.arange(start, t)
    if window.size == 0:
        return float(cov[t, t])
    cross = cov[np.ix_(window, [t])]
    return float(cov[t, t] - (cross.T @ np.linalg.solve(cov[np.ix_(window, window)], cross)).item())


def expected_direct_mi(family, length: int, context: int) -> float:
    cov, ell = family.covariance(length), length // 2
    per_token = [np.log(_conditional_variance(cov, t, max(ell, t - context)))
                 - np.log(_conditional_variance(cov, t, max(0, t - context))) for t in range(ell, length)]
    return 0.5 * family.token_dim * float(np.sum(per_token))


@pytest.mark.parametrize("context", [1, 8])
@pytest.mark.parametrize("params", [{"k": 3, "boundary": True}, {"k": 2, "boundary": True, "token_dim": 2}])
def test_utilization_of_the_truncated_oracle_is_its_closed_form(params, context):
    family, length = make_family("hierarchical", **params), 16
    exact = expected_direct_mi(family, length, context) / family.bipartite_mi(length // 2, length)
    u = utilization(OracleModel(family, context=context), family, length, n_samples=500, seed=7)
    assert 0.0 < exact < 1.0
    assert abs(u["utilization"] - exact) < 4 * u["stderr"], (u, exact)


def test_utilization_is_one_for_the_full_oracle_and_zero_without_memory():
    family, length = make_family("hierarchical", k=3, boundary=True), 64
    full = utilization(OracleModel(family), family, length, n_samples=500, seed=3)
    assert abs(full["utilization"] - 1.0) < 4 * full["stderr"]
    memoryless = utilization(OracleModel(family, context=0), family, length, n_samples=50, seed=3)
    assert abs(memoryless["utilization"]) < 1e-12  # q(Y | X) = q(Y) token by token: the log-ratio is 0 exactly


def test_utilization_refuses_a_family_without_information():
    with pytest.raises(InvalidInput, match="n_samples"):
        utilization(OracleModel(make_family("hierarchical", k=3)), make_family("hierarchical", k=3), 16, n_samples=1)
