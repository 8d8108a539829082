"""The shapes answers come in, each defined once and named by every endpoint of that shape.

``Transport.request(..., into=...)`` takes a model class or one of these shapes and decodes
the body at the one place that knows the status, method and path; a body that does not fit
raises ``GizwitsResponseError`` naming all three and the field that failed.

* ``ListOf(Model)``: a bare JSON array (``GET /app/scene``, schedulers' pages);
* ``Key("devices", ListOf(Device))``: one member of an object (``{"devices": [...]}``,
  ``{"id": "..."}`` as ``Key("id", str)``, ``{"status": {...}}``);
* ``MapOf(ListOf(RuleParam))``: an object of ids to values;
* ``Objects(Model)``: ``{"objects": [...], "meta": {...}}`` pages (messages, sharing);
* ``RawDataObjects``: the raw log, in its flat form or the nested ``hits`` form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import attrs
import cattrs

from gizwits_async._attrs import Frozen
from gizwits_async.models._converter import (
    _FAST_KINDS,
    CONVERTER,
    FieldError,
    response_error,
)
from gizwits_async.models.raw_data import RawDataRows

T = TypeVar("T")
V = TypeVar("V")


class Shape(Generic[T]):
    """How to read one kind of answer; ``decode`` raises any exception when it does not fit."""

    # True for shapes made anew for each request (they carry its values), whose readers the
    # transport does not keep.
    per_request: ClassVar[bool] = False

    if TYPE_CHECKING:
        # Each shape defines its own; the base has none to call (an ABC's isinstance check,
        # which the decode path makes, cost five times a plain class's).

        def decode(self, data: Any, converter: cattrs.Converter) -> T:
            """The value this shape reads from ``data``."""

    @property
    def name(self) -> str:
        """What the shape reads, for error messages."""
        return type(self).__name__

    def decode_body(
        self,
        data: Any,
        *,
        status: int | None = None,
        converter: cattrs.Converter = CONVERTER,
        where: str = "",
    ) -> T:
        """``decode``, with a failure turned into ``GizwitsResponseError``."""
        try:
            return self.decode(data, converter)
        except Exception as err:
            raise response_error(data, self.name, err, status=status, where=where) from err


Into = type[T] | Shape[T]


def _reader(into: Any, converter: cattrs.Converter) -> Callable[[Any], Any]:
    """A function decoding one value as ``into``: a shape, a model, or a JSON scalar type."""
    if isinstance(into, Shape):
        return lambda value: into.decode(value, converter)
    scalar = _FAST_KINDS.get(into)
    if scalar is not None:
        coerce = scalar[1]
        return lambda value: value if value.__class__ is into else coerce(value, None)
    hook = converter.get_structure_hook(into)
    return lambda value: hook(value, into)


def name_of(into: Any) -> str:
    return into.name if isinstance(into, Shape) else getattr(into, "__name__", str(into))


@attrs.frozen(repr=False, eq=False)
class ListOf(Frozen, Shape[list[T]]):
    """A JSON array of ``item``."""

    item: type[T] | Shape[T]

    @property
    def name(self) -> str:
        """``[Item]``."""
        return f"[{name_of(self.item)}]"

    def decode(self, data: Any, converter: cattrs.Converter) -> list[T]:
        """Every element; a failure names the element's index."""
        if data.__class__ is not list:
            raise TypeError(f"expected a JSON array, got {type(data).__name__}")
        item = self.item
        try:
            if isinstance(item, Shape) or item in _FAST_KINDS:
                read = _reader(item, converter)
                return [read(element) for element in data]
            # One hook call per element, no wrapper: raw_data pages hold up to 1000 entries.
            hook = converter.get_structure_hook(item)
            return [hook(element, item) for element in data]
        except Exception as err:
            raise self._failure(data, converter) or err from err

    def _failure(self, data: list[Any], converter: cattrs.Converter) -> FieldError | None:
        """The error of the first element that does not decode, named by its index."""
        read = _reader(self.item, converter)
        for index, element in enumerate(data):
            try:
                read(element)
            except Exception as err:  # noqa: BLE001 - any failure is the one to name
                return FieldError(f"[{index}]", err)
        return None  # pragma: no cover - decode() failed on one of them


@attrs.frozen(repr=False, eq=False)
class Key(Frozen, Shape[T]):
    """One member of a JSON object, decoded as ``inner``."""

    key: str
    inner: type[T] | Shape[T]

    @property
    def name(self) -> str:
        """``{key: Inner}``."""
        return f"{{{self.key}: {name_of(self.inner)}}}"

    def decode(self, data: Any, converter: cattrs.Converter) -> T:
        """The member's value."""
        if not isinstance(data, dict):
            raise TypeError(f"expected a JSON object, got {type(data).__name__}")
        decoded: T = _member(data, self.key, _reader(self.inner, converter))
        return decoded


@attrs.frozen(repr=False, eq=False)
class MapOf(Frozen, Shape[dict[str, T]]):
    """A JSON object whose every value is decoded as ``inner``."""

    inner: type[T] | Shape[T]

    @property
    def name(self) -> str:
        """``{str: Inner}``."""
        return f"{{str: {name_of(self.inner)}}}"

    def decode(self, data: Any, converter: cattrs.Converter) -> dict[str, T]:
        """Each key with its decoded value."""
        if not isinstance(data, dict):
            raise TypeError(f"expected a JSON object, got {type(data).__name__}")
        read = _reader(self.inner, converter)
        decoded: dict[str, T] = {}
        for key, value in data.items():
            try:
                decoded[str(key)] = read(value)
            except Exception as err:
                raise FieldError(str(key), err) from err
        return decoded


@attrs.frozen(repr=False, eq=False)
class Listing(Frozen, Generic[V]):
    """One page of an ``objects``/``meta`` answer: the decoded items and the raw meta."""

    items: list[V]
    meta: dict[str, Any] | None
    total: int | None = None


def _total(meta: Any) -> int | None:
    total = meta.get("total") if isinstance(meta, dict) else None
    if total.__class__ is int:
        return int(total)
    return None


@attrs.frozen(repr=False, eq=False)
class Objects(Frozen, Shape[Listing[T]]):
    """``{"objects": [...], "meta": {...}}``: a page of items with its paging meta."""

    item: type[T]

    @property
    def name(self) -> str:
        """``{objects: [Item], meta}``."""
        return f"{{objects: [{name_of(self.item)}], meta}}"

    def decode(self, data: Any, converter: cattrs.Converter) -> Listing[T]:
        """The items and the meta (``None`` when the answer has none)."""
        items: list[T] = Key("objects", ListOf(self.item)).decode(data, converter)
        meta = data.get("meta")
        if meta is not None and not isinstance(meta, dict):
            raise FieldError("meta", TypeError("expected a JSON object"))
        return Listing(items, meta, _total(meta))


def _raw_data_page(data: Any, read: Callable[[Any], V]) -> tuple[V, dict[str, Any] | None, int]:
    """A raw_data answer in either form: its ``objects`` read by ``read``, its meta and the
    window's total."""
    if not isinstance(data, dict):
        raise TypeError(f"expected a JSON object, got {type(data).__name__}")
    objects = data.get("objects")
    meta = data.get("meta")
    total = _total(meta)
    if isinstance(objects, dict) and "hits" in objects:
        hits = objects["hits"]
        if not isinstance(hits, dict):
            raise FieldError("objects.hits", TypeError("expected a JSON object"))
        nested_total = _total(hits)
        if nested_total is not None:
            total = nested_total
        try:
            items = _member(hits, "objects", read)
        except FieldError as err:
            raise FieldError("objects.hits", err) from err
    else:
        items = _member(data, "objects", read)
    if total is None:
        raise FieldError("meta.total", KeyError("total"))
    return items, meta if isinstance(meta, dict) else None, total


def _member(data: dict[str, Any], key: str, read: Callable[[Any], V]) -> V:
    """``data[key]`` read by ``read``; a missing, null or unreadable member is a
    ``FieldError`` naming ``key``."""
    value = data.get(key)
    if value is None:
        raise FieldError(key, KeyError(key))
    try:
        return read(value)
    except Exception as err:
        raise FieldError(key, err) from err


@attrs.frozen(repr=False, eq=False)
class RawDataObjects(Frozen, Shape[Listing[T]]):
    """``GET /app/devices/{did}/raw_data``: the doc's flat ``{"objects": [...], "meta":
    {"total": n}}``, or the nested form the EU cloud answered with (``{"objects": {"hits":
    {"total": n, "objects": [...]}, "took": ms, "err_code": 0}, "meta": {...}}``).

    ``total`` (the window's row count) is required: the walk narrows windows by it.
    """

    item: type[T]

    @property
    def name(self) -> str:
        """``raw_data page``."""
        return f"raw_data page of {name_of(self.item)}"

    def decode(self, data: Any, converter: cattrs.Converter) -> Listing[T]:
        """The entries and the window's total."""
        shape = ListOf(self.item)
        items, meta, total = _raw_data_page(data, lambda objects: shape.decode(objects, converter))
        return Listing(items, meta, total)


@attrs.frozen(repr=False, eq=False)
class RawDataPage(Frozen):
    """One raw_data answer as the walk reads it: the entries inside its window, how many the
    page held in all (``count``) and the window's row count (``total``)."""

    rows: RawDataRows
    count: int
    total: int


@attrs.frozen(repr=False, eq=False)
class RawDataWindow(Frozen, Shape[RawDataPage]):
    """A raw_data answer, its entries checked and kept when ``lower <= epoch < upper``
    (``RawDataRows.within``). Lenient, as every answer the transport decodes; one is made per
    request, so the transport does not keep its reader."""

    lower: float
    upper: float
    per_request: ClassVar[bool] = True  # attrs leaves a ClassVar out of the fields

    @property
    def name(self) -> str:
        """``raw_data page``."""
        return "raw_data page of RawDataEntry"

    def decode(self, data: Any, converter: cattrs.Converter) -> RawDataPage:  # noqa: ARG002
        """The window's entries, the page's count and the window's total."""
        (rows, count), _, total = _raw_data_page(data, self._within)
        return RawDataPage(rows, count, total)

    def _within(self, objects: Any) -> tuple[RawDataRows, int]:
        if objects.__class__ is not list:
            raise TypeError(f"expected a JSON array, got {type(objects).__name__}")
        return RawDataRows.within(objects, self.lower, self.upper), len(objects)


def decode_list(
    data: Any,
    cl: type[T],
    *,
    status: int | None = None,
    converter: cattrs.Converter = CONVERTER,
    where: str = "",
) -> list[T]:
    """Decode a JSON array of ``cl`` objects."""
    return ListOf[T](cl).decode_body(data, status=status, converter=converter, where=where)


# The transport's readers, one per ``into`` it was given (a handful of classes and shapes):
# a call then decodes with one lookup and one call, not a dispatch of its own.
_BODY_READERS: dict[Any, Callable[[Any], Any]] = {}


def body_reader(into: Any) -> Callable[[Any], Any]:
    """The function decoding a response body as ``into`` with the default converter; any
    exception it raises means the body does not fit."""
    reader = _BODY_READERS.get(into)
    if reader is None:
        reader = _reader(into, CONVERTER)
        if len(_BODY_READERS) < 256 and not (isinstance(into, Shape) and into.per_request):
            _BODY_READERS[into] = reader
    return reader


def decode_into(
    data: Any,
    into: Any,
    *,
    status: int | None = None,
    converter: cattrs.Converter = CONVERTER,
    where: str = "",
) -> Any:
    """Decode a response body as ``into`` (a model class or a ``Shape``)."""
    read = body_reader(into) if converter is CONVERTER else _reader(into, converter)
    try:
        return read(data)
    except Exception as err:
        raise response_error(data, name_of(into), err, status=status, where=where) from err


__all__ = [
    "Into",
    "Key",
    "ListOf",
    "Listing",
    "MapOf",
    "Objects",
    "RawDataObjects",
    "RawDataPage",
    "RawDataWindow",
    "Shape",
    "body_reader",
    "decode_into",
    "decode_list",
]
