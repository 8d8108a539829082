"""Entries of a device's communication log and online/offline history
(``GET /app/devices/{did}/raw_data``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from itertools import repeat
from types import MappingProxyType
from typing import Any, Final, NamedTuple, overload

from gizwits_async.models._converter import FieldError, LenientEnum, to_utc_datetime


class RawDataType(LenientEnum):
    """What happened: a command to the device, a report from it, or a change of presence."""

    APP2DEV = "app2dev"
    DEV2APP = "dev2app"
    DEV_ONLINE = "dev_online"
    DEV_RE_ONLINE = "dev_re_online"
    DEV_OFFLINE = "dev_offline"
    UNKNOWN = "UNKNOWN"


class RawDataSource(LenientEnum):
    """Who sent an ``app2dev`` command: an app (``client``) or a D3 rule (``d3``)."""

    CLIENT = "client"
    D3 = "d3"
    UNKNOWN = "UNKNOWN"


_new: Final = tuple.__new__
_TYPES: Final = RawDataType._value2member_map_
_SOURCES: Final = RawDataSource._value2member_map_
_KNOWN: Final = frozenset(
    {"type", "timestamp", "payload_bin", "ip", "source", "uid", "appid", "payload"}
)
# The ``extra`` of the usual entry: one shared empty mapping, read-only like the entry.
_NO_EXTRA: Final[Mapping[str, Any]] = MappingProxyType({})
_TEXT_FIELDS: Final = ("ip", "uid", "appid")


class RawDataEntry(NamedTuple):
    """One log entry, immutable. A walk yields up to 100,000s of them, so an entry is a named
    tuple built in one step (an attrs model cost half the walk) and its ``timestamp`` is made
    from ``epoch`` only when read.

    ``epoch`` is the cloud's time in seconds (float, millisecond precision; integer seconds
    in some regions). ``payload_bin`` is the hex of a command or report (``payload`` gives
    its bytes); ``payload_data`` is the ``payload`` object of presence entries (e.g.
    ``{"keep_alive": 130}``). ``source``, ``uid`` and ``appid`` are only sent for
    ``app2dev`` entries. Fields the model does not name are in ``extra`` (a read-only
    mapping).
    """

    type: RawDataType
    epoch: float
    payload_bin: str = ""
    ip: str | None = None
    source: RawDataSource | None = None
    uid: str | None = None
    appid: str | None = None
    payload_data: dict[str, Any] | None = None
    extra: Mapping[str, Any] = _NO_EXTRA

    @property
    def timestamp(self) -> datetime:
        """``epoch`` as an aware UTC datetime."""
        return datetime.fromtimestamp(self.epoch, UTC)

    @property
    def payload(self) -> bytes:
        """``payload_bin`` as bytes."""
        return bytes.fromhex(self.payload_bin)

    @classmethod
    def from_wire(cls, data: Any, _: Any = None, *, strict: bool = False) -> RawDataEntry:
        """Decode one entry; a known field of the wrong type raises ``FieldError`` naming it
        (strict: unknown keys and unknown enum values too)."""
        entry = _usual_entry(data)
        return _decoded(data, strict=strict) if entry is None else entry


def _usual_entry(data: Any) -> RawDataEntry | None:
    """The usual entry, built in one step, or None for anything else. The usual entry has a
    known type, a numeric timestamp and nothing but ``payload_bin`` and ``ip`` besides, both
    text (a key given as null is not counted; counting keys is cheaper than comparing key
    sets). ``RawDataRows.within`` inlines the same check and builds the same entries in C."""
    try:
        epoch = data["timestamp"]
        kind = _TYPES.get(data["type"])
        payload_bin = data.get("payload_bin")
        ip = data.get("ip")
    except (KeyError, TypeError, IndexError, AttributeError):
        return None
    if (
        kind is not None
        and data.__class__ is dict
        and (epoch.__class__ is float or epoch.__class__ is int)
        and len(data) == 2 + (payload_bin is not None) + (ip is not None)
        and (payload_bin is None or payload_bin.__class__ is str)
        and (ip is None or ip.__class__ is str)
    ):
        return _built(kind, epoch, payload_bin or "", ip)
    return None


def _built(kind: Any, epoch: float, payload_bin: str, ip: str | None) -> RawDataEntry:
    return _new(RawDataEntry, (kind, epoch, payload_bin, ip, None, None, None, None, _NO_EXTRA))


_NONE: Final = repeat(None)
_Columns = tuple[list[RawDataType], list[float], list[str], list[str | None]]


class RawDataRows(Sequence[RawDataEntry]):
    """The entries of one raw_data page that fall in a time window, built one by one as they
    are read.

    A walk yields 100,000s of entries, most of them looked at once and dropped. A page of
    built entries (1000 tuples, each holding an enum member, so never untracked) kept the
    garbage collector busy: 0.3 us of the 1.3 us an entry cost the client, against 0.7 us for
    raw aiohttp; building each in Python cost another 0.15 us over building it in C. So the
    usual entry (see ``_usual_entry``) is checked here and kept in four columns, from which
    iterating builds each entry in C (``map`` over ``zip``); a page holding any other entry
    is decoded entry by entry and kept as a list (a ``FieldError`` names the index of an
    entry that does not decode).
    """

    __slots__ = ("_columns", "_entries")

    def __init__(self, columns: _Columns | None, entries: list[RawDataEntry] | None = None) -> None:
        self._columns = columns
        self._entries: list[RawDataEntry] = entries or []

    @classmethod
    def within(
        cls, objects: list[Any], lower: float, upper: float, *, strict: bool = False
    ) -> RawDataRows:
        """The entries of ``objects`` stamped ``lower <= epoch < upper``."""
        kinds: list[RawDataType] = []
        epochs: list[float] = []
        payloads: list[str] = []
        ips: list[str | None] = []
        kind_of, add_kind, add_epoch = _TYPES.get, kinds.append, epochs.append
        add_payload, add_ip = payloads.append, ips.append
        for data in objects:
            # ``_usual_entry``'s check, inlined (a call per entry: 0.03 us of ~1 us an entry).
            try:
                epoch = data["timestamp"]
                kind = kind_of(data["type"])
                payload_bin = data.get("payload_bin")
                ip = data.get("ip")
            except (KeyError, TypeError, IndexError, AttributeError):
                return cls._entry_by_entry(objects, lower, upper, strict=strict)
            if not (
                kind is not None
                and data.__class__ is dict
                and (epoch.__class__ is float or epoch.__class__ is int)
                and len(data) == 2 + (payload_bin is not None) + (ip is not None)
                and (payload_bin is None or payload_bin.__class__ is str)
                and (ip is None or ip.__class__ is str)
            ):
                return cls._entry_by_entry(objects, lower, upper, strict=strict)
            if lower <= epoch < upper:
                add_kind(kind)  # type: ignore[arg-type]
                add_epoch(epoch)
                add_payload(payload_bin or "")
                add_ip(ip)
        return cls((kinds, epochs, payloads, ips))

    @classmethod
    def _entry_by_entry(
        cls, objects: list[Any], lower: float, upper: float, *, strict: bool
    ) -> RawDataRows:
        entries = []
        for index, data in enumerate(objects):
            try:
                entry = RawDataEntry.from_wire(data, strict=strict)
            except Exception as err:
                raise FieldError(f"[{index}]", err) from err
            if lower <= entry.epoch < upper:
                entries.append(entry)
        return cls(None, entries)

    def __len__(self) -> int:
        if self._columns is None:
            return len(self._entries)
        return len(self._columns[0])

    def __iter__(self) -> Iterator[RawDataEntry]:
        if self._columns is None:
            return iter(self._entries)
        kinds, epochs, payloads, ips = self._columns
        return map(
            _new,
            repeat(RawDataEntry),
            zip(kinds, epochs, payloads, ips, _NONE, _NONE, _NONE, _NONE, repeat(_NO_EXTRA)),
        )

    @overload
    def __getitem__(self, index: int) -> RawDataEntry: ...

    @overload
    def __getitem__(self, index: slice) -> RawDataRows: ...

    def __getitem__(self, index: int | slice) -> RawDataEntry | RawDataRows:
        if self._columns is None:
            if isinstance(index, slice):
                return RawDataRows(None, self._entries[index])
            return self._entries[index]
        kinds, epochs, payloads, ips = self._columns
        if isinstance(index, slice):
            return RawDataRows((kinds[index], epochs[index], payloads[index], ips[index]))
        return _built(kinds[index], epochs[index], payloads[index], ips[index])

    def __eq__(self, other: object) -> bool:
        """Equal to any sequence of the same entries (a list of them, say)."""
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"RawDataRows({list(self)!r})"


def _decoded(data: Any, *, strict: bool) -> RawDataEntry:
    if data.__class__ is not dict:
        raise TypeError(f"a raw_data entry is a JSON object, got {type(data).__name__}")
    get = data.get
    epoch = get("timestamp")
    if epoch.__class__ is not float and epoch.__class__ is not int:
        epoch = _epoch(epoch)
    kind = get("type")
    kind = _TYPES.get(kind) if kind.__class__ is str else None
    if kind is None:
        kind = _enum(data, "type", RawDataType, strict=strict)
    payload_bin = get("payload_bin")
    if payload_bin is None:
        payload_bin = ""
    ip, source, uid, appid, payload = (
        get("ip"),
        get("source"),
        get("uid"),
        get("appid"),
        get("payload"),
    )
    if (
        payload_bin.__class__ is not str
        or (ip is not None and ip.__class__ is not str)
        or source is not None
        or uid is not None
        or appid is not None
        or payload is not None
    ):
        source = _check_optional(data, strict=strict)
    extra = _NO_EXTRA
    if not data.keys() <= _KNOWN:
        if strict:
            raise ValueError(f"unknown keys {sorted(data.keys() - _KNOWN)}")
        extra = MappingProxyType({key: data[key] for key in data.keys() - _KNOWN})
    return _new(RawDataEntry, (kind, epoch, payload_bin, ip, source, uid, appid, payload, extra))


def _check_optional(data: dict[str, Any], *, strict: bool) -> RawDataSource | None:
    """The fields most entries lack, checked one by one; the decoded ``source``."""
    payload_bin = data.get("payload_bin")
    if payload_bin is not None and payload_bin.__class__ is not str:
        raise FieldError("payload_bin", TypeError("expected a hex string"))
    for name in _TEXT_FIELDS:
        value = data.get(name)
        if value is not None and value.__class__ is not str:
            raise FieldError(name, TypeError(f"expected a string, got {type(value).__name__}"))
    payload = data.get("payload")
    if payload is not None and payload.__class__ is not dict:
        raise FieldError("payload", TypeError("expected an object"))
    source = data.get("source")
    if source is None:
        return None
    member = _SOURCES.get(source) if source.__class__ is str else None
    if member is None:
        member = _enum(data, "source", RawDataSource, strict=strict)
    return member  # type: ignore[return-value]


def _epoch(value: Any) -> float:
    if value is None:
        raise FieldError("timestamp", KeyError("timestamp"))
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise FieldError("timestamp", TypeError(f"expected a time, got {type(value).__name__}"))
    try:
        return to_utc_datetime(value).timestamp()
    except (TypeError, ValueError, OverflowError) as err:
        raise FieldError("timestamp", err) from err


def _enum(data: dict[str, Any], name: str, enum: type[LenientEnum], *, strict: bool) -> Any:
    value = data.get(name)
    if value is None and name == "type":
        raise FieldError(name, KeyError(name))
    if value.__class__ is not str:
        raise FieldError(name, TypeError(f"expected a string, got {type(value).__name__}"))
    if strict:
        raise FieldError(name, ValueError(f"{enum.__name__} has no value {value!r}"))
    return enum.UNKNOWN  # type: ignore[attr-defined]
