"""``infoscale families``: the registered families, their class and parameters."""

from __future__ import annotations

from infoscale.cli.common import Command, no_extra, print_json
from infoscale.generators import family_class, family_names, make_family


def add_arguments(p) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run(args, family_params) -> int:
    no_extra(family_params)
    rows = {}
    for name in family_names():
        cls = family_class(name)
        rows[name] = {
            "discrete": cls.discrete,
            "scaling": str(make_family(name).scaling),
            "params": {prm.name: {"default": prm.default, "help": prm.help} for prm in cls.PARAMS},
            "doc": (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else "",
        }
    if args.json:
        print_json(rows)
        return 0
    for name, row in rows.items():
        kind = "discrete" if row["discrete"] else "continuous"
        print(f"{name:<15} {kind:<11} {row['scaling']:<22} {row['doc']}")
        for pname, info in row["params"].items():
            print(f"{'':<15} --{pname.replace('_', '-'):<18} default {info['default']!s:<12} {info['help']}")
    return 0


COMMANDS = [Command("families", "list the sequence families and their parameters", add_arguments, run)]
