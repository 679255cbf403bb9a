"""The language-model command: ``lm-mi`` (bipartite and two-point MI of text, measured with a pretrained LM).

Every option is checked, the text read, split and tokenized, and the documents cut before the
model loads (the tokenizer alone decides what is too short); the cost in tokens is printed
before the first forward pass. With ``--records FILE`` each chunk of documents is appended to a
JSON Lines file as it is scored and an interrupted run resumes from it; ``--merge A B …``
summarizes the records of runs on disjoint documents as one run. Beyond one process: ``--shard``
(SLURM arrays), ``torchrun`` (a model copy per rank), ``--executor ray`` (a model copy per Ray
task) and ``--device-map auto`` (one model over several devices).
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from infoscale.cli.common import Command, add_quiet, add_shard_flags, csv_list, shard_options
from infoscale.errors import InvalidInput

DEFAULT_LENGTHS = "16,32,64,128,256,512"


def add_lm_mi(p) -> None:
    from infoscale.estimators.first_tokens import CORRECTIONS, Correction

    default = Correction()
    p.add_argument("text", nargs="*", metavar="TEXT", help="UTF-8 files, folders (any extension) or glob patterns")
    p.add_argument("--model", metavar="PATH",
                   help="a local transformers model folder, or the folder holding --gguf (never downloaded)")
    p.add_argument("--gguf", metavar="FILE", help="a GGUF file (relative to --model, or absolute)")
    p.add_argument("--bos", metavar="TOKEN", help="start token: a token of the tokenizer or an id (default the model's BOS)")
    p.add_argument("--lengths", default=DEFAULT_LENGTHS, help=f"comma-separated lengths L (default {DEFAULT_LENGTHS})")
    p.add_argument("--ratios", default="2,3,4", help="comma-separated split ratios r = L/ℓ >= 2 (default 2,3,4)")
    p.add_argument("--docs", type=int, default=100, help="documents of the largest L (default 100)")
    p.add_argument("--windows", default="spread", choices=("spread", "consecutive"),
                   help="documents spread evenly over the text, or the first ones (default spread)")
    p.add_argument("--split-on", default="file", metavar="file|line|SEP",
                   help="the corpus's documents: one per file, per line, or per separator string (default file)")
    p.add_argument("--glob", default="*", metavar="PATTERN", help="files of a folder to read (default every file)")
    p.add_argument("--estimators", default="direct,vclub", help="comma-separated, from direct,vclub (default both)")
    p.add_argument("--correction", default=default.method, choices=CORRECTIONS,
                   help=f"direct's first-tokens correction (default {default.method}: the model's marginal over contexts)")
    p.add_argument("--first-tokens", type=int, default=default.first_tokens,
                   help=f"m, the tokens of Y the correction rescores (default {default.first_tokens})")
    p.add_argument("--contexts", type=int, default=default.contexts,
                   help=f"K, contexts of the correction's marginal (default {default.contexts})")
    p.add_argument("--context-tokens", type=int, default=default.context_tokens,
                   help=f"C, tokens of each context (default {default.context_tokens})")
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples over documents, >= 10 (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap, >= 0 (default 0)")
    p.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda, ...")
    p.add_argument("--device-map", choices=("auto",),
                   help="auto: one model larger than a GPU spread over the GPUs and CPU memory (accelerate; "
                        "one process, not torchrun)")
    p.add_argument("--threads", type=int, help="torch CPU threads (default: the cores this process may use)")
    p.add_argument("--records", metavar="FILE", help="per-document records (JSON Lines); an existing file is resumed")
    p.add_argument("--max-seconds", type=float, help="stop scoring after this long (resume later with --records)")
    p.add_argument("--merge", nargs="+", metavar="RECORDS", help="summarize records files of disjoint documents as one run")
    p.add_argument("--json", metavar="FILE", help="write the result as JSON")
    p.add_argument("--plot", metavar="FILE", help="write the Fig.-2-shaped figure (PNG)")
    add_quiet(p)
    add_shard_flags(p, "document", merge=False)
    p.add_argument("--tasks", type=int, metavar="K",
                   help="with --executor ray: Ray tasks, each loading the model once and scoring 1/K of the documents "
                        "(default: as many as the cluster runs at once; resume with the same K)")


def int_list(name: str, text: str) -> list[int]:
    try:
        return [int(t) for t in csv_list(text)]
    except ValueError:
        raise InvalidInput(f"{name} must be comma-separated integers, got {text!r}") from None


def check_options(args) -> dict:
    """Every option checked, naming its flag, before any file or model is read."""
    from infoscale._checks import check_float, check_int
    from infoscale.estimators.documents import check_estimators, plan_splits
    from infoscale.io import check_figure_path, check_writable

    lengths, ratios = int_list("--lengths", args.lengths), int_list("--ratios", args.ratios)
    splits = plan_splits(lengths, ratios)
    for flag, value, low in (("--bootstrap", args.bootstrap, 10), ("--seed", args.seed, 0), ("--docs", args.docs, 2),
                             ("--first-tokens", args.first_tokens, 0), ("--contexts", args.contexts, 2),
                             ("--context-tokens", args.context_tokens, 1)):
        check_int(flag, value, low)
    if args.max_seconds is not None:
        check_float("--max-seconds", args.max_seconds, 0.0, low_open=True)
    for flag in ("json", "records"):
        if getattr(args, flag):
            check_writable(getattr(args, flag), f"--{flag}")
    if args.plot:  # checked here by every torchrun rank, locked by rank 0 (``_output_locks``)
        check_figure_path(args.plot, "--plot")
    if args.merge is None and (not args.text or not args.model):
        raise InvalidInput("give TEXT and --model (or --merge RECORDS…)")
    from infoscale.estimators.first_tokens import Correction

    correction = Correction(args.correction, args.first_tokens, args.contexts, args.context_tokens)
    return {"splits": splits, "lengths": lengths, "ratios": ratios, "estimators": check_estimators(csv_list(args.estimators)), "correction": correction}


def prepare_text(args, splits):
    """(tokenizer, start token id, Cut, all tokens 1-D): everything that needs the tokenizer only.
    The Cut's report lists the files skipped as not text."""
    import numpy as np

    from infoscale.studies.lm_mi.pretrained import load_tokenizer, start_token_id, tokenize
    from infoscale.studies.lm_mi.text import corpus_pieces, cut_documents

    pieces, skipped = corpus_pieces(args.text, args.split_on, args.glob)
    tokenizer = load_tokenizer(args.model, args.gguf)
    bos = start_token_id(tokenizer, args.bos)
    streams = tokenize(tokenizer, [text for _, text in pieces])
    cut = cut_documents(streams, max(s.length for s in splits), args.docs, args.windows, [s for s, _ in pieces])
    cut.report["skipped_files"] = skipped
    return tokenizer, bos, cut, np.concatenate(streams)


def run_lm_mi(args, family_params) -> int:
    from infoscale.cli.nets import check_threads

    options = check_options(args)
    threads = check_threads(args.threads)
    shard, executor, tasks = parallel_options(args)
    with _output_locks(args):
        if args.merge:
            return _merged(args)
        return _scored(args, options, threads, shard, executor, tasks)


def parallel_options(args):
    """(``Shard``, ``RayExecutor`` or None, ``--tasks`` or None) of ``--shard``, ``--executor``, ``--tasks`` and
    ``--device-map``; what cannot go together (one model over devices under torchrun, Ray tasks with a
    shard or under torchrun, ``--tasks`` without Ray) refused before any file is read."""
    import os

    from infoscale._checks import check_int
    from infoscale.studies.lm_mi.pretrained import check_device_map

    shard, executor = shard_options(args)  # --shard with --merge refused
    torchrun = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if args.device_map and torchrun:  # a conflict of options, named before what is installed
        raise InvalidInput("--device-map auto spreads one model over the devices; torchrun needs a model copy per "
                           "rank: run it in one process")
    check_device_map(args.device_map, args.device)
    if executor is None:
        if args.tasks is not None:
            raise InvalidInput("--tasks is the number of Ray tasks; add --executor ray")
        return shard, None, None
    if not shard.whole or torchrun:
        raise InvalidInput("--executor ray deals the documents over its own tasks: give it without --shard, "
                           "a SLURM array or torchrun")
    return shard, executor, None if args.tasks is None else check_int("--tasks", args.tasks, 1)


def _output_locks(args) -> contextlib.ExitStack:
    """Each output file (checked in ``check_options``) held by one writer (``io.folder_lock`` per file) before
    the model loads; under torchrun by rank 0, which alone writes them."""
    import os

    from infoscale.io import folder_lock

    outputs = contextlib.ExitStack()
    if os.environ.get("RANK", "0") != "0":
        return outputs
    for flag, path in (("--json", args.json), ("--plot", args.plot)):
        if path:
            path = Path(path)
            outputs.enter_context(folder_lock(path.parent, unit=path.name, name=flag))
    return outputs


def _scored(args, options, threads, shard, executor, tasks) -> int:
    import functools
    import time

    from infoscale.cli.lm_mi_cost import print_plan
    from infoscale.nets.device import init_distributed, torch_threads
    from infoscale.studies.lm_mi.curve import curve_result
    from infoscale.studies.lm_mi.parallel import ranks
    from infoscale.studies.lm_mi.pretrained import load_pretrained
    from infoscale.studies.lm_mi.text import cut_text

    start = time.perf_counter()
    if not shard.whole and args.records is None:
        raise InvalidInput(f"--shard {shard} keeps its documents' records: give --records FILE (one file per shard)")
    init_distributed()  # under torchrun: every rank scores its share, rank 0 merges and writes
    rank, world = ranks()
    tokenizer, bos, cut, corpus = prepare_text(args, options["splits"])
    load = functools.partial(load_pretrained, args.model, args.gguf, device=args.device, bos_token_id=bos,
                             device_map=args.device_map)
    if args.plan is not None:
        with torch_threads(threads):
            return print_plan(load(tokenizer=tokenizer), options, len(cut.docs), args.plan or tasks or shard.count)
    if rank == 0:
        print(cut_text(cut.report, cut.report["skipped_files"]))
    setup = {"records": args.records, "estimators": options["estimators"], "correction": options["correction"],
             "n_boot": args.bootstrap, "seed": args.seed, "meta": cut.meta, "max_seconds": args.max_seconds,
             "text": list(args.text), "device_map": args.device_map,
             "cutting": {**cut.report, "split_on": args.split_on, "glob": args.glob}}
    if executor is not None:
        scored = _on_ray(args, options, executor, tasks, load, cut.docs, setup)
    else:
        scored = _here(args, options, threads, shard, functools.partial(load, tokenizer=tokenizer), cut.docs, setup)
    if world > 1:
        from infoscale.nets.device import leave_distributed

        leave_distributed()
    if scored is None:  # a rank other than 0: its records went to rank 0
        return 0
    if not shard.whole:
        print(f"shard {shard}: {len(scored[1])} documents in {args.records}; when every shard is done, "
              "`infoscale lm-mi --merge RECORDS…` summarizes them as one run")
        return 0
    result = {**curve_result(*scored, corpus, start=start), "cut": cut.report}
    return _output(args, result, f"{scored[0]['model']['name']}, {result['n_docs']} documents")


def _here(args, options, threads, shard, load, docs, setup):
    """``parallel.score_shared`` of the model ``load()`` gives, in this process (this rank's share under torchrun)."""
    from infoscale.cli.lm_mi_cost import print_cost
    from infoscale.nets.device import torch_threads
    from infoscale.progress import bar
    from infoscale.studies.lm_mi.parallel import ranks, score_shared

    rank = ranks()[0]
    with torch_threads(threads):
        lm = load()
        if rank == 0:
            print_cost(options, len(docs), lm)
        with bar("lm-mi", not args.quiet and rank == 0, unit="tok", unit_scale=True) as progress:
            return score_shared(lm, docs, options["lengths"], options["ratios"], shard=shard, progress=progress, **setup)


def _on_ray(args, options, executor, tasks, load, docs, setup):
    """``parallel.score_on_ray``: K tasks (``--tasks``, default what the cluster runs at once), each on
    ``--threads`` torch threads (default its whole ``--cpus-per-run``)."""
    from infoscale.cli.lm_mi_cost import print_cost
    from infoscale.progress import bar
    from infoscale.studies.lm_mi.parallel import score_on_ray

    count = min(len(docs), tasks or executor.slots())
    print_cost(options, len(docs), tasks=count)
    with bar("lm-mi", not args.quiet, unit="doc") as progress:
        return score_on_ray(executor, load, docs, options["lengths"], options["ratios"], tasks=count,
                            threads=args.threads or executor.threads, progress=progress, **setup)


def _merged(args) -> int:
    from infoscale.studies.lm_mi.curve import summarize_records
    from infoscale.studies.lm_mi.records import merge_records

    settings, records = merge_records(args.merge)
    result = summarize_records(settings, records)
    return _output(args, result, f"{settings['model'].get('name')}, {result['n_docs']} documents (merged)")


def _output(args, result: dict, title: str) -> int:
    from infoscale.io import save_figure, write_json
    from infoscale.studies.lm_mi.report import format_lm_mi_report, plot_lm_mi

    print(format_lm_mi_report(result))
    if not result["complete"]:
        print(f"stopped after {result['n_docs']} of {result['n_planned']} documents; "
              "rerun the same command with the same --records to resume", file=sys.stderr)
    if args.json:
        print(f"wrote {write_json(args.json, result)}")
    if args.plot:
        print(f"wrote {save_figure(plot_lm_mi(result, title=title), args.plot)}")
    return 0


COMMANDS = [
    Command("lm-mi", "bipartite MI curve of text with a local pretrained LM (direct, vCLUB; two-point MI)",
            add_lm_mi, run_lm_mi),
]
