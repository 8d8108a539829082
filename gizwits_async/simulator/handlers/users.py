"""Users: registration, log-in, profile, application tokens, SMS codes, captchas, resets."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Any, Final

from aiohttp import web

from gizwits_async.errors import ErrorCode
from gizwits_async.simulator._web import (
    APP_ID,
    APP_TOKEN,
    current_user,
    read_json,
    reply,
    state,
    text_field,
)
from gizwits_async.simulator.errors import SimError
from gizwits_async.simulator.state import SimState, Token, User, new_id
from gizwits_async.simulator.verification import PHONE

routes = web.RouteTableDef()

APP_TOKEN_LIFETIME = 7 * 86400
THIRD_PARTY_SOURCES: Final = frozenset(
    {"qq", "sina", "baidu", "wechat", "twitter", "facebook", "google", "amazon"}
)
PROFILE_FIELDS: Final = ("name", "gender", "birthday", "address", "remark", "lang")
UPDATE_FIELDS: Final = frozenset(
    {"username", "password", "phone", "code", "old_pwd", "new_pwd", "email", *PROFILE_FIELDS}
)


def _phone_field(body: dict[str, Any], name: str = "phone", *, required: bool = True) -> str | None:
    phone = text_field(body, name, required=required)
    if phone is not None and not PHONE.fullmatch(phone):
        raise SimError(ErrorCode.FORM_INVALID, f"{name} is not a phone number")
    return phone


def _require_app_token(request: web.Request) -> None:
    """``X-Gizwits-Application-Token`` from ``/app/request_token``: 9004 unknown, 9006 expired."""
    sim = state(request)
    record = sim.app_tokens.get(request.headers.get(APP_TOKEN) or "")
    if record is None:
        raise SimError(ErrorCode.TOKEN_INVALID, "X-Gizwits-Application-Token invalid")
    if record.expire_at <= sim.clock.now():
        raise SimError(ErrorCode.TOKEN_EXPIRED, "X-Gizwits-Application-Token expired")


def _third_party(body: dict[str, Any]) -> tuple[str, str] | None:
    """``src``/``uid``/``token`` inside ``authData`` (DOC-OLD, DOC-ZH prose) or flat (DOC-ZH's
    parameter table): both are accepted, as the sources disagree."""
    auth_data = body.get("authData")
    if auth_data is not None:
        if not isinstance(auth_data, dict):
            raise SimError(ErrorCode.FORM_INVALID, "authData must be an object")
        source = auth_data
    elif any(key in body for key in ("src", "uid", "token")):
        source = body
    else:
        return None
    src = text_field(source, "src")
    uid = text_field(source, "uid")
    text_field(source, "token")  # the simulator trusts any platform token
    assert src is not None  # noqa: S101 - required above
    assert uid is not None  # noqa: S101 - required above
    if src not in THIRD_PARTY_SOURCES:
        raise SimError(ErrorCode.FORM_INVALID, f"src must be one of {sorted(THIRD_PARTY_SOURCES)}")
    return src, uid


def _register(sim: SimState, body: dict[str, Any]) -> User:
    phone_id = text_field(body, "phone_id", required=False)
    if phone_id is not None:
        for user in sim.users.values():
            if user.phone_id == phone_id:
                return user
        return sim.add_user(phone_id=phone_id)
    third_party = _third_party(body)
    if third_party is not None:
        for user in sim.users.values():
            if user.third_party == third_party:
                return user
        user = sim.add_user()
        user.third_party = third_party
        return user
    username = text_field(body, "username", required=False)
    email = text_field(body, "email", required=False)
    phone = _phone_field(body, required=False)
    if [username, email, phone].count(None) != 2:
        raise SimError(
            ErrorCode.FORM_INVALID, "one of username, email, phone, phone_id or authData"
        )
    password = text_field(body, "password")
    if phone is None:
        return sim.add_user(username=username, email=email, password=password)
    code = text_field(body, "code")
    assert code is not None  # noqa: S101 - required above
    if sim.find_user(phone) is not None:
        raise SimError(ErrorCode.PHONE_UNAVAILABLE)
    sim.verification.use_sms_code(phone, code)
    return sim.add_user(phone=phone, password=password)


@routes.post("/app/users")
async def create_user(request: web.Request) -> web.Response:
    sim = state(request)
    body = await read_json(request)
    user = _register(sim, body)
    if isinstance(body.get("lang"), str) and body["lang"]:
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


def _profile_changes(user: User, body: dict[str, Any]) -> dict[str, str]:
    current = user.public()
    changes: dict[str, str] = {}
    for name in PROFILE_FIELDS:
        if name not in body:
            continue
        value = body[name]
        if not isinstance(value, str):
            raise SimError(ErrorCode.FORM_INVALID, f"{name} must be a string")
        if name == "gender" and value not in ("M", "F", "N"):
            raise SimError(ErrorCode.FORM_INVALID, "gender must be M, F or N")
        if name == "birthday" and not _is_birthday(value):
            raise SimError(ErrorCode.FORM_INVALID, "birthday must be YYYY-MM-DD or MM-DD")
        if value != current[name]:
            changes[name] = value
    return changes


def _is_birthday(value: str) -> bool:
    candidate = f"2000-{value}" if len(value) == 5 else value
    if len(candidate) != 10 or candidate[4] != "-" or candidate[7] != "-":
        return False
    try:
        date.fromisoformat(candidate)
    except ValueError:
        return False
    return True


def _account_changes(
    sim: SimState, user: User, body: dict[str, Any]
) -> tuple[dict[str, Any], tuple[str, str] | None]:
    """Changes to password and identities, and the SMS code that must be used up for them.

    Everything is checked before anything changes, so a refused update changes nothing.
    """
    changes = _password_changes(user, body)
    converting = "is_anonymous" in changes
    username = text_field(body, "username", required=False)
    if username is not None and username != user.username:
        if not converting:
            raise SimError(ErrorCode.FORM_INVALID, "only an anonymous user can take a username")
        if sim.find_user(username) is not None:
            raise SimError(ErrorCode.USERNAME_UNAVAILABLE)
        changes["username"] = username
    email = text_field(body, "email", required=False)
    if email is not None and email != user.email:
        if sim.find_user(email) is not None:
            raise SimError(ErrorCode.EMAIL_UNAVAILABLE)
        changes["email"] = email
    phone = _phone_field(body, required=False)
    code = text_field(body, "code", required=False)
    if phone is None or code is None:
        if phone is not None or code is not None:
            raise SimError(ErrorCode.FORM_INVALID, "phone and code go together")
        return changes, None
    if phone == user.phone:
        return changes, None
    if sim.find_user(phone) is not None:
        raise SimError(ErrorCode.PHONE_UNAVAILABLE)
    changes["phone"] = phone
    return changes, (phone, code)


def _password_changes(user: User, body: dict[str, Any]) -> dict[str, Any]:
    """``password`` (an anonymous user becoming a normal one) or ``old_pwd``/``new_pwd``."""
    password = text_field(body, "password", required=False)
    old_pwd = text_field(body, "old_pwd", required=False)
    new_pwd = text_field(body, "new_pwd", required=False)
    if (old_pwd is None) != (new_pwd is None):
        raise SimError(ErrorCode.FORM_INVALID, "old_pwd and new_pwd go together")
    if password is not None:
        if not user.is_anonymous or old_pwd is not None:
            raise SimError(
                ErrorCode.FORM_INVALID, "password converts an anonymous user; use old_pwd/new_pwd"
            )
        if not body.keys() & {"username", "phone", "email"}:
            raise SimError(ErrorCode.FORM_INVALID, "converting needs username, phone or email")
        # Once converted, the phone_id no longer logs anyone into this account.
        return {"password": password, "is_anonymous": False, "phone_id": None}
    if old_pwd is None:
        return {}
    if user.password is None or user.password != old_pwd:
        raise SimError(ErrorCode.USERNAME_PASSWORD_ERROR)
    return {} if new_pwd == old_pwd else {"password": new_pwd}


@routes.put("/app/users")
async def update_user(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    body = await read_json(request)
    unknown = sorted(body.keys() - UPDATE_FIELDS)
    if unknown or not body:
        raise SimError(ErrorCode.FORM_INVALID, f"unknown fields {unknown}" if unknown else None)
    profile = _profile_changes(user, body)
    account, sms = _account_changes(sim, user, body)
    if not profile and not account:
        # The cloud's answer to an update that changes nothing (API-NOTES §2.4, FAQ).
        raise SimError(ErrorCode.RESERVED, "nothing changed")
    if sms is not None:
        sim.verification.use_sms_code(*sms)
    for name, value in account.items():
        setattr(user, name, value)
    if "lang" in profile:
        user.lang = profile.pop("lang")
    user.profile.update(profile)
    now = datetime.fromtimestamp(sim.clock.now(), UTC).replace(tzinfo=None)
    return reply(request, {"updatedAt": now.isoformat(timespec="microseconds")})


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


@routes.post("/app/reset_password")
async def reset_password(request: web.Request) -> web.Response:
    sim = state(request)
    body = await read_json(request)
    email = text_field(body, "email", required=False)
    phone = _phone_field(body, required=False)
    if (email is None) == (phone is None):
        raise SimError(ErrorCode.FORM_INVALID, "give email, or phone with new_pwd and code")
    if email is not None:
        user = next((u for u in sim.users.values() if u.email == email), None)
        if user is None:
            raise SimError(ErrorCode.USER_NOT_EXIST)
        sim.verification.mail_reset_link(user.uid, email, str(request.url.origin()))
        return reply(request)
    new_pwd = text_field(body, "new_pwd")
    code = text_field(body, "code")
    assert phone is not None  # noqa: S101 - checked above
    assert code is not None  # noqa: S101 - required above
    user = next((u for u in sim.users.values() if u.phone == phone), None)
    if user is None:
        raise SimError(ErrorCode.USER_NOT_EXIST)
    sim.verification.use_sms_code(phone, code)
    user.password = new_pwd
    return reply(request)


@routes.post("/app/sms_code")
async def sms_code(request: web.Request) -> web.Response:
    """Send a code (phone only) or check one (phone and code): the doc's one endpoint."""
    sim = state(request)
    _require_app_token(request)
    body = await read_json(request)
    phone = _phone_field(body)
    assert phone is not None  # noqa: S101 - required above
    code = text_field(body, "code", required=False)
    if code is None:
        sim.verification.send_sms_code(phone)
    else:
        sim.verification.use_sms_code(phone, code)
    return reply(request)


@routes.get("/app/verify/codes")
async def get_captcha(request: web.Request) -> web.Response:
    sim = state(request)
    _require_app_token(request)
    captcha_id, _ = sim.verification.new_captcha()
    url = f"{request.url.origin()}/captcha/image/{captcha_id}/"
    return reply(request, {"captcha_url": url, "captcha_id": captcha_id})


@routes.post("/app/verify/codes")
async def verify_captcha(request: web.Request) -> web.Response:
    """Check the captcha text; if right, text an SMS code to the phone."""
    sim = state(request)
    _require_app_token(request)
    body = await read_json(request)
    captcha_id = text_field(body, "captcha_id")
    captcha_code = text_field(body, "captcha_code")
    phone = _phone_field(body)
    assert captcha_id is not None  # noqa: S101 - required above
    assert captcha_code is not None  # noqa: S101 - required above
    assert phone is not None  # noqa: S101 - required above
    sim.verification.use_captcha(captcha_id, captcha_code)
    sim.verification.send_sms_code(phone)
    return reply(request, status=201)


@routes.put("/app/verify/codes")
async def check_sms_code(request: web.Request) -> web.Response:
    sim = state(request)
    _require_app_token(request)
    body = await read_json(request)
    phone = _phone_field(body)
    sms = text_field(body, "sms_code")
    assert phone is not None  # noqa: S101 - required above
    assert sms is not None  # noqa: S101 - required above
    sim.verification.use_sms_code(phone, sms)
    return reply(request)
