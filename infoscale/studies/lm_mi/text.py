"""Text for the language-model estimators: files read, split into documents as the corpus defines
them, and cut into windows, with a report of what was used and what was dropped and why.

``text_files`` takes files, folders (every non-hidden file, any extension, or those matching
``pattern``) and glob patterns; a file a folder scan finds that is not text is skipped (and
reported), one named is refused. ``read_text`` refuses what is not text (a missing path, an empty
file, non-UTF-8 bytes, NUL bytes), naming the file. ``corpus_pieces`` splits the text into the
corpus's own documents: one per file (``split_on="file"``), per non-blank line (``"line"``), or
per occurrence of a separator string (any other value, e.g. ``"\\n\\n"`` or ``"<|endoftext|>"``).
``cut_documents`` cuts each piece's tokens into non-overlapping windows of ``length`` tokens (a
window never crosses two pieces) and takes ``n_docs`` of them, the first ones (``"consecutive"``)
or spread evenly over the corpus (``"spread"``); ``Cut.report`` counts every token: used, in
pieces shorter than a window, in the tails after a piece's last window, in windows not chosen.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from infoscale._checks import check_int
from infoscale.errors import InvalidInput

WINDOWS = ("spread", "consecutive")


def text_files(paths, pattern: str = "*") -> list[Path]:
    """The files named, those a glob pattern matches, and every non-hidden file of a folder
    (recursively, sorted) whose name matches ``pattern``."""
    return [path for path, _ in _scan(paths, pattern)]


def _scan(paths, pattern: str) -> list[tuple[Path, bool]]:
    """(file, whether it was found by a folder scan or pattern rather than named)."""
    files = []
    for path in map(Path, [paths] if isinstance(paths, (str, Path)) else paths):
        if any(c in str(path) for c in "*?[") and not path.exists():
            found = sorted(Path(p) for p in glob.glob(str(path), recursive=True) if Path(p).is_file())
            if not found:
                raise InvalidInput(f"text pattern {str(path)!r} matches no file")
            files.extend((p, True) for p in found)
        elif path.is_dir():
            found = sorted(p for p in path.rglob(pattern) if p.is_file()
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
            if not found:
                raise InvalidInput(f"folder {str(path)!r} holds no text files matching {pattern!r}")
            files.extend((p, True) for p in found)
        elif path.is_file():
            files.append((path, False))
        else:
            raise InvalidInput(f"text path {str(path)!r} does not exist")
    if not files:
        raise InvalidInput("no text given: name at least one UTF-8 file or folder")
    return files


def read_text(path) -> str:
    """One UTF-8 file's text; a clear error for an empty file, NUL bytes or invalid UTF-8."""
    path = Path(path)
    raw = path.read_bytes()
    if not raw.strip():
        raise InvalidInput(f"text file {str(path)!r} is empty")
    if b"\x00" in raw:
        raise InvalidInput(f"{str(path)!r} holds NUL bytes: binary data, not text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InvalidInput(f"{str(path)!r} is not UTF-8 text (invalid byte at offset {err.start}); "
                           "convert it, e.g. `iconv -f latin1 -t utf-8`") from None


def read_texts(paths, pattern: str = "*") -> list[str]:
    """The text of every file named or found (``text_files``)."""
    return [read_text(path) for path in text_files(paths, pattern)]


def corpus_pieces(paths, split_on: str = "file", pattern: str = "*") -> tuple[list[tuple[str, str]], list[str]]:
    """(source, text) of each document as the corpus defines it (module docstring), and the files a
    folder scan or pattern found that are not text (skipped; a file named is refused instead).
    Sources are ``FILE``, ``FILE:LINE`` (1-based) or ``FILE#K`` (the K-th piece, 0-based)."""
    if not split_on:
        raise InvalidInput("--split-on must be file, line or a non-empty separator string")
    pieces, skipped = [], []
    for path, found in _scan(paths, pattern):
        try:
            text = read_text(path)
        except InvalidInput:
            if not found:
                raise
            skipped.append(str(path))
            continue
        if split_on == "file":
            pieces.append((str(path), text))
        elif split_on == "line":
            pieces += [(f"{path}:{k + 1}", line) for k, line in enumerate(text.splitlines()) if line.strip()]
        else:
            pieces += [(f"{path}#{k}", part) for k, part in enumerate(text.split(split_on)) if part.strip()]
    if not pieces:
        raise InvalidInput(f"no text found: {len(skipped)} file(s) are not UTF-8 text, e.g. {skipped[:1]}")
    return pieces, skipped


@dataclass(frozen=True)
class Cut:
    """Windows (n, length) int64, each window's ``{"source", "offset"}`` (token offset in its piece),
    and the report of used and dropped tokens."""

    docs: np.ndarray
    meta: list
    report: dict


def cut_documents(streams, length: int, n_docs: int | None = None, windows: str = "spread", sources=None) -> Cut:
    """Non-overlapping windows of ``length`` tokens of each stream (piece); ``n_docs`` of them, the first
    (``consecutive``) or at evenly spaced ranks (``spread``); all of them without ``n_docs``."""
    length = check_int("length", length, 2)
    if windows not in WINDOWS:
        raise InvalidInput(f"windows must be one of {', '.join(WINDOWS)}, got {windows!r}")
    sizes = np.array([len(s) for s in streams], dtype=np.int64)
    sources = [f"piece {i}" for i in range(len(streams))] if sources is None else list(sources)
    starts = [(i, s) for i, size in enumerate(sizes) for s in range(0, size - length + 1, length)]
    chosen = starts
    if n_docs is not None and check_int("n_docs", n_docs, 2) < len(starts):
        ranks = np.arange(n_docs) if windows == "consecutive" else np.linspace(0, len(starts) - 1, n_docs).round()
        chosen = [starts[i] for i in ranks.astype(int)]
    short = sizes < length
    report = {"pieces": len(sizes), "tokens": int(sizes.sum()), "length": length, "windows": windows,
              "windows_available": len(starts), "documents": len(chosen), "tokens_used": len(chosen) * length,
              "dropped": {"short_pieces": int(short.sum()), "short_tokens": int(sizes[short].sum()),
                          "tail_tokens": int((sizes[~short] % length).sum()),
                          "unchosen_tokens": (len(starts) - len(chosen)) * length},
              "longest_piece": int(sizes.max(initial=0))}
    if len(chosen) < 2:
        raise InvalidInput(f"the text holds {report['tokens']} tokens in {report['pieces']} pieces, "
                           f"{report['dropped']['short_pieces']} of them shorter than the largest length L = {length} "
                           f"(the longest holds {report['longest_piece']}): {len(chosen)} document(s), at least 2 "
                           "are needed (give more text, smaller --lengths, or another --split-on)")
    docs = np.stack([np.asarray(streams[i][s: s + length], dtype=np.int64) for i, s in chosen])
    return Cut(docs, [{"source": sources[i], "offset": int(s)} for i, s in chosen], report)


def cut_text(report: dict, skipped=()) -> str:
    """One line: how much text was used and what was dropped, and why (``skipped``: files not text)."""
    d = report["dropped"]
    files = f"; skipped {len(skipped)} file(s) that are not UTF-8 text" if skipped else ""
    return (f"text: {report['tokens']} tokens in {report['pieces']} pieces; {report['documents']} documents of "
            f"{report['length']} tokens ({report['windows']}) use {report['tokens_used']}; dropped: "
            f"{d['short_tokens']} in {d['short_pieces']} pieces shorter than {report['length']}, "
            f"{d['tail_tokens']} in pieces' tails, {d['unchosen_tokens']} in windows not chosen{files}")
