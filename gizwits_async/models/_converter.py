"""The one cattrs converter: JSON payloads in, frozen attrs models out.

Every model is a frozen attrs class (``@attrs.frozen(repr=False, eq=False)`` on
``gizwits_async._attrs.Frozen``, which gives every class one shared repr, equality and hash)
whose last field is ``extra: dict[str, Any]``. Keys the model does not name are kept there
(lenient mode) instead of being dropped, so fields the doc forgot stay reachable. A field's
wire name, when it differs from the Python name, is given with ``wire(...)`` (it becomes the
field's attrs alias); a field that needs its own decoding names a ``struct_hook``.

The strict converter (used by the tests) refuses unknown keys and unknown enum values, so
drift between the models and recorded payloads fails loudly.
"""

from __future__ import annotations

import enum
import functools
import json
import types
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

import attrs
import cattrs

from gizwits_async._redact import redact
from gizwits_async.errors import GizwitsResponseError

T = TypeVar("T")

HOOK: Final = "gizwits_struct_hook"
_MISSING: Final = object()
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
    if value.__class__ is str:
        return _from_text(value)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, bool):
        raise TypeError("a boolean is not a timestamp")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        return _from_text(value)
    raise TypeError(f"cannot read a timestamp from {type(value).__name__}")


def _from_text(value: str) -> datetime:
    text = value.strip()
    # ISO text is the usual string form: try it first, so it does not pay for a failed
    # float() (and the exception that comes with it) on every decode.
    if "T" in text or text.find("-", 1) != -1 or ":" in text:
        parsed = _FROM_ISO(text)
        if parsed.tzinfo is not None:
            return parsed
        # No zone means UTC. Parsing it again with one is ~8 x cheaper than .replace(); a
        # date alone takes no zone that way (3.11 ignores it) and is replaced.
        try:
            zoned = _FROM_ISO(text + "+00:00")
        except ValueError:
            zoned = parsed
        return zoned if zoned.tzinfo is not None else parsed.replace(tzinfo=UTC)
    return datetime.fromtimestamp(float(text), UTC)


_FROM_ISO: Final = datetime.fromisoformat


def epoch_or_none(value: Any, _: Any = None) -> datetime | None:
    """Like ``to_utc_datetime``, but 0, ``""`` and null mean "no time" rather than 1970."""
    kind = value.__class__
    if kind is int or kind is float:
        return None if value == 0 else datetime.fromtimestamp(value, UTC)
    if kind is str:
        return None if value in ("", "0") else _from_text(value)
    if value in (None, 0):
        return None
    return to_utc_datetime(value)


def _structure_datetime(value: Any, _: Any) -> datetime:
    return to_utc_datetime(value)


def _passthrough(value: Any, _: Any) -> Any:
    return value


def _has_extra(cl: Any) -> bool:
    return attrs.has(cl) and "extra" in attrs.fields_dict(cl)


def _coerce_str(value: Any, _: Any = None) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"expected a string, got {type(value).__name__}")


def _coerce_int(value: Any, _: Any = None) -> int:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise TypeError(f"expected an integer, got {type(value).__name__}")


def _coerce_float(value: Any, _: Any = None) -> float:
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        return float(value)
    raise TypeError(f"expected a number, got {type(value).__name__}")


def _coerce_bool(value: Any, _: Any = None) -> bool:
    if value in (0, 1) and not isinstance(value, float):
        return bool(value)
    if isinstance(value, str) and value.lower() in {"true", "false", "0", "1"}:
        return value.lower() in {"true", "1"}
    raise TypeError(f"expected a boolean, got {type(value).__name__}")


def _coerce_dict(value: Any, _: Any = None) -> dict[Any, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"expected an object, got {type(value).__name__}")


def _coerce_str_list(value: Any, _: Any = None) -> list[str]:
    if not isinstance(value, list):
        raise TypeError(f"expected an array of strings, got {type(value).__name__}")
    return [item if isinstance(item, str) else _coerce_str(item) for item in value]


# Types checked inline by the generated code: the exact JSON class passes untouched, anything
# else goes through the coercer (which accepts lossless conversions and refuses the rest).
_FAST_KINDS: Final[dict[Any, tuple[str, Callable[[Any, Any], Any]]]] = {
    str: ("v.__class__ is str", _coerce_str),
    int: ("v.__class__ is int", _coerce_int),
    float: ("v.__class__ is float or v.__class__ is int", _coerce_float),
    bool: ("v.__class__ is bool", _coerce_bool),
    dict[str, Any]: ("v.__class__ is dict", _coerce_dict),
    list[str]: ("v.__class__ is list and all(x.__class__ is str for x in v)", _coerce_str_list),
}


def _enum_value_type(tp: Any) -> str | None:
    """``str`` or ``int`` for a string or integer enum (its values are of that JSON type),
    None for anything else."""
    if isinstance(tp, type) and issubclass(tp, enum.StrEnum):
        return "str"
    if isinstance(tp, type) and issubclass(tp, enum.IntEnum):
        return "int"
    return None


def _split_optional(tp: Any) -> tuple[Any, bool]:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(tp) if arg is not type(None)]
        if len(args) == 1 and len(typing.get_args(tp)) == 2:
            return args[0], True
    return tp, False


def _field_lines(
    field: attrs.Attribute[Any],
    index: int,
    tp: Any,
    converter: cattrs.Converter,
    namespace: dict[str, Any],
) -> list[str]:
    """Code that reads one field from ``o`` into ``a<index>``."""
    alias = field.alias or field.name
    var = f"a{index}"
    lines = [f"    v = o.get({alias!r}, M)", "    if v is M:"]
    default: Any = field.default
    if default is attrs.NOTHING:
        lines.append(f"        raise KeyError({alias!r})")
    elif isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        namespace[f"F{index}"] = default.factory
        lines.append(f"        {var} = F{index}()")
    else:
        namespace[f"D{index}"] = default
        lines.append(f"        {var} = D{index}")
    hook = field.metadata.get(HOOK)
    inner, optional = _split_optional(tp)
    if hook is not None or inner is Any:
        # A field's own hook gets the field's type, as cattrs hooks do.
        namespace[f"H{index}"] = hook if hook is not None else _passthrough
        namespace[f"T{index}"] = tp
        return [*lines, f"    else:\n        {var} = H{index}(v, T{index})"]
    if optional:
        lines.append(f"    elif v is None:\n        {var} = None")
    value_type = _enum_value_type(inner)
    if value_type is not None:
        # Known values are one dict lookup; anything else goes through the enum hook.
        namespace[f"E{index}"] = inner._value2member_map_
        lines.append(
            f"    elif v.__class__ is {value_type} and v in E{index}:\n        {var} = E{index}[v]"
        )
    elif inner is datetime:
        # Epoch seconds, the usual form, skip the parsing of the other formats.
        namespace["FROMTS"], namespace["UTC"] = datetime.fromtimestamp, UTC
        lines.append(
            f"    elif v.__class__ is int or v.__class__ is float:\n        {var} = FROMTS(v, UTC)"
        )
    fast = _FAST_KINDS.get(inner)
    if fast is not None:
        check, coercer = fast
        namespace[f"H{index}"] = coercer
        lines.append(f"    elif {check}:\n        {var} = v")
        lines.append(f"    else:\n        {var} = H{index}(v, None)")
    else:
        namespace[f"H{index}"] = converter.get_structure_hook(inner)
        namespace[f"T{index}"] = inner
        lines.append(f"    else:\n        {var} = H{index}(v, T{index})")
    return lines


def _extra_hook_factory(converter: cattrs.Converter, cl: Any, *, strict: bool) -> Any:
    """Generate one structure function for ``cl``, compiled once per class and converter.

    Scalar fields are checked inline (a JSON string for a ``str`` field is taken as it is);
    only enums, timestamps, nested models and fields with their own hook call out. cattrs'
    generic path makes two calls per optional field, which made decoding a bindings page
    several times slower than parsing its JSON.
    """
    hints = typing.get_type_hints(cl)
    namespace: dict[str, Any] = {
        "M": _MISSING,
        "Mapping": Mapping,
        "CL": cl,
        "FieldError": FieldError,
    }
    lines = [
        "def structure(o, _):",
        "    if o.__class__ is not dict and not isinstance(o, Mapping):",
        f"        raise TypeError('{cl.__name__} expects a JSON object')",
    ]
    known: set[str] = set()
    arguments: list[str] = []
    for index, field in enumerate(attrs.fields(cl)):
        if not field.init:
            continue
        alias = field.alias or field.name
        if field.name == "extra":
            arguments.append(f"{alias}=extra")
            continue
        known.add(alias)
        arguments.append(f"{alias}=a{index}" if field.kw_only else f"a{index}")
        # try costs nothing until something fails (3.11+); then the error names the field.
        field_code = _field_lines(field, index, hints[field.name], converter, namespace)
        lines.append("    try:")
        lines += ["    " + line.replace("\n", "\n    ") for line in field_code]
        lines.append("    except Exception as err:")
        lines.append(f"        raise FieldError({alias!r}, err) from err")
    namespace["KNOWN"] = frozenset(known)
    lines += ["    if o.keys() <= KNOWN:", "        extra = {}", "    else:"]
    if strict:
        lines.append("        raise ValueError(f'unknown keys {sorted(o.keys() - KNOWN)}')")
    else:
        lines.append("        extra = {k: o[k] for k in o.keys() - KNOWN}")
    if "__attrs_init__" in cl.__dict__:
        # A class with its own __init__ (one that takes another spelling of a field): the
        # decoded fields already have their final form, so fill them in without it.
        namespace["NEW"] = object.__new__
        lines.append("    new = NEW(CL)")
        lines.append(f"    new.__attrs_init__({', '.join(arguments)})")
        lines.append("    return new")
    else:
        lines.append(f"    return CL({', '.join(arguments)})")
    code = compile("\n".join(lines), f"<gizwits structure {cl.__qualname__}>", "exec")
    exec(code, namespace)  # noqa: S102 - code built above from the model's own fields
    return namespace["structure"]


class FieldError(ValueError):
    """A known field of a payload that does not fit its type; ``path`` is dotted for nested
    models (``tasks.attrs``)."""

    path: str
    reason: str

    def __init__(self, name: str, cause: BaseException) -> None:
        if isinstance(cause, FieldError):
            self.path = f"{name}.{cause.path}"
            self.reason = cause.reason
        else:
            self.path = name
            self.reason = "missing" if isinstance(cause, KeyError) else str(cause)
        super().__init__(f"field {self.path!r}: {self.reason}")


def describe_failure(err: BaseException) -> str:
    """What went wrong in a decode, for an error message: the field when one is known."""
    if isinstance(err, FieldError):
        return str(err)
    return str(err) or type(err).__name__


def _lenient_enum_hook(*, strict: bool) -> Callable[[Any, Any], Any]:
    def structure(value: Any, cl: Any) -> Any:
        if value.__class__ is not str:
            # An unknown text is a new value (UNKNOWN); a number or object is a wrong type.
            raise TypeError(f"expected a string, got {type(value).__name__}")
        member = cl._value2member_map_.get(value) or cl(value)
        if strict and member.name == "UNKNOWN":
            raise ValueError(f"{cl.__name__} has no value {value!r}")
        return member

    return structure


def make_converter(*, strict: bool = False) -> cattrs.Converter:
    """Build a converter. Built once per mode; see ``CONVERTER``."""
    converter = cattrs.Converter(detailed_validation=False)
    converter.register_structure_hook(datetime, _structure_datetime)
    converter.register_structure_hook(Any, _passthrough)
    # Registered on the base class: cattrs dispatches subclasses to it, ahead of its own
    # handling of plain enums.
    converter.register_structure_hook(LenientEnum, _lenient_enum_hook(strict=strict))
    # Models that decode themselves (RawDataEntry, built by the 100,000) keep the strictness.
    # Lenient is from_wire's default: its hook is the method itself, which a call reaches
    # without merging keyword arguments (a partial's cost, per entry).
    converter.register_structure_hook_factory(
        lambda cl: isinstance(cl, type) and hasattr(cl, "from_wire"),
        lambda cl: functools.partial(cl.from_wire, strict=True) if strict else cl.from_wire,
    )
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


def response_error(
    data: Any, what: str, err: BaseException, *, status: int | None = None, where: str = ""
) -> GizwitsResponseError:
    """The error for a body that does not decode as ``what``: where it came from (method and
    path), the field that failed, the status and a redacted excerpt."""
    prefix = f"{where}: " if where else ""
    return GizwitsResponseError(
        f"{prefix}response does not decode as {what} ({describe_failure(err)})",
        status=status,
        body=excerpt(data),
    )


def decode(
    data: Any,
    cl: type[T],
    *,
    status: int | None = None,
    converter: cattrs.Converter = CONVERTER,
    where: str = "",
) -> T:
    """Decode ``data`` into ``cl``; anything that does not fit raises ``GizwitsResponseError``
    naming the field."""
    try:
        return converter.structure(data, cl)
    except Exception as err:
        raise response_error(data, cl.__name__, err, status=status, where=where) from err
