"""``Frozen``: the base of every attrs class of the package.

``attrs.frozen`` generates and compiles ``__repr__``, ``__eq__`` and ``__hash__`` for each class
it builds. The package builds ~60 classes when it is imported (everything loads with it, so a
client in a running event loop imports nothing), and that code generation was 11 ms of the
import, a third of the package's own. The three methods are the same for every class given its
fields, so one implementation of each, reading the class's attrs fields, serves all. Classes
are declared ``@attrs.frozen(repr=False, eq=False)`` on this base, which keeps them attrs
classes to type checkers and to ``attrs.evolve``/``attrs.fields``; they behave as attrs' own
methods would: fields with ``repr=False`` are left out of the repr and a field's ``repr=``
callable is used; fields with ``eq=False`` are left out of equality and the hash and an
``eq_key`` is applied; only an instance of the very same class is equal. Everything else
(``__init__``, validators, aliases, slots) stays attrs'.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

_Show = tuple[tuple[str, Callable[[Any], str]], ...]
_Compare = tuple[tuple[str, Callable[[Any], Any] | None], ...]
_SHOWN: dict[type, _Show] = {}
_COMPARED: dict[type, _Compare] = {}


def _shown(cls: type) -> _Show:
    """The fields ``repr`` shows, in order, each with its formatter (``repr``, or the
    field's own ``repr=`` callable); worked out once per class."""
    shown = _SHOWN.get(cls)
    if shown is None:
        shown = _SHOWN[cls] = tuple(
            (field.name, repr if field.repr is True else field.repr)
            for field in attrs.fields(cls)
            if field.repr
        )
    return shown


def _compared(cls: type) -> _Compare:
    """The fields equality and the hash read, each with its ``eq_key`` (or None)."""
    compared = _COMPARED.get(cls)
    if compared is None:
        compared = _COMPARED[cls] = tuple(
            (field.name, field.eq_key) for field in attrs.fields(cls) if field.eq
        )
    return compared


def _key(self: Any) -> tuple[Any, ...]:
    return tuple(
        getattr(self, name) if key is None else key(getattr(self, name))
        for name, key in _compared(type(self))
    )


class Frozen:
    """Base of every attrs class of the package, declared ``@attrs.frozen(repr=False,
    eq=False)``: attrs builds the rest, and these three methods come from here."""

    __slots__ = ()

    def __repr__(self) -> str:
        cls = type(self)
        shown = ", ".join(f"{name}={show(getattr(self, name))}" for name, show in _shown(cls))
        return f"{cls.__qualname__.rsplit('>.', 1)[-1]}({shown})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return _key(self) == _key(other)

    def __hash__(self) -> int:
        return hash((type(self), *_key(self)))
