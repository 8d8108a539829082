"""Argument checks made before anything is sent, shared by models and resources.

A leaf module: it imports nothing of the package but ``bulk``'s key check, so models and
resources can both use it without a layer pointing up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import quote

from gizwits_async.bulk import unique_keys

# Ids are printable, without white space, path or query syntax, or percent escapes.
_SEGMENT = re.compile(r"[^/?#%\\\s\x00-\x1f\x7f]+")
_PLAIN_SEGMENT = re.compile(r"[A-Za-z0-9_\-.~]+")
# The last second of year 9999, the largest time a datetime can hold.
MAX_EPOCH_SECONDS: Final = 253_402_300_799


# Ids already checked, with the segment each gives: a client polling the same devices checks
# each id once, not on every call (issue #12's per-call overhead). Bounded: a caller walking
# millions of ids only stops being cached, it is still checked.
_CHECKED_SEGMENTS: dict[str, str] = {}
_MAX_CHECKED_SEGMENTS: Final = 4096


def path_segment(value: Any, name: str) -> str:
    """Validate an id that goes into a URL path; nothing a caller passes may change the path."""
    if value.__class__ is str:
        segment = _CHECKED_SEGMENTS.get(value)
        if segment is not None:
            return segment
        segment = _checked_segment(value, name)
        if len(_CHECKED_SEGMENTS) < _MAX_CHECKED_SEGMENTS:
            _CHECKED_SEGMENTS[value] = segment
        return segment
    return _checked_segment(value, name)


def _checked_segment(value: Any, name: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    text = str(value)
    if not text:
        raise ValueError(f"{name} must not be empty")
    if ".." in text or text == "." or not _SEGMENT.fullmatch(text) or not text.isprintable():
        raise ValueError(f"{name} {text!r} contains characters not allowed in an id")
    if _PLAIN_SEGMENT.fullmatch(text):
        return text
    return quote(text, safe="")


def id_value(value: Any, name: str) -> str:
    """Validate an id sent as a query parameter or body field: the same rules as an id in a
    path, but sent as it is (aiohttp encodes parameters; quoting it here would send ``%40``
    for ``@``)."""
    path_segment(value, name)
    return str(value)


def did_list(dids: Iterable[str], name: str = "did") -> list[str]:
    """Validate every id of a bulk call before any request is sent; duplicates are dropped."""
    checked = unique_keys(dids, what=name)
    for did in checked:
        path_segment(did, name)
    return checked


def require_text(value: Any, name: str, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    if not allow_empty and not value.strip():
        raise ValueError(f"{name} must not be empty")
    return value


def raw_bytes(raw: Any, name: str = "raw") -> list[int]:
    """A raw command as the list of byte values the control endpoints expect."""
    if isinstance(raw, bytes | bytearray | memoryview):
        return list(bytes(raw))
    if isinstance(raw, list | tuple):
        values: list[int] = []
        for item in raw:
            if isinstance(item, bool) or not isinstance(item, int):
                raise TypeError(f"{name} items must be ints 0-255, got {type(item).__name__}")
            if not 0 <= item <= 255:
                raise ValueError(f"{name} byte {item} is outside 0-255")
            values.append(item)
        if not values:
            raise ValueError(f"{name} must not be empty")
        return values
    raise TypeError(f"{name} must be bytes or a list of ints, got {type(raw).__name__}")


def command_body(attrs: Mapping[str, Any] | None, raw: Any) -> dict[str, Any]:
    """The body of a control call: exactly one of ``attrs`` or ``raw``."""
    if attrs is None and raw is None:
        raise ValueError("give attrs or raw")
    if attrs is not None and raw is not None:
        raise ValueError("give attrs or raw, not both")
    if attrs is not None:
        if not isinstance(attrs, Mapping):
            raise TypeError(f"attrs must be a mapping, got {type(attrs).__name__}")
        if not attrs:
            raise ValueError("attrs must not be empty")
        for key in attrs:
            if not isinstance(key, str) or not key:
                raise TypeError("attrs keys must be non-empty strings")
        return {"attrs": dict(attrs)}
    return {"raw": raw_bytes(raw)}


def to_epoch_seconds(value: Any, name: str) -> float:
    """A ``datetime`` (aware, or naive meaning UTC) or epoch seconds, as epoch seconds."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.timestamp()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a datetime or epoch seconds")
    seconds = float(value)
    # NaN fails both comparisons; an infinite or far-future value would overflow later.
    if not 0 <= seconds <= MAX_EPOCH_SECONDS:
        raise ValueError(f"{name} must be epoch seconds between 0 and {MAX_EPOCH_SECONDS}")
    return seconds
