"""``client.users``: accounts, log-in and application tokens."""

from __future__ import annotations

from typing import Any

from gizwits_async._transport import Auth
from gizwits_async.auth import application_auth
from gizwits_async.errors import GizwitsError
from gizwits_async.models._converter import decode
from gizwits_async.models.users import AppToken, User, UserToken
from gizwits_async.resources._base import Resource, require_text


class UsersResource(Resource):
    async def create(
        self,
        *,
        username: str | None = None,
        password: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        code: str | None = None,
        phone_id: str | None = None,
        src: str | None = None,
        uid: str | None = None,
        token: str | None = None,
        lang: str | None = None,
    ) -> UserToken:
        """``POST /app/users``: register a user (by username, email, phone, phone_id or a
        third-party account) and return its token."""
        body = _registration_body(
            username=username,
            password=password,
            email=email,
            phone=phone,
            code=code,
            phone_id=phone_id,
            src=src,
            uid=uid,
            token=token,
        )
        if lang is not None:
            body["lang"] = require_text(lang, "lang")
        # Creating an anonymous user is repeatable (the phone_id is the identity); the others
        # are not: a retried registration would answer "username unavailable".
        data = await self._transport.request(
            "POST", "/app/users", json_body=body, auth=Auth.NONE, idempotent=phone_id is not None
        )
        return decode(data, UserToken)

    async def login(self, username: str, password: str, *, lang: str | None = None) -> UserToken:
        """``POST /app/login``; the token becomes the client's (same as ``client.login``)."""
        return await self._client.login(username, password, lang=lang)

    async def get(self) -> User:
        """``GET /app/users``: the logged-in user's profile."""
        data = await self._transport.request("GET", "/app/users")
        return decode(data, User)

    async def request_app_token(self) -> AppToken:
        """``POST /app/request_token``: an application token (needs ``app_secret``)."""
        app_secret = self._client._app_secret  # noqa: SLF001 - the client keeps secrets private
        if not app_secret:
            raise GizwitsError(
                "request_app_token needs the client's app_secret (GizwitsClient(app_secret=...))"
            )
        auth_header = application_auth(self._client.app_id, app_secret)
        data = await self._transport.request(
            "POST",
            "/app/request_token",
            headers={"X-Gizwits-Application-Auth": auth_header},
            auth=Auth.NONE,
            idempotent=True,  # it only issues a token; repeating it is harmless
        )
        app_token = decode(data, AppToken)
        self._client._app_tokens.remember(app_token)  # noqa: SLF001
        return app_token


def _registration_body(
    *,
    username: str | None,
    password: str | None,
    email: str | None,
    phone: str | None,
    code: str | None,
    phone_id: str | None,
    src: str | None,
    uid: str | None,
    token: str | None,
) -> dict[str, Any]:
    if phone_id is not None:
        return {"phone_id": require_text(phone_id, "phone_id")}
    if src is not None or uid is not None or token is not None:
        if not (src and uid and token):
            raise ValueError("a third-party account needs src, uid and token")
        return {
            "authData": {
                "src": require_text(src, "src"),
                "uid": require_text(uid, "uid"),
                "token": require_text(token, "token"),
            }
        }
    if password is None:
        raise ValueError(
            "give an identity: username/email/phone with password, phone_id, or src/uid/token"
        )
    require_text(password, "password")
    if username is not None:
        return {"username": require_text(username, "username"), "password": password}
    if email is not None:
        return {"email": require_text(email, "email"), "password": password}
    if phone is not None:
        if code is None:
            raise ValueError("registering by phone needs the SMS code")
        return {
            "phone": require_text(phone, "phone"),
            "password": password,
            "code": require_text(code, "code"),
        }
    raise ValueError("a password needs a username, an email or a phone")
