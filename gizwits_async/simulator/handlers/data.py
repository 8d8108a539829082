"""Aggregated data: ``/app/devdata/{did}/agg_data``, computed from what the device reported.

The doc names PUT and links a GET; the simulated cloud answers both (tests make one of them
fail with a fault to exercise the client's fallback).
"""

from __future__ import annotations

from typing import Final

from aiohttp import web

from gizwits_async.errors import ErrorCode
from gizwits_async.simulator._web import current_user, reply, state
from gizwits_async.simulator.errors import SimError
from gizwits_async.simulator.timetable import AGGREGATORS, UNITS, aggregate

routes = web.RouteTableDef()

# Spellings the doc's variants use for the unit (hours/day/days/HOURS...).
_UNIT_ALIASES: Final = {unit.lower(): unit for unit in UNITS} | {
    unit.lower().rstrip("s"): unit for unit in UNITS
}


def _millis(request: web.Request, name: str, default: int | None) -> int:
    text = request.query.get(name, "")
    if not text:
        if default is None:
            raise SimError(ErrorCode.FORM_INVALID, f"{name} is required")
        return default
    try:
        return int(text)
    except ValueError:
        raise SimError(ErrorCode.FORM_INVALID, f"{name} must be milliseconds") from None


def _text(value: float) -> str:
    """Aggregated values go out as strings, like the cloud's."""
    return str(int(value)) if float(value).is_integer() else str(round(value, 6))


@routes.get("/app/devdata/{did}/agg_data")
@routes.put("/app/devdata/{did}/agg_data")
async def agg_data(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    did = request.match_info["did"]
    sim.require_binding(user.uid, did)
    device = sim.device(did)
    start = _millis(request, "start_ts", None)
    end = _millis(request, "end_ts", int(sim.clock.now() * 1000))
    attrs_text = request.query.get("attrs", "")
    names = [name.strip() for name in attrs_text.split(",") if name.strip()]
    aggregator = request.query.get("aggregator", "")
    unit = _UNIT_ALIASES.get(request.query.get("unit", "").lower())
    if not names or aggregator not in AGGREGATORS or unit is None or end < start:
        raise SimError(ErrorCode.FORM_INVALID, "attrs, aggregator, unit or the window is invalid")
    rows = aggregate(
        sim.automation.history.get(did, []),
        names,
        start / 1000,
        end / 1000,
        aggregator=aggregator,
        unit=unit,
    )
    data = [
        {
            "datatime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "uid": user.uid,
            "product_key": device.product_key,
            "attrs": {name: _text(value) for name, value in values.items()},
        }
        for when, values in rows
    ]
    query = {
        "aggregator": aggregator,
        "start_ts": start,
        "end_ts": end,
        "attrs": attrs_text,
        "unit": unit,
    }
    return reply(request, {"query": query, "data": data})
