"""The JSON machinery of the L²M sweep's configuration dataclasses (``config``): immutable JSON
values, strict parsing with errors named by path, ``to_dict`` / ``from_dict``."""

from __future__ import annotations

import json
from dataclasses import MISSING, fields
from typing import ClassVar

from infoscale._checks import check_float
from infoscale.errors import InvalidInput
from infoscale.io import to_builtin


class Frozen(dict):
    """A JSON object that cannot change (model sizes, family parameters, overrides by length)."""

    def _refuse(self, *args, **kwargs):
        raise TypeError("a sweep configuration is frozen; build a changed copy with dataclasses.replace")

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _refuse

    def __hash__(self):
        return hash(json.dumps(self, sort_keys=True, default=to_builtin))

    def __reduce__(self):  # pickled for worker processes, copied by copy.deepcopy
        return Frozen, (dict(self),)


def freeze(value):
    """JSON values made immutable: objects as ``Frozen``, lists as tuples."""
    if isinstance(value, dict):
        return Frozen({key: freeze(item) for key, item in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(item) for item in value)
    return value


def plain(value):
    """The JSON form of a configuration value: dicts (string keys), lists, scalars."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def require(condition: bool, message: str) -> None:
    if not condition:
        raise InvalidInput(message)


def nonempty_list(value) -> bool:
    return isinstance(value, (list, tuple)) and len(value) > 0


def positive_floats(name: str, value, what: str, high: float | None = None) -> tuple[float, ...]:
    """A JSON list of numbers > 0 (and ≤ ``high``) as a tuple of floats; ``what`` names them in the error."""
    require(isinstance(value, (list, tuple)) and all(isinstance(t, (int, float)) and not isinstance(t, bool) and t > 0
                                                     for t in value), f"{name} must be a list of {what}, got {value!r}")
    return tuple(check_float(name, t, 0.0, high, low_open=True) for t in value)


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def set_field(obj, name: str, value) -> None:
    object.__setattr__(obj, name, value)  # normalising a frozen dataclass's field in __post_init__


def parse(cls, value, path: str):
    """``cls`` from the JSON object ``value`` at ``path``; unknown and missing keys refused, errors named by path."""
    if isinstance(value, cls):
        return value
    where = path or "config"
    require(isinstance(value, dict), f"{where} must be an object, got {value!r}")
    names = [f.name for f in fields(cls)]
    unknown = sorted(map(str, set(value) - set(names)))
    if unknown:
        raise InvalidInput(f"unknown {where} key {unknown[0]!r}; known keys: {', '.join(names)}")
    for f in fields(cls):
        if f.name not in value and f.default is MISSING and f.default_factory is MISSING:
            raise InvalidInput(cls.MISSING_TEXT.format(key=f.name, path=where, value=value))
    try:
        return cls(**value)
    except InvalidInput as err:
        if not path:
            raise
        field_named = str(err).split(" ", 1)[0].split(".")[0].split("[")[0] in names
        raise type(err)(f"{path}{'.' if field_named else ': '}{err}") from None


class Json:
    """``to_dict`` / ``from_dict`` of a configuration dataclass."""

    MISSING_TEXT: ClassVar[str] = "{path} lacks {key!r}"
    OMIT_NONE: ClassVar[bool] = False  # settings: a field left None is not written

    def to_dict(self) -> dict:
        values = {f.name: plain(getattr(self, f.name)) for f in fields(self)}
        return {key: value for key, value in values.items() if not (self.OMIT_NONE and value is None)}

    @classmethod
    def from_dict(cls, values: dict, path: str = ""):
        return parse(cls, values, path)
