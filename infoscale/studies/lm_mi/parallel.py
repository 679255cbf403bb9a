"""LM-MI beyond one process: documents in shards (SLURM arrays), data-parallel ranks (torchrun), Ray tasks.

The unit is a document; every document costs the same tokens, so ``shards.split`` deals them out
in turn. ``--shard I/N`` scores shard I's documents into its own records file; ``records.merge_records``
(``infoscale lm-mi --merge``) joins the shards' files into one run. Under ``torchrun`` each of the W
ranks (one model copy each) scores its share of the job's (or the shard's) documents, writing its
own part file ``RECORDS.part-R-of-W`` (resumable like any records file); rank 0 gathers every
rank's records (``torch.distributed.gather_object``: gloo on CPU, NCCL on GPUs), writes the
merged records and the summary. ``score_on_ray`` deals the documents the same way over K Ray
tasks (``cluster.RayExecutor.map``), each loading the model once and writing the same part file
as rank I of K would; the driver joins them (``records.join_records``). The summary is a function
of the records alone, so neither shards, ranks nor tasks change it (values agree to rounding of
batches of another shape).
"""

from __future__ import annotations

import numpy as np
import torch.distributed as dist

from infoscale.errors import InvalidInput
from infoscale.nets.device import torch_threads
from infoscale.progress import report
from infoscale.shards import Shard
from infoscale.studies.lm_mi.curve import score_run
from infoscale.studies.lm_mi.records import join_records, write_records


def ranks() -> tuple[int, int]:
    """(rank, world size) of the process group, (0, 1) outside ``torchrun``."""
    return (dist.get_rank(), dist.get_world_size()) if dist.is_initialized() else (0, 1)


def share(n_docs: int, shard: Shard, rank: int = 0, world: int = 1) -> np.ndarray | None:
    """The document indices of ``shard`` and, within it, of ``rank`` of ``world``; ``None``: every one."""
    if shard.whole and world == 1:
        return None
    mine = np.asarray(shard.select([1.0] * n_docs), dtype=np.int64)
    mine = mine[Shard(rank, world).select([1.0] * len(mine))]
    if len(mine) == 0:
        raise InvalidInput(f"--shard {shard} with {world} process(es) leaves no document to rank {rank} of "
                           f"{n_docs} documents; use fewer shards or processes")
    return mine


def part_path(records, rank: int, world: int):
    """Part ``rank`` of ``world``'s own records file (a rank's, a Ray task's; ``records`` itself for one part)."""
    return records if records is None or world == 1 else f"{records}.part-{rank}-of-{world}"


def score_shared(model, docs, lengths, ratios, *, shard: Shard = Shard(), records=None,
                 **kwargs) -> tuple[dict, list[dict]] | None:
    """``curve.score_run`` over this process's share (``share``); under ``torchrun`` rank 0 returns the
    records of every rank (written to ``records`` when given), the other ranks ``None``.

    ``kwargs``: ``score_run``'s other arguments (estimators, correction, n_boot, seed, progress, meta,
    max_seconds, chunk, and the settings' extras)."""
    rank, world = ranks()
    indices = share(len(docs), shard, rank, world)
    settings, done = score_run(model, docs, lengths, ratios, records=part_path(records, rank, world), indices=indices,
                               **kwargs)
    if world == 1:
        return settings, done
    parts = [None] * world if rank == 0 else None
    dist.gather_object(done, parts, dst=0)
    if rank:
        return None
    done = sorted((record for part in parts for record in part), key=lambda r: r["index"])
    if records is not None:
        write_records(records, settings, done)
    return settings, done


def score_on_ray(executor, load_model, docs, lengths, ratios, *, tasks: int, threads: int, records=None,
                 progress=None, **kwargs) -> tuple[dict, list[dict]]:
    """``curve.score_run`` of every document as ``tasks`` Ray tasks (at most one per document) through
    ``executor`` (a ``cluster.RayExecutor``): task I of K runs on ``threads`` torch threads, loads the
    model once (``load_model()``, a picklable callable), scores the documents ``share`` gives rank I of
    K into ``part_path(records, I, K)`` (resumable) and returns its records; the driver joins them
    (``records.join_records``), writes them to ``records`` when given and returns (settings, records).
    ``progress(done, total)`` counts documents as tasks finish; ``kwargs``: as ``score_shared``'s."""
    count = min(len(docs), tasks)
    calls = [(load_model, docs, lengths, ratios, part, count, records, threads, kwargs) for part in range(count)]
    runs, done = {}, 0
    for part, settings, scored in executor.map(_score_part, calls):  # in the order they finish
        runs[part] = (f"Ray task {part} of {count}", settings, scored)
        done += len(scored)
        report(progress, done, len(docs))
    settings, joined = join_records([runs[part] for part in sorted(runs)])
    if records is not None:
        write_records(records, settings, joined)
    return settings, joined


def _score_part(load_model, docs, lengths, ratios, part: int, count: int, records, threads: int, kwargs: dict):
    """Ray task ``part`` of ``score_on_ray``: (part, settings, records) of its share of the documents."""
    with torch_threads(threads):
        settings, done = score_run(load_model(), docs, lengths, ratios, records=part_path(records, part, count),
                                   indices=share(len(docs), Shard(), part, count), **kwargs)
    return part, settings, done
