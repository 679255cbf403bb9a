"""Per-document records of an LM-MI run: a JSON Lines file that the summary is recomputed from.

Line 1 is ``{"settings": {...}}``: everything that fixes the numbers (model, dtype, start token,
lengths, ratios, estimators, the first-tokens correction, how the text was cut and how many
documents the run has in all, the bootstrap count and seed) and what does not (threads, device,
``device_map``, library versions). Every further line is one document::

    {"index": 7, "source": "plays/hamlet.txt", "offset": 10240,
     "values": {"direct": [...], "direct_raw": [...], "vclub": [...]}, "terms": {"joint": [...], ...}}

one number per split (``settings["splits"]``, the order of ``estimators.documents.plan_splits``):
``values`` are the per-document log-ratios, ``terms`` the model log-probabilities they come from.

``score_into(path, ...)`` is the unit a run is built of: score these document indices, append
their records atomically (the file is rewritten through ``infoscale.io.atomic_path``, so a kill
leaves the previous complete file). A run resumes by scoring ``missing(settings, records)``; runs
on disjoint documents with the same settings merge (``merge_records``) into the records of one run.
Floats are written with Python's round-trip repr, so a merged or resumed run equals the
uninterrupted one exactly.
"""

from __future__ import annotations

import importlib.metadata
import json
import time
from pathlib import Path

import numpy as np

from infoscale.errors import InvalidInput
from infoscale.estimators.documents import score_documents
from infoscale.io import atomic_path, strict

#: Settings that do not change the numbers: runs (or shards) may differ in them.
INCIDENTAL = ("threads", "device", "device_map", "versions", "text")
VERSIONED = ("infoscale", "numpy", "torch", "transformers")


def versions() -> dict:
    """The installed versions of the packages that produce the numbers (None when absent)."""
    out = {}
    for name in VERSIONED:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def document_records(scores, meta) -> list[dict]:
    """One record per scored document; ``meta[i]`` is document i's ``{"source", "offset"}``."""
    out, n = [], len(scores.indices)
    for row, index in enumerate(scores.indices):
        out.append({"index": int(index), **meta[int(index)],
                    "cost": {"tokens": scores.tokens / n, "seconds": scores.seconds / n},
                    "values": {k: v[row].tolist() for k, v in scores.values.items()},
                    "terms": {k: v[row].tolist() for k, v in scores.terms.items()}})
    return out


def write_records(path, settings: dict, records) -> Path:
    """Write the settings line and the records (sorted by index) atomically."""
    lines = [json.dumps(strict({"settings": settings}), allow_nan=False)]
    lines += [json.dumps(strict(r), allow_nan=False) for r in sorted(records, key=lambda r: r["index"])]
    with atomic_path(path) as tmp:
        Path(tmp).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Path(path)


def read_records(path) -> tuple[dict, list[dict]]:
    """(settings, records) of a records file; a clear error for a missing, empty or foreign file."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"records file {str(path)!r} does not exist")
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    try:
        rows = [json.loads(line) for line in lines]
    except json.JSONDecodeError as err:
        raise InvalidInput(f"{str(path)!r} is not a JSON Lines records file ({err.msg}, line {err.lineno})") from None
    if not rows or not isinstance(rows[0], dict) or "settings" not in rows[0]:
        raise InvalidInput(f"{str(path)!r} is not an lm-mi records file (its first line holds no settings)")
    records = rows[1:]
    indices = [r["index"] for r in records]
    if len(set(indices)) != len(indices):
        raise InvalidInput(f"{str(path)!r} holds a document index twice")
    return rows[0]["settings"], records


def check_same_settings(old: dict, new: dict, what: str) -> None:
    """Refuse settings that differ in anything that changes the numbers, naming the first such key."""
    for key in sorted(set(old) | set(new)):
        if key not in INCIDENTAL and old.get(key) != new.get(key):
            raise InvalidInput(f"{what}: setting {key!r} differs ({old.get(key)!r} vs {new.get(key)!r})")


def missing(settings: dict, records) -> np.ndarray:
    """The document indices of the run that have no record yet."""
    done = {r["index"] for r in records}
    return np.array([i for i in range(settings["n_docs"]) if i not in done], dtype=np.int64)


def merge_records(paths) -> tuple[dict, list[dict]]:
    """The records of runs on disjoint documents with the same settings, as one run."""
    if len(paths) < 2:
        raise InvalidInput("--merge needs at least two records files")
    return join_records([(str(path), *read_records(path)) for path in paths])


def join_records(runs) -> tuple[dict, list[dict]]:
    """``merge_records`` of runs held in memory: ``runs`` are (name, settings, records) each; the first
    run's settings are kept (the others may differ only in ``INCIDENTAL`` ones)."""
    first, settings, records = runs[0]
    for name, other, more in runs[1:]:
        check_same_settings(settings, other, f"cannot merge {name!r} with {first!r}")
        overlap = {r["index"] for r in records} & {r["index"] for r in more}
        if overlap:
            raise InvalidInput(f"cannot merge {name!r}: documents {sorted(overlap)[:5]} are in two files")
        records = records + more
    return settings, sorted(records, key=lambda r: r["index"])


def score_into(path, model, docs, meta, splits, settings: dict, indices, estimators, correction, records=(),
               chunk: int = 8, max_seconds: float | None = None, progress=None) -> tuple[list[dict], bool]:
    """Score ``indices`` in chunks of ``chunk`` documents, appending each chunk's records to ``path``
    (or keeping them in memory when ``path`` is None). Stops before a chunk that would pass
    ``max_seconds`` at the rate measured so far. Returns (all records, whether every index is done)."""
    records, start = list(records), time.perf_counter()
    indices = np.asarray(indices, dtype=np.int64)
    chunks = [indices[i: i + chunk] for i in range(0, len(indices), chunk)]
    planned = len(indices)
    for number, part in enumerate(chunks):
        elapsed = time.perf_counter() - start
        if max_seconds is not None and number and elapsed + elapsed / number > max_seconds:
            return records, False
        offset = number * chunk
        step = None if progress is None else _shifted(progress, offset, len(part), planned)
        scores = score_documents(model, docs, splits, estimators, correction, indices=part, progress=step)
        records += document_records(scores, meta)
        if path is not None:
            write_records(path, settings, records)
    return records, True


def _shifted(progress, offset: int, size: int, planned: int):
    """A chunk's progress callback mapped onto the whole run: ``offset`` documents done before it,
    ``size`` in it, ``planned`` in all (the token cost is the same for every document)."""
    def update(done: int, total: int) -> None:
        per_doc = total / size
        progress(int(round(offset * per_doc + done)), int(round(planned * per_doc)))
    return update
