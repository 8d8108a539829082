"""Device monitoring and control: latest status, detail, control."""

from __future__ import annotations

from aiohttp import web

from gizwits_async.errors import ErrorCode
from gizwits_async.simulator._web import APP_ID, current_user, read_json, reply, state
from gizwits_async.simulator.errors import SimError

routes = web.RouteTableDef()


@routes.get("/app/devdata/{did}/latest")
async def latest(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    did = request.match_info["did"]
    sim.require_binding(user.uid, did)
    device = sim.device(did)
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
    sim = state(request)
    user = current_user(request)
    did = request.match_info["did"]
    binding = sim.require_binding(user.uid, did)
    return reply(request, sim.device_json(sim.device(did), binding))


@routes.post("/app/control/{did}")
async def control(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    did = request.match_info["did"]
    body = await read_json(request)
    attrs = body.get("attrs")
    raw = body.get("raw")
    if attrs is None and raw is None:
        raise SimError(ErrorCode.FORM_INVALID, "attrs or raw is required")
    if attrs is not None and (not isinstance(attrs, dict) or not attrs):
        raise SimError(ErrorCode.FORM_INVALID, "attrs must be an object")
    if raw is not None and (
        not isinstance(raw, list)
        or not raw
        or not all(isinstance(b, int) and not isinstance(b, bool) and 0 <= b <= 255 for b in raw)
    ):
        raise SimError(ErrorCode.FORM_INVALID, "raw must be a list of bytes")
    sim.require_binding(user.uid, did)
    sim.control_device(did, attrs=attrs, raw=raw, uid=user.uid, appid=request.headers.get(APP_ID))
    return reply(request, {})
