"""User accounts and tokens."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import attrs

from gizwits_async._attrs import Frozen
from gizwits_async.models._converter import LenientEnum, epoch_or_none, extra_field, wire


@attrs.frozen(repr=False, eq=False)
class UserToken(Frozen):
    """A user token as returned by ``POST /app/login`` and ``POST /app/users``.

    ``issued_at`` is when this client obtained the token; with ``expire_at`` it gives the
    token's lifetime, from which the default refresh margin is derived.
    """

    uid: str
    token: str = attrs.field(repr=False)
    expire_at: datetime
    issued_at: datetime | None = None
    extra: dict[str, Any] = extra_field()

    def expires_in(self, now: datetime | float | None = None) -> float:
        """Seconds left until ``expire_at`` (negative once expired)."""
        if now is None:
            now_ts = time.time()
        elif isinstance(now, datetime):
            now_ts = now.timestamp()
        else:
            now_ts = float(now)
        return self.expire_at.timestamp() - now_ts

    def lifetime(self) -> float | None:
        """Seconds between issue and expiry, when the issue time is known."""
        if self.issued_at is None:
            return None
        return (self.expire_at - self.issued_at).total_seconds()


@attrs.frozen(repr=False, eq=False)
class AppToken(Frozen):
    """The application token from ``POST /app/request_token`` (field ``expired_at`` on the wire,
    sometimes a numeric string)."""

    token: str = attrs.field(repr=False)
    expire_at: datetime | None = wire("expired_at", struct_hook=epoch_or_none)
    extra: dict[str, Any] = extra_field()

    def expires_in(self, now: float | None = None) -> float:
        """Seconds until the token expires (infinite when the cloud gave no expiry), from ``now`` or
        the current time."""
        if self.expire_at is None:
            return float("inf")
        return self.expire_at.timestamp() - (time.time() if now is None else now)


class Gender(LenientEnum):
    """A user's gender as the users endpoints spell it."""

    MALE = "M"
    FEMALE = "F"
    NONE = "N"
    UNKNOWN = "UNKNOWN"


@attrs.frozen(repr=False, eq=False)
class User(Frozen):
    """The profile from ``GET /app/users``."""

    uid: str
    username: str | None = None
    phone: str | None = None
    email: str | None = None
    name: str | None = None
    gender: Gender | None = None
    birthday: str | None = None
    address: str | None = None
    lang: str | None = None
    remark: str | None = None
    is_anonymous: bool | None = None
    extra: dict[str, Any] = extra_field()


@attrs.frozen(repr=False, eq=False)
class UpdateReceipt(Frozen):
    """The reply of ``PUT /app/users``: when the change was stored (UTC, no zone on the wire)."""

    updated_at: datetime = attrs.field(alias="updatedAt")
    extra: dict[str, Any] = extra_field()


@attrs.frozen(repr=False, eq=False)
class Captcha(Frozen):
    """An image captcha from ``GET /app/verify/codes``: show ``captcha_url`` to the user, then
    send what they read with ``verify_captcha(captcha_id, ...)``."""

    captcha_id: str
    captcha_url: str
    extra: dict[str, Any] = extra_field()


def utc_now() -> datetime:
    """The current time as a UTC-aware ``datetime``."""
    return datetime.now(UTC)
