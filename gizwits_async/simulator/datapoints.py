"""How the simulated cloud judges ``attrs`` in a control: the product's datapoint definitions.

Written apart from the client's ``ProductDatapoints.validate`` on purpose: the tests run one
against the other, and a mistake both shared would go unseen.
"""

from __future__ import annotations

import re
from typing import Any

from gizwits_async.errors import ErrorCode
from gizwits_async.simulator.errors import SimError

_HEX = re.compile(r"(?:[0-9a-fA-F]{2})*")
_UINT_MAX = {"uint8": 255, "uint16": 65535, "uint32": 4294967295}
_EPSILON = 1e-9


def _invalid(name: str, why: str) -> SimError:
    return SimError(ErrorCode.ATTR_INVALID, f"{name}: {why}")


def _check_bool(spec: dict[str, Any], value: Any) -> None:
    if not isinstance(value, bool) and not (type(value) is int and value in (0, 1)):
        raise _invalid(spec["name"], "expects true/false")


def _check_uint(spec: dict[str, Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _invalid(spec["name"], "expects a number")
    uint = spec.get("uint_spec") or {}
    raw = (value - uint.get("addition", 0)) / (uint.get("ratio") or 1)
    low, high = uint.get("min", 0), uint.get("max", _UINT_MAX[spec["data_type"]])
    if not low - _EPSILON <= raw <= high + _EPSILON:
        raise _invalid(spec["name"], f"{value} is out of range")


def _check_enum(spec: dict[str, Any], value: Any) -> None:
    labels = spec.get("enum") or []
    by_index = type(value) is int and 0 <= value < len(labels)
    if not by_index and value not in labels:
        raise _invalid(spec["name"], f"{value!r} is not one of its values")


def _check_binary(spec: dict[str, Any], value: Any) -> None:
    if not isinstance(value, str) or not _HEX.fullmatch(value):
        raise _invalid(spec["name"], "expects a hex string")
    length = (spec.get("position") or {}).get("len")
    # The doc asks for binary values padded to the datapoint's full length.
    if length is not None and len(value) != 2 * length:
        raise _invalid(spec["name"], f"expects exactly {length} bytes of hex")


_CHECKS = {
    "bool": _check_bool,
    "uint8": _check_uint,
    "uint16": _check_uint,
    "uint32": _check_uint,
    "enum": _check_enum,
    "binary": _check_binary,
}


def check_attrs(specs: dict[str, dict[str, Any]], attrs: dict[str, Any]) -> None:
    """Every name must be a writable datapoint and every value fit it (9025 otherwise)."""
    for name, value in attrs.items():
        spec = specs.get(name)
        if spec is None:
            raise _invalid(name, "no such datapoint")
        if spec.get("type") != "status_writable":
            raise _invalid(name, f"is {spec.get('type')}, not writable")
        check = _CHECKS.get(spec.get("data_type", ""))
        if check is not None:
            check(spec, value)
