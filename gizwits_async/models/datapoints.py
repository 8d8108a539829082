"""Product datapoint definitions (``GET /app/datapoint``) and command validation against them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import attrs

from gizwits_async._attrs import Frozen
from gizwits_async.models._converter import LenientEnum, extra_field, wire

_HEX = re.compile(r"[0-9a-fA-F]*")
_UINT_LIMITS = {"uint8": 0xFF, "uint16": 0xFFFF, "uint32": 0xFFFFFFFF}


class DatapointType(LenientEnum):
    """What a datapoint is for; only ``status_writable`` ones can be controlled."""

    STATUS_WRITABLE = "status_writable"
    STATUS_READONLY = "status_readonly"
    ALERT = "alert"
    FAULT = "fault"
    UNKNOWN = "UNKNOWN"


@attrs.frozen(repr=False, eq=False)
class DatapointPosition(Frozen):
    """Where a datapoint sits in the device's binary frame: byte and bit offset, length, unit."""

    byte_offset: int | None = None
    unit: str | None = None
    len: int | None = None
    bit_offset: int | None = None
    extra: dict[str, Any] = extra_field()


@attrs.frozen(repr=False, eq=False)
class UintSpec(Frozen):
    """Raw range and scaling of a numeric datapoint: shown value = raw * ratio + addition."""

    min: float = 0
    max: float = 0
    ratio: float = 1
    addition: float = 0
    extra: dict[str, Any] = extra_field()

    @property
    def low(self) -> float:
        """The smallest value the datapoint takes, after ``ratio`` and ``addition``."""
        return self.min * self.ratio + self.addition

    @property
    def high(self) -> float:
        """The largest value the datapoint takes, after ``ratio`` and ``addition``."""
        return self.max * self.ratio + self.addition


@attrs.frozen(repr=False, eq=False)
class Datapoint(Frozen):
    """One datapoint of a product: its name, data type, kind, range or enum, and position."""

    name: str
    data_type: str
    type: DatapointType = DatapointType.UNKNOWN
    display_name: str | None = None
    id: int | None = None
    desc: str | None = None
    position: DatapointPosition | None = None
    uint_spec: UintSpec | None = None
    enum: list[str] | None = None
    extra: dict[str, Any] = extra_field()

    @property
    def writable(self) -> bool:
        """True when an app may set this datapoint (a writable status)."""
        return self.type is DatapointType.STATUS_WRITABLE

    @property
    def byte_length(self) -> int | None:
        """Length in bytes of a ``binary`` datapoint (its position's ``len``)."""
        if self.position is None or self.position.len is None:
            return None
        return self.position.len

    def check(self, value: Any) -> Any:
        """The value as sent, or ``ValueError``/``TypeError`` naming the datapoint."""
        checker = _CHECKERS.get(self.data_type)
        if checker is None:
            return value
        return checker(self, value)

    def enum_index(self, value: Any) -> int:
        """The index of an enum value given as its label or its index."""
        labels = self.enum or []
        if isinstance(value, bool):
            raise TypeError(f"datapoint {self.name!r}: enum value must be a label or an index")
        if isinstance(value, int):
            if not 0 <= value < len(labels):
                raise ValueError(f"datapoint {self.name!r}: enum index {value} out of range")
            return value
        if isinstance(value, str) and value in labels:
            return labels.index(value)
        raise ValueError(f"datapoint {self.name!r}: {value!r} is not one of {labels}")


def _check_bool(point: Datapoint, value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise TypeError(f"datapoint {point.name!r} is a bool, got {value!r}")


def _check_uint(point: Datapoint, value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"datapoint {point.name!r} is a number, got {type(value).__name__}")
    spec = point.uint_spec
    if spec is not None:
        low, high = sorted((spec.low, spec.high))
        if not low - 1e-9 <= value <= high + 1e-9:
            raise ValueError(f"datapoint {point.name!r}: {value} is outside {low:g}..{high:g}")
    else:
        limit = _UINT_LIMITS.get(point.data_type, 0xFFFFFFFF)
        if not 0 <= value <= limit:
            raise ValueError(f"datapoint {point.name!r}: {value} is outside 0..{limit}")
    return value


def _check_enum(point: Datapoint, value: Any) -> Any:
    index = point.enum_index(value)
    return (point.enum or [])[index] if isinstance(value, int) else value


def _check_binary(point: Datapoint, value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        text = bytes(value).hex()
    elif isinstance(value, str):
        if not _HEX.fullmatch(value):
            raise ValueError(f"datapoint {point.name!r}: {value!r} is not a hex string")
        text = value.lower()
    else:
        raise TypeError(f"datapoint {point.name!r} is binary: give bytes or a hex string")
    length = point.byte_length
    if length is not None:
        if len(text) > 2 * length:
            raise ValueError(f"datapoint {point.name!r}: longer than {length} bytes")
        # The doc: binary values are padded to their defined length ("1234567" -> "1234567000").
        text = text.ljust(2 * length, "0")
    return text


_CHECKERS = {
    "bool": _check_bool,
    "uint8": _check_uint,
    "uint16": _check_uint,
    "uint32": _check_uint,
    "enum": _check_enum,
    "binary": _check_binary,
}


@attrs.frozen(repr=False, eq=False)
class DatapointEntity(Frozen):
    """A group of datapoints in a product definition (the doc's ``entities``)."""

    attrs: list[Datapoint] = attrs.field(factory=list)
    display_name: str | None = None
    id: int | None = None
    name: str | None = None
    extra: dict[str, Any] = extra_field()


@attrs.frozen(repr=False, eq=False)
class ProductDatapoints(Frozen):
    """A product's datapoint definition, with ``validate`` for commands built against it."""

    product_key: str | None = None
    name: str | None = None
    entities: list[DatapointEntity] = attrs.field(factory=list)
    packet_version: str | None = wire("packetVersion")
    protocol_type: str | None = wire("protocolType")
    ui: Any = None
    extra: dict[str, Any] = extra_field()

    @property
    def datapoints(self) -> dict[str, Datapoint]:
        """Every datapoint by name."""
        return {point.name: point for entity in self.entities for point in entity.attrs}

    def __getitem__(self, name: str) -> Datapoint:
        return self.datapoints[name]

    def validate(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        """Check a command against the definition and return it as it goes on the wire.

        Unknown names, read-only datapoints, numbers outside ``uint_spec``, enum values not in
        the list, wrong types and binary values too long raise ``ValueError``/``TypeError``
        naming the datapoint; binary values come back padded to their defined length.
        """
        if not isinstance(attrs, Mapping):
            raise TypeError(f"attrs must be a mapping, got {type(attrs).__name__}")
        points = self.datapoints
        checked: dict[str, Any] = {}
        for name, value in attrs.items():
            point = points.get(name)
            if point is None:
                raise ValueError(f"datapoint {name!r} is not defined for this product")
            if not point.writable:
                raise ValueError(f"datapoint {name!r} is {point.type.value}, not writable")
            checked[name] = point.check(value)
        return checked
