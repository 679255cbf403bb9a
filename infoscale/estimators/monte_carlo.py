"""Exact-likelihood Monte-Carlo mutual information.

For any family with exact ``log_prob`` and ``marginal_log_prob``,

    I(A; B) = E_p[ log p(x) − log p(x_A) − log p(x_B) ],

so the sample mean of the pointwise MI over exact samples is unbiased, and its standard error is
the sample standard deviation over √n. Works for discrete and continuous (Gaussian) families.
"""

from __future__ import annotations

import numpy as np
from infoscale._checks import as_rng, check_int, check_split
from infoscale.budget import check_memory
from infoscale.estimators.result import Estimate, timer
from infoscale.progress import Progress, report


def pointwise_mi(family, x, ell: int) -> np.ndarray:
    """log p(x) − log p(x_1..ℓ) − log p(x_ℓ+1..L) for each sample (its mean is the MI)."""
    length = np.shape(x)[1]
    ell = check_split(ell, length)
    joint = family.log_prob(x)
    return joint - family.marginal_log_prob(x, 0, ell) - family.marginal_log_prob(x, ell, length)


def mc_mutual_information(family, ell: int, length: int, n_samples: int = 10_000, rng=None,
                          batch_size: int = 1_000, progress: Progress = None) -> Estimate:
    """Monte-Carlo estimate of I(ℓ; L) from exact samples and exact likelihoods, with its standard error."""
    length = family.check_length(length)
    ell = check_split(ell, length)
    n_samples = check_int("n_samples", n_samples, 2)
    batch_size = check_int("batch_size", batch_size, 1)
    check_memory(f"n_samples={n_samples} Monte-Carlo samples", 8.0 * n_samples)
    rng = as_rng(rng)
    values = np.empty(n_samples)
    with timer() as elapsed:
        for start in range(0, n_samples, batch_size):
            stop = min(start + batch_size, n_samples)
            values[start:stop] = pointwise_mi(family, family.sample(stop - start, length, rng), ell)
            report(progress, stop, n_samples)
    return Estimate(value=float(values.mean()), stderr=float(values.std(ddof=1) / np.sqrt(n_samples)),
                    method="monte-carlo", n_samples=n_samples, seconds=elapsed())
