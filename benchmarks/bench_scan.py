"""The chunked selective scan against the present path, as a plain script:
``python benchmarks/bench_scan.py [--quick]`` (one torch thread unless ``--threads``).

1. A selective-SSM model's training step (forward + backward of the whole model: 2 layers,
   d_model 32, d_inner 64, batch 4, L = 1024) at state 16, 64 and 128: the present path
   (``scan="fused"``: (batch, L, d_inner, state) decays and inputs, the compiled loop over them)
   against ``scan="chunked"`` (the default on CPU). ratio = present time / chunked time.
2. The scan alone (forward + backward of y = C · h) at the same shapes, with its arithmetic rate
   against the measured GEMM peak: the chunked loop does ~55 floating-point operations per
   (position, channel, state) forward + backward (one exp ≈ 15 of them, counted each time it is
   recomputed).
"""

from __future__ import annotations

import argparse

import torch

from _machine import best_time, context
from infoscale.nets.models import build_model
from infoscale.nets.selective_scan import selective_scan

FLOPS_PER_ELEMENT = 55


def bench_model(states, length, batch, repeats):
    print(f"selective-SSM training step (forward + backward), L = {length}, batch {batch}, d_model 32, d_inner 64, 2 layers")
    x = torch.randn(batch, length, 1, generator=torch.Generator().manual_seed(0))
    for state in states:
        times = {}
        for method in ("fused", "chunked"):
            model = build_model("selective_ssm", {"d_model": 32, "n_layers": 2, "state_size": state, "token_dim": 1,
                                                  "d_inner": 64, "scan": method}, seed=0)

            def step():
                model.zero_grad()
                sum(out.sum() for out in model(x)).backward()
            times[method] = best_time(step, repeats)
        print(f"  state {state:4d}: present (materialised + fused loop) {times['fused'] * 1e3:8.1f} ms   "
              f"chunked {times['chunked'] * 1e3:7.1f} ms   ratio {times['fused'] / times['chunked']:5.2f}x")


def bench_scan_only(states, length, batch, repeats, peak):
    print("the scan alone, forward + backward of y = C·h (dt, x: (batch, L, 64); B, C: (batch, L, state)):")
    gen = torch.Generator().manual_seed(1)
    for state in states:
        dt = (torch.rand(batch, length, 64, generator=gen) * 0.1).requires_grad_()
        A = (-torch.rand(64, state, generator=gen) * state).requires_grad_()
        x, B, C = (torch.randn(batch, length, k, generator=gen).requires_grad_() for k in (64, state, state))
        cells = []
        for method in ("materialised", "chunked"):
            took = best_time(lambda: selective_scan(dt, A, x, B, C, method=method).sum().backward(), repeats)
            cells.append(took)
        rate = FLOPS_PER_ELEMENT * batch * length * 64 * state / cells[1]
        print(f"  state {state:4d}: materialised {cells[0] * 1e3:8.1f} ms   chunked {cells[1] * 1e3:7.1f} ms   "
              f"ratio {cells[0] / cells[1]:5.2f}x   chunked ≈ {rate / 1e9:5.1f} GFLOP/s = {rate / peak:4.0%} of GEMM")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    from _machine import gemm_flops
    print(context())
    peak = gemm_flops()
    states, repeats = ((16, 64), 1) if args.quick else ((16, 64, 128), 3)
    bench_model(states, 1024, 4, repeats)
    bench_scan_only(states, 1024, 4, repeats, peak)


if __name__ == "__main__":
    main()
