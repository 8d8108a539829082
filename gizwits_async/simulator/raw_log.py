"""A device's raw log (``raw_data``): kept in time order, queried by window, bulk-loaded for
tests and benchmarks."""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Iterable, Mapping
from typing import Any, Final

CMD_TYPES: Final = frozenset({"app2dev", "dev2app"})
ONLINE_TYPES: Final = frozenset({"dev_online", "dev_re_online", "dev_offline"})
TYPES_BY_QUERY: Final = {"cmd": CMD_TYPES, "online": ONLINE_TYPES}


def _stamp(entry: Mapping[str, Any]) -> float:
    return float(entry["timestamp"])


def add_entries(
    log: list[dict[str, Any]], entries: Iterable[Mapping[str, Any]], *, now: float
) -> int:
    """Add log entries (each needs ``type`` and ``timestamp``; ``ip`` and ``payload_bin`` get
    defaults). The log stays in time order; entries from the future are refused, because the
    device appends to the log as things happen."""
    added: list[dict[str, Any]] = []
    for entry in entries:
        kind = entry.get("type")
        if kind not in CMD_TYPES | ONLINE_TYPES:
            raise ValueError(f"unknown raw log entry type {kind!r}")
        stamp = _stamp(entry)
        if not math.isfinite(stamp) or stamp > now:
            raise ValueError(f"raw log entry at {stamp} is not in the past")
        added.append({"ip": "127.0.0.1", "payload_bin": "", **entry, "timestamp": stamp})
    if not added:
        return 0
    ordered = all(_stamp(a) <= _stamp(b) for a, b in itertools.pairwise(added))
    in_place = ordered and (not log or _stamp(log[-1]) <= _stamp(added[0]))
    log.extend(added)
    if not in_place:
        log.sort(key=_stamp)  # stable: entries with one timestamp keep their order
    return len(added)


def spread_entries(
    count: int,
    *,
    start: float,
    end: float,
    types: tuple[str, ...] = ("app2dev", "dev2app"),
) -> list[dict[str, Any]]:
    """``count`` entries evenly over ``[start, end)``, types taken in turn, each with a
    payload naming its index (``payload_bin`` is its 4-byte big-endian number)."""
    if count < 0 or end <= start:
        raise ValueError("need count >= 0 and end after start")
    step = (end - start) / max(count, 1)
    return [
        {
            "type": types[index % len(types)],
            "timestamp": round(start + (index + 0.5) * step, 3),
            "payload_bin": index.to_bytes(4, "big").hex(),
        }
        for index in range(count)
    ]


def window(log: list[dict[str, Any]], kind: str, start: float, end: float) -> list[dict[str, Any]]:
    """Entries of a query type with ``start <= timestamp <= end``, oldest first."""
    low = bisect.bisect_left(log, start, key=_stamp)
    high = bisect.bisect_right(log, end, key=_stamp)
    wanted = TYPES_BY_QUERY[kind]
    return [entry for entry in log[low:high] if entry["type"] in wanted]
