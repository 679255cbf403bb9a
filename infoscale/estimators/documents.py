"""Bipartite MI of documents measured with a language model: the L²M paper's direct and vCLUB estimators.

Documents are the rows of an ``(n, L_max)`` token array (text cut by ``studies.lm_mi.text``, or
samples of a family). A split (L, r) cuts the first L tokens of a document at ℓ = ⌊L / r⌋:
X = tokens [0, ℓ), Y = tokens [ℓ, L), so L = r·ℓ when r divides L. Per document:

- **direct**: log q(Y | X) − log q(Y | BOS), the model run on Y alone from its start state
  (``block_log_prob``). With ``first_tokens = m`` the model's log q(y_1..y_m | BOS) is replaced by
  minus the Grassberger estimate of the m-gram entropy (the paper's first-tokens correction:
  documents never start mid-sentence). The m-grams are those at the start of Y in every document,
  or with ``pooled=True`` every m-gram of every document (stationary text, as the paper assumes).
  The estimate is a mean of per-sample surprisals, so each document carries the mean surprisal
  of its own m-grams and the bootstrap over documents covers the correction too.
- **vclub**: log q(Y | X) − log q(Y | X′), X′ the first ℓ tokens of the previous document (cyclic).

Their biases are those of ``estimators.model_based`` (direct: KL(p_Y‖q_Y) − E KL(p_Y|X‖q_Y|X);
vCLUB ≥ I by KL(p(x)p(y)‖p(x, y)) even with q = p).

Speed: one ``token_log_probs`` pass over each document's L_max tokens gives log q(Y | X) of every
split by prefix sums; the vCLUB passes are shared by the splits with the same ℓ; each y-alone
pass scores all documents' blocks of one length in one batch; nothing loops over tokens in Python.
``DocumentScores.tokens_per_second`` is what the model delivered. The study that turns these
scores into curves with bootstrap intervals and fits is ``infoscale.studies.lm_mi``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from infoscale._checks import check_float, check_int, check_token_array
from infoscale.errors import InvalidInput
from infoscale.estimators.entropy import surprisal_terms
from infoscale.progress import Progress, report

ESTIMATORS = ("direct", "vclub")


@dataclass(frozen=True)
class Split:
    """X = tokens [0, ell), Y = tokens [ell, length) of a document; ``ratio`` r with ell = length // r."""

    length: int
    ratio: int
    ell: int


def check_ratios(ratios) -> tuple[int, ...]:
    """Split ratios r = L/ℓ as sorted distinct integers >= 2."""
    ratios = sorted({check_int("ratio", r, 2) for r in ratios})
    if not ratios:
        raise InvalidInput("ratios must name at least one ratio r >= 2")
    return tuple(ratios)


def check_estimators(names) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(names))
    unknown = [n for n in names if n not in ESTIMATORS]
    if unknown or not names:
        raise InvalidInput(f"estimators must be among {', '.join(ESTIMATORS)}, got {', '.join(names) or 'none'}")
    return names


def plan_splits(lengths, ratios) -> list[Split]:
    """Every (L, r) with ℓ = L // r >= 1, ordered by ratio then length."""
    ratios = check_ratios(ratios)
    lengths = sorted({check_int("length", L, 2) for L in lengths})
    if not lengths:
        raise InvalidInput("lengths must name at least one length")
    splits = [Split(L, r, L // r) for r in ratios for L in lengths if L // r >= 1]
    if not splits:
        raise InvalidInput(f"no length in {lengths} is at least the smallest ratio {ratios[0]}")
    return splits


@dataclass
class DocumentScores:
    """Per-document pointwise MI, ``values[estimator]`` (n_docs, n_splits), and the model's throughput."""

    splits: list
    values: dict
    tokens: int
    seconds: float

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else float("inf")


def score_documents(model, docs, splits, estimators=ESTIMATORS, first_tokens: int = 2, pooled: bool = False,
                    ngram_weight: float = 1.0, progress: Progress = None) -> DocumentScores:
    """Pointwise direct and vCLUB MI of every document at every split (see the module docstring)."""
    estimators = check_estimators(estimators)
    docs = _check_documents(model, docs, splits)
    first_tokens = check_int("first_tokens", first_tokens, 0)
    ngram_weight = check_float("ngram_weight", ngram_weight, 0.0, 1.0)
    n = docs.shape[0]
    clock = {"tokens": 0, "seconds": 0.0}

    def run(method, x, *args):
        start = time.perf_counter()
        out = getattr(model, method)(x, *args)
        clock["seconds"] += time.perf_counter() - start
        clock["tokens"] += x.shape[0] * ((args[1] - args[0]) if args else x.shape[1])
        return np.asarray(out, dtype=np.float64)

    ells = sorted({s.ell for s in splits})
    total = 1 + len(splits) * ("direct" in estimators) + len(ells) * ("vclub" in estimators)
    done = 0
    length_max = max(s.length for s in splits)
    joint = _prefix_sums(run("token_log_probs", docs[:, :length_max]))  # log q(x_<t) for every t
    conditional = np.stack([joint[:, s.length] - joint[:, s.ell] for s in splits], axis=1)
    report(progress, done := done + 1, total)
    values = {}
    if "direct" in estimators:
        marginal = np.empty((n, len(splits)))
        for j, s in enumerate(splits):
            window = docs[:, : s.length]
            marginal[:, j] = run("block_log_prob", window, s.ell, s.length)
            m = min(first_tokens, s.length - s.ell - 1)
            if m > 0 and ngram_weight > 0:  # log q(y_1..m | BOS) → −Ĥ_m, per document
                head = run("block_log_prob", window, s.ell, s.ell + m)
                marginal[:, j] -= ngram_weight * (head + _ngram_surprisal(docs[:, :length_max], s.ell, m, pooled))
            report(progress, done := done + 1, total)
        values["direct"] = conditional - marginal
    if "vclub" in estimators:
        shuffled = np.empty((n, len(splits)))
        other = np.roll(docs, 1, axis=0)  # X′ of document i is X of document i − 1
        for ell in ells:
            group = [j for j, s in enumerate(splits) if s.ell == ell]
            stop = max(splits[j].length for j in group)
            mixed = np.concatenate([other[:, :ell], docs[:, ell:stop]], axis=1)
            sums = _prefix_sums(run("token_log_probs", mixed)[:, ell:])
            for j in group:
                shuffled[:, j] = sums[:, splits[j].length - ell]
            report(progress, done := done + 1, total)
        values["vclub"] = conditional - shuffled
    return DocumentScores(splits=list(splits), values=values, tokens=clock["tokens"], seconds=clock["seconds"])


def _check_documents(model, docs, splits) -> np.ndarray:
    if not model.discrete:
        raise InvalidInput("the language-model estimators take discrete tokens (a model with discrete=True)")
    docs = check_token_array(docs, ndim=(2,))[0]
    if docs.shape[0] < 2:
        raise InvalidInput(f"need at least 2 documents (vCLUB pairs each with another), got {docs.shape[0]}")
    longest = max(s.length for s in splits)
    if docs.shape[1] < longest:
        raise InvalidInput(f"documents hold {docs.shape[1]} tokens, fewer than the largest length L = {longest}")
    return docs


def _prefix_sums(log_probs: np.ndarray) -> np.ndarray:
    """(n, T + 1): column t is the sum of the first t per-token log-probabilities."""
    return np.concatenate([np.zeros((log_probs.shape[0], 1)), np.cumsum(log_probs, axis=1)], axis=1)


def _ngram_surprisal(docs: np.ndarray, ell: int, m: int, pooled: bool) -> np.ndarray:
    """Per document, the mean Grassberger surprisal ln N − G(n_g) of its m-grams; their mean is Ĥ_m."""
    if pooled:
        windows = np.lib.stride_tricks.sliding_window_view(docs, m, axis=1)
    else:
        windows = docs[:, None, ell: ell + m]
    _, inverse, counts = np.unique(windows.reshape(-1, m), axis=0, return_inverse=True, return_counts=True)
    per_gram = np.log(counts.sum()) - surprisal_terms(counts, "grassberger")
    return per_gram[inverse.ravel()].reshape(windows.shape[:2]).mean(axis=1)
