"""A registry of named things of one kind (families, estimators, architectures, MI methods).

Each kind owns one ``Registry``; the CLI's choices, help texts and the validation harness read
their lists from it, so a new entry appears everywhere at once.
"""

from __future__ import annotations

from typing import Generic, Iterator, TypeVar

from infoscale.errors import InvalidInput

T = TypeVar("T")

#: The entry-point group through which an installed package adds architectures (read without importing torch).
ARCHITECTURE_ENTRY_POINTS = "infoscale.architectures"


class Registry(Generic[T]):
    """Name → entry, in registration order; unknown names raise ``InvalidInput`` listing the known ones."""

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, T] = {}

    def add(self, name: str, entry: T) -> T:
        """Register ``entry`` under ``name`` (re-registering the same entry is a no-op)."""
        if not name:
            raise ValueError(f"a {self.kind} needs a non-empty name to be registered")
        if name in self._entries and self._entries[name] is not entry and self._entries[name] != entry:
            raise ValueError(f"a {self.kind} named {name!r} is already registered")
        self._entries[name] = entry
        return entry

    def get(self, name: str) -> T:
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            raise InvalidInput(f"unknown {self.kind} {name!r}; known: {', '.join(self.names())}") from None

    def names(self) -> list[str]:
        """Registered names, in registration order."""
        return list(self._entries)

    def __contains__(self, name) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def items(self):
        return self._entries.items()
