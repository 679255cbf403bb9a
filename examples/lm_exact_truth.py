"""Example: how far an LM-based bipartite MI estimate is from the truth, on exact families.

The same pipeline ``natural_language.py`` runs on text (``studies.lm_mi.curve.lm_mi_curve``:
one pass per document for every split, y-alone and vCLUB passes, bootstrap CIs over documents)
scores documents sampled from discrete exact families — ``tree`` (power law, β = ln 3 / ln 4 ≈ 0.79)
and ``markov`` (area law) — with (i) the exact oracle (``OracleModel``) and (ii) a small
transformer trained by infoscale on that family and length (``nets.train``, exact NLL, threads
pinned). Each row gives log(estimate / exact I(ℓ; L)) against L and the trained net's exact
per-token KL from the truth (``nets.evaluate``): the direction of the error and what causes it.

No first-tokens correction in that table (``Correction("none")``): the families' documents start
where the family starts, and the oracle's y-alone term is the exact block marginal. With q = p the
direct estimate is unbiased and vCLUB exceeds I by KL(p(x)p(y) ‖ p(x, y)).

The second table compares the **first-tokens corrections** (``estimators.first_tokens``) where
the truth is known: Markov chains (V = 3 and V = 64) scored by the exact oracle except that each
block's first token is scored by a wrong law (``MidDocumentStart``: 0.85 on token 0), as an LM
scores a block that starts mid-document. For N = 250, 1000, 4000 documents it gives the raw
estimate, the Grassberger 2-gram correction (the paper's) and the model-based context marginal
(the default), each against the exact I(8; 16), with the context marginal's stated error.

    python examples/lm_exact_truth.py            # tree L = 16, 64; markov L = 8 … 64; 300 (and 3000) steps; ~10-15 min
    python examples/lm_exact_truth.py --quick    # tree L = 16, markov L = 8, 16; 60 steps (~1 min)

Writes ``lm_exact_truth.json`` (and ``lm_exact_truth.png``) into ``--out``.
"""

from __future__ import annotations

import numpy as np
import torch

from _common import example_args
from infoscale import TrainConfig, build_model, evaluate, make_family, train
from infoscale.estimators.documents import plan_splits, score_documents
from infoscale.estimators.first_tokens import Correction, MidDocumentStart, ngram_surprisal
from infoscale.estimators.model_based import OracleModel
from infoscale.io import save_figure, write_json
from infoscale.plotting import plt
from infoscale.studies.lm_mi.curve import lm_mi_curve

CASES = {  # family name, parameters, {length: training steps of each net} (full, quick), split ratios
    "tree": ({"vocab_size": 2, "branching": 4, "k": 3}, {16: (300, 3000), 64: (300,)}, {16: (60,)}, (2, 4)),
    "markov": ({"vocab_size": 3, "concentration": 0.3}, {8: (300,), 16: (300,), 32: (300,), 64: (300,)},
               {8: (60,), 16: (60,)}, (2, 4)),
}


def trained_transformer(family, length: int, steps: int, seed: int):
    model = build_model("transformer", {"vocab_size": family.vocab_size, "d_model": 32, "n_layers": 2,
                                        "n_heads": 4, "positions": "sinusoidal"}, seed=seed)
    train(model, family, length, TrainConfig(steps=steps, batch_size=32, lr=3e-3, seed=seed, device="cpu"))
    return model


def main(argv=None) -> dict:
    args = example_args(__doc__, argv)
    torch.set_num_threads(1)
    n_docs = 400 if args.quick else 2000
    rows = []
    for name, (params, schedule, quick_schedule, ratios) in CASES.items():
        family = make_family(name, **params)
        for length, all_steps in (quick_schedule if args.quick else schedule).items():
            docs = family.sample(n_docs, length, np.random.default_rng(length))
            models = [("oracle", OracleModel(family), 0.0)]
            for steps in all_steps:
                net = trained_transformer(family, length, steps, seed=length)
                models.append((f"transformer, {steps} steps", net, evaluate(net, family, length, n_samples=256).mean_kl))
            for model_name, model, kl in models:
                result = lm_mi_curve(model, docs, [length], ratios, correction=Correction("none"), two_point=False,
                                     n_boot=200)
                for curve in result["curves"]:
                    (point,) = curve["points"]
                    truth = family.bipartite_mi(point["ell"], length)
                    rows.append({"family": name, "L": length, "ratio": curve["ratio"], "ell": point["ell"],
                                 "model": model_name, "estimator": curve["estimator"], "estimate": point["mean"],
                                 "stderr": point["stderr"], "ci": point["ci"], "exact": truth,
                                 "log_ratio": float(np.log(point["mean"] / truth)) if point["mean"] > 0 else None,
                                 "model_kl_per_token": kl,
                                 "tokens_per_second": result["tokens_per_second"]})
                    print(f"{name:7s} L={length:3d} r={curve['ratio']} {model_name:24s} {curve['estimator']:6s} "
                          f"{point['mean']:8.4f} ± {point['stderr']:.4f}  exact {truth:.4f}  "
                          f"log(est/true) {rows[-1]['log_ratio'] if rows[-1]['log_ratio'] is not None else float('nan'):+.3f}"
                          f"  (net KL/token {kl:.4f})")
    out = {"rows": rows, "n_docs": n_docs, "quick": args.quick, "first_tokens": 0,
           "corrections": correction_rows((250, 1000) if args.quick else (250, 1000, 4000)),
           "cases": {name: {"params": p, "ratios": r} for name, (p, _, _, r) in CASES.items()}}
    args.out.mkdir(parents=True, exist_ok=True)
    write_json(args.out / "lm_exact_truth.json", out)
    save_figure(plot_rows(rows), args.out / "lm_exact_truth.png")
    return out


def correction_rows(sizes, length: int = 16, m: int = 2) -> list[dict]:
    """Raw, n-gram-corrected and context-corrected direct estimates against the exact MI, as N grows."""
    rows, split = [], plan_splits([length], (2,))
    for V, concentration in ((3, 0.3), (64, 0.05)):
        family = make_family("markov", vocab_size=V, concentration=concentration, chain_seed=2)
        model = MidDocumentStart(OracleModel(family), np.log([0.85] + [0.15 / (V - 1)] * (V - 1)))
        docs, truth = family.sample(max(sizes), length, np.random.default_rng(V)), family.bipartite_mi(length // 2, length)
        for n in sizes:
            scores = score_documents(model, docs[:n], split, ("direct",), Correction(first_tokens=m))
            raw, head = scores.values["direct_raw"][:, 0], scores.terms["head"][:, 0]
            estimates = {"none": raw, "ngram": raw + head + ngram_surprisal(docs[:n], length // 2, m),
                         "context": scores.values["direct"][:, 0]}
            for name, values in estimates.items():
                rows.append({"V": V, "N": n, "correction": name, "estimate": float(values.mean()),
                             "stderr": float(values.std(ddof=1) / np.sqrt(n)), "exact": truth,
                             "stated_error": float(abs(scores.terms["context_bias"][:, 0].mean()))
                             if name == "context" else None})
                r = rows[-1]
                print(f"markov V={V:2d} N={n:5d} {name:8s} {r['estimate']:8.4f} ± {r['stderr']:.4f}  exact {truth:.4f}"
                      + (f"  (stated error {r['stated_error']:.4f})" if r["stated_error"] is not None else ""))
    return rows


def plot_rows(rows):
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, estimator in zip(axes, ("direct", "vclub")):
        keys = sorted({(r["family"], r["model"], r["ratio"]) for r in rows})
        for index, (family, model, ratio) in enumerate(keys):
            sel = [r for r in rows if (r["family"], r["model"], r["ratio"], r["estimator"]) == (family, model, ratio, estimator)
                   and r["log_ratio"] is not None]
            ax.plot([r["L"] for r in sel], [r["log_ratio"] for r in sel], "o-" if model == "oracle" else "s--",
                    color=f"C{index}", label=f"{family}, {model}, L = {ratio}ℓ")
        ax.axhline(0, color="k", lw=0.8)
        ax.set(xscale="log", xlabel="L", title=estimator)
        ax.grid(True, alpha=0.3)
    axes[0].set_ylabel("log(estimate / exact I)")
    axes[1].legend(fontsize=7)
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    main()
