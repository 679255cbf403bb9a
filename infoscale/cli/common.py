"""What every command shares: the parser class, the command record, argument and output helpers."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from typing import Callable

from infoscale.io import to_builtin


class UsageError(Exception):
    """A malformed command line (argparse's complaints, stray arguments)."""


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors raised as ``UsageError`` (subparsers inherit it)."""

    def error(self, message):
        raise UsageError(f"{message} (see `{self.prog} --help`)")


@dataclass(frozen=True)
class Command:
    """One subcommand: its name, one-line help, ``add_arguments(parser)`` and ``run(args, family_params) -> int``.

    ``add_arguments`` runs only for the command being invoked (and for ``--help`` of it), so a
    command that needs torch does not slow the others down.
    """

    name: str
    help: str
    add_arguments: Callable
    run: Callable


def add_family_argument(parser) -> None:
    """The positional family name; the family's own parameters follow as ``--name value``."""
    parser.add_argument("family", help="family name (see `infoscale families`); its parameters follow as --name value")


def add_output_flags(parser, plot: bool = False) -> None:
    """``--json`` (and ``--plot FILE``)."""
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    if plot:
        parser.add_argument("--plot", metavar="FILE", help="write a figure (PNG)")


def add_quiet(parser) -> None:
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def print_json(obj) -> None:
    print(json.dumps(obj, default=to_builtin))


def csv_list(text: str) -> list[str]:
    """Split a comma-separated option value, dropping empty items."""
    return [t.strip() for t in str(text).split(",") if t.strip()]


def no_extra(family_params: dict) -> None:
    """For commands that take no family parameters."""
    if family_params:
        raise UsageError(f"unrecognized arguments: {' '.join(family_params)}")


def params_text(params: dict) -> str:
    return " ".join(f"{k}={v}" for k, v in params.items())
