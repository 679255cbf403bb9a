"""The LM-MI study's curve: score documents with a language model into per-document records,
and summarize each (estimator, ratio) curve from the records with bootstrap intervals and the
chosen scaling law; add the two-point MI of the tokens with its shuffled-text (bias) level.

The per-document scores come from ``infoscale.estimators.documents`` (direct and vCLUB over any
``AutoregressiveModel``); ``studies.lm_mi.records`` keeps them; this module turns them into the
study's result dictionary, which ``studies.lm_mi.report`` prints and plots. The summary is a
function of the records alone (``summarize_records``), so a resumed or merged run gives the
numbers of the uninterrupted one.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from infoscale._checks import as_rng, check_float, check_int, check_token_array
from infoscale.errors import InvalidInput
from infoscale.estimators.documents import ESTIMATORS, check_estimators, plan_splits
from infoscale.estimators.first_tokens import Correction
from infoscale.estimators.two_point_sample import two_point_mi_curve
from infoscale.progress import Progress
from infoscale.studies.lm_mi.records import check_same_settings, missing, read_records, score_into, versions
from infoscale.theory.scaling import fit_scaling_law

#: The L²M paper's exponents on PG19 with LLaMA-3.1-405B (Fig. 2).
PAPER_BETA = {"direct": 0.76, "vclub": 0.71}
PAPER_TWO_POINT_ALPHA = 0.91


def bootstrap_means(values: np.ndarray, n_boot: int, rng) -> np.ndarray:
    """(n_boot, ...) means of ``values`` over documents (axis 0) resampled with replacement."""
    rng = as_rng(rng)
    index = rng.integers(0, values.shape[0], size=(check_int("n_boot", n_boot, 10), values.shape[0]))
    return values[index].mean(axis=1)


def summarize_curves(splits, values: dict, n_boot: int = 1000, n_boot_fit: int = 200, confidence: float = 0.95,
                     seed: int = 0, terms: dict | None = None) -> list[dict]:
    """One curve per (estimator, ratio) of per-document ``values[estimator]`` (n_docs, n_splits):
    points with mean, stderr and bootstrap CI; the chosen scaling law; β and its CI only when the
    chosen law is a power law. The corrected direct curve's points carry the correction (mean
    corrected − raw, its stderr, and the context marginal's jackknife bias from ``terms``)."""
    confidence = check_float("confidence", confidence, 0.0, 1.0, low_open=True, high_open=True)
    tails = [50 * (1 - confidence), 50 * (1 + confidence)]
    rng = as_rng(seed)
    curves = []
    for name, vals in values.items():
        boot = bootstrap_means(vals, n_boot, rng)
        low, high = np.percentile(boot, tails, axis=0)
        for ratio in sorted({s.ratio for s in splits}):
            cols = [j for j, s in enumerate(splits) if s.ratio == ratio]
            mean, stderr = _mean_stderr(vals[:, cols])
            points = [{"L": splits[j].length, "ell": splits[j].ell, "mean": float(mu), "stderr": float(se),
                       "ci": [float(low[j]), float(high[j])]} for j, mu, se in zip(cols, mean, stderr)]
            if name == "direct" and "direct_raw" in values and terms and "context_bias" in terms:
                _add_correction(points, cols, vals - values["direct_raw"], terms["context_bias"])
            curve = {"estimator": name, "ratio": ratio, "points": points, "fit": None, "beta": None}
            if len(points) >= 3 and np.all(mean > 0):
                curve.update(_fit(splits, cols, mean, stderr, boot, n_boot_fit, tails))
            curves.append(curve)
    return curves


def _mean_stderr(vals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return vals.mean(axis=0), vals.std(axis=0, ddof=1) / np.sqrt(len(vals))


def _add_correction(points, cols, shift: np.ndarray, bias: np.ndarray) -> None:
    mean, stderr = _mean_stderr(shift[:, cols])
    for p, j, mu, se in zip(points, cols, mean, stderr):
        p["correction"] = {"mean": float(mu), "stderr": float(se), "bias": float(bias[:, j].mean())}


def _fit(splits, cols, mean, stderr, boot, n_boot_fit, tails) -> dict:
    """The chosen law (``fit``, ``fit_text``) and, for a power law only, β with its bootstrap CI."""
    lengths = [splits[j].length for j in cols]
    fit = fit_scaling_law(lengths, mean, stderr)
    out = {"fit": fit.to_dict(), "fit_text": fit.describe(), "beta": None}
    if fit.law == "power":
        power = fit.fits["power"]
        betas = [_power_beta(lengths, b) for b in boot[:n_boot_fit, cols] if np.all(b > 0)]
        out["beta"] = {"value": power.params["beta"], "A": power.params["A"], "stderr": power.stderr["beta"],
                       "ci": np.percentile(betas, tails).tolist() if betas else None}
    return out


def _power_beta(lengths, mi) -> float:
    return fit_scaling_law(lengths, mi).fits["power"].params["beta"]


def two_point_summary(tokens, max_distance: int | None = None, points: int = 40, seed: int = 0) -> dict:
    """Two-point MI of tokens (1-D, or documents as rows) at log-spaced distances, with the bias-corrected
    fit, and the **shuffled-text level**: the same estimator on the tokens in a random order (no
    correlation at all), whose largest value over the distances is ``bias_floor``. Below it an
    estimate is the estimator's bias (a 5·10⁴-token vocabulary on 10⁴–10⁵ tokens), not correlation."""
    tokens = check_token_array(tokens)[0]
    width = tokens.shape[-1]
    top = check_int("max_distance", width // 2 if max_distance is None else min(max_distance, width - 1), 4, width - 1)
    distances = np.unique(np.geomspace(1, top, points).round().astype(int))
    curve = two_point_mi_curve(tokens, distances=distances)
    shuffled = as_rng(seed).permutation(tokens.ravel()).reshape(tokens.shape)
    null = two_point_mi_curve(shuffled, distances=distances)
    out = curve.to_dict()
    out["null_mi"], out["bias_floor"] = null.mi.tolist(), float(np.max(null.mi + 2 * null.stderr))
    try:
        fit = curve.fit()
        out["fit"], out["fit_text"] = fit.to_dict(), fit.describe()
    except InvalidInput as err:  # fewer than 4 positive estimates: no fit, say why
        out["fit"], out["fit_error"] = None, str(err)
    return out


def run_settings(model, splits, estimators, correction: Correction, n_docs: int, n_boot: int, seed: int,
                 **extra) -> dict:
    """The settings line of a run's records (``studies.lm_mi.records``)."""
    described = getattr(model, "settings", None)
    return {"model": described() if described else {"name": type(model).__name__},
            "lengths": sorted({s.length for s in splits}), "ratios": sorted({s.ratio for s in splits}),
            "splits": [[s.length, s.ell] for s in splits], "estimators": list(estimators),
            "correction": correction.to_dict(), "n_docs": int(n_docs), "bootstrap": int(n_boot), "seed": int(seed),
            "threads": torch.get_num_threads(), "device": str(getattr(model, "device", "cpu")), "versions": versions(),
            **extra}


def summarize_records(settings: dict, records, confidence: float = 0.95) -> dict:
    """The run's summary, recomputed from its per-document records (any order, complete or not)."""
    records = sorted(records, key=lambda r: r["index"])
    if len(records) < 2:
        raise InvalidInput(f"the records hold {len(records)} scored document(s): at least 2 are needed for a summary")
    splits = plan_splits(settings["lengths"], settings["ratios"])
    values = {k: np.array([r["values"][k] for r in records], dtype=np.float64) for k in records[0]["values"]}
    terms = {k: np.array([r["terms"][k] for r in records], dtype=np.float64) for k in records[0]["terms"]}
    tokens = sum(r["cost"]["tokens"] for r in records)
    seconds = sum(r["cost"]["seconds"] for r in records)
    return {"n_docs": len(records), "n_planned": settings["n_docs"], "complete": len(records) == settings["n_docs"],
            "lengths": settings["lengths"], "ratios": settings["ratios"], "correction": settings["correction"],
            "model": settings["model"], "tokens_scored": int(round(tokens)), "model_seconds": seconds,
            "tokens_per_second": tokens / seconds if seconds > 0 else float("inf"),
            "curves": summarize_curves(splits, values, settings["bootstrap"], confidence=confidence,
                                       seed=settings["seed"], terms=terms),
            "paper": {"beta": PAPER_BETA, "two_point_alpha": PAPER_TWO_POINT_ALPHA}}


def lm_mi_curve(model, docs, lengths, ratios=(2, 3, 4), estimators=ESTIMATORS, correction: Correction = Correction(),
                two_point: bool = True, two_point_tokens=None, n_boot: int = 1000, seed: int = 0,
                progress: Progress = None, meta=None, records=None, indices=None, max_seconds: float | None = None,
                chunk: int = 8, **extra) -> dict:
    """Score the documents, summarize every curve from the per-document records, add the two-point MI.

    ``meta[i]`` (``{"source", "offset"}``, default the row number) is written in document i's
    record; with ``records`` (a path) every chunk of ``chunk`` documents is appended to that JSON
    Lines file as it is done, and a file left by an interrupted run with the same settings is
    resumed. ``indices`` scores only those documents (a shard of the run: shards merge with
    ``records.merge_records``). ``max_seconds`` stops between chunks (``complete: false`` then).
    The two-point MI is taken on ``two_point_tokens`` (e.g. the whole tokenized corpus, 1-D: with
    a 5·10⁴-token vocabulary the pair counts need far more tokens than the documents hold) or, by
    default, on the documents' tokens. ``extra`` goes into the settings (e.g. how the text was cut).
    """
    start = time.perf_counter()
    settings, done = score_run(model, docs, lengths, ratios, estimators, correction, n_boot, seed, progress, meta,
                               records, indices, max_seconds, chunk, **extra)
    tokens = np.asarray(docs)[:, : max(settings["lengths"])] if two_point_tokens is None else two_point_tokens
    return curve_result(settings, done, tokens, two_point, start)


def score_run(model, docs, lengths, ratios=(2, 3, 4), estimators=ESTIMATORS, correction: Correction = Correction(),
              n_boot: int = 1000, seed: int = 0, progress: Progress = None, meta=None, records=None, indices=None,
              max_seconds: float | None = None, chunk: int = 8, **extra) -> tuple[dict, list[dict]]:
    """(settings, records) of ``lm_mi_curve``'s scoring (its arguments): resumed from ``records``,
    ``indices`` only (or every document), appended chunk by chunk."""
    estimators = check_estimators(estimators)
    splits = plan_splits(lengths, ratios)
    docs = np.asarray(docs)
    meta = [{"source": "row", "offset": i} for i in range(len(docs))] if meta is None else meta
    settings = run_settings(model, splits, estimators, correction, len(docs), check_int("n_boot", n_boot, 10),
                            check_int("seed", seed, 0), **extra)
    done = []
    if records is not None and Path(records).is_file():
        old, done = read_records(records)
        check_same_settings(old, settings, f"cannot resume {str(records)!r}")
    todo = missing(settings, done)
    if indices is not None:
        indices = np.asarray(indices, dtype=np.int64).ravel()
        if indices.size == 0 or indices.min() < 0 or indices.max() >= len(docs):
            raise InvalidInput(f"indices must be document numbers within [0, {len(docs) - 1}], not empty")
        todo = np.intersect1d(todo, indices)
    done, _ = score_into(records, model, docs, meta, splits, settings, todo, estimators, correction, done,
                         chunk=chunk, max_seconds=max_seconds, progress=progress)
    return settings, done


def curve_result(settings: dict, records, tokens, two_point: bool = True, start: float | None = None) -> dict:
    """The summary of ``records`` (``summarize_records``), with the two-point MI of ``tokens`` (documents
    as rows, or the corpus 1-D) and the seconds since ``start``."""
    result = summarize_records(settings, records)
    if two_point:
        result["two_point"] = two_point_summary(tokens, max_distance=max(result["lengths"]) // 2)
    if start is not None:
        result["seconds"] = time.perf_counter() - start
    return result
