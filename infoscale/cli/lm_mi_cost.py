"""What an ``lm-mi`` run will cost: the tokens and a rough time printed before the first forward pass,
and the ``--plan`` dry run (every document's tokens, time and the model's memory, split over shards)."""

from __future__ import annotations

#: A rough CPU rate for the up-front time estimate (the progress line then shows the measured one).
ASSUMED_FLOPS_PER_THREAD = 2e10


def print_plan(lm, options, n_docs: int, count: int) -> int:
    """``--plan``: every document's tokens, rough time and the model's memory, and the split over shards."""
    import torch

    from infoscale.estimators.documents import planned_tokens
    from infoscale.shards import Unit, plan_lines

    tokens = planned_tokens(options["splits"], options["estimators"], options["correction"], 1, n_docs)
    parameters = sum(p.numel() for p in lm.model.parameters())
    seconds = 2.0 * parameters * tokens / (ASSUMED_FLOPS_PER_THREAD * torch.get_num_threads())
    memory = float(sum(p.numel() * p.element_size() for p in lm.model.parameters()))
    print("\n".join(plan_lines([Unit(f"document {i} ({tokens} tokens)", seconds, memory) for i in range(n_docs)], count)))
    return 0


def print_cost(options, n_docs: int, lm=None, tasks: int | None = None) -> None:
    """The tokens the run will score and a rough time (``lm`` here) or the Ray ``tasks``, before the first forward pass."""
    from infoscale.estimators.documents import planned_tokens

    tokens = planned_tokens(options["splits"], options["estimators"], options["correction"], n_docs)
    if lm is None:
        print(f"cost: {tokens} tokens to score in {tasks} Ray task(s), each loading the model once", flush=True)
        return
    flops = 2.0 * sum(p.numel() for p in lm.model.parameters()) * tokens
    line = f"cost: {tokens} tokens to score, ≈ {flops:.2g} FLOP"
    if lm.device.type == "cpu":
        import torch

        seconds = flops / (ASSUMED_FLOPS_PER_THREAD * torch.get_num_threads())
        line += (f"; roughly {seconds / 60:.0f} min on {torch.get_num_threads()} CPU thread(s) at an assumed "
                 f"{ASSUMED_FLOPS_PER_THREAD:.0e} FLOP/s each (the progress line shows the measured rate)")
    print(line, flush=True)
