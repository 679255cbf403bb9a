"""Model-based bipartite mutual information, as the L²M paper measures it with LLMs.

An autoregressive model q gives per-token log-probabilities. For sequences x = (X, Y) cut at ℓ:

**Direct estimator.** I_direct = E_p[ log q(Y | X) − log q(Y) ], where log q(Y | X) sums the
model's log q(y_t | x, y_<t) over the positions of Y and log q(Y) runs the model on Y alone (it
sees only Y, from its start). With q = p it is exact: the sample mean of the pointwise MI. With an
imperfect q it is I + KL(p_Y‖q_Y) − E_X KL(p_{Y|X}‖q_{Y|X}) (in expectation), so it is neither a
bound nor consistent; it errs by the difference of the two cross-entropy gaps.

**vCLUB** (Cheng et al. 2020, variational CLUB). I_vCLUB = E_{p(x,y)}[log q(Y|X)] −
E_{p(x)p(y)}[log q(Y|X)]; the second term pairs the X of one sample with the Y of another (here
sample i with Y of sample i+1, a cyclic shift, which is a derangement). With q = p it is *not*
the MI: I_CLUB − I = KL(p(x)p(y) ‖ p(x, y)) ≥ 0, an upper bound (equality only as the dependence
vanishes). For jointly Gaussian blocks with canonical correlations ρ_i,
I_CLUB = Σ ρ_i²/(1 − ρ_i²) against I = −½ Σ ln(1 − ρ_i²). Where p(y|x) = 0 for pairs that occur
under p(x)p(y) (e.g. an exact copy) the gap is infinite and the estimate is ``inf``.

**First-tokens correction** (discrete data, direct estimator; ``first_tokens = m``, the paper
uses m = 2). An LLM scores the first tokens of Y without any context badly (documents never start
mid-sentence), which inflates −log q(Y). The paper replaces the model's log q(y_1..y_m) by minus
the Grassberger estimate Ĥ(Y_1..Y_m) of the m-gram entropy, from counts: here the m-grams at the
start of Y in the samples (valid for any family) or, with ``pooled=True``, all m-grams of every
sequence (assumes stationarity, as the paper does for text). Its standard error adds in
quadrature. The paper's released script mixes the two, (4·(−Ĥ) + log q(y_1..y_m))/5; we
implement the replacement its text describes (``ngram_weight=1``) and expose the weight.

A model here is any ``infoscale.protocols.AutoregressiveModel``: ``discrete`` (bool),
``token_log_probs(x) -> (n, L)`` (log q(x_t | x_<t)) and ``block_log_prob(x, start, stop) -> (n,)``
(log q(x_start..stop−1), the model seeing only that block, as when it is run on it from its start
state). infoscale's nets satisfy it; ``OracleModel`` turns an exact family into one (optionally
with a truncated context, a model that falls short of the truth on purpose).
"""

from __future__ import annotations

import numpy as np
from infoscale._checks import check_block, check_finite_array, check_float, check_int, check_split
from infoscale.errors import InvalidInput
from infoscale.estimators.entropy import entropy_from_counts
from infoscale.exact.gaussian import LOG_2PI, cholesky_factor, innovations
from infoscale.estimators.result import Estimate, timer
from infoscale.progress import Progress, report
from infoscale._checks import check_token_array



# ---- estimators -------------------------------------------------------------------------------
def direct_mi(model, x, ell: int, first_tokens: int = 0, pooled: bool = False, ngram_weight: float = 1.0) -> Estimate:
    """E[log q(Y|X) − log q(Y)] over the samples x, cut at ℓ; optional first-tokens correction (discrete)."""
    with timer() as elapsed:
        x, ell = _check_samples(model, x, ell)
        first_tokens = check_int("first_tokens", first_tokens, 0, x.shape[1] - ell - 1)
        ngram_weight = check_float("ngram_weight", ngram_weight, 0.0, 1.0)
        if first_tokens and not model.discrete:
            raise InvalidInput("first_tokens applies to discrete tokens only (the correction counts m-grams)")
        conditional = model.token_log_probs(x)[:, ell:].sum(axis=1)
        marginal = model.block_log_prob(x, ell, x.shape[1])  # log q(Y)
        extra = {}
        if first_tokens:  # log q(Y) = log q(y_1..m) + log q(rest | y_1..m); the first term is replaced
            ngram = entropy_from_counts(_ngram_counts(x, ell, first_tokens, pooled), "grassberger")
            head = model.block_log_prob(x, ell, ell + first_tokens)
            marginal = marginal - ngram_weight * (head + ngram.value)
            extra = {"ngram_entropy": ngram.value, "ngram_stderr": ngram.stderr, "first_tokens": first_tokens}
        pointwise = conditional - marginal
        value, stderr = _mean_and_stderr(pointwise)
        if first_tokens:
            stderr = float(np.hypot(stderr, ngram_weight * extra["ngram_stderr"]))
    return Estimate(value=value, stderr=stderr, method="direct" + ("-corrected" if first_tokens else ""),
                    n_samples=x.shape[0], seconds=elapsed(), extra=extra)


def vclub_mi(model, x, ell: int) -> Estimate:
    """E_joint[log q(Y|X)] − E_shuffled[log q(Y|X)], pairing X_i with Y_(i+1 mod n)."""
    with timer() as elapsed:
        x, ell = _check_samples(model, x, ell)
        joint = model.token_log_probs(x)[:, ell:].sum(axis=1)
        shuffled_x = np.concatenate([x[:, :ell], np.roll(x[:, ell:], -1, axis=0)], axis=1)
        shuffled = model.token_log_probs(shuffled_x)[:, ell:].sum(axis=1)
        with np.errstate(invalid="ignore"):
            value, stderr = _mean_and_stderr(joint - shuffled)
    return Estimate(value=value, stderr=stderr, method="vclub", n_samples=x.shape[0], seconds=elapsed())


def _check_samples(model, x, ell):
    x = check_token_array(x, ndim=(2,))[0] if model.discrete else check_finite_array("x", x, ndim=(2, 3))
    if x.shape[0] < 2:
        raise InvalidInput(f"need at least 2 samples, got {x.shape[0]}")
    return x, check_split(ell, x.shape[1])


def _mean_and_stderr(values: np.ndarray) -> tuple[float, float]:
    if np.any(np.isposinf(values)):  # a pair the model deems impossible: the estimate is infinite
        return float("inf"), float("inf")
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(len(values)))


def _ngram_counts(x: np.ndarray, ell: int, m: int, pooled: bool) -> np.ndarray:
    """Counts of the m-grams at the start of Y (or, pooled, at every position of every sequence)."""
    if pooled:
        windows = np.lib.stride_tricks.sliding_window_view(x, m, axis=1).reshape(-1, m)
    else:
        windows = x[:, ell: ell + m]
    return np.unique(windows, axis=0, return_counts=True)[1]


def model_mi_curve(model, x, lengths=None, first_tokens: int = 2, progress: Progress = None) -> dict:
    """Direct and vCLUB estimates of I(L/2; L) on the first L tokens of each row, for a ladder of L.

    ``lengths`` defaults to the powers of two from 4 up to the row length. The direct estimator
    uses the first-tokens correction on discrete data (``first_tokens`` m-grams, capped at L/2 − 1).
    Returns lengths, both estimates with standard errors, and the scaling-law fit of the direct curve.
    """
    from infoscale.theory.scaling import fit_scaling_law

    row_length = np.shape(x)[1]
    if lengths is None:
        lengths = [2**p for p in range(2, int(np.log2(row_length)) + 1)]
    lengths = [check_int("length", length, 4, row_length) for length in lengths]
    direct, vclub = [], []
    for done, length in enumerate(lengths):
        report(progress, done, len(lengths))
        ell = length // 2
        m = min(first_tokens, length - ell - 1) if model.discrete else 0
        direct.append(direct_mi(model, x[:, :length], ell, first_tokens=m))
        vclub.append(vclub_mi(model, x[:, :length], ell))
    values = np.array([e.value for e in direct])
    fit = None
    if len(lengths) >= 3 and np.all(values > 0):
        fit = fit_scaling_law(lengths, values, stderr=[e.stderr for e in direct])
    return {"lengths": lengths, "direct": [e.to_dict() for e in direct], "vclub": [e.to_dict() for e in vclub],
            "fit": fit}


# ---- models -----------------------------------------------------------------------------------
class OracleModel:
    """An exact family as an autoregressive model; ``context = c`` truncates it to the last c tokens.

    Full context: log-probs from the family's ``conditional_log_probs`` (discrete) or
    ``conditionals`` (Gaussian), blocks from its exact ``marginal_log_prob``. Truncated context:
    each log q(x_t | x_a..t−1), a = max(block start, t − c), is a difference of exact block
    marginals log p(x_a..t) − log p(x_a..t−1) (discrete) or comes from the Cholesky factor of the
    covariance restricted to the window (Gaussian).
    The truncated model is the best model with a c-token context: it falls short of the truth
    exactly by what lies beyond c tokens.
    """

    def __init__(self, family, context: int | None = None):
        self.family = family
        self.discrete = bool(family.discrete)
        self.context = None if context is None else check_int("context", context, 0)

    def token_log_probs(self, x) -> np.ndarray:
        if self.context is not None:
            return self._window_log_probs(x, 0, np.shape(x)[1])
        if self.discrete:
            return self.family.conditional_log_probs(x)
        mean, std = self.family.conditionals(x)
        return _normal_log_prob(np.asarray(x, dtype=np.float64).reshape(mean.shape), mean, std)

    def block_log_prob(self, x, start: int, stop: int) -> np.ndarray:
        if self.context is None:
            return self.family.marginal_log_prob(x, start, stop)
        return self._window_log_probs(x, start, stop).sum(axis=1)

    def _window_log_probs(self, x, start: int, stop: int) -> np.ndarray:
        """log q(x_t | x_a..t−1) for t in [start, stop), windows a = max(start, t − context)."""
        start, stop = check_block(start, stop, np.shape(x)[1])
        x = self.family.check_tokens(x)
        cov = None if self.discrete else self.family.covariance(x.shape[1])
        out = np.empty((x.shape[0], stop - start))
        for t in range(start, stop):
            a = max(start, t - self.context)
            if self.discrete:
                out[:, t - start] = self.family.marginal_log_prob(x, a, t + 1)
                if a < t:
                    out[:, t - start] -= self.family.marginal_log_prob(x, a, t)
            else:
                chol = cholesky_factor(cov[a: t + 1, a: t + 1])
                z = innovations(x[:, a: t + 1], chol)[:, -1:]
                out[:, t - start] = _innovation_log_prob(z, np.diag(chol)[-1:])[:, 0]
        return out


def _innovation_log_prob(z: np.ndarray, std: np.ndarray) -> np.ndarray:
    """Per-token log-density (summed over token dimensions) from innovations z and conditional stds."""
    dim = z.shape[2]
    return -0.5 * np.sum(z**2, axis=2) - dim * (np.log(std)[None, :] + 0.5 * LOG_2PI)


def _normal_log_prob(x, mean, std) -> np.ndarray:
    return _innovation_log_prob((x - mean) / std, np.ones(x.shape[1])) - np.sum(np.log(std), axis=2)
