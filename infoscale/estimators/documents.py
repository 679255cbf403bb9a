"""Bipartite MI of documents measured with a language model: the L²M paper's direct and vCLUB estimators.

Documents are the rows of an ``(n, L_max)`` token array (text cut by ``studies.lm_mi.text``, or
samples of a family). A split (L, r) cuts the first L tokens of a document at ℓ = ⌊L / r⌋:
X = tokens [0, ℓ), Y = tokens [ℓ, L), so L = r·ℓ when r divides L. Per document:

- **direct**: log q(Y | X) − log q(Y | BOS), the model run on Y alone from its start state
  (``block_log_prob``). A document cut from a longer text starts mid-sentence, so the model's
  log q(y_1..m | BOS) is replaced by an estimate of the stationary log p(y_1..m)
  (``estimators.first_tokens``: by default the model's own marginal over contexts taken from
  other documents). ``direct_raw`` is the uncorrected value, kept beside it.
- **vclub**: log q(Y | X) − log q(Y | X′), X′ the first ℓ tokens of the previous document (cyclic).

Their biases are those of ``estimators.model_based`` (direct: KL(p_Y‖q_Y) − E KL(p_Y|X‖q_Y|X);
vCLUB ≥ I by KL(p(x)p(y)‖p(x, y)) even with q = p).

Speed: one ``token_log_probs`` pass over each document's L_max tokens gives log q(Y | X) of every
split by prefix sums; the vCLUB passes are shared by the splits with the same ℓ; each y-alone
pass scores all documents' blocks of one length in one batch; nothing loops over tokens in Python.
``DocumentScores.tokens_per_second`` is what the model delivered; ``planned_tokens`` is the cost
before the first pass. Any subset of document indices scores exactly as in the full run (the
unit a run is resumed, merged or sharded by; ``studies.lm_mi.records``). The study that turns these
scores into curves with bootstrap intervals and fits is ``infoscale.studies.lm_mi``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from infoscale._checks import check_int, check_token_array
from infoscale.errors import InvalidInput
from infoscale.estimators.first_tokens import Correction, context_marginal
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
    """Per-document terms and pointwise MI of the documents ``indices``: ``terms[name]`` and
    ``values[estimator]`` are (n, n_splits); the model's tokens and seconds."""

    splits: list
    indices: np.ndarray
    terms: dict
    values: dict
    tokens: int
    seconds: float

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else float("inf")


def document_values(terms: dict, estimators, correction: Correction) -> dict:
    """The per-document log-ratios from the scored terms: ``direct`` (corrected as ``correction``
    says), ``direct_raw`` (uncorrected, when a correction was applied) and ``vclub``."""
    values = {}
    if "direct" in estimators:
        raw = terms["joint"] - terms["alone"]
        values["direct"] = raw
        if correction.active:
            values["direct"], values["direct_raw"] = raw + terms["head"] - terms["context_head"], raw
    if "vclub" in estimators:
        values["vclub"] = terms["joint"] - terms["shuffled"]
    return values


def planned_tokens(splits, estimators, correction: Correction, n: int, n_all: int | None = None) -> int:
    """The tokens the model scores for ``n`` documents (``score_documents``), known before any pass."""
    estimators = check_estimators(estimators)
    per_doc = max(s.length for s in splits)
    if "direct" in estimators:
        per_doc += sum(s.length - s.ell + correction.head_size(s) for s in splits)
        k = min(correction.contexts, (n if n_all is None else n_all) - 1)
        for ell, m in _heads(splits, correction).items():
            per_doc += k * (min(correction.context_tokens, ell) + m)
    if "vclub" in estimators:
        per_doc += sum(max(s.length for s in splits if s.ell == ell) for ell in {s.ell for s in splits})
    return n * per_doc


def _heads(splits, correction: Correction) -> dict:
    """ℓ → the largest head size m among its splits (m > 0 only)."""
    heads = {}
    for s in splits:
        if correction.head_size(s) > 0:
            heads[s.ell] = max(heads.get(s.ell, 0), correction.head_size(s))
    return heads


def score_documents(model, docs, splits, estimators=ESTIMATORS, correction: Correction = Correction(),
                    indices=None, progress: Progress = None) -> DocumentScores:
    """Pointwise direct and vCLUB MI of the documents ``indices`` (default all) at every split.

    ``docs`` is the whole (N, L_max) set: vCLUB's X′ and the correction's contexts of document i
    come from documents i − 1, i − 2, … (mod N), so any subset of indices scores exactly as in
    the full run. ``progress(tokens_done, tokens_total)`` counts model tokens.
    """
    estimators = check_estimators(estimators)
    docs = _check_documents(model, docs, splits)
    indices = np.arange(docs.shape[0]) if indices is None else _check_indices(indices, docs.shape[0])
    n, mine = len(indices), docs[indices]
    total = planned_tokens(splits, estimators, correction, n, docs.shape[0])
    clock = {"tokens": 0, "seconds": 0.0}

    def run(method, x, *args):
        start = time.perf_counter()
        out = getattr(model, method)(x, *args)
        clock["seconds"] += time.perf_counter() - start
        clock["tokens"] += x.shape[0] * ((args[1] - args[0]) if args else x.shape[1])
        report(progress, clock["tokens"], total)
        return np.asarray(out, dtype=np.float64)

    joint = _prefix_sums(run("token_log_probs", mine[:, : max(s.length for s in splits)]))  # log q(x_<t)
    terms = {"joint": np.stack([joint[:, s.length] - joint[:, s.ell] for s in splits], axis=1)}
    if "direct" in estimators:
        terms.update(_direct_terms(model, docs, indices, splits, correction, run))
    if "vclub" in estimators:
        terms["shuffled"] = _shuffled(docs, indices, splits, run)
    return DocumentScores(splits=list(splits), indices=indices, terms=terms,
                          values=document_values(terms, estimators, correction), tokens=clock["tokens"],
                          seconds=clock["seconds"])


def _direct_terms(model, docs, indices, splits, correction, run) -> dict:
    """log q(Y | BOS), and with a correction log q(y_1..m | BOS) and the context marginal of y_1..m."""
    mine, n = docs[indices], len(indices)
    terms = {name: np.zeros((n, len(splits))) for name in ("alone", "head", "context_head", "context_bias")}
    heads = {ell: context_marginal(model, docs, indices, ell, m, correction, run)
             for ell, m in _heads(splits, correction).items()}
    for j, s in enumerate(splits):
        window = mine[:, : s.length]
        terms["alone"][:, j] = run("block_log_prob", window, s.ell, s.length)
        m = correction.head_size(s)
        if m > 0:
            terms["head"][:, j] = run("block_log_prob", window, s.ell, s.ell + m)
            terms["context_head"][:, j] = heads[s.ell][0][:, m - 1]
            terms["context_bias"][:, j] = heads[s.ell][1][:, m - 1]
    return terms if correction.active else {"alone": terms["alone"]}


def _shuffled(docs, indices, splits, run) -> np.ndarray:
    """log q(Y | X′), X′ the first ℓ tokens of document i − 1 (mod N)."""
    shuffled = np.empty((len(indices), len(splits)))
    other = docs[(indices - 1) % docs.shape[0]]
    mine = docs[indices]
    for ell in sorted({s.ell for s in splits}):
        group = [j for j, s in enumerate(splits) if s.ell == ell]
        stop = max(splits[j].length for j in group)
        sums = _prefix_sums(run("token_log_probs", np.concatenate([other[:, :ell], mine[:, ell:stop]], axis=1))[:, ell:])
        for j in group:
            shuffled[:, j] = sums[:, splits[j].length - ell]
    return shuffled


def _check_indices(indices, n_all: int) -> np.ndarray:
    indices = np.asarray(indices, dtype=np.int64).ravel()
    if indices.size == 0 or indices.min() < 0 or indices.max() >= n_all:
        raise InvalidInput(f"document indices must be within [0, {n_all - 1}] and not empty")
    return indices


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
