"""``infoscale families [FAMILY --name value …]``: the registered families, their class and parameters.

Each family's class (and exponent) is the one it has for the parameters given, its defaults otherwise.
"""

from __future__ import annotations

import argparse
import re

from infoscale.cli.common import Command, print_json


def add_arguments(p) -> None:
    p.add_argument("family", nargs="?", default=argparse.SUPPRESS,
                   help="list only this family, with its class for the parameters that follow (--name value)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run(args, family_params) -> int:
    from infoscale.generators import family_class, family_names, make_family

    chosen = getattr(args, "family", None)
    rows = {}
    for name in [chosen] if chosen else family_names():
        cls = family_class(name)
        family = make_family(name, **(family_params if name == chosen else {}))
        rows[name] = {
            "discrete": cls.discrete,
            "scaling": str(family.scaling),
            "values": family.params,
            "params": {prm.name: {"default": prm.default, "help": plain(prm.help)} for prm in cls.PARAMS},
            "doc": plain((cls.__doc__ or "").strip().splitlines()[0]) if cls.__doc__ else "",
        }
    if args.json:
        print_json(rows)
        return 0
    for name, row in rows.items():
        kind = "discrete" if row["discrete"] else "continuous"
        print(f"{name:<15} {kind:<11} {row['scaling']:<22} {row['doc']}")
        for pname, info in row["params"].items():
            given = row["values"].get(pname, info["default"])
            value = "" if given == info["default"] else f" (here {given})"
            print(f"{'':<15} --{pname.replace('_', '-'):<18} default {info['default']!s:<12} {info['help']}{value}")
    return 0


def plain(text: str) -> str:
    """A docstring line without reST markup: ``k``, `k`, :math:`k` and :class:`K` become k and K."""
    return re.sub(r"(?::[a-z]+:)?`{1,2}([^`]+)`{1,2}", r"\1", text)


COMMANDS = [Command("families", "list the sequence families, their class for the parameters given, and parameters",
                   add_arguments, run)]
