"""Benchmark of the Hugging Face stand-in, run as a plain script: ``python benchmarks/bench_plugin.py [--quick]``.

Hugging Face's ``MambaMixer`` on CPU (its reference torch path: no ``mamba_ssm`` kernels there)
against infoscale's ``SelectiveSSMLayer`` holding the same weights (``hf_layers.selective_ssm_from_hf``),
forward and forward + backward on (batch, L, d_model) inputs, one torch thread; the ratio is the
Hugging Face time over infoscale's, with the largest output difference. Needs the ``[lm]`` extra.
"""

from __future__ import annotations

import argparse

import torch

import transformers as t

from infoscale.nets.hf_layers import selective_ssm_from_hf

from bench_nets import best_time


def _forward_backward(layer, u):
    u = u.detach().requires_grad_(True)
    layer(u).square().sum().backward()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="L = 128, one repeat")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    length, repeats = (128, 1) if args.quick else (1024, 3)
    print(f"HF MambaMixer vs infoscale SelectiveSSMLayer, same weights, L = {length}, 1 thread; "
          "ratio = HF time / infoscale time")
    for batch, d_model, state in ((8, 32, 8), (4, 64, 16)):
        config = t.MambaConfig(hidden_size=d_model, num_hidden_layers=1, state_size=state, intermediate_size=2 * d_model,
                               vocab_size=2)
        torch.manual_seed(0)
        mixer = t.MambaModel(config).layers[0].mixer.eval()  # eval: the reference path, as with a cache
        ours = selective_ssm_from_hf(mixer)
        u = torch.randn(batch, length, d_model, generator=torch.Generator().manual_seed(1))
        with torch.no_grad():
            error = float((mixer(u) - ours(u)).abs().max())
        cells = []
        for label, run in (("forward", lambda layer: lambda: _no_grad(layer, u)),
                           ("forward+backward", lambda layer: lambda: _forward_backward(layer, u))):
            hf, mine = best_time(run(mixer), repeats), best_time(run(ours), repeats)
            cells.append(f"{label} {hf * 1e3:.1f} ms / {mine * 1e3:.1f} ms = {hf / mine:.1f}x")
        print(f"  batch {batch}, d_model {d_model}, state {state}: " + "; ".join(cells) + f"; max |diff| {error:.1e}")


def _no_grad(layer, u):
    with torch.no_grad():
        layer(u)


if __name__ == "__main__":
    main()
