"""``GizwitsClient``: the entry point. Holds the session, the transport, the token managers and
one attribute per API area (``client.devices``, ``client.users``, ...)."""

from __future__ import annotations

import copy
import enum
import functools
import logging
import math
import re
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Self

import aiohttp
from yarl import URL

from gizwits_async._transport import DEFAULT_MAX_RESPONSE_BYTES, Auth, Transport
from gizwits_async.auth import (
    AppTokenManager,
    LoginFunction,
    TokenCallback,
    TokenManager,
    TokenStore,
    token_store_key,
)
from gizwits_async.errors import GizwitsClientClosedError, GizwitsResponseError
from gizwits_async.models._converter import decode
from gizwits_async.models.users import AppToken, UserToken
from gizwits_async.ratelimit import RateLimiter

if TYPE_CHECKING:
    from gizwits_async.push import Push
    from gizwits_async.resources.bindings import BindingsResource
    from gizwits_async.resources.data import DataResource
    from gizwits_async.resources.devices import DevicesResource
    from gizwits_async.resources.groups import GroupsResource
    from gizwits_async.resources.messages import MessagesResource
    from gizwits_async.resources.rules import RulesResource
    from gizwits_async.resources.scenes import ScenesResource
    from gizwits_async.resources.schedulers import CommonSchedulersResource, SchedulersResource
    from gizwits_async.resources.sharing import SharingResource
    from gizwits_async.resources.system import SystemResource
    from gizwits_async.resources.users import UsersResource

_LOGGER = logging.getLogger(__name__)
# The login's own timeout covers its transport deadline plus the store's lock and lookups.
LOGIN_TIMEOUT_SLACK = 5.0


class Region(enum.StrEnum):
    """Gizwits cloud regions; an account exists in one region only."""

    CN = "cn"
    US = "us"
    EU = "eu"


REGION_URLS: dict[Region, str] = {
    Region.CN: "https://api.gizwits.com",
    Region.US: "https://usapi.gizwits.com",
    Region.EU: "https://euapi.gizwits.com",
}


_LINE_BREAK = re.compile(r"[\r\n\x00]")
# aiohttp's own connection cap; an owned session never gets fewer than this.
_DEFAULT_POOL = 100


def _positive(value: float, name: str) -> float:
    """A finite number > 0: NaN would disable every timeout, infinity never fire."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, not {value!r}")
    return float(value)


def _retries(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("max_retries must be an int >= 0")
    return value


def _count(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an int >= 1, not {value!r}")
    return value


def _refresh_margin(value: float | None) -> float | None:
    """None (the default rule) or a finite number of seconds >= 0, below a year."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("refresh_margin must be a number of seconds or None")
    if not math.isfinite(value) or not 0 <= value < 365 * 86400:
        raise ValueError(f"refresh_margin must be finite, >= 0 and below a year, not {value!r}")
    return float(value)


def _header_safe(value: str | None, name: str) -> None:
    """Refuse CR, LF and NUL: they would end the header and start another."""
    if value is not None and _LINE_BREAK.search(value):
        raise ValueError(f"{name} must not contain a line break or NUL")


def _check_shared_parts(token_store: object, rate_limiter: object) -> None:
    if token_store is not None and not isinstance(token_store, TokenStore):
        raise TypeError("token_store must be a TokenStore (async load(key) and save(key, token))")
    if rate_limiter is not None and not isinstance(rate_limiter, RateLimiter):
        raise TypeError("rate_limiter must be a RateLimiter (async acquire() and pause(seconds))")


def _base_url_for(region: Region | str, base_url: str | None) -> str:
    if base_url is not None:
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ValueError("base_url must be an http:// or https:// URL")
        _header_safe(base_url, "base_url")
        parsed = URL(base_url)
        if not parsed.host:
            raise ValueError(f"base_url {base_url!r} names no host")
        if (
            parsed.path not in ("", "/")
            or parsed.query_string
            or parsed.fragment
            or "?" in base_url
        ):
            raise ValueError(
                f"base_url must be scheme://host[:port] only, with no path, query or "
                f"fragment, not {base_url!r}"
            )
        if parsed.user is not None or parsed.password is not None:
            raise ValueError("base_url must not carry a user name or password")
        return base_url.rstrip("/")
    try:
        return REGION_URLS[Region(region)]
    except ValueError:
        raise ValueError(f"unknown region {region!r}; use one of cn, us, eu") from None


class GizwitsClient:
    """An asyncio client for the Gizwits Open API.

    Borrow your own ``aiohttp.ClientSession`` with ``session=`` (it is never closed by the
    client), or let the client create one lazily inside the running loop and close it in
    ``close()``.
    """

    def __init__(
        self,
        app_id: str,
        *,
        region: Region | str = Region.CN,
        base_url: str | None = None,
        session: aiohttp.ClientSession | None = None,
        username: str | None = None,
        password: str | None = None,
        phone_id: str | None = None,
        token: UserToken | None = None,
        token_store: TokenStore | None = None,
        on_token_update: TokenCallback | None = None,
        app_secret: str | None = None,
        product_secrets: Mapping[str, str] | None = None,
        request_timeout: float = 10.0,
        max_retries: int = 3,
        max_concurrency: int = 16,
        refresh_margin: float | None = None,
        total_timeout: float = 60.0,
        max_retry_after: float = 60.0,
        verify_ssl: bool = True,
        lang: str | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        if not isinstance(app_id, str) or not app_id.strip():
            raise ValueError("app_id must be a non-empty string")
        _header_safe(app_id, "app_id")
        if lang is not None and not isinstance(lang, str):
            raise TypeError("lang must be a string or None")
        _header_safe(lang, "lang")
        _count(max_response_bytes, "max_response_bytes")
        if session is not None and not isinstance(session, aiohttp.ClientSession):
            raise TypeError("session must be an aiohttp.ClientSession")
        if (username is None) != (password is None):
            raise ValueError("give both username and password, or neither")
        if phone_id is not None and username is not None:
            raise ValueError("give username/password or phone_id, not both")
        if token is not None and not isinstance(token, UserToken):
            raise TypeError("token must be a UserToken")
        _check_shared_parts(token_store, rate_limiter)
        _retries(max_retries)
        _count(max_concurrency, "max_concurrency")
        refresh_margin = _refresh_margin(refresh_margin)
        self.app_id = app_id
        self.base_url = _base_url_for(region, base_url)
        self.max_concurrency = max_concurrency
        self.lang = lang
        self._app_secret = app_secret
        self.product_secrets: dict[str, str] = dict(product_secrets or {})
        self._session = session
        self._owns_session = session is None
        self._closed = False
        if not verify_ssl:
            _LOGGER.warning(
                "TLS certificate verification is OFF for %s; use this only for testing",
                self.base_url,
            )
        self._transport = Transport(
            app_id=app_id,
            base_url=self.base_url,
            get_session=self._get_session,
            request_timeout=_positive(request_timeout, "request_timeout"),
            total_timeout=_positive(total_timeout, "total_timeout"),
            max_retries=max_retries,
            max_retry_after=_positive(max_retry_after, "max_retry_after"),
            ssl=verify_ssl,
            connect_timeout=_positive(connect_timeout, "connect_timeout"),
            read_timeout=None if read_timeout is None else _positive(read_timeout, "read_timeout"),
            max_response_bytes=max_response_bytes,
            is_closed=self._is_closed,
        )
        self._username = username
        self._password = password
        self._phone_id = phone_id
        # The store key names the account; a client that does not know its account yet (no
        # credentials, no token) files nothing until a token is accepted.
        identity = username or phone_id or (token.uid if token else None)
        self._auth = TokenManager(
            self._automatic_login(),
            token=token,
            store=token_store,
            store_key=None if identity is None else self._store_key(identity),
            key_for_uid=self._store_key,
            on_token_update=on_token_update,
            refresh_margin=refresh_margin,
            login_timeout=self._transport.total_timeout + LOGIN_TIMEOUT_SLACK,
        )
        self._app_tokens = AppTokenManager(self._request_app_token)
        self._transport.user_auth = self._auth
        self._transport.app_auth = self._app_tokens
        self._transport.rate_limiter = rate_limiter

        self._parent: GizwitsClient | None = None
        self._push: Push | None = None

    # Resources are built on first use, and their modules imported then: a program that only
    # reads devices never loads the rules, scenes or schedules code.

    @functools.cached_property
    def system(self) -> SystemResource:
        """``GET /status`` and ``GET /errors``: the Open API's version and error catalogue."""
        from gizwits_async.resources.system import SystemResource  # noqa: PLC0415

        return SystemResource(self)

    @functools.cached_property
    def users(self) -> UsersResource:
        """Log-in, registration, profile, verification codes and password resets."""
        from gizwits_async.resources.users import UsersResource  # noqa: PLC0415

        return UsersResource(self)

    @functools.cached_property
    def devices(self) -> DevicesResource:
        """Device details, datapoints, latest status, control, raw logs; one or many."""
        from gizwits_async.resources.devices import DevicesResource  # noqa: PLC0415

        return DevicesResource(self)

    @functools.cached_property
    def bindings(self) -> BindingsResource:
        """The user's bound devices: list, bind (MAC or QR code), update, unbind, guests."""
        from gizwits_async.resources.bindings import BindingsResource  # noqa: PLC0415

        return BindingsResource(self)

    @functools.cached_property
    def messages(self) -> MessagesResource:
        """The user's messages (share notices, ...): list, mark read, delete."""
        from gizwits_async.resources.messages import MessagesResource  # noqa: PLC0415

        return MessagesResource(self)

    @functools.cached_property
    def sharing(self) -> SharingResource:
        """Device sharing: invitations by user or QR code, accept, cancel, hand over."""
        from gizwits_async.resources.sharing import SharingResource  # noqa: PLC0415

        return SharingResource(self)

    @functools.cached_property
    def groups(self) -> GroupsResource:
        """Device groups: create, list, add or remove devices, control them all at once."""
        from gizwits_async.resources.groups import GroupsResource  # noqa: PLC0415

        return GroupsResource(self)

    @functools.cached_property
    def rules(self) -> RulesResource:
        """Rule-engine rules: when a device's values match, control others."""
        from gizwits_async.resources.rules import RulesResource  # noqa: PLC0415

        return RulesResource(self)

    @functools.cached_property
    def scenes(self) -> ScenesResource:
        """Scenes: sequences of device and group commands with delays, run on demand."""
        from gizwits_async.resources.scenes import ScenesResource  # noqa: PLC0415

        return ScenesResource(self)

    @functools.cached_property
    def schedulers(self) -> SchedulersResource:
        """Schedules of one device (``/app/devices/{did}/scheduler``)."""
        from gizwits_async.resources.schedulers import SchedulersResource  # noqa: PLC0415

        return SchedulersResource(self)

    @functools.cached_property
    def common_schedulers(self) -> CommonSchedulersResource:
        """Schedules of a device, a group or a scene (``/app/common_scheduler``)."""
        from gizwits_async.resources.schedulers import CommonSchedulersResource  # noqa: PLC0415

        return CommonSchedulersResource(self)

    @functools.cached_property
    def data(self) -> DataResource:
        """Aggregated datapoint history (sums, averages, ... per hour, day, week, month)."""
        from gizwits_async.resources.data import DataResource  # noqa: PLC0415

        return DataResource(self)

    @property
    def push(self) -> Push:
        """Device reports over the cloud's websocket; one per client (views share it),
        stopped by ``close()``."""
        root = self._parent or self
        if root._push is None:  # noqa: SLF001 - the same class
            from gizwits_async.push import Push  # noqa: PLC0415

            root._push = Push(root)  # noqa: SLF001 - the same class
        return root._push  # noqa: SLF001 - the same class

    def _forget_resources(self) -> None:
        """Drop built resources (a view copies its client, and must build its own)."""
        for name in RESOURCE_NAMES:
            self.__dict__.pop(name, None)

    def __repr__(self) -> str:
        user = self._username or self._phone_id or "-"
        return f"GizwitsClient(app_id={self.app_id!r}, base_url={self.base_url!r}, user={user!r})"

    def with_options(
        self,
        *,
        max_retries: int | None = None,
        request_timeout: float | None = None,
        total_timeout: float | None = None,
    ) -> GizwitsClient:
        """A view of this client with other retry or timeout settings, for some calls:
        ``await client.with_options(max_retries=0).devices.latest(did)``.

        The view shares the session, the token and the app token with this client; closing
        it closes nothing but the view.
        """
        if max_retries is not None:
            _retries(max_retries)
        if request_timeout is not None:
            request_timeout = _positive(request_timeout, "request_timeout")
        if total_timeout is not None:
            total_timeout = _positive(total_timeout, "total_timeout")
        view = copy.copy(self)
        view._set_up_view(  # noqa: SLF001 - the view is a copy of this very class
            self._parent or self,
            max_retries=max_retries,
            request_timeout=request_timeout,
            total_timeout=total_timeout,
        )
        return view

    def _set_up_view(
        self,
        parent: GizwitsClient,
        *,
        max_retries: int | None,
        request_timeout: float | None,
        total_timeout: float | None,
    ) -> None:
        self._parent = parent
        self._owns_session = False
        self._transport = self._transport.with_options(
            get_session=self._get_session,
            is_closed=self._is_closed,
            max_retries=max_retries,
            request_timeout=request_timeout,
            total_timeout=total_timeout,
        )
        self._forget_resources()

    # -- session ---------------------------------------------------------------------------

    def _get_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise GizwitsClientClosedError("this GizwitsClient is closed; create a new one")
        if self._parent is not None:
            return self._parent._get_session()  # noqa: SLF001 - the same class
        if self._session is None:
            self._session = self._new_session()
        elif self._session.closed:
            raise GizwitsClientClosedError("the aiohttp session used by this client is closed")
        return self._session

    def _new_session(self) -> aiohttp.ClientSession:
        """The owned session: a pool no smaller than ``max_concurrency`` (aiohttp's default
        100 would cap every fan-out), and no hidden resend, so ``max_retries`` counts every
        attempt (aiohttp resends an idempotent request once when a reused keep-alive
        connection turns out closed)."""
        pool = max(self.max_concurrency, _DEFAULT_POOL)
        connector = aiohttp.TCPConnector(limit=pool, limit_per_host=pool)
        session = aiohttp.ClientSession(connector=connector)
        if hasattr(session, "_retry_connection"):
            session._retry_connection = False  # noqa: SLF001 - aiohttp offers no public switch
        return session

    def _is_closed(self) -> bool:
        return self._closed or (self._parent is not None and self._parent.closed)

    @property
    def closed(self) -> bool:
        """Whether ``close()`` was called: a closed client sends nothing more."""
        return self._closed

    async def close(self) -> None:
        """Close the client; an owned session is closed, a borrowed one is left open."""
        if self._closed:
            return
        if self._parent is None and self._push is not None:
            await self._push.stop()
        self._closed = True
        if self._owns_session and self._session is not None:
            await self._session.close()
        self._session = None

    async def __aenter__(self) -> Self:
        if self._closed:
            raise GizwitsClientClosedError("this GizwitsClient is closed; create a new one")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- authentication ----------------------------------------------------------------------

    @property
    def token(self) -> UserToken | None:
        """The cached user token, if any."""
        return self._auth.token

    def _store_key(self, identity: str) -> str:
        return token_store_key(self.base_url, self.app_id, identity)

    def _automatic_login(self) -> LoginFunction | None:
        if self._username is not None and self._password is not None:
            return functools.partial(self._login_request, self._username, self._password, self.lang)
        if self._phone_id is not None:
            return functools.partial(self._anonymous_login, self._phone_id)
        return None

    def use_credentials(self, *, username: str | None = None, password: str) -> None:
        """Log in with these credentials from now on (after a password change or when an
        anonymous user became a normal one). Without ``username`` the current one is kept;
        a client that has no username (a token-only client) is left as it is."""
        if username is None:
            if self._username is None:
                return
            username = self._username
        self._username, self._password, self._phone_id = username, password, None
        self._auth.set_login(self._automatic_login(), store_key=self._store_key(username))

    async def _login_request(
        self, username: str, password: str, lang: str | None = None
    ) -> UserToken:
        body = {"username": username, "password": password}
        if lang:
            body["lang"] = lang
        # Logging in only issues a token, so a retry is harmless.
        data = await self._transport.request(
            "POST", "/app/login", json_body=body, auth=Auth.NONE, idempotent=True
        )
        return _sendable_token(decode(data, UserToken), "POST", "/app/login")

    async def _anonymous_login(self, phone_id: str) -> UserToken:
        data = await self._transport.request(
            "POST", "/app/users", json_body={"phone_id": phone_id}, auth=Auth.NONE, idempotent=True
        )
        return _sendable_token(decode(data, UserToken), "POST", "/app/users")

    async def login(self, username: str, password: str, *, lang: str | None = None) -> UserToken:
        """``POST /app/login``. The token is cached, and these credentials are used for
        automatic re-login from now on."""
        if not isinstance(username, str) or not username:
            raise ValueError("username must be a non-empty string")
        if not isinstance(password, str) or not password:
            raise ValueError("password must be a non-empty string")
        self._username, self._password, self._phone_id = username, password, None
        login = functools.partial(self._login_request, username, password, lang or self.lang)
        self._auth.set_login(login, store_key=self._store_key(username))
        return await self._auth.login_now(login)

    async def _request_app_token(self) -> AppToken:
        return await self.users.request_app_token()


def _sendable_token(token: UserToken, method: str, path: str) -> UserToken:
    """Refuse on receipt a token that could not be sent back as a header."""
    if _LINE_BREAK.search(token.token):
        raise GizwitsResponseError(
            f"{method} {path}: the token in the answer holds a line break or NUL",
            method=method,
            path=path,
        )
    return token


# The resources are the client's cached properties: the names are read off the class, so a
# resource added or dropped there is rebuilt by every view without a second list to keep.
RESOURCE_NAMES: tuple[str, ...] = tuple(
    name
    for name, member in vars(GizwitsClient).items()
    if isinstance(member, functools.cached_property)
)
