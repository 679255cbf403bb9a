"""What every command shares: the parser class, the command record, argument and output helpers."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Callable

from infoscale.budget import check_time, format_seconds
from infoscale.io import dumps


#: Seeds numpy and torch both take: 0 <= seed < 2**63.
MAX_SEED = 2**63 - 1


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
    from infoscale.generators import family_class, family_names

    parser.add_argument("family", help="family name (see `infoscale families`); its parameters follow as --name value")
    parser.epilog = "family parameters (defaults and meaning: `infoscale families`): " + "; ".join(
        f"{name} " + " ".join(f"--{p.name.replace('_', '-')}" for p in family_class(name).PARAMS) for name in family_names())


def add_output_flags(parser, plot: bool = False) -> None:
    """``--json`` (and ``--plot FILE``)."""
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    if plot:
        parser.add_argument("--plot", metavar="FILE", help="write a figure (PNG)")


def add_quiet(parser) -> None:
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def print_json(obj) -> None:
    """One strict JSON object on stdout (NaN/inf as null)."""
    print(dumps(obj))


def bounded_int(low: int | None = None, high: int | None = None) -> Callable[[str], int]:
    """An argparse ``type``: an integer in [low, high] (argparse names the flag in its error)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"between {low} and {high}" if low is not None and high is not None else (
                f">= {low}" if low is not None else f"<= {high}")
            raise argparse.ArgumentTypeError(f"must be {bounds}, got {text}")
        return value
    parse.__name__ = "integer"
    return parse


def add_seed(parser, help: str = "random seed (default 0)") -> None:
    parser.add_argument("--seed", type=bounded_int(0, MAX_SEED), default=0, help=help)


def csv_list(text: str) -> list[str]:
    """Split a comma-separated option value, dropping empty items."""
    return [t.strip() for t in str(text).split(",") if t.strip()]


def params_text(params: dict) -> str:
    return " ".join(f"{k}={v}" for k, v in params.items())


def add_max_seconds(parser, what: str) -> None:
    """``--max-seconds``: refuse work whose estimated time is longer."""
    parser.add_argument("--max-seconds", type=float, default=None,
                        help=f"refuse {what} whose estimated time is longer (default: no limit)")


def check_cost(what: str, seconds: float, max_seconds: float | None, hint: str, note_after: float) -> None:
    """Refuse ``what`` past ``--max-seconds``; say before it starts when it will take over ``note_after`` s."""
    check_time(what, seconds, limit=max_seconds, override="--max-seconds")
    if seconds > note_after:
        print(f"infoscale: note: {what} will take about {format_seconds(seconds)} ({hint})", file=sys.stderr)


def add_shard_flags(parser, unit: str, merge: bool = True) -> None:
    """``--shard I/N``, ``--merge DIR…``, ``--plan [N]``, ``--executor``, ``--cpus-per-run``, ``--gpus-per-run``
    (a Ray task per unit, or per part of the units where the command says so): the job split into
    cost-balanced shards of ``unit``s (``infoscale.shards``)."""
    parser.add_argument("--shard", metavar="I/N", help=f"run only shard I of N (0 <= I < N) of the {unit}s, balanced "
                        "by estimated cost (default: SLURM_ARRAY_TASK_ID/COUNT when set, else all)")
    if merge:  # a command with a --merge of its own (lm-mi: records files) keeps it
        parser.add_argument("--merge", nargs="+", metavar="DIR",
                            help=f"build the table from the {unit} files in these folders (the shards' --out) into --out")
    parser.add_argument("--plan", nargs="?", type=bounded_int(1), const=0, metavar="N",
                        help=f"print every {unit} with its estimated seconds and memory, and their split over N "
                             "shards (default: --shard's N), then exit")
    parser.add_argument("--executor", choices=("local", "ray"), default="local",
                        help="local: this machine's processes (default); ray: Ray tasks "
                             "(the [cluster] extra; a running cluster, else a local one)")
    parser.add_argument("--cpus-per-run", type=float, default=1.0, help="with --executor ray: CPUs per Ray task (default 1)")
    parser.add_argument("--gpus-per-run", type=float, default=0.0,
                        help="with --executor ray: GPUs per Ray task, fractional allowed (default 0)")


def shard_options(args):
    """(``Shard``, executor or ``None``) of the flags of ``add_shard_flags``; bad values refused."""
    from infoscale.errors import InvalidInput
    from infoscale.shards import parse_shard

    shard = parse_shard(args.shard)
    if args.merge and args.shard is not None:
        raise InvalidInput("--merge combines the shards; give it without --shard")
    if args.executor == "local":
        if (args.cpus_per_run, args.gpus_per_run) != (1.0, 0.0):
            raise InvalidInput("--cpus-per-run and --gpus-per-run are resources of Ray tasks; add --executor ray")
        return shard, None
    from infoscale.cluster import RayExecutor

    return shard, RayExecutor(args.cpus_per_run, args.gpus_per_run)
