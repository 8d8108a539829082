"""The message centre: list a user's messages, mark them read or deleted."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from gizwits_async.errors import ErrorCode
from gizwits_async.simulator._web import current_user, query_int, reply, state
from gizwits_async.simulator.errors import SimError
from gizwits_async.simulator.state import Message

routes = web.RouteTableDef()

READ = 1
DELETED = 2


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def message_json(message: Message) -> dict[str, Any]:
    return {
        "status": message.status,
        "created_at": _iso(message.created_at),
        "updated_at": _iso(message.updated_at),
        "content": message.content,
        "type": message.type,
        "id": message.id,
    }


def _link(skip: int, message_type: int, limit: int) -> str:
    # The doc's order of parameters: /app/messages?skip=7&type=1&limit=1
    return f"/app/messages?skip={skip}&type={message_type}&limit={limit}"


@routes.get("/app/messages")
async def list_messages(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    if not request.query.get("type"):
        raise SimError(ErrorCode.FORM_INVALID, "type is required")
    message_type = query_int(request, "type", 1)
    limit = query_int(request, "limit", 20, low=1, high=1000)
    skip = query_int(request, "skip", 0)
    # Newest first; deleted messages are hidden from the list.
    visible = sorted(
        (
            m
            for m in sim.messages.values()
            if m.uid == user.uid and m.type == message_type and m.status != DELETED
        ),
        key=lambda m: m.created_at,
        reverse=True,
    )
    total = len(visible)
    meta = {
        "total": total,
        "limit": limit,
        "skip": skip,
        "previous": _link(max(0, skip - limit), message_type, limit) if skip > 0 else None,
        "next": _link(skip + limit, message_type, limit) if skip + limit < total else None,
    }
    objects = [message_json(m) for m in visible[skip : skip + limit]]
    return reply(request, {"meta": meta, "objects": objects})


@routes.put("/app/messages/{id}")
async def set_message_status(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    status_text = request.query.get("status")
    if status_text not in ("1", "2"):
        raise SimError(ErrorCode.FORM_INVALID, "status must be 1 (read) or 2 (deleted)")
    message = sim.messages.get(request.match_info["id"])
    if message is None:
        raise SimError(ErrorCode.NOT_FOUND_THE_MESSAGE)
    if message.uid != user.uid:
        raise SimError(ErrorCode.ONLY_RECEIVER_CAN_MARK_MESSAGE)
    if message.status == DELETED:
        raise SimError(ErrorCode.MESSAGE_ALREADY_DELETED)
    new_status = int(status_text)
    if message.status != new_status:
        message.status = new_status
        message.updated_at = sim.clock.now()
    return reply(request)
