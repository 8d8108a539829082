"""``GET /status`` and ``GET /errors``."""

from __future__ import annotations

from aiohttp import web

from gizwits_async.errors import ERROR_CATALOGUE
from gizwits_async.simulator._web import reply
from gizwits_async.simulator.errors import cloud_message

routes = web.RouteTableDef()

API_VERSION = "2.15.1"


@routes.get("/status")
async def get_status(request: web.Request) -> web.Response:
    return reply(request, {"status": {"version": API_VERSION}})


@routes.get("/errors")
async def get_errors(request: web.Request) -> web.Response:
    catalogue = [
        {"status": spec.status, "error_message": cloud_message(code), "error_code": int(code)}
        for code, spec in ERROR_CATALOGUE.items()
    ]
    return reply(request, catalogue)
