"""A bmi-style entry point: ``estimate(x, y, method)`` scores any paired samples with a registry estimator.

``x`` is ``(n, dim_x)`` and ``y`` ``(n, dim_y)`` (a 1-D array is one column): floats for the
continuous estimators (``gaussian``, ``ksg``, the neural bounds), integer tokens for the counting
ones (``plugin``, ``miller-madow``, ``grassberger``, ``nsb``: each row is one word) and for the
neural bounds (one-hot). It runs the same function as the registry's block estimator, so the
value on (x, y) equals the block MI of the sequences ``hstack([x, y])`` cut at ``dim_x``. The
model-based estimators (``direct``, ``vclub``, …) need a model of the sequence rather than
pairs and are refused with ``Unavailable``. The estimate records the estimator's settings in
``extra["params"]`` (``EstimatorSpec.params``).
"""

from __future__ import annotations

import numpy as np

from infoscale.errors import InvalidInput
from infoscale.estimators.registry import SAMPLE_ESTIMATORS, pair_methods
from infoscale.estimators.result import Estimate

__all__ = ["estimate", "pair_methods"]


def estimate(x, y, method: str = "ksg", seed: int = 0, vocab_size: int | None = None) -> Estimate:
    """I(X; Y) in nats from paired samples by the registry estimator ``method``, seeded by ``seed``."""
    spec = SAMPLE_ESTIMATORS.get(method)
    spec.require_pairs()
    x, y = (np.asarray(v) for v in (x, y))
    x, y = (v[:, None] if v.ndim == 1 else v for v in (x, y))
    if x.ndim != 2 or y.ndim != 2 or x.shape[0] != y.shape[0]:
        raise InvalidInput(f"x and y must be (n, dim_x) and (n, dim_y) arrays with the same n, "
                           f"got shapes {x.shape} and {y.shape}")
    integer = np.issubdtype(x.dtype, np.integer) and np.issubdtype(y.dtype, np.integer)
    if "continuous" not in spec.tokens and not integer:
        raise InvalidInput(f"{method!r} counts words: x and y must hold integer tokens, got {x.dtype} and {y.dtype}")
    if "discrete" not in spec.tokens and integer:
        x, y = x.astype(np.float64), y.astype(np.float64)
    return spec.pairs(x, y, seed, vocab_size)
