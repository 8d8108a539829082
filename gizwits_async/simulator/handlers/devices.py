"""Device monitoring and control: latest status, detail, datapoint definitions, raw logs,
control."""

from __future__ import annotations

from typing import Any, Final

from aiohttp import web

from gizwits_async.errors import ErrorCode
from gizwits_async.simulator import raw_log
from gizwits_async.simulator._web import (
    APP_ID,
    control_command,
    current_user,
    optional_user,
    query_int,
    read_json,
    reply,
    state,
    without_app_id,
)
from gizwits_async.simulator.errors import SimError

routes = web.RouteTableDef()


@routes.get("/app/devdata/{did}/latest")
async def latest(request: web.Request) -> web.Response:
    """The doc's table lists only the application id, and a client relies on that (heatzy
    0.0.11 sends no user token). A user token, when sent, is checked as on the user endpoints,
    and so is the sender's binding: no recording shows the cloud ignoring either."""
    sim = state(request)
    user = optional_user(request)
    did = request.match_info["did"]
    device = sim.device(did)
    if user is not None:
        sim.require_binding(user.uid, did)
    fresh = device.updated_at and sim.clock.now() - device.updated_at <= 86400
    return reply(
        request,
        {
            "did": did,
            "updated_at": int(device.updated_at) if fresh else 0,
            "attr": dict(device.attrs) if fresh else {},
        },
    )


@routes.get("/app/devices/{did}")
async def device_detail(request: web.Request) -> web.Response:
    """Application id only, as the doc's table says. With a user token (checked, as on
    ``latest``) the sender's binding gives ``role`` and ``remark``, as in the recordings."""
    sim = state(request)
    user = optional_user(request)
    did = request.match_info["did"]
    device = sim.device(did)
    binding = sim.require_binding(user.uid, did) if user is not None else None
    return reply(request, sim.device_detail_json(device, binding))


@routes.post("/app/control/{did}")
async def control(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    did = request.match_info["did"]
    attrs, raw = control_command(await read_json(request))
    sim.require_binding(user.uid, did)
    sim.control_device(did, attrs=attrs, raw=raw, uid=user.uid, appid=request.headers.get(APP_ID))
    return reply(request, {})


@routes.get("/app/datapoint")
@without_app_id
async def datapoint(request: web.Request) -> web.Response:
    sim = state(request)
    product = sim.products.get(request.query.get("product_key", ""))
    if product is None:
        raise SimError(ErrorCode.PRODUCT_KEY_INVALID)
    if not product.datapoints:
        raise SimError(ErrorCode.DATAPOINT_DATA_NOT_FOUND)
    return reply(request, product.datapoints)


RAW_DATA_MAX_WINDOW = 48 * 3600  # end_time - start_time must be under this
RAW_DATA_MAX_ROWS = 5000  # skip + limit
RAW_DATA_MAX_LIMIT = 1000
# The recorded nested answer's dev_online payload (the device's MQTT keep-alive, seconds).
KEEP_ALIVE: Final = 130
ONLINE_PAYLOAD_TYPES: Final = frozenset({"dev_online", "dev_re_online"})


@routes.get("/app/devices/{did}/raw_data")
async def raw_data(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    did = request.match_info["did"]
    sim.require_binding(user.uid, did)
    kind = request.query.get("type")
    if kind not in raw_log.TYPES_BY_QUERY:
        raise SimError(ErrorCode.FORM_INVALID, "type must be cmd or online")
    sort = request.query.get("sort") or "desc"
    if sort not in ("asc", "desc"):
        raise SimError(ErrorCode.FORM_INVALID, "sort must be asc or desc")
    if "start_time" not in request.query or "end_time" not in request.query:
        raise SimError(ErrorCode.FORM_INVALID, "start_time and end_time are required")
    start = query_int(request, "start_time", 0)
    end = query_int(request, "end_time", 0)
    if end <= start or end - start >= RAW_DATA_MAX_WINDOW:
        raise SimError(ErrorCode.FORM_INVALID, "end_time must be after start_time, within 48h")
    limit = query_int(request, "limit", 20, low=1, high=RAW_DATA_MAX_LIMIT)
    skip = query_int(request, "skip", 0)
    if skip + limit > RAW_DATA_MAX_ROWS:
        raise SimError(ErrorCode.FORM_INVALID, "skip + limit must be at most 5000")
    rows = raw_log.window(sim.device(did).raw_log, kind, start, end)
    if sort == "desc":
        rows.reverse()
    meta = {
        "sort": sort,
        "limit": limit,
        "end_time": end,
        "did": did,
        "skip": skip,
        "start_time": start,
        "total": len(rows),
        "type": kind,
    }
    page = rows[skip : skip + limit]
    if sim.raw_data_shape == "nested":
        hits = {"total": len(rows), "objects": [_nested_entry(row) for row in page]}
        return reply(request, {"meta": meta, "objects": {"hits": hits, "took": 1, "err_code": 0}})
    return reply(request, {"meta": meta, "objects": page})


def _nested_entry(row: dict[str, Any]) -> dict[str, Any]:
    """An entry as the nested answer carries it: a ``payload`` object instead of
    ``payload_bin``, and an integer timestamp."""
    entry = {k: v for k, v in row.items() if k not in ("payload_bin", "timestamp")}
    if "payload" not in entry:
        if row["type"] in ONLINE_PAYLOAD_TYPES:
            entry["payload"] = {"keep_alive": KEEP_ALIVE}
        elif row.get("payload_bin"):
            entry["payload"] = {"payload_bin": row["payload_bin"]}
        else:
            entry["payload"] = {}
    entry["timestamp"] = int(row["timestamp"])
    return entry
