"""The direct estimator's first-tokens correction: log p(y_1..m) of a block that starts mid-document.

The direct estimator scores Y alone from the model's start state (BOS). A document cut from a
longer text starts mid-sentence, so log q(y_1..m | BOS) is far below the stationary marginal
log p(y_1..m) and the raw estimate overstates the MI by that gap. The correction replaces the
model's log q(y_1..m | BOS) with an estimate of log p(y_1..m):

- ``"context"`` (the default): a **model-based marginal**, the mixture over K contexts taken from
  other documents, log (1/K Σ_k q(y_1..m | c_k)), c_k the C tokens before the split in document
  i − k. With q = p and contexts drawn from the text, E_c q(y | c) = p(y), so the estimate
  converges as K grows and does **not depend on the number of documents** (each document's value
  is its own). Its error is the Jensen bias of a log of a K-term mean, O(1/K); a jackknife over
  the K contexts removes the O(1/K) term and the removed amount is reported as the correction's
  stated error (``context_bias``). Cost: K·(C + m) tokens per document and distinct ℓ.
- ``"ngram"``: minus the Grassberger m-gram entropy of the documents' heads (the L²M paper's
  correction). Kept for comparison only: with a 5·10⁴-token vocabulary the m-gram counts are
  undersampled and the estimate drifts upwards as documents are added (``ngram_surprisal``).
- ``"none"``: the raw estimate.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.special import logsumexp

from infoscale._checks import check_int
from infoscale.errors import InvalidInput
from infoscale.estimators.entropy import surprisal_terms

CORRECTIONS = ("context", "none")


@dataclass(frozen=True)
class Correction:
    """How the direct estimator's first ``first_tokens`` tokens of Y are scored (module docstring)."""

    method: str = "context"
    first_tokens: int = 2
    contexts: int = 32
    context_tokens: int = 32

    def __post_init__(self):
        if self.method not in CORRECTIONS:
            raise InvalidInput(f"correction must be one of {', '.join(CORRECTIONS)}, got {self.method!r}")
        check_int("first_tokens", self.first_tokens, 0)
        check_int("contexts", self.contexts, 2)
        check_int("context_tokens", self.context_tokens, 1)

    @property
    def active(self) -> bool:
        return self.method != "none" and self.first_tokens > 0

    def head_size(self, split) -> int:
        """m of a split: at most ``first_tokens`` and leaving at least one token of Y after the head."""
        return max(0, min(self.first_tokens, split.length - split.ell - 1)) if self.active else 0

    def to_dict(self) -> dict:
        return asdict(self)


def context_marginal(model, docs: np.ndarray, indices: np.ndarray, ell: int, m: int, correction: Correction,
                     run) -> tuple[np.ndarray, np.ndarray]:
    """Per document in ``indices``, (log p̂(y_1..j), jackknife bias removed) for j = 1..m, each (n, m).

    ``run(method, x, *args)`` calls the model (and counts its tokens). Context k of document i is
    the ``context_tokens`` tokens before ℓ in document (i − k) mod N, k = 1..K, K ≤ N − 1.
    """
    n_all = docs.shape[0]
    k = min(correction.contexts, n_all - 1)
    width = min(correction.context_tokens, ell)
    sources = (indices[:, None] - np.arange(1, k + 1)[None, :]) % n_all  # (n, K)
    contexts = docs[sources.ravel(), ell - width: ell]
    heads = np.repeat(docs[indices, ell: ell + m], k, axis=0)
    log_q = run("token_log_probs", np.concatenate([contexts, heads], axis=1))[:, width:]
    log_q = np.cumsum(log_q, axis=1).reshape(len(indices), k, m)  # log q(y_1..j | c_k)
    full = logsumexp(log_q, axis=1) - np.log(k)
    # leave-one-out: log of the mean of the other K − 1 terms, computed stably
    total = logsumexp(log_q, axis=1, keepdims=True)
    others = total + np.log1p(-np.minimum(np.exp(log_q - total), 1 - 1e-15)) - np.log(k - 1)
    jackknife = k * full - (k - 1) * others.mean(axis=1)
    return jackknife, full - jackknife


def ngram_surprisal(docs: np.ndarray, ell: int, m: int, pooled: bool = False) -> np.ndarray:
    """Per document, the mean Grassberger surprisal ln N − G(n_g) of its m-grams; their mean is Ĥ_m.

    ``pooled=False`` takes the m-gram at the start of Y in each document, ``pooled=True`` every
    m-gram of every document. Depends on the whole set of documents: it drifts with their number.
    """
    m = check_int("m", m, 1)
    if pooled:
        windows = np.lib.stride_tricks.sliding_window_view(docs, m, axis=1)
    else:
        windows = docs[:, None, ell: ell + m]
    _, inverse, counts = np.unique(windows.reshape(-1, m), axis=0, return_inverse=True, return_counts=True)
    per_gram = np.log(counts.sum()) - surprisal_terms(counts, "grassberger")
    return per_gram[inverse.ravel()].reshape(windows.shape[:2]).mean(axis=1)


class MidDocumentStart:
    """A model whose every sequence's first token is scored by a fixed wrong law ``start_log_probs``
    (V,), the rest by ``model``: what an LM does to a block that starts mid-document. With an exact
    oracle it makes a model whose raw direct estimate is biased by a known mechanism, and on which
    the corrections can be scored against the exact MI (``examples/lm_exact_truth.py``)."""

    discrete = True

    def __init__(self, model, start_log_probs):
        self.model = model
        self.start = np.asarray(start_log_probs, dtype=np.float64)

    def token_log_probs(self, x) -> np.ndarray:
        x = np.asarray(x)
        out = np.array(self.model.token_log_probs(x), dtype=np.float64)
        out[:, 0] = self.start[x[:, 0]]
        return out

    def block_log_prob(self, x, start: int, stop: int) -> np.ndarray:
        return self.token_log_probs(np.asarray(x)[:, start:stop]).sum(axis=1)
