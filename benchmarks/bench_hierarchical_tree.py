"""The hierarchical family's exact conditionals by the tree pass against the dense factor, side by side:
``python benchmarks/bench_hierarchical_tree.py [--quick]`` (one thread).

1. ``Hierarchical.tree_conditionals`` (the O(L · levels) tree pass) against the dense path it replaced
   (``GaussianSequence.conditionals``: a triangular solve with the cached Cholesky factor; the
   factor's construction is not timed), k = 3, 64 sequences of token_dim 1, L = 256 … 4096.
2. One training step's data at the ``full`` preset's size (hierarchical k = 3, token_dim 64,
   65,536 tokens per step) at L = 1024 and 4096: the present factor path of ``nets.data``
   (x = C z per row in float32, conditionals from z) against the tree path (the family's numpy
   sampler per row, then the tree pass in float64). ratio = factor time / tree time.
3. L = 16,384 (beyond the dense range): time and peak traced memory of sampling and conditioning
   4 sequences, in bytes per token.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from _machine import best_time, context  # noqa: E402
from infoscale.generators import make_family  # noqa: E402
from infoscale.generators.gaussian import GaussianSequence  # noqa: E402
from infoscale.nets import data as data_module  # noqa: E402
from infoscale.nets.kl import Objective  # noqa: E402


def conditionals(lengths, repeats):
    family = make_family("hierarchical", k=3)
    print("exact conditionals of 64 sequences, k = 3, token_dim 1 (float64):")
    for length in lengths:
        x = family.sample(64, length, np.random.default_rng(0))
        family.cholesky(length)
        dense = best_time(lambda: GaussianSequence.conditionals(family, x), repeats)
        tree = best_time(lambda: family.tree_conditionals(x), repeats)
        diff = np.abs(family.tree_conditionals(x)[0] - GaussianSequence.conditionals(family, x)[0]).max()
        print(f"  L = {length:5d}: dense factor (cached) {dense * 1e3:8.1f} ms   tree {tree * 1e3:8.1f} ms   "
              f"ratio {dense / tree:6.2f}x   max |diff| {diff:.1e}")


def training_step(lengths, repeats):
    family = make_family("hierarchical", k=3, token_dim=64)
    objective = Objective(family, "kl")
    print("one training step's data at the full preset's size (token_dim 64, 65,536 tokens), CPU:")
    for length in lengths:
        rows = range(65536 // length)
        times = {}
        for name, threshold in (("factor", 10**9), ("tree", 1)):
            data_module.TREE_FROM_LENGTH = threshold
            data = data_module.TrainingData(objective, length, torch.device("cpu"), with_target=True)
            times[name] = best_time(lambda: data.draw(0, 1, rows), repeats)
        print(f"  L = {length:5d}, {len(rows)} sequences: factor path {times['factor'] * 1e3:8.1f} ms   "
              f"tree path {times['tree'] * 1e3:8.1f} ms   ratio {times['factor'] / times['tree']:5.2f}x")


def long_sequences():
    family = make_family("hierarchical", k=3)
    length = 4**7
    tracemalloc.start()
    start = time.perf_counter()
    x = family.sample(4, length, np.random.default_rng(0))
    mean, std = family.conditionals(x)
    took = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"L = {length}: 4 sequences sampled and conditioned in {took * 1e3:.0f} ms, peak traced memory "
          f"{peak / 2**20:.1f} MiB = {peak / (4 * length):.0f} bytes per token (a dense factor: {8 * length**2 / 2**30:.1f} GiB)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(context())
    repeats = 1 if args.quick else 3
    conditionals((256, 1024) if args.quick else (256, 1024, 4096), repeats)
    training_step((1024,) if args.quick else (1024, 4096), repeats)
    long_sequences()


if __name__ == "__main__":
    main()
