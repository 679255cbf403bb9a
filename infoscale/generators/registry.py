"""A registry of sequence families by name, with typed parameters for the CLI and the examples.

A family class registers itself with ``@register`` and lists its parameters in ``PARAMS``::

    @register
    class AR(GaussianSequence):
        name = "ar"
        PARAMS = (Param("coefficients", float_list, (0.5,), "AR coefficients φ_1..φ_p"), ...)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from infoscale.errors import InvalidInput
from infoscale.registry import Registry

FAMILIES: Registry[type] = Registry("family")


@dataclass(frozen=True)
class Param:
    """One constructor parameter: name, parser from a CLI string, default value, help text."""

    name: str
    parse: Callable[[str], Any]
    default: Any
    help: str


def register(cls):
    """Class decorator adding a family to the registry under ``cls.name``."""
    return FAMILIES.add(cls.name, cls)


def family_names() -> list[str]:
    """Names of all registered families, sorted."""
    return sorted(FAMILIES)


def family_class(name: str) -> type:
    """The class registered under ``name``; ``InvalidInput`` listing the known names otherwise."""
    return FAMILIES.get(name)


def make_family(name: str, **params):
    """Build a family by name, rejecting parameters it does not take."""
    cls = family_class(name)
    known = {p.name for p in cls.PARAMS}
    unknown = sorted(set(params) - known)
    if unknown:
        raise InvalidInput(f"family {name!r} has no parameter {unknown[0]!r}; its parameters: {', '.join(sorted(known)) or 'none'}")
    return cls(**params)


def parse_family_args(name: str, args: list[str]) -> dict:
    """Turn ``['--k', '3', '--boundary', 'false']`` into typed keyword arguments for ``name``."""
    cls = family_class(name)
    by_flag = {p.name.replace("_", "-"): p for p in cls.PARAMS}
    params: dict = {}
    i = 0
    while i < len(args):
        flag = args[i]
        if not flag.startswith("--"):
            raise InvalidInput(f"unexpected argument {flag!r}; family parameters are given as --name value")
        key, _, inline = flag[2:].partition("=")
        if key not in by_flag:
            raise InvalidInput(f"family {name!r} has no parameter --{key}; its parameters: "
                             + (", ".join("--" + f for f in sorted(by_flag)) or "none"))
        if inline:
            text = inline
            i += 1
        elif i + 1 < len(args):
            text = args[i + 1]
            i += 2
        else:
            raise InvalidInput(f"parameter --{key} needs a value")
        param = by_flag[key]
        try:
            params[param.name] = param.parse(text)
        except (TypeError, ValueError) as err:
            raise InvalidInput(f"bad value for --{key}: {text!r} ({err})") from None
    return params


# ---- parsers for Param.parse -------------------------------------------------------------
def boolean(text: str) -> bool:
    """Parse true/false, yes/no, on/off, 1/0."""
    low = str(text).strip().lower()
    if low in ("true", "yes", "on", "1"):
        return True
    if low in ("false", "no", "off", "0"):
        return False
    raise InvalidInput("expected true or false")


def float_list(text: str) -> tuple[float, ...]:
    """Parse a comma-separated list of floats, e.g. ``0.5,-0.2``."""
    return tuple(float(t) for t in str(text).split(",") if t.strip())
