"""The validation harness: every sample-based estimator on every family, length and seed, against the exact MI.

For each case (family, length L, seed) it draws n exact samples, cuts them at ℓ = L/2 and runs
each estimator that applies to the family's kind of tokens, next to the exact I(L/2; L) from
``family.bipartite_mi``. Every case has its own seeds (``runner.case_seed``): the samples of
repeat r from (master seed, family, L, r), an estimator's own randomness (the neural bounds'
initialisation and batches) from (master seed, family, L, estimator, r), so choosing families or
estimators never changes the numbers of the others. The table has one row per (family, L, estimator): the mean estimate over
seeds; its standard error, the larger of (spread of the per-seed estimates) and (mean reported
error), over √seeds, so that neither a lucky spread over few seeds nor an optimistic reported
error makes a row look precise; the mean reported standard error; the mean of log(estimate/true)
(NaN where an estimate is not positive, inf where it is infinite); and the mean time.

Where each estimator breaks is part of the output (``breakdown``): for every estimator and family,
the first length at which |mean log(estimate/true)| exceeds ``tolerance`` (default 0.1, a 10 %
error) and the miss exceeds 3 standard errors, with the quantity that explains it: the number of
words V^ℓ of a half against n for the counting estimators, the dimension ℓ·D of each block for
KSG, the context length for the truncated oracle, the CLUB gap for vCLUB.

``two_point_vs_bipartite`` is the L²M paper's point that two-point MI cannot tell scaling classes
apart: for the hierarchical family with k = 3 (I(L/2; L) ∝ L^0.79) and k = 1 (∝ ln L) the
antipodal two-point MI I(X_1; X_L) is the same at every L, while the bipartite MI differs by
orders of magnitude. The harness writes the table as CSV and JSON and the figures as PNG.

Modules: ``presets`` (the cases of each preset), ``runner`` (the table and the two-point
comparison), ``report`` (breakdown, text report, CSV/JSON), ``figures`` (the PNGs), ``units`` (one file per case: resume,
shards, merge). The
estimators come from ``infoscale.estimators.registry.SAMPLE_ESTIMATORS``.
"""

from infoscale.studies.validation.figures import plot_ratios, plot_two_point_vs_bipartite
from infoscale.studies.validation.presets import PRESETS, Case
from infoscale.studies.validation.report import COLUMNS, breakdown, format_report, write_outputs
from infoscale.studies.validation.runner import ValidationResult, run_validation, two_point_vs_bipartite

__all__ = ["COLUMNS", "PRESETS", "Case", "ValidationResult", "breakdown", "format_report", "plot_ratios",
           "plot_two_point_vs_bipartite", "run_validation", "two_point_vs_bipartite", "write_outputs"]
