"""Device sharing (设备分享): invitations, QR codes, answers, aliases and owner transfer."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from gizwits_async.errors import ErrorCode
from gizwits_async.simulator import sharing
from gizwits_async.simulator._web import (
    current_user,
    query_int,
    read_json,
    reply,
    state,
    text_field,
)
from gizwits_async.simulator.errors import SimError

routes = web.RouteTableDef()


def _int_field(data: dict[str, Any], name: str, *, low: int, high: int) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SimError(ErrorCode.FORM_INVALID, f"{name} must be an integer {low}-{high}")
    return value


def _share_id(request: web.Request) -> int:
    text = request.match_info["id"]
    if not text.isdigit():
        raise SimError(ErrorCode.NOT_FOUND_SHARING_INFO)
    return int(text)


def _required_query(request: web.Request, name: str) -> str:
    value = request.query.get(name, "")
    if not value:
        raise SimError(ErrorCode.FORM_INVALID, f"{name} is required")
    return value


@routes.post("/app/sharing")
async def create_share(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    body = await read_json(request)
    share_type = _int_field(body, "type", low=0, high=1)
    if share_type is None:
        raise SimError(ErrorCode.FORM_INVALID, "type is required")
    did = text_field(body, "did")
    assert did is not None  # noqa: S101 - required above
    duration = _int_field(body, "duration", low=1, high=sharing.MAX_DURATION_MINUTES)
    receiver = None
    if share_type == sharing.NORMAL:
        targets = {
            name: text_field(body, name, required=False)
            for name in ("uid", "username", "email", "phone")
        }
        receiver = sharing.find_receiver(sim, **targets)
    share = sharing.create_share(
        sim, user, did, type=share_type, receiver=receiver, duration=duration
    )
    if share.type == sharing.QR:
        return reply(
            request, {"qr_content": f"type=share&code={share.code}", "id": None}, status=201
        )
    return reply(request, {"id": share.id, "qr_content": None}, status=201)


@routes.get("/app/sharing")
async def list_shares(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    _required_query(request, "sharing_type")
    sharing_type = query_int(request, "sharing_type", 0, low=0, high=1)
    status_filter = query_int(request, "status", -1, low=0, high=3)
    status = None if status_filter < 0 else status_filter
    did = request.query.get("did") or None
    limit = query_int(request, "limit", 20, low=1, high=1000)
    skip = query_int(request, "skip", 0)
    found = sharing.shares_of(sim, user, sharing_type, status=status, did=did)

    def link(at: int) -> str:
        query: dict[str, Any] = {"sharing_type": sharing_type}
        if status is not None:
            query["status"] = status
        if did is not None:
            query["did"] = did
        return f"/app/sharing?{urlencode({**query, 'limit': limit, 'skip': at})}"

    meta = {
        "total": len(found),
        "limit": limit,
        "skip": skip,
        "previous": link(max(0, skip - limit)) if skip > 0 else None,
        "next": link(skip + limit) if skip + limit < len(found) else None,
    }
    objects = [sharing.share_json(sim, share, user) for share in found[skip : skip + limit]]
    return reply(request, {"meta": meta, "objects": objects})


@routes.delete("/app/sharing/{id}")
async def cancel_share(request: web.Request) -> web.Response:
    share = sharing.cancel_share(state(request), current_user(request), _share_id(request))
    return reply(request, {"id": share.id})


@routes.put("/app/sharing/{id}")
async def answer_share(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    _required_query(request, "status")
    answer = query_int(request, "status", 0, low=1, high=2)
    share = sharing.answer_share(sim, user, _share_id(request), accept=answer == 1)
    return reply(request, {"id": share.id})


@routes.get("/app/sharing/code/{code}")
async def qr_info(request: web.Request) -> web.Response:
    sim = state(request)
    share = sharing.share_by_code(sim, current_user(request), request.match_info["code"])
    return reply(request, sharing.qr_info_json(sim, share))


@routes.post("/app/sharing/code/{code}")
async def accept_qr(request: web.Request) -> web.Response:
    sharing.accept_code(state(request), current_user(request), request.match_info["code"])
    return reply(request)


@routes.put("/app/sharing/{id}/alias")
async def set_alias(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    alias = _required_query(request, "user_alias")
    sharing.set_alias(sim, user, _share_id(request), alias)
    return reply(request)


@routes.post("/app/sharing/{did}/transfer")
async def transfer_owner(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    uid = _required_query(request, "uid")
    sharing.transfer_owner(sim, user, request.match_info["did"], uid)
    return reply(request)
