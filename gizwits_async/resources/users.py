"""``client.users``: accounts, log-in, application tokens, SMS codes and captchas."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Final

from gizwits_async._transport import Auth
from gizwits_async._validate import require_text
from gizwits_async.auth import application_auth
from gizwits_async.errors import ErrorCode, GizwitsAPIError, GizwitsConfigurationError
from gizwits_async.models.users import AppToken, Captcha, Gender, UpdateReceipt, User, UserToken
from gizwits_async.resources._base import Resource

# Domestic numbers, or foreign ones written +{country code}{number} (doc, 验证码的获取和校验).
_PHONE: Final = re.compile(r"\+?[0-9]{5,20}")
_FULL_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH_DAY: Final = re.compile(r"[0-9]{2}-[0-9]{2}")
_UPDATE_FIELDS: Final = frozenset(
    {
        "username",
        "password",
        "phone",
        "code",
        "old_pwd",
        "new_pwd",
        "email",
        "name",
        "gender",
        "birthday",
        "address",
        "lang",
        "remark",
    }
)
# Free text the user may clear by sending "".
_CLEARABLE_FIELDS: Final = frozenset({"name", "address", "remark"})
# A body holding any of these cannot be sent twice: a code is single-use, and once a password
# changed the old one no longer matches.
_ONE_SHOT_FIELDS: Final = frozenset({"password", "new_pwd", "code"})


class UsersResource(Resource):
    """``client.users``: accounts, log-in, profile, passwords, SMS and captcha codes."""

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
        """``POST /app/users``: register a user and return its token.

        One way at a time: ``username``/``email`` with ``password``; ``phone`` with
        ``password`` and the SMS ``code`` (see ``send_sms_code``); ``phone_id`` (anonymous);
        or a third-party account ``src`` (qq, sina, baidu, wechat, ...), ``uid`` and
        ``token``. Anonymous and third-party users log in again through this same call.
        """
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
        # Anonymous and third-party registration are repeatable (the identity is the key and
        # a repeat logs in); the others are not: a retry would answer "username unavailable"
        # or find the SMS code already used.
        repeatable = "phone_id" in body or "authData" in body
        return await self._fetch(
            "POST",
            "/app/users",
            json_body=body,
            auth=Auth.NONE,
            idempotent=repeatable,
            into=UserToken,
        )

    async def login(self, username: str, password: str, *, lang: str | None = None) -> UserToken:
        """``POST /app/login``; the token becomes the client's (same as ``client.login``).
        ``username`` may be the user's username, email or phone."""
        return await self._client.login(username, password, lang=lang)

    async def get(self) -> User:
        """``GET /app/users``: the logged-in user's profile."""
        return await self._fetch("GET", "/app/users", into=User)

    async def update(self, **fields: Any) -> datetime | None:
        """``PUT /app/users``: change the logged-in user; returns ``updatedAt`` (UTC).

        Fields (``None`` means "not given"): profile ``name``, ``gender`` (``Gender`` or
        M/F/N), ``birthday`` (a ``date``, ``YYYY-MM-DD`` or ``MM-DD``), ``address``, ``lang``,
        ``remark``; a new password with ``old_pwd`` and ``new_pwd``; a new phone with
        ``phone`` and its SMS ``code``; ``email``; and, for an anonymous user, ``username``
        (or ``phone`` + ``code``, or ``email``) with ``password`` to become a normal user.

        Returns ``None`` when the cloud says nothing changed (error 9999: every value was
        already what was sent), since the account is then already as asked. After a password
        change or a conversion the client logs in with the new credentials from then on.
        """
        body = _update_body(fields)
        idempotent = not body.keys() & _ONE_SHOT_FIELDS
        try:
            receipt: UpdateReceipt = await self._fetch(
                "PUT", "/app/users", json_body=body, idempotent=idempotent, into=UpdateReceipt
            )
        except GizwitsAPIError as err:
            if err.error_code != ErrorCode.RESERVED:
                raise
            self._follow_new_credentials(body)
            return None
        self._follow_new_credentials(body)
        return receipt.updated_at

    async def request_app_token(self) -> AppToken:
        """``POST /app/request_token``: an application token (needs ``app_secret``).

        The SMS and captcha calls obtain and cache one themselves; call this only to hold
        the token yourself.
        """
        app_secret = self._require_app_secret("request_app_token")
        auth_header = application_auth(self._client.app_id, app_secret)
        app_token: AppToken = await self._fetch(
            "POST",
            "/app/request_token",
            headers={"X-Gizwits-Application-Auth": auth_header},
            auth=Auth.NONE,
            idempotent=True,  # it only issues a token; repeating it is harmless
            into=AppToken,
        )
        self._client._app_tokens.remember(app_token)  # noqa: SLF001
        return app_token

    async def reset_password(
        self,
        *,
        email: str | None = None,
        phone: str | None = None,
        new_pwd: str | None = None,
        code: str | None = None,
    ) -> None:
        """``POST /app/reset_password``: by ``email`` alone (the cloud mails a reset link), or
        by ``phone`` with ``new_pwd`` and the SMS ``code`` sent to that phone."""
        if (email is None) == (phone is None):
            raise ValueError("reset_password needs email, or phone with new_pwd and code")
        body: dict[str, str]
        if email is not None:
            if new_pwd is not None or code is not None:
                raise ValueError("a reset by email only takes the email; the link sets it")
            body = {"email": require_text(email, "email")}
        else:
            if new_pwd is None or code is None:
                raise ValueError("a reset by phone needs new_pwd and the SMS code")
            body = {
                "phone": _phone(phone),
                "new_pwd": require_text(new_pwd, "new_pwd"),
                "code": require_text(code, "code"),
            }
        await self._transport.request("POST", "/app/reset_password", json_body=body, auth=Auth.NONE)

    async def send_sms_code(self, phone: str) -> None:
        """``POST /app/sms_code`` with the phone only: text a verification code to it."""
        body = {"phone": _phone(phone)}
        await self._with_app_token("send_sms_code", "POST", "/app/sms_code", body)

    async def verify_sms_code(self, phone: str, code: str) -> None:
        """``POST /app/sms_code`` with phone and code: check a code (a correct one is used up).
        A wrong code raises ``GizwitsAPIError`` 9010, an expired one 9009."""
        body = {"phone": _phone(phone), "code": require_text(code, "code")}
        await self._with_app_token("verify_sms_code", "POST", "/app/sms_code", body)

    async def get_captcha(self) -> Captcha:
        """``GET /app/verify/codes``: a new image captcha to show before texting a code."""
        captcha: Captcha = await self._with_app_token(
            "get_captcha", "GET", "/app/verify/codes", None, into=Captcha
        )
        return captcha

    async def verify_captcha(self, captcha_id: str, captcha_code: str, phone: str) -> None:
        """``POST /app/verify/codes``: check what the user read off the captcha; if right,
        the cloud texts an SMS code to ``phone``."""
        body = {
            "captcha_id": require_text(captcha_id, "captcha_id"),
            "captcha_code": require_text(captcha_code, "captcha_code"),
            "phone": _phone(phone),
        }
        await self._with_app_token("verify_captcha", "POST", "/app/verify/codes", body)

    async def check_sms_code(self, phone: str, sms_code: str) -> None:
        """``PUT /app/verify/codes``: check an SMS code (a correct one is used up)."""
        body = {"phone": _phone(phone), "sms_code": require_text(sms_code, "sms_code")}
        await self._with_app_token(
            "check_sms_code", "PUT", "/app/verify/codes", body, idempotent=False
        )

    # -- helpers ---------------------------------------------------------------------------

    async def _with_app_token(
        self,
        method_name: str,
        method: str,
        path: str,
        body: Mapping[str, str] | None,
        *,
        idempotent: bool | None = None,
        into: Any = None,
    ) -> Any:
        """A call carrying ``X-Gizwits-Application-Token``; the transport obtains and caches
        the token, which needs the app secret, so its absence is reported first."""
        self._require_app_secret(method_name)
        return await self._fetch(
            method, path, json_body=body, auth=Auth.APP_TOKEN, idempotent=idempotent, into=into
        )

    def _require_app_secret(self, method_name: str) -> str:
        app_secret = self._client._app_secret  # noqa: SLF001 - the client keeps secrets private
        if not app_secret:
            raise GizwitsConfigurationError(
                f"{method_name}() needs an application token, which needs the client's "
                "app_secret: GizwitsClient(app_secret=...)"
            )
        return app_secret

    def _follow_new_credentials(self, body: Mapping[str, Any]) -> None:
        """Keep automatic re-login working after the account's credentials changed."""
        if "new_pwd" in body:
            self._client.use_credentials(password=body["new_pwd"])
        elif "password" in body:
            # An anonymous user became a normal one; its phone_id no longer logs it in.
            login = body.get("username") or body.get("phone") or body.get("email")
            self._client.use_credentials(username=login, password=body["password"])


def _phone(value: Any) -> str:
    text = require_text(value, "phone")
    if not _PHONE.fullmatch(text):
        raise ValueError(
            f"phone {text!r} is not a phone number: digits only, foreign ones as +{{country}}"
            "{number}"
        )
    return text


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
    third_party = src is not None or uid is not None or token is not None
    by_password = any(v is not None for v in (username, email, phone, password, code))
    ways = (phone_id is not None) + third_party + by_password
    if ways == 0:
        raise ValueError(
            "give an identity: username/email with password, phone with password and code, "
            "phone_id, or src/uid/token"
        )
    if ways > 1:
        raise ValueError("register one way at a time: password, phone_id or src/uid/token")
    if phone_id is not None:
        return {"phone_id": require_text(phone_id, "phone_id")}
    if third_party:
        return _third_party_body(src, uid, token)
    return _password_body(username, email, phone, password, code)


def _third_party_body(src: str | None, uid: str | None, token: str | None) -> dict[str, Any]:
    if src is None or uid is None or token is None:
        raise ValueError("a third-party account needs src, uid and token")
    # DOC-OLD shows the authData wrapper and DOC-ZH's own prose says "authData 内的 src、
    # uid 和 token"; only DOC-ZH's parameter table lists them flat. Two sources to one.
    return {
        "authData": {
            "src": require_text(src, "src"),
            "uid": require_text(uid, "uid"),
            "token": require_text(token, "token"),
        }
    }


def _password_body(
    username: str | None,
    email: str | None,
    phone: str | None,
    password: str | None,
    code: str | None,
) -> dict[str, Any]:
    identities = {
        name: value
        for name, value in (("username", username), ("email", email), ("phone", phone))
        if value is not None
    }
    if len(identities) != 1:
        raise ValueError("give exactly one of username, email or phone with the password")
    if password is None:
        raise ValueError("registering by username, email or phone needs a password")
    if phone is not None and code is None:
        raise ValueError("registering by phone needs the SMS code (send_sms_code)")
    if phone is None and code is not None:
        raise ValueError("code is the SMS code of a phone registration; give the phone")
    name, value = next(iter(identities.items()))
    body = {name: _phone(value) if name == "phone" else require_text(value, name)}
    body["password"] = require_text(password, "password")
    if code is not None:
        body["code"] = require_text(code, "code")
    return body


def _update_body(fields: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(fields) - _UPDATE_FIELDS)
    if unknown:
        raise TypeError(f"update() got unknown fields {unknown}; known: {sorted(_UPDATE_FIELDS)}")
    body = {name: _update_value(name, value) for name, value in fields.items() if value is not None}
    if not body:
        raise ValueError("update() needs at least one field to change")
    if ("old_pwd" in body) != ("new_pwd" in body):
        raise ValueError("changing the password needs both old_pwd and new_pwd")
    if ("phone" in body) != ("code" in body):
        raise ValueError("setting a phone needs the SMS code sent to it: phone and code")
    if "password" in body and not body.keys() & {"username", "phone", "email"}:
        raise ValueError(
            "password only turns an anonymous user into a normal one (with username, phone "
            "or email); change a password with old_pwd and new_pwd"
        )
    if "username" in body and "password" not in body:
        raise ValueError("username turns an anonymous user into a normal one: give password")
    return body


def _update_value(name: str, value: Any) -> str:
    if name == "gender":
        return _gender(value)
    if name == "birthday":
        return _birthday(value)
    if name == "phone":
        return _phone(value)
    return require_text(value, name, allow_empty=name in _CLEARABLE_FIELDS)


def _gender(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"gender must be a Gender or a string, got {type(value).__name__}")
    text = str(value).upper()
    if text not in (Gender.MALE, Gender.FEMALE, Gender.NONE):
        raise ValueError(f"gender must be M, F or N, got {value!r}")
    return text


def _birthday(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = require_text(value, "birthday")
    # 2000 is a leap year, so "02-29" passes as a month-day.
    candidate = f"2000-{text}" if _MONTH_DAY.fullmatch(text) else text
    if _FULL_DATE.fullmatch(candidate):
        try:
            date.fromisoformat(candidate)
        except ValueError:
            pass
        else:
            return text
    raise ValueError(f"birthday must be YYYY-MM-DD or MM-DD, got {text!r}")
