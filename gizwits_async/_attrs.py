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

import operator
from collections.abc import Callable
from typing import Any

import attrs

_Show = tuple[tuple[str, Callable[[Any], str]], ...]
_SHOWN: dict[type, _Show] = {}
_KEYS: dict[type, Callable[[Any], Any]] = {}


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


def _key_of(cls: type) -> Callable[[Any], Any]:
    """What equality and the hash compare, as one function of an instance: the fields with
    ``eq=True``, read by one ``attrgetter`` (in C: shapes are hashed on every request that
    decodes into one) unless a field has an ``eq_key`` to apply."""
    key = _KEYS.get(cls)
    if key is None:
        fields = [field for field in attrs.fields(cls) if field.eq]
        names = [field.name for field in fields]
        if any(field.eq_key is not None for field in fields):
            keyed = [(field.name, field.eq_key) for field in fields]

            def key(self: Any) -> tuple[Any, ...]:
                return tuple(
                    getattr(self, name) if eq_key is None else eq_key(getattr(self, name))
                    for name, eq_key in keyed
                )

        elif names:
            key = operator.attrgetter(*names)
        else:
            key = _nothing
        _KEYS[cls] = key
    return key


def _nothing(_: Any) -> tuple[()]:
    return ()


class Frozen:
    """Base of every attrs class of the package, declared ``@attrs.frozen(repr=False,
    eq=False)``: attrs builds the rest, and these three methods come from here."""

    __slots__ = ()

    def __repr__(self) -> str:
        cls = type(self)
        shown = ", ".join(f"{name}={show(getattr(self, name))}" for name, show in _shown(cls))
        return f"{cls.__qualname__.rsplit('>.', 1)[-1]}({shown})"

    def __eq__(self, other: object) -> bool:
        cls = self.__class__
        if other.__class__ is not cls:
            return NotImplemented
        key = _KEYS.get(cls) or _key_of(cls)
        return bool(key(self) == key(other))

    def __hash__(self) -> int:
        cls = self.__class__
        return hash((cls, (_KEYS.get(cls) or _key_of(cls))(self)))
