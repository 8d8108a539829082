"""Token lifecycle: cache the user token, refresh it before ``expire_at``, log in once.

``TokenManager.ensure_token()`` is on every user call's path. The fast path is a float
comparison. A missing or nearly expired token starts one refresh, a task of the manager's own,
and every caller awaits that task's outcome (a token or the error), each bounded by its own
deadline; a caller that gives up never cancels the login. A store that offers ``lock(key)``
(``FileTokenStore``, ``gizwits_async.redis.RedisTokenStore``) makes that one refresh per
account across processes: the refresh takes the lock and looks in the store again first.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import copy
import errno
import fcntl
import hashlib
import heapq
import inspect
import json
import logging
import math
import os
import stat
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from gizwits_async.errors import (
    ErrorCode,
    GizwitsAuthError,
    GizwitsConfigurationError,
    GizwitsError,
    GizwitsInvalidCredentialsError,
    GizwitsTimeoutError,
)
from gizwits_async.models.users import AppToken, UserToken

_LOGGER = logging.getLogger(__name__)

DEFAULT_MAX_MARGIN = 3600.0
REFRESH_RETRY_DELAY = 30.0
# A failed login is remembered this long: the callers that come next get the same error
# instead of a login each (new credentials clear it).
LOGIN_FAILURE_WINDOW = 5.0
# A token that arrives living less than this is used, warned about, and no further login is
# made for LOGIN_FAILURE_WINDOW seconds: a cloud that hands out expired tokens would otherwise
# be asked for one on every call.
MIN_TOKEN_LIFETIME = 60.0
DEFAULT_LOGIN_TIMEOUT = 60.0
# How long other processes stop logging in after the cloud refused the credentials (9005/9020).
LOGIN_BLOCK_SECONDS = 300.0
# How often a FileTokenStore lock is tried again while another process holds it.
_FILE_LOCK_POLL = 0.01

TokenCallback = Callable[[UserToken], Awaitable[None] | None]
LoginFunction = Callable[[], Awaitable[UserToken]]


@runtime_checkable
class TokenStore(Protocol):
    """Where user tokens are kept between runs (and shared between processes).

    A store may also offer ``lock(key)``, an async context manager held around a refresh so
    that processes sharing an account log in once, and ``discard(key, token)`` (drop
    ``token`` only if it is still the stored one), ``block_login(key, seconds)`` and
    ``login_blocked(key) -> float`` (seconds left) to share a refusal of the credentials.
    """

    async def load(self, key: str) -> UserToken | None:
        """The token filed under ``key``, or None."""
        ...

    async def save(self, key: str, token: UserToken) -> None:
        """File ``token`` under ``key``."""
        ...


def token_store_key(base_url: str, app_id: str, identity: str) -> str:
    """The key a client files its user token under: one per cloud, app and account."""
    return f"{base_url}|{app_id}|{identity}"


def token_to_dict(token: UserToken) -> dict[str, Any]:
    """The JSON-ready form a store keeps (the token itself included)."""
    return {
        "uid": token.uid,
        "token": token.token,
        "expire_at": token.expire_at.timestamp(),
        "issued_at": token.issued_at.timestamp() if token.issued_at else None,
    }


def token_from_dict(data: dict[str, Any]) -> UserToken:
    """The inverse of ``token_to_dict``; raises KeyError/TypeError/ValueError on bad data."""
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

    def __repr__(self) -> str:
        return f"MemoryTokenStore({len(self._tokens)} tokens)"

    async def load(self, key: str) -> UserToken | None:
        """The token filed under ``key``, or None."""
        return self._tokens.get(key)

    async def save(self, key: str, token: UserToken) -> None:
        """File ``token`` under ``key``."""
        self._tokens[key] = token


def _is_newer(token: UserToken, entry: Any) -> bool:
    """Whether ``token`` may replace a stored entry: a late writer never replaces a token that
    lives longer than its own."""
    if not isinstance(entry, dict):
        return True
    try:
        stored = float(entry["expire_at"])
    except (KeyError, TypeError, ValueError):
        return True
    return token.expire_at.timestamp() >= stored


class FileTokenStore:
    """Keeps tokens in a JSON file readable only by its owner (mode 0600), replaced atomically.

    Several processes may share the file: every read-modify-write holds an OS file lock on a
    side file (``<name>.lock``), so no update is lost, and a token is replaced only by one that
    lives at least as long. ``lock(key)`` holds a second side file (``<name>.login.lock``)
    around a refresh, so processes sharing an account log in once (one lock for the whole
    file: logins of different accounts in one file take turns). A file more open than 0600 is
    tightened with a warning; a file that cannot be read or decoded is warned about and
    treated as empty.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()
        self._warned: set[str] = set()

    def __repr__(self) -> str:
        return f"FileTokenStore({str(self.path)!r})"

    @property
    def _update_lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    @property
    def _login_lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".login.lock")

    def _warn_once(self, kind: str, message: str, *args: object) -> None:
        if kind not in self._warned:
            self._warned.add(kind)
            _LOGGER.warning(message, *args)

    def _tighten(self, fd: int) -> None:
        mode = stat.S_IMODE(os.fstat(fd).st_mode)
        if mode & 0o077:
            os.fchmod(fd, 0o600)
            self._warn_once(
                "mode",
                "token file %s was readable by others (mode %o); changed it to 0600",
                self.path,
                mode,
            )

    def _read_all(self) -> dict[str, Any]:
        try:
            with os.fdopen(os.open(self.path, os.O_RDONLY), "rb") as handle:
                with contextlib.suppress(OSError):
                    self._tighten(handle.fileno())
                raw = handle.read()
        except FileNotFoundError:
            return {}
        except OSError as err:
            self._warn_once(
                "read",
                "cannot read token file %s (%s); treating it as empty",
                self.path,
                type(err).__name__,
            )
            return {}
        try:
            data = json.loads(raw.decode("utf-8"))
        except ValueError:  # UnicodeDecodeError is a ValueError too
            self._warn_once(
                "decode", "token file %s is not valid UTF-8 JSON; treating it as empty", self.path
            )
            return {}
        return data if isinstance(data, dict) else {}

    def _write_all(self, data: dict[str, Any]) -> None:
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

    def _open_lock_file(self, path: Path) -> int:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    def _update(self, key: str, token: UserToken) -> None:
        fd = self._open_lock_file(self._update_lock_path)
        try:
            # Blocking is fine here: this runs in a worker thread, and the holder only reads
            # and rewrites a small file.
            fcntl.flock(fd, fcntl.LOCK_EX)
            data = self._read_all()
            if _is_newer(token, data.get(key)):
                data[key] = token_to_dict(token)
                self._write_all(data)
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    async def load(self, key: str) -> UserToken | None:
        """The token filed under ``key``, or None (also for an entry that does not decode)."""
        data = await asyncio.to_thread(self._read_all)
        entry = data.get(key)
        if not isinstance(entry, dict):
            return None
        try:
            return token_from_dict(entry)
        except (KeyError, TypeError, ValueError):
            return None

    async def save(self, key: str, token: UserToken) -> None:
        """File ``token`` under ``key``, unless the file holds a longer-living one there."""
        await asyncio.to_thread(self._update, key, token)

    @contextlib.asynccontextmanager
    async def lock(self, key: str) -> AsyncIterator[None]:
        """Hold the file's login lock (across processes) while a refresh runs.

        The lock is polled without blocking, so waiting for it never blocks the event loop
        and a waiter can be cancelled; the OS frees it if the holder dies.
        """
        del key  # one login lock per file, see the class docstring
        fd = await asyncio.to_thread(self._open_lock_file, self._login_lock_path)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as err:
                    if err.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                        raise
                await asyncio.sleep(_FILE_LOCK_POLL)
            yield
        finally:
            os.close(fd)


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


def _same_error(error: GizwitsError) -> GizwitsError:
    """A copy of a remembered error to raise again (its traceback not shared)."""
    try:
        clone = copy.copy(error)
    except Exception:  # noqa: BLE001 - an odd subclass: raise the original instead
        return error
    clone.__traceback__ = None
    return clone


class TokenManager:
    """Caches the user token and renews it: single flight, refresh ahead of expiry.

    One refresh at a time runs as a task of the manager's own, with its own timeout
    (``login_timeout``). Every caller that needs a token awaits that task, for no longer than
    its own deadline; cancelling a caller never cancels the login. A failed login is
    remembered for ``LOGIN_FAILURE_WINDOW`` seconds, and the callers of that window get the
    same error without a new login (new credentials clear it).
    """

    def __init__(
        self,
        login: LoginFunction | None,
        *,
        token: UserToken | None = None,
        store: TokenStore | None = None,
        store_key: str | None = "default",
        key_for_uid: Callable[[str], str] | None = None,
        on_token_update: TokenCallback | None = None,
        refresh_margin: float | None = None,
        clock: Callable[[], float] = time.time,
        login_timeout: float = DEFAULT_LOGIN_TIMEOUT,
    ) -> None:
        self._login = login
        self._token: UserToken | None = None
        self._refresh_at = 0.0
        self._store = store if store is not None else MemoryTokenStore()
        self._store_key = store_key
        self._key_for_uid = key_for_uid
        self._on_update = on_token_update
        self._refresh_margin = refresh_margin
        self._clock = clock
        self.login_timeout = login_timeout
        self._loaded = token is not None or store_key is None
        self._credentials_rejected = False
        self._ignore_shared_block = False
        self._waiters: _Waiters | None = None  # the refresh under way and who waits for it
        self._failure: GizwitsError | None = None
        self._failure_until = 0.0
        self._next_login_at = 0.0
        self._refused: collections.deque[str] = collections.deque(maxlen=8)
        self._lock = _LoopLock()
        self.logins = 0
        self.login_attempts = 0
        self._cache(token)
        lease = getattr(self._store, "lease", None)
        if isinstance(lease, int | float) and lease <= login_timeout:
            _LOGGER.warning(
                "the token store's lock lease (%.0fs) does not outlive the login timeout "
                "(%.0fs): a slow login may be repeated by another process",
                lease,
                login_timeout,
            )

    def __repr__(self) -> str:
        state = "token" if self._token else "no token"
        return f"TokenManager({state}, can_login={self._login is not None})"

    @property
    def token(self) -> UserToken | None:
        """The cached token (fresh or not)."""
        return self._token

    @property
    def store_key(self) -> str | None:
        """The key the account's token is filed under (None until the account is known)."""
        return self._store_key

    def set_login(self, login: LoginFunction | None, *, store_key: str | None = None) -> None:
        """New credentials: automatic log-ins are allowed again, a remembered failure is
        forgotten, and ``store_key`` (when given) names the account from now on."""
        self._login = login
        self._credentials_rejected = False
        self._ignore_shared_block = True
        self._failure = None
        self._next_login_at = 0.0
        if store_key is not None and store_key != self._store_key:
            self._store_key = store_key
            self._loaded = False
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
        """Seconds before ``expire_at`` at which ``token`` is renewed."""
        if self._refresh_margin is not None:
            return self._refresh_margin
        lifetime = token.lifetime()
        if lifetime is None or lifetime <= 0:
            return DEFAULT_MAX_MARGIN
        return min(DEFAULT_MAX_MARGIN, lifetime / 2)

    def _is_usable(self, token: UserToken | None) -> bool:
        """Whether a token found in the store may be adopted instead of logging in."""
        if token is None or token.token in self._refused:
            return False
        limit = token.expire_at.timestamp()
        if self._login is not None:
            limit -= self.margin(token)
        return self._clock() < limit

    def fresh_token(self) -> UserToken | None:
        """The cached token if it is fit to send now, without waiting for anything."""
        token = self._token
        if token is not None and self._clock() < self._refresh_at:
            return token
        return None

    async def ensure_token(self, deadline: float | None = None) -> UserToken:
        """A token fit to send now, logging in if needed (one login at a time).

        ``deadline`` (on the running loop's clock) bounds the wait for a login that is
        under way; the login itself goes on for the callers that come after.
        """
        token = self._token
        if token is not None and self._clock() < self._refresh_at:
            return token
        if self._failure is not None:
            if self._clock() < self._failure_until:
                raise _same_error(self._failure)
            self._failure = None
        loop = asyncio.get_running_loop()
        waiters = self._waiters
        if waiters is None or waiters.flight.done() or waiters.flight.get_loop() is not loop:
            flight = loop.create_task(self._refresh(), name="gizwits-token-refresh")
            waiters = self._waiters = _Waiters(flight)
        return await waiters.wait(deadline)

    async def _refresh(self) -> UserToken:
        """The one refresh: load, adopt from the store or log in, under the login timeout."""
        current = self._token
        try:
            async with asyncio.timeout(self.login_timeout):
                return await self._refresh_steps()
        except TimeoutError as err:
            error: GizwitsError = GizwitsTimeoutError(
                f"the login did not finish within {self.login_timeout:.1f}s"
            )
            self._remember_failure(error)
            raise error from err
        except GizwitsInvalidCredentialsError as err:
            self._remember_failure(err)
            raise
        except GizwitsError as err:
            now = self._clock()
            if (
                current is not None
                and current is self._token
                and current.expires_in(now) > 0
                and current.token not in self._refused
            ):
                # Keep serving the current token, and do not retry the refresh on every call
                # while the cloud is failing: wait a little (never past expiry).
                self._refresh_at = min(current.expire_at.timestamp(), now + REFRESH_RETRY_DELAY)
                _LOGGER.warning("token refresh failed; using the current token until it expires")
                return current
            self._remember_failure(err)
            raise

    def _remember_failure(self, error: GizwitsError) -> None:
        self._failure = error
        self._failure_until = self._clock() + LOGIN_FAILURE_WINDOW

    async def _refresh_steps(self) -> UserToken:
        if not self._loaded:
            await self._load_from_store()
        token = self._token
        if token is not None and self._clock() < self._refresh_at:
            return token
        if self._login is None:
            if token is None and not self._refused:
                # Never had a token to send: the client is configured without a user.
                raise GizwitsConfigurationError("no user token, and no credentials to log in with")
            raise GizwitsAuthError(
                401,
                ErrorCode.TOKEN_EXPIRED if token is not None else ErrorCode.TOKEN_INVALID,
                "no valid user token, and no credentials to log in with",
            )
        if self._credentials_rejected:
            raise GizwitsInvalidCredentialsError(
                400,
                ErrorCode.USERNAME_PASSWORD_ERROR,
                "credentials were refused earlier; set new ones to log in again",
            )
        wait = self._next_login_at - self._clock()
        if wait > 0:
            if token is not None and token.token not in self._refused:
                return token
            raise GizwitsAuthError(
                401,
                ErrorCode.TOKEN_EXPIRED,
                f"the cloud's last token was already expired; next login in {wait:.0f}s",
            )
        key = self._store_key
        lock = getattr(self._store, "lock", None)
        if key is None or lock is None:
            return await self._login_and_accept()
        async with lock(key):
            adopted = await self._adopt_stored(key)
            if adopted is not None:
                return adopted
            await self._check_shared_block(key)
            return await self._login_and_accept()

    async def _adopt_stored(self, key: str) -> UserToken | None:
        """The token another client or process filed meanwhile, if it is fit to use."""
        try:
            stored = await self._store.load(key)
        except OSError as err:
            _LOGGER.warning("could not load the user token: %s", type(err).__name__)
            return None
        if stored is None:
            return None
        if stored.token in self._refused:
            discard = getattr(self._store, "discard", None)
            if discard is not None:
                await discard(key, stored.token)
            return None
        if not self._is_usable(stored):
            return None
        self._cache(stored)
        await self._notify(stored)
        return stored

    async def _check_shared_block(self, key: str) -> None:
        blocked = getattr(self._store, "login_blocked", None)
        if blocked is None or self._ignore_shared_block:
            return
        remaining = await blocked(key)
        if remaining > 0:
            raise GizwitsInvalidCredentialsError(
                400,
                ErrorCode.USERNAME_PASSWORD_ERROR,
                f"another process had these credentials refused; no login for {remaining:.0f}s",
            )

    async def _login_and_accept(self) -> UserToken:
        assert self._login is not None  # noqa: S101 - checked by the caller
        self.login_attempts += 1
        try:
            fresh = await self._login()
        except GizwitsInvalidCredentialsError:
            self._credentials_rejected = True
            block = getattr(self._store, "block_login", None)
            if block is not None and self._store_key is not None:
                await block(self._store_key, LOGIN_BLOCK_SECONDS)
            raise
        finally:
            self._ignore_shared_block = False
        return await self.accept(fresh)

    async def login_now(self, login: LoginFunction) -> UserToken:
        """An explicit log-in (``client.login``): its result replaces the cached token."""
        async with self._lock.get():
            self._loaded = True
            self.login_attempts += 1
            fresh = await login()
            self._credentials_rejected = False
            self._failure = None
            return await self.accept(fresh)

    async def accept(self, token: UserToken) -> UserToken:
        """Cache a new token (stamped with its issue time), persist it and tell the host.

        A token that arrives with less than ``MIN_TOKEN_LIFETIME`` seconds left is used as it
        is, and no further login is made for ``LOGIN_FAILURE_WINDOW`` seconds.
        """
        now = self._clock()
        if token.issued_at is None:
            token = UserToken(
                uid=token.uid,
                token=token.token,
                expire_at=token.expire_at,
                issued_at=datetime.fromtimestamp(now, UTC),
                extra=token.extra,
            )
        if self._store_key is None and self._key_for_uid is not None:
            self._store_key = self._key_for_uid(token.uid)
        self._cache(token)
        self._failure = None
        self.logins += 1
        if token.expires_in(now) < MIN_TOKEN_LIFETIME:
            self._next_login_at = now + LOGIN_FAILURE_WINDOW
            self._refresh_at = self._next_login_at
            _LOGGER.warning(
                "the cloud issued a token with %.0fs left; using it, and not logging in again "
                "for %.0fs",
                token.expires_in(now),
                LOGIN_FAILURE_WINDOW,
            )
        if self._store_key is not None:
            try:
                await self._store.save(self._store_key, token)
            except OSError as err:
                _LOGGER.warning("could not save the user token: %s", type(err).__name__)
        await self._notify(token)
        return token

    async def _notify(self, token: UserToken) -> None:
        if self._on_update is None:
            return
        try:
            result = self._on_update(token)
            if inspect.isawaitable(result):
                await result
        except Exception as err:  # noqa: BLE001 - a host callback must not break the call
            _LOGGER.warning("on_token_update raised %s", type(err).__name__)

    async def _load_from_store(self) -> None:
        self._loaded = True
        if self._store_key is None:
            return
        try:
            stored = await self._store.load(self._store_key)
        except OSError as err:
            _LOGGER.warning("could not load the user token: %s", type(err).__name__)
            return
        if stored is not None and self._token is None and stored.token not in self._refused:
            self._cache(stored)

    def invalidate(self, token: str) -> None:
        """Forget the cached token, but only if it is the one the server refused; a refused
        token is never adopted from the store again."""
        if token not in self._refused:
            self._refused.append(token)
        if self._token is not None and self._token.token == token:
            self._cache(None)


class _Waiters:
    """The callers waiting for one refresh (``flight``): a future each, all settled when the
    refresh ends, and one timer for all their deadlines rather than a shield and a timer each.

    A token storm's callers wait together and give up within milliseconds of each other; a
    shield and an ``asyncio.timeout`` per caller cost 11 us each, a future 4. A caller that is
    cancelled cancels only its own future: the refresh goes on for the others.
    """

    def __init__(self, flight: asyncio.Task[UserToken]) -> None:
        self.flight = flight
        self._loop = flight.get_loop()
        self._futures: list[asyncio.Future[UserToken]] = []
        self._deadlines: list[tuple[float, int, asyncio.Future[UserToken]]] = []  # a heap
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = math.inf
        flight.add_done_callback(self._settle)

    def wait(self, deadline: float | None) -> asyncio.Future[UserToken]:
        """A future for the refresh's outcome; past ``deadline`` (on the loop's clock) it
        fails with ``GizwitsTimeoutError`` while the refresh goes on."""
        future: asyncio.Future[UserToken] = self._loop.create_future()
        self._futures.append(future)
        if deadline is not None:
            heapq.heappush(self._deadlines, (deadline, len(self._futures), future))
            if deadline < self._timer_at:
                self._arm(deadline)
        return future

    def _arm(self, when: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = when
        self._timer = self._loop.call_at(when, self._expire)

    def _expire(self) -> None:
        """The earliest deadline is due: fail the waiters whose deadline has passed."""
        if self.flight.done():  # its outcome is on the way to every waiter
            self._settle(self.flight)
            return
        due = max(self._timer_at, self._loop.time())
        self._timer, self._timer_at = None, math.inf
        while self._deadlines and self._deadlines[0][0] <= due:
            future = heapq.heappop(self._deadlines)[2]
            if not future.done():
                future.set_exception(
                    GizwitsTimeoutError("the call's deadline ran out while it waited for the login")
                )
        if self._deadlines:
            self._arm(self._deadlines[0][0])

    def _settle(self, flight: asyncio.Task[UserToken]) -> None:
        """The refresh ended: hand its token or its error to every caller still waiting (its
        error is marked as seen even when none is left)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer, self._timer_at = None, math.inf
        futures, self._futures, self._deadlines = self._futures, [], []
        if flight.cancelled():
            for future in futures:
                future.cancel()
            return
        error = flight.exception()
        waiting = [future for future in futures if not future.done()]
        if error is not None:
            for future in waiting:
                future.set_exception(error)
            return
        token = flight.result()
        for future in waiting:
            future.set_result(token)


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
        """The cached application token, or a fresh one from ``POST /app/request_token``; one
        request at a time."""
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
        """Cache an application token obtained elsewhere (``users.request_app_token()``)."""
        self._token = token

    def invalidate(self, token: str) -> None:
        """Forget the cached application token if it is the one the server refused."""
        if self._token is not None and self._token.token == token:
            self._token = None


def application_auth(app_id: str, app_secret: str) -> str:
    """``X-Gizwits-Application-Auth``: lower-case hex md5 of app id + app secret."""
    return hashlib.md5((app_id + app_secret).encode(), usedforsecurity=False).hexdigest()
