"""What the simulator's handlers share: the state key, JSON replies, request parsing, auth."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from gizwits_async.errors import ErrorCode
from gizwits_async.simulator.errors import SimError
from gizwits_async.simulator.state import SimState, User

STATE: web.AppKey[SimState] = web.AppKey("gizwits_state", SimState)
CONTENT_TYPE: web.AppKey[str] = web.AppKey("gizwits_content_type", str)

USER_TOKEN = "X-Gizwits-User-token"  # noqa: S105 - a header name
APP_TOKEN = "X-Gizwits-Application-Token"  # noqa: S105 - a header name
APP_ID = "X-Gizwits-Application-Id"


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Handlers the cloud answers without any header (the application id is not checked).
_WITHOUT_APP_ID: set[Handler] = set()


def without_app_id(handler: Handler) -> Handler:
    """Mark a handler the cloud answers without ``X-Gizwits-Application-Id`` (the real
    ``/app/datapoint`` answered a request with no headers at all)."""
    _WITHOUT_APP_ID.add(handler)
    return handler


def needs_app_id(handler: object) -> bool:
    """Whether the server checks the application id before running ``handler``."""
    return handler not in _WITHOUT_APP_ID


def state(request: web.Request) -> SimState:
    return request.app[STATE]


def reply(request: web.Request, data: Any = None, *, status: int = 200) -> web.Response:
    """A JSON reply, labelled with the simulator's content type (the cloud says text/html)."""
    if data is None:
        return web.Response(status=status, body=b"", content_type="application/json")
    body = json.dumps(data, ensure_ascii=False).encode()
    content_type = request.app[CONTENT_TYPE]
    return web.Response(status=status, body=body, content_type=content_type, charset="utf-8")


async def read_json(request: web.Request, *, required: bool = True) -> dict[str, Any]:
    """The request's JSON object; a malformed one is 9015 form invalid."""
    raw = await request.read()
    if not raw.strip():
        if required:
            raise SimError(ErrorCode.FORM_INVALID, "a JSON body is required")
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        raise SimError(ErrorCode.FORM_INVALID, "body is not JSON") from None
    if not isinstance(data, dict):
        raise SimError(ErrorCode.FORM_INVALID, "body must be a JSON object")
    return data


def current_user(request: web.Request) -> User:
    """The user of ``X-Gizwits-User-token`` (any header case); 9004 unknown, 9006 expired."""
    return state(request).user_for_token(request.headers.get(USER_TOKEN))


def optional_user(request: web.Request) -> User | None:
    """The user of a user token when one is sent (it must then be valid), else ``None``: for
    endpoints whose doc table lists only the application id."""
    if request.headers.get(USER_TOKEN) is None:
        return None
    return current_user(request)


def query_int(
    request: web.Request, name: str, default: int, *, low: int = 0, high: int | None = None
) -> int:
    text = request.query.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise SimError(ErrorCode.FORM_INVALID, f"{name} must be an integer") from None
    if value < low or (high is not None and value > high):
        raise SimError(ErrorCode.FORM_INVALID, f"{name} out of range")
    return value


def text_field(data: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise SimError(ErrorCode.FORM_INVALID, f"{name} is required")
        return None
    if not isinstance(value, str):
        raise SimError(ErrorCode.FORM_INVALID, f"{name} must be a string")
    return value


def control_command(body: dict[str, Any]) -> tuple[dict[str, Any] | None, list[int] | None]:
    """The ``attrs`` or ``raw`` of a control body (device or group); 9015 when neither is
    there or either is malformed."""
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
    return attrs, raw
