"""Exact and sample-based mutual-information estimators; every one returns an ``Estimate``."""

from infoscale.estimators.pairs import estimate, pair_methods
from infoscale.estimators.result import Estimate

__all__ = ["Estimate", "estimate", "pair_methods"]
