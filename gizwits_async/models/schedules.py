"""Schedules (定时任务 and 通用定时任务): a command run once, weekly or monthly, in UTC.

The cloud wants ``date`` (``YYYY-MM-DD``) and ``time`` (``HH:MM``) in UTC. The builders take
times in any zone and convert them; for weekly and monthly schedules the days move with the
conversion (07:30 Monday in Shanghai is 23:30 Sunday in UTC).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from gizwits_async._attrs import Frozen
from gizwits_async._validate import command_body, raw_bytes, require_text
from gizwits_async.models._converter import epoch_or_none, extra_field, wire

WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ONCE: Final = "none"
MONTHLY: Final = "day"
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DAY_NAMES: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _days(value: Any, _: Any = None) -> list[int]:
    """Days of the month arrive as ints or as numeric strings."""
    if value is None or value == "":
        return []
    if not isinstance(value, list):
        raise TypeError("days must be a list")
    days: list[int] = []
    for item in value:
        if isinstance(item, bool):
            raise TypeError("a day of the month is a number")
        days.append(int(item))
    return days


def _hex_raw(value: Any, _: Any = None) -> bytes | None:
    if value is None or value == "":
        return None
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str):
        return bytes.fromhex(value)
    raise TypeError("a schedule raw is a hex string")


def _optional_text(value: Any, _: Any = None) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


@attrs.frozen(repr=False, eq=False)
class Schedule(Frozen):
    """A scheduled command, as the scheduler endpoints send and return it.

    ``time``, ``date``, ``start_date`` and ``end_date`` are UTC strings. ``repeat`` is
    ``"none"`` (once, on ``date``), a comma list of weekdays (``"sun,tue"``) or ``"day"``
    (monthly, on ``days``). A device schedule's target is the device of its URL; a common
    schedule names exactly one of ``did``, ``group_id`` or ``scene_id``.

    Build one with ``Schedule.once``, ``Schedule.weekly`` or ``Schedule.monthly``.
    """

    time: str
    repeat: str = ONCE
    date: str | None = wire(struct_hook=_optional_text)
    days: list[int] = wire(factory=list, struct_hook=_days)
    start_date: str | None = wire(struct_hook=_optional_text)
    end_date: str | None = wire(struct_hook=_optional_text)
    enabled: bool = True
    remark: str | None = None
    attrs: dict[str, Any] | None = None
    raw: bytes | None = wire(struct_hook=_hex_raw)
    did: str | None = wire(struct_hook=_optional_text)
    group_id: str | None = wire(struct_hook=_optional_text)
    scene_id: str | None = wire(struct_hook=_optional_text)
    product_key: str | None = None
    id: str | None = None
    created_at: dt.datetime | None = wire(struct_hook=epoch_or_none)
    extra: dict[str, Any] = extra_field()

    @property
    def weekdays(self) -> list[str]:
        """The UTC weekdays of a weekly schedule (empty for the other kinds)."""
        if self.repeat in (ONCE, MONTHLY, ""):
            return []
        return [token.strip() for token in self.repeat.split(",") if token.strip()]

    # -- builders -----------------------------------------------------------------------------

    @classmethod
    def once(
        cls,
        at: dt.datetime,
        *,
        attrs: Mapping[str, Any] | None = None,
        raw: bytes | list[int] | None = None,
        did: str | None = None,
        group_id: str | None = None,
        scene_id: str | None = None,
        remark: str | None = None,
        enabled: bool = True,
    ) -> Schedule:
        """Run once at ``at`` (a datetime; naive means UTC; seconds are dropped)."""
        given: object = at
        if isinstance(given, dt.time):
            # A value error: the type is fine for weekly/monthly, the date is what is missing.
            raise ValueError(  # noqa: TRY004
                "a one-shot schedule needs a date: give a datetime, not a time"
            )
        if not isinstance(given, dt.datetime):
            raise TypeError(f"at must be a datetime, got {type(given).__name__}")
        moment = _utc(given)
        return cls(
            time=moment.strftime("%H:%M"),
            date=moment.date().isoformat(),
            repeat=ONCE,
            **_command_fields(attrs, raw, did, group_id, scene_id),
            remark=remark,
            enabled=enabled,
        )

    @classmethod
    def weekly(
        cls,
        weekdays: Iterable[str | int],
        at: dt.time | dt.datetime,
        *,
        tz: dt.tzinfo | str | None = None,
        start: dt.date | dt.datetime | None = None,
        end: dt.date | dt.datetime | None = None,
        attrs: Mapping[str, Any] | None = None,
        raw: bytes | list[int] | None = None,
        did: str | None = None,
        group_id: str | None = None,
        scene_id: str | None = None,
        remark: str | None = None,
        enabled: bool = True,
    ) -> Schedule:
        """Run every week on ``weekdays`` (``"mon"``... or 0 = Monday) at ``at``, local to
        ``tz`` (or to ``at``'s own zone; UTC if neither). The days follow the conversion to
        UTC. ``start``/``end`` bound the active dates (a ``date`` is a UTC date)."""
        local_days = _weekday_indexes(weekdays)
        utc_clock, shift = _utc_clock(at, tz, start)
        # The caller's order is kept: Mon/Wed in Shanghai goes out as "sun,tue".
        utc_days = list(dict.fromkeys((day + shift) % 7 for day in local_days))
        return cls(
            time=utc_clock,
            repeat=",".join(WEEKDAYS[day] for day in utc_days),
            start_date=_utc_date(start, "start"),
            end_date=_utc_date(end, "end"),
            **_command_fields(attrs, raw, did, group_id, scene_id),
            remark=remark,
            enabled=enabled,
        )

    @classmethod
    def monthly(
        cls,
        days: Iterable[int],
        at: dt.time | dt.datetime,
        *,
        tz: dt.tzinfo | str | None = None,
        start: dt.date | dt.datetime | None = None,
        end: dt.date | dt.datetime | None = None,
        attrs: Mapping[str, Any] | None = None,
        raw: bytes | list[int] | None = None,
        did: str | None = None,
        group_id: str | None = None,
        scene_id: str | None = None,
        remark: str | None = None,
        enabled: bool = True,
    ) -> Schedule:
        """Run every month on ``days`` (1-31) at ``at``, local to ``tz``. When the conversion
        to UTC moves a day out of the month (the 1st at 07:30 in Shanghai is the last day of
        the previous month in UTC) no UTC day list can express it: ``ValueError``."""
        local_days = _month_days(days)
        utc_clock, shift = _utc_clock(at, tz, start)
        utc_days = sorted({day + shift for day in local_days})
        if utc_days[0] < 1 or utc_days[-1] > 31:
            raise ValueError(
                "in UTC this schedule would run on a day outside the month; "
                "choose other days or give the time in UTC"
            )
        return cls(
            time=utc_clock,
            repeat=MONTHLY,
            days=utc_days,
            start_date=_utc_date(start, "start"),
            end_date=_utc_date(end, "end"),
            **_command_fields(attrs, raw, did, group_id, scene_id),
            remark=remark,
            enabled=enabled,
        )

    # -- wire ---------------------------------------------------------------------------------

    def to_wire(self, *, common: bool) -> dict[str, Any]:
        """The request body. ``common`` schedules name exactly one target; device schedules
        take theirs from the URL. ``ValueError``/``TypeError`` for anything invalid."""
        body: dict[str, Any] = {**self.extra, **_timing_wire(self)}
        if not isinstance(self.enabled, bool):
            raise TypeError("enabled must be a bool")
        body["enabled"] = self.enabled
        if self.remark is not None:
            body["remark"] = require_text(self.remark, "remark", allow_empty=True)
        targets = {
            name: value
            for name, value in (
                ("did", self.did),
                ("group_id", self.group_id),
                ("scene_id", self.scene_id),
            )
            if value is not None
        }
        if common:
            if len(targets) != 1:
                found = ", ".join(targets) or "none"
                raise ValueError(
                    f"a common schedule targets exactly one of did, group_id, scene_id; got {found}"
                )
            name, value = next(iter(targets.items()))
            body[name] = require_text(value, name)
        elif set(targets) - {"did"}:
            raise ValueError(
                "a device schedule runs on its device; use common_schedulers for groups and scenes"
            )
        if "scene_id" in targets:
            if self.attrs is not None or self.raw is not None:
                raise ValueError("a scene schedule runs the scene; it takes no attrs or raw")
            return body
        command = command_body(self.attrs, self.raw)
        if "attrs" in command:
            body["attrs"] = {
                name: bytes(value).hex() if isinstance(value, bytes | bytearray) else value
                for name, value in command["attrs"].items()
            }
        else:
            body["raw"] = bytes(command["raw"]).hex()
        return body


def _timing_wire(schedule: Schedule) -> dict[str, Any]:
    if not isinstance(schedule.time, str) or not _TIME.fullmatch(schedule.time):
        raise ValueError(f"time must be HH:MM (UTC), got {schedule.time!r}")
    body: dict[str, Any] = {"time": schedule.time, "repeat": schedule.repeat}
    if schedule.repeat == ONCE:
        if schedule.date is None:
            raise ValueError("a one-shot schedule (repeat 'none') needs a date")
        body["date"] = _check_date(schedule.date, "date")
    elif schedule.repeat == MONTHLY:
        body["days"] = _month_days(schedule.days)
    else:
        if not isinstance(schedule.repeat, str) or not schedule.weekdays:
            raise ValueError("repeat must be 'none', 'day' or a comma list of weekdays")
        indexes = list(dict.fromkeys(_weekday_indexes(schedule.weekdays)))
        body["repeat"] = ",".join(WEEKDAYS[day] for day in indexes)
        if schedule.date is not None:
            body["date"] = _check_date(schedule.date, "date")
    for name in ("start_date", "end_date"):
        value = getattr(schedule, name)
        if value is not None:
            body[name] = _check_date(value, name)
    if "start_date" in body and "end_date" in body and body["start_date"] > body["end_date"]:
        raise ValueError("start_date is after end_date")
    return body


def _check_date(value: Any, name: str) -> str:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise ValueError(f"{name} must be YYYY-MM-DD, got {value!r}")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name} {value!r} is not a date") from None
    return value


def _command_fields(
    attrs: Mapping[str, Any] | None,
    raw: bytes | list[int] | None,
    did: str | None,
    group_id: str | None,
    scene_id: str | None,
) -> dict[str, Any]:
    fields: dict[str, Any] = {"did": did, "group_id": group_id, "scene_id": scene_id}
    if scene_id is not None and attrs is None and raw is None:
        return fields
    command = command_body(attrs, raw)
    fields["attrs"] = command.get("attrs")
    fields["raw"] = bytes(raw_bytes(command["raw"])) if "raw" in command else None
    return fields


def _zone(tz: tzinfo | str | None, fallback: tzinfo | None) -> tzinfo:
    if tz is None:
        return fallback or UTC
    if isinstance(tz, tzinfo):
        return tz
    if isinstance(tz, str):
        try:
            return ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {tz!r}") from None
    raise TypeError("tz must be a tzinfo or a zone name such as 'Asia/Shanghai'")


def _utc(moment: datetime) -> datetime:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(second=0, microsecond=0)


def _utc_clock(
    at: time | datetime, tz: tzinfo | str | None, start: date | datetime | None
) -> tuple[str, int]:
    """``at`` in UTC as HH:MM, and how many days the conversion moves it (-1, 0 or 1).

    A zone's offset can depend on the date (summer time); the reference date is ``at``'s own
    date, else ``start``, else today.
    """
    if isinstance(at, datetime):
        if at.tzinfo is None:
            local = at.replace(tzinfo=_zone(tz, None))
        else:
            local = at.astimezone(_zone(tz, at.tzinfo))
    elif isinstance(at, time):
        zone = _zone(tz, at.tzinfo)
        if isinstance(start, datetime):
            reference = start.astimezone(zone).date() if start.tzinfo else start.date()
        elif isinstance(start, date):
            reference = start
        else:
            reference = datetime.now(zone).date()
        local = datetime.combine(reference, at.replace(tzinfo=None), tzinfo=zone)
    else:
        raise TypeError(f"at must be a time or a datetime, got {type(at).__name__}")
    moment = local.astimezone(UTC)
    shift = (moment.date() - local.date()).days
    return moment.strftime("%H:%M"), shift


def _utc_date(value: date | datetime | None, name: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return _utc(value).date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{name} must be a date or a datetime")


def _weekday_indexes(weekdays: Iterable[str | int]) -> list[int]:
    if isinstance(weekdays, str):
        weekdays = weekdays.split(",")
    indexes: list[int] = []
    for day in weekdays:
        if isinstance(day, bool):
            raise TypeError("a weekday is a name ('mon') or 0-6 (Monday = 0)")
        if isinstance(day, int):
            if not 0 <= day <= 6:
                raise ValueError(f"weekday {day} is outside 0-6 (Monday = 0)")
            indexes.append(day)
        elif isinstance(day, str) and day.strip().lower() in WEEKDAYS:
            indexes.append(WEEKDAYS.index(day.strip().lower()))
        elif isinstance(day, str) and day.strip().lower() in _DAY_NAMES:
            indexes.append(_DAY_NAMES.index(day.strip().lower()))
        else:
            raise ValueError(f"unknown weekday {day!r}; use mon, tue, wed, thu, fri, sat, sun")
    if not indexes:
        raise ValueError("a weekly schedule needs at least one weekday")
    return indexes


def _month_days(days: Iterable[int]) -> list[int]:
    checked: list[int] = []
    for day in days:
        if isinstance(day, bool) or not isinstance(day, int):
            raise TypeError("a day of the month is an int 1-31")
        if not 1 <= day <= 31:
            raise ValueError(f"day of the month {day} is outside 1-31")
        checked.append(day)
    if not checked:
        raise ValueError("a monthly schedule needs at least one day")
    return sorted(set(checked))
