"""The command-line options every example shares (``--quick``, ``--out``, and ``--quiet`` where it shows progress)."""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # the examples write figures to files; a script, not the library, picks the backend

#: The tracked figures of the README; written only when asked for (``--out docs/figures``).
FIGURES = Path("docs/figures")
#: Where an example writes without ``--out``: an untracked folder, so a run never overwrites FIGURES.
DEFAULT_OUT = Path("example-figures")


def example_args(doc: str, argv=None, quiet: bool = False) -> argparse.Namespace:
    """Parse an example's arguments; its module docstring's first line is the description."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test in seconds")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"output folder (default {DEFAULT_OUT}; --out {FIGURES} refreshes the README's figures)")
    if quiet:
        parser.add_argument("--quiet", action="store_true", help="no progress bars")
    return parser.parse_args(argv)
