"""The ``infoscale`` command line: a thin layer over the library, one module per group of commands.

- ``families``: ``families``;
- ``exact``: ``scaling``, ``spectrum``, ``sample``, ``mi`` (a family's exact MI, Monte Carlo);
- ``estimate``: ``validate``, ``estimate`` (sample-based estimators);
- ``nets``: ``train``, ``l2m`` (torch models; imported only when one of them runs);
- ``language``: ``lm-mi`` (text with a local pretrained LM; needs the ``[lm]`` extra);
- ``common``: the parser, the ``Command`` record and the shared argument and output helpers.

Every command that takes a family accepts the family's own parameters as ``--name value`` (see
``infoscale families``). User errors — a malformed command line, or an ``infoscale.errors``
``InvalidInput`` / ``Unavailable`` raised by validation — end with one line on stderr and exit
code 2, as does a stdout that cannot be written (``/dev/full``). Ctrl-C ends with one line
("interrupted; --resume continues" for ``train`` and ``l2m``, "interrupted" for the others) and
exit code 130; what was written stays whole (atomic writes), so a resume continues. Any other exception is a bug and shows its traceback (exit code 1).
"""

from __future__ import annotations

import errno
import os
import sys

from infoscale._checks import check_float
from infoscale.budget import set_limits
from infoscale.cli import estimate, families, lm_mi, nets, sequences
from infoscale.cli.common import Parser, UsageError
from infoscale.errors import USER_ERRORS
from infoscale.generators.registry import parse_family_args

#: Write errors that reach ``main`` from printing (files written through ``infoscale.io`` raise
#: ``InvalidInput`` naming the file instead): a full disk, quota or device behind stdout.
STREAM_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)

#: The commands whose interrupted work ``--resume`` continues (Ctrl-C says so).
RESUMABLE = ("train", "l2m")

COMMANDS = [*families.COMMANDS, *sequences.COMMANDS, *estimate.COMMANDS, *nets.COMMANDS, *lm_mi.COMMANDS]


def build_parser(only: str | None = None) -> Parser:
    """The parser; with ``only``, just that command's arguments are built (the others stay cheap)."""
    parser = Parser(prog="infoscale", allow_abbrev=False,
                    description="Information theory of long sequences: exact MI scaling, estimators, L²M.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument("--max-memory", type=float, metavar="GB",
                        help="memory a command may plan to use, in GiB (default: half the physical memory); "
                             "a command that estimates more refuses before allocating")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for command in COMMANDS:
        p = sub.add_parser(command.name, help=command.help, allow_abbrev=False)  # family flags are never abbreviations
        if only is None or only == command.name:
            command.add_arguments(p)
        p.set_defaults(func=command.run)
    return parser


def main(argv=None) -> int:
    """Run one command; user errors, Ctrl-C and a stdout that cannot take the output end in one stderr line."""
    argv = sys.argv[1:] if argv is None else list(argv)
    chosen = next((a for i, a in enumerate(argv) if not a.startswith("-") and (i == 0 or argv[i - 1] != "--max-memory")),
                  None)
    try:
        return _main(argv, chosen)
    except KeyboardInterrupt:
        print("infoscale: interrupted" + ("; --resume continues" if chosen in RESUMABLE else ""), file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader (e.g. `| head`) left: stop quietly, as cat does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as err:  # stdout full: files are written through io, which reports their errors itself
        if err.errno not in STREAM_ERRORS:
            raise
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # the interpreter's final flush is quiet
        print(f"infoscale: error: cannot write to stdout: {err.strerror}", file=sys.stderr)
        return 2


def _main(argv: list[str], chosen: str | None) -> int:
    os.environ["MPLBACKEND"] = "Agg"  # figures are files here; never a window, whatever the environment names
    for stream in (sys.stdout, sys.stderr):  # "±", "ℓ" and "²" on a terminal that cannot show them: escaped
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    parser = build_parser(chosen if any(c.name == chosen for c in COMMANDS) else None)
    try:
        args, extra = parser.parse_known_args(argv)
        set_limits(memory=None if args.max_memory is None  # each invocation starts from the default
                   else check_float("--max-memory", args.max_memory, 0.0, low_open=True) * 2**30)
        family_params = parse_family_args(args.family, extra) if hasattr(args, "family") else _leftover(extra)
        return args.func(args, family_params)
    except (UsageError, *USER_ERRORS) as err:
        message = str(err).splitlines()[0] if str(err) else type(err).__name__
        print(f"infoscale: error: {message}", file=sys.stderr)
        return 2


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("infoscale")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _leftover(extra: list[str]) -> dict:
    if extra:
        raise UsageError(f"unrecognized arguments: {' '.join(extra)}")
    return {}
