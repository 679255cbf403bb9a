"""The language-model command: ``lm-mi`` (bipartite and two-point MI of text, measured with a pretrained LM)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from infoscale.cli.common import Command, add_quiet, csv_list
from infoscale.errors import InvalidInput

DEFAULT_LENGTHS = "16,32,64,128,256,512"


def add_lm_mi(p) -> None:
    p.add_argument("text", nargs="+", metavar="TEXT", help="UTF-8 text files or folders of them (.txt, .md, .text, .rst)")
    p.add_argument("--model", required=True, metavar="PATH",
                   help="a local transformers model folder, or the folder holding --gguf (never downloaded)")
    p.add_argument("--gguf", metavar="FILE", help="a GGUF file (relative to --model, or absolute)")
    p.add_argument("--lengths", default=DEFAULT_LENGTHS, help=f"comma-separated lengths L (default {DEFAULT_LENGTHS})")
    p.add_argument("--ratios", default="2,3,4", help="comma-separated split ratios r = L/ℓ >= 2 (default 2,3,4)")
    p.add_argument("--docs", type=int, default=100, help="documents of the largest L, spread over the text (default 100)")
    p.add_argument("--estimators", default="direct,vclub", help="comma-separated, from direct,vclub (default both)")
    p.add_argument("--first-tokens", type=int, default=2,
                   help="m of the direct estimator's first-tokens n-gram correction, 0 for none (default 2)")
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples over documents (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default 0)")
    p.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda, ...")
    p.add_argument("--threads", type=int, help="torch CPU threads (default: the cores this process may use)")
    p.add_argument("--json", metavar="FILE", help="write the result as JSON")
    p.add_argument("--plot", metavar="FILE", help="write the Fig.-2-shaped figure (PNG)")
    add_quiet(p)


def int_list(name: str, text: str) -> list[int]:
    try:
        return [int(t) for t in csv_list(text)]
    except ValueError:
        raise InvalidInput(f"{name} must be comma-separated integers, got {text!r}") from None


def run_lm_mi(args, family_params) -> int:
    from infoscale.cli.nets import check_threads
    from infoscale.estimators.documents import check_estimators, plan_splits
    from infoscale.io import check_figure_path, check_writable, folder_lock, save_figure, write_json
    from infoscale.nets.device import torch_threads
    from infoscale.progress import bar
    from infoscale.studies.lm_mi.curve import lm_mi_curve
    from infoscale.studies.lm_mi.pretrained import load_pretrained, resolve_model_path, text_documents
    from infoscale.studies.lm_mi.report import format_lm_mi_report, plot_lm_mi
    from infoscale.studies.lm_mi.text import read_texts

    lengths, ratios = int_list("--lengths", args.lengths), int_list("--ratios", args.ratios)
    splits = plan_splits(lengths, ratios)  # refuses ratios < 2 before anything is loaded
    estimators = check_estimators(csv_list(args.estimators))
    texts = read_texts(args.text)
    resolve_model_path(args.model, args.gguf)
    outputs = contextlib.ExitStack()  # each output file checked, and held by one writer, before the model loads
    if args.json:
        outputs.enter_context(folder_lock(check_writable(args.json, "--json").parent,
                                          unit=Path(args.json).name, name="--json"))
    if args.plot:
        outputs.enter_context(folder_lock(check_figure_path(args.plot, "--plot").parent, unit=Path(args.plot).name,
                                          name="--plot"))
    with outputs, torch_threads(check_threads(args.threads)):
        lm = load_pretrained(args.model, args.gguf, device=args.device)
        docs, corpus = text_documents(lm, texts, max(s.length for s in splits), args.docs)
        with bar("lm-mi passes", not args.quiet, unit="pass") as progress:
            result = lm_mi_curve(lm, docs, lengths, ratios, estimators, first_tokens=args.first_tokens,
                                 two_point_tokens=corpus, n_boot=args.bootstrap, seed=args.seed, progress=progress)
        result.update(model=lm.name, device=str(lm.device), text=list(args.text))
        print(format_lm_mi_report(result))
        if args.json:
            print(f"wrote {write_json(args.json, result)}")
        if args.plot:
            title = f"{lm.name}, {result['n_docs']} documents"
            print(f"wrote {save_figure(plot_lm_mi(result, title=title), args.plot)}")
    return 0


COMMANDS = [
    Command("lm-mi", "bipartite MI curve of text with a local pretrained LM (direct, vCLUB; two-point MI)",
            add_lm_mi, run_lm_mi),
]
