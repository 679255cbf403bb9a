"""Exact and sample-based mutual-information estimators; every one returns an ``Estimate``."""

from infoscale.estimators.result import Estimate

__all__ = ["Estimate"]
