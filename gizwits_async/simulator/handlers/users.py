"""Users: registration, log-in, profile and application tokens."""

from __future__ import annotations

import hashlib

from aiohttp import web

from gizwits_async.errors import ErrorCode
from gizwits_async.simulator._web import APP_ID, current_user, read_json, reply, state, text_field
from gizwits_async.simulator.errors import SimError
from gizwits_async.simulator.state import Token, new_id

routes = web.RouteTableDef()

APP_TOKEN_LIFETIME = 7 * 86400


@routes.post("/app/users")
async def create_user(request: web.Request) -> web.Response:
    sim = state(request)
    body = await read_json(request)
    phone_id = text_field(body, "phone_id", required=False)
    if phone_id is not None:
        for user in sim.users.values():
            if user.phone_id == phone_id:
                return reply(request, sim.issue_token(user), status=201)
        return reply(request, sim.issue_token(sim.add_user(phone_id=phone_id)), status=201)
    password = text_field(body, "password")
    username = text_field(body, "username", required=False)
    email = text_field(body, "email", required=False)
    if username is None and email is None:
        raise SimError(ErrorCode.FORM_INVALID, "username, email, phone or phone_id is required")
    user = sim.add_user(username=username, email=email, password=password)
    if isinstance(body.get("lang"), str):
        user.lang = body["lang"]
    return reply(request, sim.issue_token(user), status=201)


@routes.post("/app/login")
async def login(request: web.Request) -> web.Response:
    sim = state(request)
    body = await read_json(request)
    username = text_field(body, "username")
    password = text_field(body, "password")
    assert username is not None  # noqa: S101 - required above
    user = sim.find_user(username)
    if user is None:
        raise SimError(ErrorCode.USER_NOT_EXIST)
    if user.password != password:
        raise SimError(ErrorCode.USERNAME_PASSWORD_ERROR)
    return reply(request, sim.issue_token(user))


@routes.get("/app/users")
async def get_user(request: web.Request) -> web.Response:
    return reply(request, current_user(request).public())


@routes.post("/app/request_token")
async def request_token(request: web.Request) -> web.Response:
    sim = state(request)
    app = sim.check_app(request.headers.get(APP_ID))
    expected = hashlib.md5(
        (app.app_id + app.app_secret).encode(), usedforsecurity=False
    ).hexdigest()
    if request.headers.get("X-Gizwits-Application-Auth", "").lower() != expected:
        raise SimError(ErrorCode.APPLICATION_AUTH_INVALID)
    token = Token(token=new_id(), uid="", expire_at=sim.clock.now() + APP_TOKEN_LIFETIME)
    sim.app_tokens[token.token] = token
    # The real cloud has been seen answering expired_at as a string (API-NOTES §2.5).
    return reply(request, {"token": token.token, "expired_at": str(int(token.expire_at))})
