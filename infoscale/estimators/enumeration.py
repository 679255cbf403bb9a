"""Exact discrete mutual information by enumerating every sequence of V^L.

For a discrete family with exact ``log_prob`` and ``marginal_log_prob``,

    I(A; B) = Σ_x p(x) [log p(x) − log p(x_A) − log p(x_B)],

a finite sum over all V^L sequences. The sequences are generated in chunks (lexicographic order,
``infoscale.exact.discrete.sequence_chunks``) so memory stays bounded; the total mass is
accumulated with log-sum-exp and the weights are normalised by it, so a family whose likelihood
does not sum to one shows up as ``extra['log_total'] != 0`` instead of silently biasing the
result. The cost is V^L likelihood evaluations: ``max_sequences`` refuses cases beyond reach,
pointing to the Monte-Carlo estimator.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from infoscale._checks import check_int, check_split
from infoscale.errors import InvalidType
from infoscale.estimators.result import Estimate, timer
from infoscale.exact.discrete import MAX_SEQUENCES, check_enumerable, sequence_chunks
from infoscale.generators.base import SequenceDistribution
from infoscale.progress import Progress, report


def exact_mutual_information(family, ell: int, length: int, max_sequences: int = MAX_SEQUENCES,
                             chunk_size: int = 2**16, progress: Progress = None) -> Estimate:
    """Exact I(ℓ; L) of a discrete family by summing over all V^L sequences (``stderr`` is ``None``)."""
    if not (isinstance(family, SequenceDistribution) and family.discrete):
        got = family.name if isinstance(family, SequenceDistribution) else type(family).__name__
        raise InvalidType(f"enumeration needs a discrete family, got {got!r}")
    length = family.check_length(length)
    ell = check_split(ell, length)
    count = check_enumerable(family.vocab_size, length, max_sequences)
    chunk_size = check_int("chunk_size", chunk_size, 1)
    log_total = -np.inf
    weighted = 0.0
    with timer() as elapsed:
        chunks = sequence_chunks(family.vocab_size, length, chunk_size, max_sequences)
        for done, x in enumerate(chunks):
            joint = family.log_prob(x)
            with np.errstate(invalid="ignore"):   # −inf − (−inf) for impossible sequences, masked below
                pmi = joint - family.marginal_log_prob(x, 0, ell) - family.marginal_log_prob(x, ell, length)
            prob = np.exp(joint)
            # Impossible sequences (p = 0) contribute 0, not 0·nan.
            weighted += float(np.sum(prob * np.where(prob > 0, pmi, 0.0)))
            log_total = np.logaddexp(log_total, logsumexp(joint))
            report(progress, min((done + 1) * chunk_size, count), count)
    value = weighted / np.exp(log_total)
    return Estimate(value=float(value), stderr=None, method="enumeration", n_samples=count,
                    seconds=elapsed(), extra={"log_total": float(log_total)})
