"""The machine's own limits, measured in the benchmark's process: one-thread float32 GEMM FLOP/s and
memory bandwidth (a large copy), and the CPU model and load, for the benchmarks' context lines."""

from __future__ import annotations

import os
import platform
import time

import numpy as np
import torch


def best_time(fn, repeats: int = 3) -> float:
    """The fastest of ``repeats`` runs after one warm-up, in seconds."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def gemm_flops(n: int = 1024, dtype=torch.float32) -> float:
    """FLOP/s of one n × n × n matrix product at torch's present thread count."""
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    return 2 * n ** 3 / best_time(lambda: a @ b, 5)


def copy_bandwidth(megabytes: int = 256) -> float:
    """Bytes/s moved (read + write) by one large numpy copy."""
    src = np.ones(megabytes * 2 ** 20 // 8)
    dst = np.empty_like(src)
    return 2 * src.nbytes / best_time(lambda: np.copyto(dst, src), 5)


def context() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{cpu_model()}, {os.cpu_count()} cores, load {load:.2f}, torch threads {torch.get_num_threads()}; "
            f"limits: float32 GEMM {gemm_flops() / 1e9:.1f} GFLOP/s, copy {copy_bandwidth() / 1e9:.1f} GB/s")
