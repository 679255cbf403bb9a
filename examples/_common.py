"""The command-line options every example shares (``--quick``, ``--out``, and ``--quiet`` where it shows progress)."""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # the examples write figures to files; a script, not the library, picks the backend

FIGURES = Path("docs/figures")


def example_args(doc: str, argv=None, quiet: bool = False) -> argparse.Namespace:
    """Parse an example's arguments; its module docstring's first line is the description."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test in seconds")
    parser.add_argument("--out", type=Path, default=FIGURES, help=f"output folder (default {FIGURES})")
    if quiet:
        parser.add_argument("--quiet", action="store_true", help="no progress bars")
    return parser.parse_args(argv)
