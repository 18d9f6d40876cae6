"""A wrapper that keeps secret strings out of logs, reprs and messages."""

from __future__ import annotations


class Secret:
    """Holds a secret value; printing it shows only a mask.

    Only :meth:`reveal` gives the value back, so every use of the secret is
    a deliberate, greppable call.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)
