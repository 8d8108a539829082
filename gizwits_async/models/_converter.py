"""The one cattrs converter: JSON payloads in, frozen attrs models out.

Every model is a frozen attrs class whose last field is ``extra: dict[str, Any]``. Keys the
model does not name are kept there (lenient mode) instead of being dropped, so fields the doc
forgot stay reachable. A field's wire name, when it differs from the Python name, is given
with ``wire(...)`` (it becomes the field's attrs alias); a field that needs its own decoding
names a ``struct_hook``.

The strict converter (used by the tests) refuses unknown keys and unknown enum values, so
drift between the models and recorded payloads fails loudly.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override

from gizwits_async._redact import redact
from gizwits_async.errors import GizwitsResponseError

T = TypeVar("T")

HOOK: Final = "gizwits_struct_hook"
_EXCERPT = 200


def wire(
    name: str | None = None,
    *,
    default: Any = None,
    struct_hook: Callable[[Any, Any], Any] | None = None,
    repr: bool = True,
    factory: Callable[[], Any] | None = None,
) -> Any:
    """A model field whose wire name or decoding differs from the default.

    The wire name becomes the field's attrs ``alias`` (its ``__init__`` argument), which the
    converter reads keys by; so ``DeviceStatus(attr={...})`` mirrors the payload.
    """
    metadata: dict[str, Any] = {}
    if struct_hook is not None:
        metadata[HOOK] = struct_hook
    if factory is not None:
        return attrs.field(factory=factory, metadata=metadata, repr=repr, alias=name)
    return attrs.field(default=default, metadata=metadata, repr=repr, alias=name)


def extra_field() -> Any:
    """The catch-all for keys a model does not name; kept out of repr (it may hold secrets)."""
    return attrs.field(factory=dict, repr=False, kw_only=True)


class LenientEnum(enum.StrEnum):
    """A string enum whose unknown values decode to ``UNKNOWN`` instead of failing."""

    @classmethod
    def _missing_(cls, value: object) -> Any:  # noqa: ARG003 - enum protocol
        return cls.__members__.get("UNKNOWN")


def to_utc_datetime(value: Any) -> datetime:
    """Decode the cloud's many time formats to an aware UTC datetime.

    Seen on the wire: int or float unix seconds, the same as a numeric string,
    ``2017-09-11T11:41:23Z``, ``2017-09-26T06:36:47`` (no zone, meaning UTC) and
    ``2017-01-01T08:32:56.996638``.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, bool):
        raise TypeError("a boolean is not a timestamp")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        text = value.strip()
        try:
            return datetime.fromtimestamp(float(text), UTC)
        except ValueError:
            pass
        parsed = datetime.fromisoformat(text)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise TypeError(f"cannot read a timestamp from {type(value).__name__}")


def epoch_or_none(value: Any, _: Any = None) -> datetime | None:
    """Like ``to_utc_datetime``, but 0, ``""`` and null mean "no time" rather than 1970."""
    if value in (None, "", 0, "0"):
        return None
    return to_utc_datetime(value)


def _structure_datetime(value: Any, _: Any) -> datetime:
    return to_utc_datetime(value)


def _passthrough(value: Any, _: Any) -> Any:
    return value


def _has_extra(cl: Any) -> bool:
    return attrs.has(cl) and "extra" in attrs.fields_dict(cl)


def _extra_hook_factory(converter: cattrs.Converter, cl: Any, *, strict: bool) -> Any:
    overrides: dict[str, Any] = {"extra": override(struct_hook=_passthrough)}
    known: set[str] = set()
    for field in attrs.fields(cl):
        if field.name == "extra":
            continue
        known.add(field.alias or field.name)
        hook = field.metadata.get(HOOK)
        if hook is not None:
            overrides[field.name] = override(struct_hook=hook)
    base = make_dict_structure_fn(
        cl, converter, _cattrs_forbid_extra_keys=False, _cattrs_use_alias=True, **overrides
    )
    name = cl.__name__

    def structure(data: Any, _: Any) -> Any:
        if not isinstance(data, Mapping):
            raise TypeError(f"{name} expects a JSON object, got {type(data).__name__}")
        unknown = data.keys() - known
        if not unknown:
            return base(data, cl)
        if strict:
            raise ValueError(f"{name} got unknown keys {sorted(unknown)}")
        return base({**data, "extra": {key: data[key] for key in unknown}}, cl)

    return structure


def _lenient_enum_hook(*, strict: bool) -> Callable[[Any, Any], Any]:
    def structure(value: Any, cl: Any) -> Any:
        member = cl(value)
        if strict and member.name == "UNKNOWN":
            raise ValueError(f"{cl.__name__} has no value {value!r}")
        return member

    return structure


def make_converter(*, strict: bool = False) -> cattrs.Converter:
    """Build a converter. Built once per mode; see ``CONVERTER``."""
    converter = cattrs.Converter()
    converter.register_structure_hook(datetime, _structure_datetime)
    converter.register_structure_hook(Any, _passthrough)
    converter.register_unstructure_hook(datetime, lambda value: int(value.timestamp()))
    # Registered on the base class: cattrs dispatches subclasses to it, ahead of its own
    # handling of plain enums.
    converter.register_structure_hook(LenientEnum, _lenient_enum_hook(strict=strict))
    converter.register_structure_hook_factory(
        _has_extra,
        lambda cl: _extra_hook_factory(converter, cl, strict=strict),
    )
    return converter


CONVERTER: Final = make_converter()


def excerpt(data: Any) -> str:
    """A short, redacted rendering of a payload for error messages."""
    try:
        text = json.dumps(redact(data), ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(data)
    return text[:_EXCERPT]


def decode(
    data: Any, cl: type[T], *, status: int | None = None, converter: cattrs.Converter = CONVERTER
) -> T:
    """Decode ``data`` into ``cl``; anything that does not fit raises ``GizwitsResponseError``."""
    try:
        return converter.structure(data, cl)
    except Exception as err:
        raise GizwitsResponseError(
            f"response does not decode as {cl.__name__}", status=status, body=excerpt(data)
        ) from err


def decode_list(
    data: Any, cl: type[T], *, status: int | None = None, converter: cattrs.Converter = CONVERTER
) -> list[T]:
    """Decode a JSON array of ``cl`` objects."""
    if not isinstance(data, list):
        raise GizwitsResponseError(
            f"expected a JSON array of {cl.__name__}", status=status, body=excerpt(data)
        )
    return [decode(item, cl, status=status, converter=converter) for item in data]
