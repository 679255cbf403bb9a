"""MPS layer timings: batched sampler vs quimb's sampler, Rényi-2 MI at large L, MC Shannon MI for Ising.

    python3 benchmarks/bench_mps.py [--full]

1. Sampler, L = 64, χ = 16: ``CanonicalMPS.sample`` (vectorised over samples) against quimb's
   ``MatrixProductState.sample`` (one configuration at a time), both giving exact probabilities;
   the log-probabilities of quimb's samples are checked against ours (1e-10). Ratio of samples/s.
2. Rényi-2 MI at the middle cut, L = 1024: measured in full for χ = 16 and 32; for χ = 64
   (``--full`` runs it in full) the time of a few bulk sites is measured and scaled to L = 1024
   sites (every bulk site costs the same O(V χ⁵) environment step), and printed as such.
3. Shannon MI of the critical Ising chain (σᶻ basis), L = 256, χ = 32: DMRG time, then the
   exact-likelihood Monte-Carlo estimate with 10⁴ samples: relative standard error and time.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from infoscale.estimators.monte_carlo import mc_mutual_information
from infoscale.estimators.tensor_network import renyi2_mutual_information
from infoscale.generators import make_family


def bench_sampler(length: int = 64, chi: int = 16, n_quimb: int = 200, n_ours: int = 20_000) -> None:
    state = make_family("mps", chi=chi, state_seed=0).state(length)
    psi = state.to_quimb()
    began = time.perf_counter()
    drawn = list(psi.sample(n_quimb, seed=1))
    quimb_rate = n_quimb / (time.perf_counter() - began)
    configs = np.array([c for c, _ in drawn])
    ours_on_theirs = state.conditional_log_probs(configs).sum(axis=1)
    worst = np.max(np.abs(ours_on_theirs - np.log([p for _, p in drawn])))
    state.sample(100, 0)                                           # warm-up
    began = time.perf_counter()
    state.sample(n_ours, 2)
    our_rate = n_ours / (time.perf_counter() - began)
    print(f"sampler L={length} chi={chi}: quimb {quimb_rate:,.0f} samples/s, batched {our_rate:,.0f} samples/s, "
          f"ratio {our_rate / quimb_rate:,.0f}x; max |log p ours - log p quimb| = {worst:.1e}")


def bench_renyi2_step(length: int, chi: int, sites: int = 6) -> None:
    """Time ``sites`` bulk environment steps at bond χ and scale to the whole chain."""
    from infoscale.estimators.tensor_network import _step

    state = make_family("mps", chi=chi, state_seed=0).state(2 * sites + 2 * int(np.log2(chi)) + 2)
    bulk = state.tensors[len(state.tensors) // 2]
    env = np.random.default_rng(0).random((chi,) * 4)
    _step(env, bulk, True, 0.0)
    began = time.perf_counter()
    for _ in range(sites):
        env, _ = _step(env, bulk, True, 0.0)
    per_site = (time.perf_counter() - began) / sites
    print(f"renyi2 L={length} chi={chi}: {per_site:.2f} s per bulk site -> about {per_site * length:.0f} s "
          f"for the whole chain (extrapolated from {sites} sites)")


def bench_renyi2(length: int, chi: int) -> None:
    family = make_family("mps", chi=chi, state_seed=0)
    began = time.perf_counter()
    family.state(length)
    canon = time.perf_counter() - began
    estimate = renyi2_mutual_information(family, length // 2, length)
    print(f"renyi2 L={length} chi={chi}: I2 = {estimate.value:.6f} nats in {estimate.seconds:.1f} s "
          f"(+ {canon:.2f} s canonical form)")


def bench_ising_mc(length: int = 256, chi: int = 32, n_samples: int = 10_000) -> None:
    family = make_family("ising", field=1.0, chi=chi)
    began = time.perf_counter()
    family.state(length)
    dmrg = time.perf_counter() - began
    estimate = mc_mutual_information(family, length // 2, length, n_samples=n_samples, rng=0)
    print(f"ising MC L={length} chi={chi}: I = {estimate.value:.5f} ± {estimate.stderr:.5f} nats "
          f"(relative SE {estimate.stderr / estimate.value:.2%}) in {estimate.seconds:.1f} s; DMRG {dmrg:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="run the χ = 64 Rényi-2 case in full (long)")
    args = parser.parse_args()
    bench_sampler()
    for chi in (16, 32):
        bench_renyi2(1024, chi)
    (bench_renyi2 if args.full else bench_renyi2_step)(1024, 64)
    bench_ising_mc()


if __name__ == "__main__":
    main()
