"""Aggregated device data (高级数据接口): sums, averages, maxima and minima per time unit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

import attrs

from gizwits_async._attrs import Frozen
from gizwits_async.models._converter import extra_field, to_utc_datetime, wire

AGGREGATORS: Final = ("sum", "avg", "max", "min")
UNITS: Final = ("HOURS", "DAYS", "WEEKS", "MONTHS")


def _number(value: Any) -> int | float | None:
    """The cloud sends aggregated values as strings ("12", "12.5")."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise TypeError("an aggregated value is a number")
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            return float(text)
    raise TypeError(f"an aggregated value is a number, got {type(value).__name__}")


def _numbers(value: Any, _: Any = None) -> dict[str, int | float | None]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError("attrs must be an object")
    return {str(name): _number(item) for name, item in value.items()}


def _ms_or_none(value: Any, _: Any = None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError("a millisecond timestamp is a number")
    return datetime.fromtimestamp(float(value) / 1000, UTC)


def _names(value: str | None) -> list[str]:
    return [name.strip() for name in (value or "").split(",") if name.strip()]


@attrs.frozen(repr=False, eq=False)
class AggregateQuery(Frozen):
    """The query as the cloud echoes it; ``start_ts``/``end_ts`` are aware UTC datetimes."""

    aggregator: str | None = None
    unit: str | None = None
    start_ts: datetime | None = wire(struct_hook=_ms_or_none)
    end_ts: datetime | None = wire(struct_hook=_ms_or_none)
    attrs: str | None = None
    extra: dict[str, Any] = extra_field()

    @property
    def attr_names(self) -> list[str]:
        """``attrs`` (a comma list, sometimes with spaces) as a list of names."""
        return _names(self.attrs)


@attrs.frozen(repr=False, eq=False)
class AggregateEntry(Frozen):
    """One aggregated bucket: ``values`` (the wire's ``attrs``, also readable as ``attrs``)
    maps datapoint names to numbers; the cloud sends them as strings.

    ``datatime`` is kept as the cloud sends it (its format is undocumented); ``time`` reads
    it when it is a timestamp or an ISO date.
    """

    datatime: str | None = None
    uid: str | None = None
    product_key: str | None = None
    # Not named "attrs" in Python: cattrs cannot take a field hook under that name.
    values: dict[str, int | float | None] = wire("attrs", factory=dict, struct_hook=_numbers)
    extra: dict[str, Any] = extra_field()

    @property
    def attrs(self) -> dict[str, int | float | None]:
        """The aggregated value of each requested datapoint (the wire's ``attrs``)."""
        return self.values

    @property
    def time(self) -> datetime | None:
        """The start of this bucket as UTC, from ``datatime`` (epoch seconds or milliseconds, or
        text); None when absent or unreadable."""
        text = (self.datatime or "").strip()
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            pass
        else:
            # Milliseconds, like the query's start_ts/end_ts, when it is that large.
            return datetime.fromtimestamp(number / 1000 if number > 1e11 else number, UTC)
        try:
            return to_utc_datetime(text.replace(" ", "T"))
        except ValueError:
            return None


@attrs.frozen(repr=False, eq=False)
class AggregateResult(Frozen):
    """``/app/devdata/{did}/agg_data``: the query echoed and one entry per time bucket."""

    query: AggregateQuery | None = None
    data: list[AggregateEntry] = attrs.field(factory=list)
    extra: dict[str, Any] = extra_field()

    def series(self, attr: str) -> list[int | float | None]:
        """The values of one datapoint, bucket after bucket."""
        return [entry.values.get(attr) for entry in self.data]
