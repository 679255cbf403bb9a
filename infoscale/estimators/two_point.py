"""Exact mutual information of a pair of discrete tokens from their joint table.

The discrete families compute the exact pair marginal p(X_i = a, X_j = b) (by matrix powers for
Markov and hidden-Markov chains, by recursion for the tree, in closed form for copy and Pólya
urn); I(X_i; X_j) = Σ p log p / (p_i p_j) then follows here, with 0 log 0 = 0.
"""

from __future__ import annotations

import numpy as np
from scipy.special import xlogy

from infoscale._checks import check_finite_array


def joint_mutual_information(joint) -> float:
    """I(X; Y) in nats of a joint probability table p(x, y) (entries ≥ 0 summing to 1)."""
    joint = check_finite_array("joint", joint, ndim=2)
    if np.any(joint < 0) or not np.isclose(joint.sum(), 1.0, rtol=0, atol=1e-9):
        raise ValueError("joint must be a probability table: entries >= 0 summing to 1")
    px, py = joint.sum(axis=1), joint.sum(axis=0)
    value = np.sum(xlogy(joint, joint)) - np.sum(xlogy(px, px)) - np.sum(xlogy(py, py))
    return max(float(value), 0.0)
