"""Token lifecycle: cache the user token, refresh it before ``expire_at``, log in once.

``TokenManager.ensure_token()`` is on every user call's path. The fast path is a comparison;
only a missing or nearly expired token takes the lock, and the lock is re-checked after it
is acquired, so a hundred concurrent callers cause one login.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import inspect
import json
import logging
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from gizwits_async.errors import (
    ErrorCode,
    GizwitsAuthError,
    GizwitsConfigurationError,
    GizwitsError,
    GizwitsInvalidCredentialsError,
)
from gizwits_async.models.users import AppToken, UserToken

_LOGGER = logging.getLogger(__name__)

DEFAULT_MAX_MARGIN = 3600.0
REFRESH_RETRY_DELAY = 30.0

TokenCallback = Callable[[UserToken], Awaitable[None] | None]
LoginFunction = Callable[[], Awaitable[UserToken]]


@runtime_checkable
class TokenStore(Protocol):
    """Where user tokens are kept between runs."""

    async def load(self, key: str) -> UserToken | None: ...

    async def save(self, key: str, token: UserToken) -> None: ...


def token_store_key(base_url: str, app_id: str, identity: str) -> str:
    """The key a client files its user token under: one per cloud, app and account."""
    return f"{base_url}|{app_id}|{identity}"


def token_to_dict(token: UserToken) -> dict[str, Any]:
    return {
        "uid": token.uid,
        "token": token.token,
        "expire_at": token.expire_at.timestamp(),
        "issued_at": token.issued_at.timestamp() if token.issued_at else None,
    }


def token_from_dict(data: dict[str, Any]) -> UserToken:
    issued = data.get("issued_at")
    return UserToken(
        uid=str(data["uid"]),
        token=str(data["token"]),
        expire_at=datetime.fromtimestamp(float(data["expire_at"]), UTC),
        issued_at=datetime.fromtimestamp(float(issued), UTC) if issued is not None else None,
    )


class MemoryTokenStore:
    """Keeps tokens in this process only (the default)."""

    def __init__(self) -> None:
        self._tokens: dict[str, UserToken] = {}

    async def load(self, key: str) -> UserToken | None:
        return self._tokens.get(key)

    async def save(self, key: str, token: UserToken) -> None:
        self._tokens[key] = token


class FileTokenStore:
    """Keeps tokens in a JSON file readable only by its owner (mode 0600), replaced atomically."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()
        self._lock: asyncio.Lock | None = None

    def __repr__(self) -> str:
        return f"FileTokenStore({str(self.path)!r})"

    def _read_all(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        try:
            data = json.loads(text)
        except ValueError:
            _LOGGER.warning("token file %s is not valid JSON; ignoring it", self.path)
            return {}
        return data if isinstance(data, dict) else {}

    def _write_all(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".tokens-", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle)
            Path(tmp_name).replace(self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                Path(tmp_name).unlink()
            raise

    async def load(self, key: str) -> UserToken | None:
        data = await asyncio.to_thread(self._read_all)
        entry = data.get(key)
        if not isinstance(entry, dict):
            return None
        try:
            return token_from_dict(entry)
        except (KeyError, TypeError, ValueError):
            return None

    async def save(self, key: str, token: UserToken) -> None:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:

            def update() -> None:
                data = self._read_all()
                data[key] = token_to_dict(token)
                self._write_all(data)

            await asyncio.to_thread(update)


class _LoopLock:
    """An asyncio.Lock created lazily in the running loop (and again if the loop changes)."""

    def __init__(self) -> None:
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def get(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._lock is None or self._loop is not loop:
            self._lock = asyncio.Lock()
            self._loop = loop
        return self._lock


class TokenManager:
    """Caches the user token and renews it: single flight, refresh ahead of expiry."""

    def __init__(
        self,
        login: LoginFunction | None,
        *,
        token: UserToken | None = None,
        store: TokenStore | None = None,
        store_key: str = "default",
        on_token_update: TokenCallback | None = None,
        refresh_margin: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._login = login
        self._token: UserToken | None = None
        self._refresh_at = 0.0
        self._store = store if store is not None else MemoryTokenStore()
        self._store_key = store_key
        self._on_update = on_token_update
        self._refresh_margin = refresh_margin
        self._clock = clock
        self._lock = _LoopLock()
        self._loaded = token is not None
        self._refused = False  # a token of this manager was refused by the server
        self._credentials_rejected = False
        self.logins = 0
        self._cache(token)

    def __repr__(self) -> str:
        state = "token" if self._token else "no token"
        return f"TokenManager({state}, can_login={self._login is not None})"

    @property
    def token(self) -> UserToken | None:
        return self._token

    def set_login(self, login: LoginFunction | None) -> None:
        """New credentials: automatic log-ins are allowed again."""
        self._login = login
        self._credentials_rejected = False
        self._cache(self._token)

    def _cache(self, token: UserToken | None) -> None:
        """Hold ``token`` and precompute when it stops being fresh (the fast path compares
        one float)."""
        self._token = token
        if token is None:
            self._refresh_at = 0.0
        elif self._login is None:
            # Nothing to renew it with: use it for its whole life.
            self._refresh_at = token.expire_at.timestamp()
        else:
            self._refresh_at = token.expire_at.timestamp() - self.margin(token)

    def margin(self, token: UserToken) -> float:
        if self._refresh_margin is not None:
            return self._refresh_margin
        lifetime = token.lifetime()
        if lifetime is None or lifetime <= 0:
            return DEFAULT_MAX_MARGIN
        return min(DEFAULT_MAX_MARGIN, lifetime / 2)

    def fresh_token(self) -> UserToken | None:
        """The cached token if it is fit to send now, without waiting for anything."""
        token = self._token
        if token is not None and self._clock() < self._refresh_at:
            return token
        return None

    async def ensure_token(self) -> UserToken:
        """A token fit to send now, logging in if needed (at most one login at a time)."""
        token = self._token
        if token is not None and self._clock() < self._refresh_at:
            return token
        async with self._lock.get():
            if not self._loaded:
                await self._load_from_store()
            token = self._token
            if token is not None and self._clock() < self._refresh_at:
                return token
            if self._login is None and (token is not None or self._refused):
                raise GizwitsAuthError(
                    401,
                    ErrorCode.TOKEN_EXPIRED if token is not None else ErrorCode.TOKEN_INVALID,
                    "no valid user token, and no credentials to log in with",
                )
            if self._login is None:
                # Never had a token to send: the client is configured without a user.
                raise GizwitsConfigurationError("no user token, and no credentials to log in with")
            return await self._renew(token)

    async def _renew(self, current: UserToken | None) -> UserToken:
        if self._credentials_rejected:
            raise GizwitsInvalidCredentialsError(
                400,
                ErrorCode.USERNAME_PASSWORD_ERROR,
                "credentials were refused earlier; set new ones to log in again",
            )
        assert self._login is not None  # noqa: S101 - checked by the caller
        try:
            fresh = await self._login()
        except GizwitsInvalidCredentialsError:
            self._credentials_rejected = True
            raise
        except GizwitsError:
            now = self._clock()
            if current is not None and current.expires_in(now) > 0:
                # Keep serving the current token, and do not retry the refresh on every call
                # while the cloud is failing: wait a little (never past expiry).
                self._refresh_at = min(current.expire_at.timestamp(), now + REFRESH_RETRY_DELAY)
                _LOGGER.warning("token refresh failed; using the current token until it expires")
                return current
            raise
        return await self.accept(fresh)

    async def login_now(self, login: LoginFunction) -> UserToken:
        """An explicit log-in (``client.login``): its result replaces the cached token."""
        async with self._lock.get():
            self._loaded = True
            fresh = await login()
            self._credentials_rejected = False
            return await self.accept(fresh)

    async def accept(self, token: UserToken) -> UserToken:
        """Cache a new token (stamped with its issue time), persist it and tell the host."""
        if token.issued_at is None:
            token = UserToken(
                uid=token.uid,
                token=token.token,
                expire_at=token.expire_at,
                issued_at=datetime.fromtimestamp(self._clock(), UTC),
                extra=token.extra,
            )
        self._cache(token)
        self.logins += 1
        try:
            await self._store.save(self._store_key, token)
        except OSError as err:
            _LOGGER.warning("could not save the user token: %s", type(err).__name__)
        if self._on_update is not None:
            try:
                result = self._on_update(token)
                if inspect.isawaitable(result):
                    await result
            except Exception as err:  # noqa: BLE001 - a host callback must not break the call
                _LOGGER.warning("on_token_update raised %s", type(err).__name__)
        return token

    async def _load_from_store(self) -> None:
        self._loaded = True
        try:
            stored = await self._store.load(self._store_key)
        except OSError as err:
            _LOGGER.warning("could not load the user token: %s", type(err).__name__)
            return
        if stored is not None and self._token is None:
            self._cache(stored)

    def invalidate(self, token: str) -> None:
        """Forget the cached token, but only if it is the one the server refused."""
        if self._token is not None and self._token.token == token:
            self._refused = True
            self._cache(None)


class AppTokenManager:
    """Obtains and caches the application token (``POST /app/request_token``)."""

    def __init__(self, request: Callable[[], Awaitable[AppToken]], margin: float = 60.0) -> None:
        self._request = request
        self._margin = margin
        self._token: AppToken | None = None
        self._lock = _LoopLock()

    def __repr__(self) -> str:
        return f"AppTokenManager({'token' if self._token else 'no token'})"

    async def ensure_token(self) -> AppToken:
        token = self._token
        if token is not None and token.expires_in() > self._margin:
            return token
        async with self._lock.get():
            token = self._token
            if token is not None and token.expires_in() > self._margin:
                return token
            token = await self._request()
            self._token = token
            return token

    def remember(self, token: AppToken) -> None:
        self._token = token

    def invalidate(self, token: str) -> None:
        if self._token is not None and self._token.token == token:
            self._token = None


def application_auth(app_id: str, app_secret: str) -> str:
    """``X-Gizwits-Application-Auth``: lower-case hex md5 of app id + app secret."""
    return hashlib.md5((app_id + app_secret).encode(), usedforsecurity=False).hexdigest()
