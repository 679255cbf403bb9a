"""Text for the language-model estimators: UTF-8 files (or folders of them) read and cut into documents.

``read_texts`` reads each file whole and refuses what is not text (a missing path, an empty
folder, non-UTF-8 bytes, NUL bytes), naming the file. ``cut_documents`` turns token streams (one
per file, never joined across files) into ``(n, length)`` windows that do not overlap, spread
evenly over the whole corpus, so that a few hundred documents sample every file rather than the
first one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from infoscale._checks import check_int
from infoscale.errors import InvalidInput

#: File suffixes read from a folder.
TEXT_SUFFIXES = (".txt", ".md", ".text", ".rst")


def text_files(paths) -> list[Path]:
    """The files named, with every text file (by suffix, recursively, sorted) of a folder named."""
    files = []
    for path in map(Path, [paths] if isinstance(paths, (str, Path)) else paths):
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
            if not found:
                raise InvalidInput(f"folder {str(path)!r} holds no text files ({', '.join(TEXT_SUFFIXES)})")
            files.extend(found)
        elif path.is_file():
            files.append(path)
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


def read_texts(paths) -> list[str]:
    """The text of every file named or found in a folder named (``text_files``)."""
    return [read_text(path) for path in text_files(paths)]


def cut_documents(streams, length: int, n_docs: int | None = None) -> np.ndarray:
    """Non-overlapping windows of ``length`` tokens, (n, length) int64, evenly spread over the streams.

    ``streams`` are 1-D token arrays (one per file); a window never crosses two streams. With
    ``n_docs`` the windows are chosen at evenly spaced ranks among all available ones; a corpus
    with fewer windows than asked gives all it has.
    """
    length = check_int("length", length, 2)
    starts = [(index, start) for index, stream in enumerate(streams)
              for start in range(0, len(stream) - length + 1, length)]
    if len(starts) < 2:
        total = sum(len(s) for s in streams)
        raise InvalidInput(f"the text holds {total} tokens: fewer than 2 documents of the largest length "
                           f"L = {length} (give more text or smaller --lengths)")
    if n_docs is not None:
        n_docs = check_int("n_docs", n_docs, 2)
        if n_docs < len(starts):
            starts = [starts[i] for i in np.linspace(0, len(starts) - 1, n_docs).round().astype(int)]
    return np.stack([np.asarray(streams[i][s: s + length], dtype=np.int64) for i, s in starts])
