"""LM-MI beyond one process: documents in shards (SLURM arrays) and data-parallel ranks (torchrun).

The unit is a document; every document costs the same tokens, so ``shards.split`` deals them out
in turn. ``--shard I/N`` scores shard I's documents into its own records file; ``records.merge_records``
(``infoscale lm-mi --merge``) joins the shards' files into one run. Under ``torchrun`` each of the W
ranks (one model copy each) scores its share of the job's (or the shard's) documents, writing its
own part file ``RECORDS.rank-R-of-W`` (resumable like any records file); rank 0 gathers every
rank's records (``torch.distributed.gather_object``: gloo on CPU, NCCL on GPUs), writes the
merged records and the summary. The summary is a function of the records alone, so neither shards
nor ranks change it (values agree to rounding of batches of another shape).
"""

from __future__ import annotations

import numpy as np
import torch.distributed as dist

from infoscale.errors import InvalidInput
from infoscale.shards import Shard
from infoscale.studies.lm_mi.curve import score_run
from infoscale.studies.lm_mi.records import write_records


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
    """Rank ``rank``'s own records file (the job's ``records`` itself outside ``torchrun``)."""
    return records if records is None or world == 1 else f"{records}.rank-{rank}-of-{world}"


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
