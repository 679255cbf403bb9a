"""Bipartite MI of documents measured with a language model: the L²M paper's direct and vCLUB estimators.

Documents are the rows of an ``(n, L_max)`` token array (text cut by ``estimators.text``, or
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
``DocumentScores.tokens_per_second`` is what the model delivered. Confidence intervals are
percentile bootstraps over documents; β's interval refits the power law on each resample.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from infoscale._checks import as_rng, check_float, check_int
from infoscale.errors import InvalidInput
from infoscale.estimators.entropy import surprisal_terms
from infoscale.estimators.two_point_sample import check_token_array, two_point_mi_curve
from infoscale.progress import Progress, report
from infoscale.theory.scaling import fit_scaling_law

ESTIMATORS = ("direct", "vclub")
#: The L²M paper's exponents on PG19 with LLaMA-3.1-405B (Fig. 2).
PAPER_BETA = {"direct": 0.76, "vclub": 0.71}
PAPER_TWO_POINT_ALPHA = 0.91


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


# ---- summaries --------------------------------------------------------------------------------
def bootstrap_means(values: np.ndarray, n_boot: int, rng) -> np.ndarray:
    """(n_boot, ...) means of ``values`` over documents (axis 0) resampled with replacement."""
    rng = as_rng(rng)
    index = rng.integers(0, values.shape[0], size=(check_int("n_boot", n_boot, 10), values.shape[0]))
    return values[index].mean(axis=1)


def summarize(scores: DocumentScores, n_boot: int = 1000, n_boot_fit: int = 200, confidence: float = 0.95,
              seed: int = 0) -> list[dict]:
    """One curve per (estimator, ratio): points with mean, stderr and bootstrap CI; the scaling fit; β's CI."""
    confidence = check_float("confidence", confidence, 0.0, 1.0, low_open=True, high_open=True)
    tails = [50 * (1 - confidence), 50 * (1 + confidence)]
    rng = as_rng(seed)
    curves = []
    for name, values in scores.values.items():
        boot = bootstrap_means(values, n_boot, rng)
        low, high = np.percentile(boot, tails, axis=0)
        for ratio in sorted({s.ratio for s in scores.splits}):
            cols = [j for j, s in enumerate(scores.splits) if s.ratio == ratio]
            mean, stderr = values[:, cols].mean(axis=0), values[:, cols].std(axis=0, ddof=1) / np.sqrt(len(values))
            points = [{"L": scores.splits[j].length, "ell": scores.splits[j].ell, "mean": float(mu),
                       "stderr": float(se), "ci": [float(low[j]), float(high[j])]}
                      for j, mu, se in zip(cols, mean, stderr)]
            lengths = [p["L"] for p in points]
            curve = {"estimator": name, "ratio": ratio, "points": points, "fit": None, "beta": None}
            if len(points) >= 3 and np.all(mean > 0):
                fit = fit_scaling_law(lengths, mean, stderr)
                power = fit.fits["power"]
                betas = [_power_beta(lengths, b) for b in boot[:n_boot_fit, cols] if np.all(b > 0)]
                curve["fit"] = fit.to_dict()
                curve["beta"] = {"value": power.params["beta"], "A": power.params["A"], "stderr": power.stderr["beta"],
                                 "ci": np.percentile(betas, tails).tolist() if betas else None}
            curves.append(curve)
    return curves


def _power_beta(lengths, mi) -> float:
    return fit_scaling_law(lengths, mi).fits["power"].params["beta"]


def two_point_summary(tokens, max_distance: int | None = None, points: int = 40) -> dict:
    """Two-point MI of tokens (1-D, or documents as rows) at log-spaced distances, with the bias-corrected fit."""
    tokens = check_token_array(tokens)[0]
    width = tokens.shape[-1]
    top = check_int("max_distance", width // 2 if max_distance is None else min(max_distance, width - 1), 4, width - 1)
    distances = np.unique(np.geomspace(1, top, points).round().astype(int))
    curve = two_point_mi_curve(tokens, distances=distances)
    out = curve.to_dict()
    try:
        fit = curve.fit()
        out["fit"], out["fit_text"] = fit.to_dict(), fit.describe()
    except InvalidInput as err:  # fewer than 4 positive estimates: no fit, say why
        out["fit"], out["fit_error"] = None, str(err)
    return out


def lm_mi_curve(model, docs, lengths, ratios=(2, 3, 4), estimators=ESTIMATORS, first_tokens: int = 2,
                pooled: bool = True, two_point: bool = True, two_point_tokens=None, n_boot: int = 1000, seed: int = 0,
                progress: Progress = None) -> dict:
    """Score the documents, summarise every curve and (optionally) the two-point MI.

    The two-point MI is taken on ``two_point_tokens`` (e.g. the whole tokenized corpus, 1-D: with
    a 5·10⁴-token vocabulary the pair counts need far more tokens than the documents hold) or, by
    default, on the documents' tokens.
    """
    start = time.perf_counter()
    splits = plan_splits(lengths, ratios)
    scores = score_documents(model, docs, splits, estimators, first_tokens, pooled, progress=progress)
    result = {"n_docs": int(np.shape(docs)[0]), "lengths": sorted({s.length for s in splits}),
              "ratios": check_ratios(ratios), "first_tokens": first_tokens, "pooled_ngrams": pooled,
              "tokens_scored": scores.tokens, "model_seconds": scores.seconds,
              "tokens_per_second": scores.tokens_per_second, "curves": summarize(scores, n_boot, seed=seed),
              "paper": {"beta": PAPER_BETA, "two_point_alpha": PAPER_TWO_POINT_ALPHA}}
    if two_point:
        tokens = np.asarray(docs)[:, : max(result["lengths"])] if two_point_tokens is None else two_point_tokens
        result["two_point"] = two_point_summary(tokens, max_distance=max(result["lengths"]) // 2)
    result["seconds"] = time.perf_counter() - start
    return result
