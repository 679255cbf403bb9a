"""The training data path per step, before and after drawing on the device: ``python benchmarks/bench_data.py``.

At the ``full`` L²M preset's size — hierarchical k = 3, token dimension 64, L = 1024, 65,536
tokens per step (64 sequences) — one step's batch with its exact conditionals:

- baseline (the path before): the family's float64 sampler in numpy for the whole batch, the exact
  conditionals by a float64 triangular solve, then a copy into torch (``Objective.batch``);
- new (``infoscale.nets.data.TrainingData``): z drawn in torch per row, x = C z by one float32
  product with the cached Cholesky factor, conditionals from z directly (no solve).

Both run here, one after the other, with the same number of torch threads (default 1), and the
ratio is printed; ``--device cuda`` times the new path on a GPU too (the baseline is CPU-only).
"""

from __future__ import annotations

import argparse
import numpy as np
import torch

from infoscale.generators import make_family
from infoscale.nets.data import TrainingData
from infoscale.nets.kl import Objective

from bench_nets import best_time  # the same timer as the other net benchmarks


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--length", type=int, default=1024)
    parser.add_argument("--token-dim", type=int, default=64)
    parser.add_argument("--tokens-per-step", type=int, default=65536)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    family = make_family("hierarchical", k=3, token_dim=args.token_dim)
    objective = Objective(family, "kl")
    rows = args.tokens_per_step // args.length
    cpu = torch.device("cpu")
    data = TrainingData(objective, args.length, cpu, with_target=True)
    baseline = best_time(lambda: objective.batch(rows, args.length, np.random.default_rng([0, 1]), cpu), args.repeats)
    new = best_time(lambda: data.draw(0, 1, range(rows)), args.repeats)
    print(f"hierarchical k=3, token_dim {args.token_dim}, L = {args.length}, {rows} sequences per step, "
          f"{args.threads} thread(s)")
    print(f"  baseline (numpy float64 sampler + triangular solve): {baseline * 1e3:8.1f} ms per step")
    print(f"  on-device draw (torch, cached factor, CPU):          {new * 1e3:8.1f} ms per step   ratio {baseline / new:.1f}x")
    if args.device != "cpu":
        device = torch.device(args.device)
        gpu = TrainingData(objective, args.length, device, with_target=True)

        def draw_synchronised():
            gpu.draw(0, 1, range(rows))
            torch.cuda.synchronize(device)

        on_gpu = best_time(draw_synchronised, args.repeats)
        print(f"  on-device draw ({args.device}):                          {on_gpu * 1e3:8.1f} ms per step   "
              f"ratio {baseline / on_gpu:.1f}x against the CPU baseline")


if __name__ == "__main__":
    main()
