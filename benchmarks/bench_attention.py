"""ALiBi and sliding-window attention on torch's fused kernel, as a plain script:
``python benchmarks/bench_attention.py [--quick]`` (one torch thread unless ``--threads``).

Forward + backward of a transformer of the L²M quick preset's shape (d_model 64, 3 layers,
4 heads, batch 4, L = 1024, token_dim 1), float32:

- ALiBi through the causal kernel (two appended coordinates) against the same model without
  ALiBi (the fused causal kernel, the target: within 10 %) and against the present path (the
  whole (heads, L, L) bias tensor as ``attn_mask``);
- the sliding-window transformer (window 64, ALiBi) by query blocks against the present path.

Each line also gives the largest output difference from the present path (float32) and the
attention's arithmetic rate against the measured GEMM peak (4·L²·d/2 multiply-adds forward, causal
half, ×3.5 for forward + backward, per head).
"""

from __future__ import annotations

import argparse

import torch

from _machine import best_time, context, gemm_flops
from infoscale.nets.models import build_model

CONFIG = {"d_model": 64, "n_layers": 3, "n_heads": 4, "token_dim": 1}


def _present(model):
    """Force every attention layer of ``model`` onto the whole-bias-tensor path (the present one)."""
    for module in model.modules():
        if hasattr(module, "_dense"):
            module.forward = (lambda m: lambda h: m._merge(m._dense(*m._heads(h), torch.arange(h.shape[1]))))(module)
    return model


def _time(model, x, repeats):
    def step():
        model.zero_grad()
        sum(out.sum() for out in model(x)).backward()
    with torch.no_grad():
        out = model(x)[0]
    return best_time(step, repeats), out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--length", type=int, default=1024)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(context())
    peak = gemm_flops()
    repeats, length = (1 if args.quick else 5), args.length
    x = torch.randn(4, length, 1, generator=torch.Generator().manual_seed(0))
    print(f"forward + backward, {CONFIG}, x {tuple(x.shape)}, float32:")
    plain, _ = _time(build_model("transformer", {**CONFIG, "alibi": False}, seed=0), x, repeats)
    fused, out = _time(build_model("transformer", CONFIG, seed=0), x, repeats)
    present, ref = _time(_present(build_model("transformer", CONFIG, seed=0)), x, repeats)
    flops = 3.5 * 4 * 4 * CONFIG["n_layers"] * length ** 2 * CONFIG["d_model"] / 2 / fused
    print(f"  transformer, ALiBi: fused {fused * 1e3:7.1f} ms   no ALiBi {plain * 1e3:7.1f} ms (ALiBi costs "
          f"{fused / plain - 1:+.1%})   present bias tensor {present * 1e3:7.1f} ms (ratio {present / fused:4.2f}x)   "
          f"max |diff| {(out - ref).abs().max().item():.1e}   whole step ≈ {flops / peak:4.0%} of GEMM in attention")
    window = {**CONFIG, "window": 64}
    banded, out = _time(build_model("sliding_window", window, seed=0), x, repeats)
    present, ref = _time(_present(build_model("sliding_window", window, seed=0)), x, repeats)
    print(f"  sliding window 64, ALiBi: blocked {banded * 1e3:7.1f} ms   present bias tensor {present * 1e3:7.1f} ms "
          f"(ratio {present / banded:4.2f}x)   vs no-ALiBi full transformer {plain / banded:4.2f}x   "
          f"max |diff| {(out - ref).abs().max().item():.1e}")


if __name__ == "__main__":
    main()
