"""Utilization: the share of I(L/2; L) a model's history actually carries across the cut.

For a trained autoregressive model q (any ``infoscale.protocols.AutoregressiveModel``: a net of
``infoscale.nets``, an ``OracleModel``, a plug-in layer wrapped as one) and exact samples x of a
family, the direct model-based estimate (``model_based.direct_mi``)

    Î = E_p[ log q(Y | X) − log q(Y) ],     X = x_<L/2,  Y = x_≥L/2,

measures how much better the model predicts the second half with the first half read than
without it. Dividing by the exact I(L/2; L) gives the utilization u = Î / I; its standard error
is the direct estimate's (the exact I has none). u = 1 for q = p (``OracleModel``); a model that
ignores its history has u ≈ 0. This is the open counterpart of L-CUBE's utilization metric, whose
code is not public; like the direct estimator it is no bound (an imperfect q can give u > 1).

Its expectation obeys an identity that explains small values: with KL_t the model's KL at position t,

    E[Î] = I(L/2; L) − Σ_{t≥L/2} KL_t + KL(p_Y ‖ q_Y)  ≥  I(L/2; L) − Σ_{t≥L/2} KL_t,

so a model that loses more than I over the second half (summed KL > I, common at long L, where
most of the loss is failure to model the second half from itself) may carry almost nothing across
the cut, and u ≈ 0 is then a measurement, not an estimator failure.
"""

from __future__ import annotations

import numpy as np

from infoscale._checks import check_int
from infoscale.errors import InvalidInput
from infoscale.estimators.model_based import direct_mi


def utilization(model, family, length: int, n_samples: int = 128, seed: int = 2**31 - 3) -> dict:
    """Î / I(L/2; L) of ``model`` on ``n_samples`` exact samples of ``family`` at ``length``.

    Returns ``{"utilization", "stderr", "direct_mi", "direct_mi_stderr", "mi_half", "n_samples"}``
    (nats for the MI). The samples are drawn from ``seed``, apart from training's and evaluation's.
    """
    length = family.check_length(length)
    n_samples = check_int("n_samples", n_samples, 2)
    try:
        mi = float(family.bipartite_mi(length // 2, length))
    except NotImplementedError:
        raise InvalidInput(f"utilization needs the exact I(L/2; L); {family.name} does not give it") from None
    if not mi > 0:
        raise InvalidInput(f"utilization needs I(L/2; L) > 0; {family.name} at L={length} has {mi}")
    x = family.sample(n_samples, length, np.random.default_rng(check_int("seed", seed, 0)))
    estimate = direct_mi(model, x, length // 2)
    return {"utilization": estimate.value / mi, "stderr": estimate.stderr / mi, "direct_mi": estimate.value,
            "direct_mi_stderr": estimate.stderr, "mi_half": mi, "n_samples": n_samples}
