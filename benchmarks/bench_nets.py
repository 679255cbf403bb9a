"""Benchmarks of the nets, run as a plain script: ``python benchmarks/bench_nets.py [--quick]``.

1. The selective SSM's scans against the sequential loop (one torch call per token, the
   reference) at L = 1024, forward and forward + backward, with the largest output difference:
   the parallel scan (log-depth, pure torch) and the fused compiled loop (numba, CPU). Then a
   whole selective-SSM model: fused and parallel forward vs the layer-level loop vs step() token
   by token.
2. The transformer's attention at L = 1024: ALiBi biases (a bias tensor, so torch's masked
   kernel) against none (the fused causal kernel), forward + backward of the quick L²M preset's
   transformer.
3. Training throughput (tokens per second through ``train``: sampling, exact conditionals,
   forward, backward, AdamW) of every architecture at one stated size; on CUDA also the peak
   memory.
"""

from __future__ import annotations

import argparse

import torch
from _machine import best_time

from infoscale.generators import make_family
from infoscale.nets.models import architecture_names, build_model
from infoscale.nets.scan import fused_scan, linear_scan, sequential_scan
from infoscale.nets.device import pick_device
from infoscale.nets.train import TrainConfig, train

SIZES = {"d_model": 32, "n_layers": 2}
EXTRA = {"transformer": {"n_heads": 4}, "sliding_window": {"n_heads": 4, "window": 64}, "linear_attention": {"n_heads": 4},
         "ssm": {"state_size": 8}, "selective_ssm": {"state_size": 8}}



def bench_scan(length: int, repeats: int) -> None:
    """Parallel scan and fused loop vs the sequential loop on a selective-SSM layer's (a, b), two sizes."""
    print(f"selective-SSM scan at L = {length} (float32, {torch.get_num_threads()} threads); "
          "shape = (batch, L, d_inner, state_size); ratio = sequential time / time")
    fused_scan(torch.ones(1, 2, 1), torch.ones(1, 2, 1))  # compile (or load numba's cache) outside the timings
    for batch, d_inner, state in ((8, 16, 8), (4, 64, 16)):
        gen = torch.Generator().manual_seed(0)
        shape = (batch, length, d_inner, state)
        a = torch.rand(shape, generator=gen) * 0.5 + 0.5
        b = torch.randn(shape, generator=gen)
        reference = sequential_scan(a, b)
        for label, make in (("forward", lambda f: lambda: f(a, b)),
                            ("forward+backward", lambda f: lambda: _with_grad(f, a, b))):
            seq = best_time(make(sequential_scan), repeats)
            cells = []
            for name, fn in (("parallel", linear_scan), ("fused", fused_scan)):
                diff = (fn(a, b) - reference).abs().max().item()
                took = best_time(make(fn), repeats)
                cells.append(f"{name} {took * 1e3:7.2f} ms ({seq / took:5.2f}x, max |diff| {diff:.1e})")
            print(f"  {str(shape):<20} {label:<17} sequential {seq * 1e3:7.2f} ms   " + "   ".join(cells))


def bench_selective_model(length: int, repeats: int) -> None:
    """A whole selective-SSM model, each scan method against the layer-level loop, and step() per token."""
    config = {**SIZES, **EXTRA["selective_ssm"], "token_dim": 4}
    models = {method: build_model("selective_ssm", {**config, "scan": method}, seed=0).eval()
              for method in ("sequential", "parallel", "fused")}
    x = torch.randn(8, length, 4, generator=torch.Generator().manual_seed(1))

    def stepwise():
        model = models["fused"]
        state = model.init_state(x.shape[0])
        outs, (out, state) = [], model.step(None, state)
        outs.append(out[0])
        for t in range(length - 1):
            out, state = model.step(x[:, t], state)
            outs.append(out[0])
        return torch.stack(outs, dim=1)

    print(f"selective-SSM model {config}, x {tuple(x.shape)}, inference (no grad); ratio = scan loop time / time:")
    with torch.no_grad():
        reference = models["sequential"](x)[0]
        loop = best_time(lambda: models["sequential"](x), repeats)
        cells = [f"scan loop {loop * 1e3:7.1f} ms"]
        for method in ("parallel", "fused"):
            diff = (models[method](x)[0] - reference).abs().max().item()
            took = best_time(lambda: models[method](x), repeats)
            cells.append(f"{method} {took * 1e3:7.1f} ms ({loop / took:5.2f}x, max |diff| {diff:.1e})")
        diff = (stepwise() - reference).abs().max().item()
        took = best_time(stepwise, 1)
        cells.append(f"step() per token {took * 1e3:7.1f} ms ({loop / took:5.2f}x, max |diff| {diff:.1e})")
    print("  " + "   ".join(cells))


def bench_attention(length: int, repeats: int) -> None:
    """Forward + backward of the L²M quick preset's transformer with and without ALiBi."""
    x = torch.randn(4, length, 1, generator=torch.Generator().manual_seed(2))
    config = {"d_model": 64, "n_layers": 3, "n_heads": 4, "token_dim": 1}
    times = {}
    for alibi in (True, False):
        model = build_model("transformer", {**config, "alibi": alibi}, seed=0)
        times[alibi] = best_time(lambda: sum(out.sum() for out in model(x)).backward(), repeats)
    print(f"transformer {config}, x {tuple(x.shape)}, forward + backward: ALiBi {times[True] * 1e3:7.1f} ms   "
          f"no ALiBi (fused causal kernel) {times[False] * 1e3:7.1f} ms   ratio {times[True] / times[False]:5.2f}x")


def _with_grad(scan, a, b):
    a, b = a.detach().requires_grad_(), b.detach().requires_grad_()
    scan(a, b).sum().backward()


def bench_training(length: int, batch: int, steps: int) -> None:
    family = make_family("hierarchical", k=3, token_dim=4)
    device = pick_device()
    print(f"training throughput on {device}: hierarchical k=3, token_dim 4, L = {length}, batch {batch}, "
          f"{SIZES} (+ per-architecture extras {EXTRA}), {steps} timed steps after 2 warm-up steps")
    for arch in (a for a in architecture_names() if a != "mps"):  # the Born machine takes discrete tokens only
        model = build_model(arch, {**SIZES, **EXTRA.get(arch, {}), "token_dim": 4}, seed=0)
        config = TrainConfig(steps=steps, batch_size=batch, warmup=1, log_every=steps)
        train(model, family, length, TrainConfig(steps=2, batch_size=batch, warmup=1), progress=False)  # warm-up
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        result = train(model, family, length, config, progress=False)
        memory = f"   peak {torch.cuda.max_memory_allocated(device) / 2**20:8.1f} MiB" if device.type == "cuda" else ""
        params = sum(p.numel() for p in model.parameters())
        print(f"  {arch:<17} {params:>8} params   {result.tokens_per_second:>10.0f} tokens/s{memory}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and steps")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    bench_scan(1024, repeats=2 if args.quick else 5)
    bench_selective_model(1024, repeats=2 if args.quick else 5)
    bench_attention(1024, repeats=2 if args.quick else 5)
    bench_training(256, batch=8, steps=5 if args.quick else 20)


if __name__ == "__main__":
    main()
