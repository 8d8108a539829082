"""Time arithmetic of the simulated cloud: when a schedule runs next, and aggregation buckets.

Schedules are kept as the API states them, in UTC: ``time`` ``HH:MM``, ``repeat`` ``none``
(once on ``date``), a weekday list (``"sun,tue"``) or ``day`` (monthly on ``days``), within
the optional ``start_date`` (from 00:00) to ``end_date`` (to 24:00) window.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A monthly schedule on the 31st skips short months; 400 days always reaches a run.
_HORIZON_DAYS: Final = 400

AGGREGATORS: Final[dict[str, Callable[[Sequence[float]], float]]] = {
    "sum": sum,
    "avg": statistics.fmean,
    "max": max,
    "min": min,
}
UNITS: Final = ("HOURS", "DAYS", "WEEKS", "MONTHS")


def _optional_date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _runs_on(day: date, schedule: Mapping[str, Any]) -> bool:
    repeat = schedule["repeat"]
    if repeat == "day":
        return day.day in schedule["days"]
    return WEEKDAYS[day.weekday()] in repeat.split(",")


def next_run(schedule: Mapping[str, Any], after: float) -> float | None:
    """The first time strictly after ``after`` (epoch seconds) the schedule runs, or None."""
    hours, minutes = (int(part) for part in schedule["time"].split(":"))
    clock = time(hours, minutes)
    if schedule["repeat"] == "none":
        moment = datetime.combine(date.fromisoformat(schedule["date"]), clock, UTC).timestamp()
        return moment if moment > after else None
    first = _optional_date(schedule.get("start_date"))
    last = _optional_date(schedule.get("end_date"))
    day = datetime.fromtimestamp(after, UTC).date()
    if first is not None and first > day:
        day = first
    for _ in range(_HORIZON_DAYS):
        if last is not None and day > last:
            return None
        if _runs_on(day, schedule):
            moment = datetime.combine(day, clock, UTC).timestamp()
            if moment > after:
                return moment
        day += timedelta(days=1)
    return None


def bucket_start(moment: float, unit: str) -> datetime:
    """The start (UTC) of the hour, day, week (from Monday) or month ``moment`` falls in."""
    when = datetime.fromtimestamp(moment, UTC).replace(minute=0, second=0, microsecond=0)
    if unit == "HOURS":
        return when
    day = when.replace(hour=0)
    if unit == "DAYS":
        return day
    if unit == "WEEKS":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def aggregate(
    history: Iterable[tuple[float, Mapping[str, Any]]],
    names: Sequence[str],
    start: float,
    end: float,
    *,
    aggregator: str,
    unit: str,
) -> list[tuple[datetime, dict[str, float]]]:
    """Aggregate the numeric values reported in ``[start, end)``, bucket by bucket."""
    combine = AGGREGATORS[aggregator]
    buckets: dict[datetime, dict[str, list[float]]] = {}
    for moment, values in history:
        if not start <= moment < end:
            continue
        for name in names:
            value = values.get(name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            bucket = buckets.setdefault(bucket_start(moment, unit), {})
            bucket.setdefault(name, []).append(value)
    return [
        (when, {name: combine(values) for name, values in per_name.items()})
        for when, per_name in sorted(buckets.items())
    ]
