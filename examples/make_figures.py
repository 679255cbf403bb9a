"""Regenerate every figure and its numbers under docs/figures: all examples, in full mode.

    python examples/make_figures.py                      # full: about 25 minutes on 2 CPU cores
    python examples/make_figures.py --quick              # every example's smoke-test sizes
    python examples/make_figures.py --only scaling_classes two_point_vs_bipartite

Each example prints its numbers (the README quotes only those); this script runs them in turn in
one process and reports how long each took.
"""

from __future__ import annotations

import argparse
import importlib
import time
from pathlib import Path

from _common import DEFAULT_OUT, FIGURES

EXAMPLES = ("scaling_classes", "two_point_vs_bipartite", "history_dimension", "critical_chain",
            "estimator_validation", "l2m_experiment", "l2m_collapse")
_QUIET = ("history_dimension", "critical_chain", "estimator_validation", "l2m_experiment", "l2m_collapse")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke-test sizes instead of the full runs")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"output folder (default {DEFAULT_OUT}; --out {FIGURES} refreshes the README's figures)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--only", nargs="+", choices=EXAMPLES, default=EXAMPLES, metavar="EXAMPLE",
                        help=f"run only these examples (of: {', '.join(EXAMPLES)})")
    args = parser.parse_args(argv)
    for name in args.only:
        argv = ["--out", str(args.out)] + ["--quick"] * args.quick + ["--quiet"] * (args.quiet and name in _QUIET)
        print(f"==== {name} {' '.join(argv)}", flush=True)
        start = time.perf_counter()
        importlib.import_module(name).main(argv)
        print(f"==== {name}: {time.perf_counter() - start:.1f} s\n", flush=True)


if __name__ == "__main__":
    main()
