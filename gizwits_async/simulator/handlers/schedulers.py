"""Schedules: per device (``/app/devices/{did}/scheduler``) and common ones
(``/app/common_scheduler``, a device, group or scene target). Times are UTC; ``raw`` is hex.
Each stored schedule is armed on the simulator clock (``simulator/automation.py``)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any, Final

from aiohttp import web

from gizwits_async.errors import ErrorCode
from gizwits_async.simulator._web import (
    current_user,
    query_int,
    read_json,
    reply,
    state,
    text_field,
)
from gizwits_async.simulator.automation import ScheduleRecord
from gizwits_async.simulator.errors import SimError
from gizwits_async.simulator.handlers.scenes import group_product, own_group, own_scene
from gizwits_async.simulator.state import SimState, new_id
from gizwits_async.simulator.timetable import WEEKDAYS

routes = web.RouteTableDef()

_TIME: Final = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
_HEX: Final = re.compile(r"(?:[0-9a-fA-F]{2})+")
TARGETS: Final = ("did", "group_id", "scene_id")


def _form(detail: str) -> SimError:
    return SimError(ErrorCode.FORM_INVALID, detail)


def _date(data: dict[str, Any], name: str, *, required: bool = False) -> str:
    value = data.get(name) or ""
    if not value:
        if required:
            raise _form(f"{name} is required")
        return ""
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        raise _form(f"{name} must be YYYY-MM-DD") from None
    return str(value)


def _days(value: Any) -> list[int]:
    if not isinstance(value, list) or not value:
        raise _form("a monthly schedule (repeat 'day') needs days")
    days: list[int] = []
    for item in value:
        text = str(item)
        if isinstance(item, bool) or not text.isdigit() or not 1 <= int(text) <= 31:
            raise _form(f"day {item!r} is not 1-31")
        days.append(int(text))
    return days


def _timing(data: dict[str, Any]) -> dict[str, Any]:
    time = text_field(data, "time")
    if not _TIME.fullmatch(str(time)):
        raise _form("time must be HH:MM")
    repeat = data.get("repeat") or "none"
    if not isinstance(repeat, str):
        raise _form("repeat must be a string")
    timing: dict[str, Any] = {"time": time, "repeat": repeat, "days": []}
    if repeat == "none":
        timing["date"] = _date(data, "date", required=True)
    else:
        timing["date"] = _date(data, "date")
        if repeat == "day":
            timing["days"] = _days(data.get("days"))
        elif not all(token in WEEKDAYS for token in repeat.split(",")):
            raise _form(f"repeat {repeat!r} is not none, day or a list of weekdays")
    timing["start_date"] = _date(data, "start_date")
    timing["end_date"] = _date(data, "end_date")
    if timing["start_date"] and timing["end_date"] and timing["start_date"] > timing["end_date"]:
        raise _form("start_date is after end_date")
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        raise _form("enabled must be a bool")
    remark = data.get("remark") or ""
    if not isinstance(remark, str):
        raise _form("remark must be a string")
    timing.update(enabled=enabled, remark=remark)
    return timing


def _command(sim: SimState, product_key: str | None, data: dict[str, Any]) -> dict[str, Any]:
    attrs, raw = data.get("attrs"), data.get("raw")
    if isinstance(attrs, dict) and attrs:
        specs = sim.products[product_key].attr_specs() if product_key else {}
        for name in attrs:
            if specs and specs.get(name, {}).get("type") != "status_writable":
                raise SimError(ErrorCode.ATTR_INVALID, f"{name} is not a writable datapoint")
        return {"attrs": attrs, "raw": ""}
    if isinstance(raw, str) and _HEX.fullmatch(raw):
        return {"attrs": {}, "raw": raw.lower()}
    raise _form("a schedule needs attrs or raw (a hex string)")


def schedule_body(
    sim: SimState, uid: str, data: dict[str, Any], *, did: str | None
) -> dict[str, Any]:
    """A schedule as stored. ``did`` is the device of a per-device schedule's URL; a common
    schedule's target is the first of did, group_id, scene_id it names."""
    body = _timing(data)
    target = "did" if did is not None else next((t for t in TARGETS if data.get(t)), None)
    if target is None:
        raise _form("a common schedule needs did, group_id or scene_id")
    body.update(did="", group_id="", scene_id="", product_key="")
    if target == "scene_id":
        body["scene_id"] = own_scene(sim, uid, str(data["scene_id"])).id
        body.update(attrs={}, raw="")
        return body
    if target == "group_id":
        group = own_group(sim, uid, str(data["group_id"]))
        body.update(group_id=group.id, product_key=group_product(sim, group) or "")
    else:
        body["did"] = device_id = did or str(data["did"])
        sim.require_binding(uid, device_id)
        body["product_key"] = sim.device(device_id).product_key
    body.update(_command(sim, body["product_key"] or None, data))
    return body


def _schedule_json(record: ScheduleRecord) -> dict[str, Any]:
    body = record.body
    data: dict[str, Any] = {
        "id": record.id,
        "created_at": datetime.fromtimestamp(record.created_at, UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        "did": body["did"],
        "product_key": body["product_key"],
        **{name: body[name] for name in ("date", "time", "repeat", "days", "start_date")},
        **{name: body[name] for name in ("end_date", "enabled", "remark", "attrs", "raw")},
    }
    if record.common:
        data.update(group_id=body["group_id"], scene_id=body["scene_id"])
    return data


def _page(request: web.Request, records: list[ScheduleRecord]) -> web.Response:
    limit = query_int(request, "limit", 20, low=1)
    skip = query_int(request, "skip", 0)
    return reply(request, [_schedule_json(record) for record in records[skip : skip + limit]])


def _store(sim: SimState, uid: str, body: dict[str, Any], *, common: bool) -> ScheduleRecord:
    record = ScheduleRecord(
        id=new_id(24), uid=uid, common=common, body=body, created_at=sim.clock.now()
    )
    sim.automation.schedules[record.id] = record
    sim.automation.arm_schedule(record)
    return record


def _own_schedule(
    sim: SimState, uid: str, schedule_id: str, *, common: bool, did: str | None = None
) -> ScheduleRecord:
    record = sim.automation.schedules.get(schedule_id)
    if (
        record is None
        or record.uid != uid
        or record.common != common
        or (did is not None and record.body["did"] != did)
    ):
        raise SimError(ErrorCode.SCHEDULER_NOT_FOUND)
    return record


def _replace(sim: SimState, record: ScheduleRecord, body: dict[str, Any]) -> None:
    record.body = body
    sim.automation.arm_schedule(record)


def _remove(sim: SimState, record: ScheduleRecord) -> None:
    del sim.automation.schedules[record.id]


# -- per device ------------------------------------------------------------------------------


@routes.get("/app/devices/{did}/scheduler")
async def list_device_schedules(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    did = request.match_info["did"]
    sim.require_binding(user.uid, did)
    records = [
        record
        for record in sim.automation.schedules.values()
        if not record.common and record.uid == user.uid and record.body["did"] == did
    ]
    return _page(request, records)


@routes.post("/app/devices/{did}/scheduler")
async def create_device_schedule(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    did = request.match_info["did"]
    body = schedule_body(sim, user.uid, await read_json(request), did=did)
    record = _store(sim, user.uid, body, common=False)
    return reply(request, {"id": record.id}, status=201)


@routes.put("/app/devices/{did}/scheduler/{schedule_id}")
async def update_device_schedule(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    did = request.match_info["did"]
    record = _own_schedule(sim, user.uid, request.match_info["schedule_id"], common=False, did=did)
    _replace(sim, record, schedule_body(sim, user.uid, await read_json(request), did=did))
    return reply(request, {"id": record.id})


@routes.delete("/app/devices/{did}/scheduler/{schedule_id}")
async def delete_device_schedule(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    did = request.match_info["did"]
    _remove(
        sim,
        _own_schedule(sim, user.uid, request.match_info["schedule_id"], common=False, did=did),
    )
    return reply(request)


# -- common ----------------------------------------------------------------------------------


@routes.get("/app/common_scheduler")
async def list_common_schedules(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    filters = {name: request.query[name] for name in TARGETS if request.query.get(name)}
    records = [
        record
        for record in sim.automation.schedules.values()
        if record.common
        and record.uid == user.uid
        and all(record.body[name] == value for name, value in filters.items())
    ]
    return _page(request, records)


@routes.post("/app/common_scheduler")
async def create_common_schedule(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    body = schedule_body(sim, user.uid, await read_json(request), did=None)
    record = _store(sim, user.uid, body, common=True)
    return reply(request, {"id": record.id}, status=201)


@routes.put("/app/common_scheduler/{schedule_id}")
async def update_common_schedule(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    record = _own_schedule(sim, user.uid, request.match_info["schedule_id"], common=True)
    _replace(sim, record, schedule_body(sim, user.uid, await read_json(request), did=None))
    return reply(request, {"id": record.id})


@routes.delete("/app/common_scheduler/{schedule_id}")
async def delete_common_schedule(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    _remove(sim, _own_schedule(sim, user.uid, request.match_info["schedule_id"], common=True))
    return reply(request)
