"""Bindings: the user's device list."""

from __future__ import annotations

from aiohttp import web

from gizwits_async.simulator._web import current_user, query_int, reply, state

routes = web.RouteTableDef()


@routes.get("/app/bindings")
async def list_bindings(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    limit = query_int(request, "limit", 20, low=1, high=1000)
    skip = query_int(request, "skip", 0)
    show_disabled = request.query.get("show_disabled") == "1"
    show_proto_ver = request.query.get("show_proto_ver") == "1"
    devices = []
    for binding in sim.bindings_of(user.uid):
        device = sim.device(binding.did)
        if device.is_disabled and not show_disabled:
            continue
        entry = sim.device_json(device, binding)
        if show_proto_ver:
            entry["proto_ver"] = "04"
            entry["wifi_soft_version"] = "04020028"
        devices.append(entry)
    return reply(request, {"devices": devices[skip : skip + limit]})
