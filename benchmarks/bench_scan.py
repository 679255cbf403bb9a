"""The chunked selective scan against the present path, as a plain script:
``python benchmarks/bench_scan.py [--quick]`` (one torch thread unless ``--threads``).

1. A selective-SSM model's training step (forward + backward of the whole model: 2 layers,
   d_model 32, d_inner 64, batch 4, L = 1024) at state 16, 64 and 128: the present path
   (``scan="fused"``: (batch, L, d_inner, state) decays and inputs, the compiled loop over them)
   against ``scan="chunked"`` (the default on CPU). ratio = present time / chunked time.
2. One mixer layer (in_proj, conv, selective scan, gate, out_proj; d_model 32, d_inner 64) forward
   + backward, side by side with ``mambapy``'s ``MambaBlock`` (its log-depth ``pscan``) and the
   Hugging Face ``MambaMixer`` (its CPU path, the sequential reference; state 16 only, ~6 s a
   step) when those packages are installed (neither is a dependency: ``pip install mambapy transformers``).
3. The scan alone (forward + backward of y = C · h) at the same shapes, with its arithmetic rate
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


def _mixers(state):
    """(name, module) of every mixer available at d_model 32, d_inner 64, the given state size."""
    from infoscale.nets.selective_ssm import SelectiveSSMLayer

    torch.manual_seed(0)
    found = [("infoscale (chunked)", SelectiveSSMLayer(32, state, 64, 4, "chunked")),
             ("infoscale (present)", SelectiveSSMLayer(32, state, 64, 4, "fused"))]
    try:
        from mambapy.mamba import MambaBlock, MambaConfig
        found.append(("mambapy (pscan)", MambaBlock(MambaConfig(d_model=32, n_layers=1, d_state=state, expand_factor=2))))
    except ImportError:
        pass
    if state > 16:  # its sequential CPU path takes ~6 s per step already at state 16
        return found
    try:
        from transformers import MambaConfig as HFConfig
        from transformers.models.mamba.modeling_mamba import MambaMixer
        config = HFConfig(hidden_size=32, state_size=state, expand=2, intermediate_size=64, conv_kernel=4)
        found.append(("Hugging Face MambaMixer", MambaMixer(config, layer_idx=0)))
    except ImportError:
        pass
    return found


def bench_mixers(states, length, batch, repeats):
    print(f"one mixer layer forward + backward, (batch, L, d_model) = ({batch}, {length}, 32), d_inner 64; "
          "ratio = their time / infoscale (chunked)")
    u = torch.randn(batch, length, 32, generator=torch.Generator().manual_seed(3))
    for state in states:
        cells, ours = [], None
        for name, mixer in _mixers(state):
            took = best_time(lambda: mixer(u).sum().backward(), repeats)
            ours = took if ours is None else ours
            cells.append(f"{name} {took * 1e3:7.1f} ms ({took / ours:5.2f}x)")
        print(f"  state {state:4d}: " + "   ".join(cells))


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
    bench_mixers(states, 1024, 4, repeats)
    bench_scan_only(states, 1024, 4, repeats, peak)


if __name__ == "__main__":
    main()
