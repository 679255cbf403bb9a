"""The LM-MI study's curve: score documents with a language model, summarize_sweep each (estimator, ratio)
curve with bootstrap intervals and a scaling fit, and add the two-point MI of the tokens.

The per-document scores come from ``infoscale.estimators.documents`` (direct and vCLUB over any
``AutoregressiveModel``); this module turns them into the study's result dictionary, which
``studies.lm_mi.report`` prints and plots.
"""

from __future__ import annotations

import time

import numpy as np

from infoscale._checks import as_rng, check_float, check_int, check_token_array
from infoscale.errors import InvalidInput
from infoscale.estimators.documents import ESTIMATORS, DocumentScores, check_ratios, plan_splits, score_documents
from infoscale.estimators.two_point_sample import two_point_mi_curve
from infoscale.progress import Progress
from infoscale.theory.scaling import fit_scaling_law

#: The L²M paper's exponents on PG19 with LLaMA-3.1-405B (Fig. 2).
PAPER_BETA = {"direct": 0.76, "vclub": 0.71}
PAPER_TWO_POINT_ALPHA = 0.91


def bootstrap_means(values: np.ndarray, n_boot: int, rng) -> np.ndarray:
    """(n_boot, ...) means of ``values`` over documents (axis 0) resampled with replacement."""
    rng = as_rng(rng)
    index = rng.integers(0, values.shape[0], size=(check_int("n_boot", n_boot, 10), values.shape[0]))
    return values[index].mean(axis=1)


def summarize_curves(scores: DocumentScores, n_boot: int = 1000, n_boot_fit: int = 200, confidence: float = 0.95,
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
    """Score the documents, summarize_sweep every curve and (optionally) the two-point MI.

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
              "tokens_per_second": scores.tokens_per_second, "curves": summarize_curves(scores, n_boot, seed=seed),
              "paper": {"beta": PAPER_BETA, "two_point_alpha": PAPER_TWO_POINT_ALPHA}}
    if two_point:
        tokens = np.asarray(docs)[:, : max(result["lengths"])] if two_point_tokens is None else two_point_tokens
        result["two_point"] = two_point_summary(tokens, max_distance=max(result["lengths"]) // 2)
    result["seconds"] = time.perf_counter() - start
    return result
