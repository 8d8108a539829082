"""``client.data``: aggregated device data (高级数据接口)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from gizwits_async._validate import path_segment, require_text, to_epoch_seconds
from gizwits_async.errors import GizwitsAPIError
from gizwits_async.models.data import AGGREGATORS, UNITS, AggregateResult
from gizwits_async.resources._base import Resource

if TYPE_CHECKING:
    from gizwits_async.client import GizwitsClient

_LOGGER = logging.getLogger(__name__)

# The doc says PUT while the link it gives names a GET; a server that lacks one of them
# answers 404 or 405 without a Gizwits error code.
_ROUTE_MISSING = (404, 405)


class DataResource(Resource):
    """``client.data``: aggregated datapoint values of a device over a time range."""

    def __init__(self, client: GizwitsClient) -> None:
        super().__init__(client)
        # Which method agg_data answered to, learnt on the first call (None: not yet known).
        self._agg_method: str | None = None

    async def aggregate(
        self,
        did: str,
        *,
        attrs: str | Iterable[str],
        start: datetime | float,
        end: datetime | float,
        aggregator: str = "avg",
        unit: str = "HOURS",
    ) -> AggregateResult:
        """``/app/devdata/{did}/agg_data``: ``aggregator`` (sum, avg, max, min) of numeric
        datapoints per ``unit`` (HOURS, DAYS, WEEKS, MONTHS) between ``start`` and ``end``
        (datetimes or epoch seconds).

        Sent as GET; if the server has no GET route (404/405 without an error code) the call
        is repeated once as PUT, and this client keeps using whichever worked.
        """
        path = f"/app/devdata/{path_segment(did, 'did')}/agg_data"
        start_ms, end_ms = _millis(start, "start"), _millis(end, "end")
        if end_ms < start_ms:
            raise ValueError("end is before start")
        params: dict[str, str | int] = {
            "start_ts": start_ms,
            "end_ts": end_ms,
            "attrs": _attr_names(attrs),
            "aggregator": _choice(aggregator, AGGREGATORS, "aggregator"),
            "unit": _choice(unit, UNITS, "unit"),
        }
        method = self._agg_method or "GET"
        try:
            result: AggregateResult = await self._fetch(
                method, path, params=params, into=AggregateResult
            )
        except GizwitsAPIError as err:
            if (
                self._agg_method is not None
                or err.error_code is not None
                or err.status not in _ROUTE_MISSING
            ):
                raise
            _LOGGER.debug("GET agg_data answered %d; trying PUT", err.status)
            result = await self._fetch("PUT", path, params=params, into=AggregateResult)
            self._agg_method = "PUT"
        else:
            self._agg_method = method
        return result


def _millis(value: datetime | float, name: str) -> int:
    return round(to_epoch_seconds(value, name) * 1000)


def _choice(value: str, allowed: tuple[str, ...], name: str) -> str:
    """``value`` as the API spells it (case does not matter to us)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string")
    for option in allowed:
        if option.lower() == value.strip().lower():
            return option
    raise ValueError(f"unknown {name} {value!r}; use one of {', '.join(allowed)}")


def _attr_names(attrs: str | Iterable[str]) -> str:
    names = attrs.split(",") if isinstance(attrs, str) else list(attrs)
    checked = [require_text(name, "attrs name").strip() for name in names]
    if not checked:
        raise ValueError("give at least one datapoint name in attrs")
    for name in checked:
        if "," in name or not name:
            raise ValueError(f"bad datapoint name {name!r} in attrs")
    return ",".join(checked)
