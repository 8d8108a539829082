"""Many processes, one account: a token store and a rate limiter shared through Redis.

``RedisTokenStore`` lets N processes (web workers, pollers on several machines) log in once per
account: a refresh takes a lease lock, looks in Redis again and adopts what another process
filed. ``RedisRateLimiter`` counts every request start of every process in one log on the
Redis server's clock. Needs the ``redis`` extra: ``pip install 'gizwits-async[redis]'``.

Every Redis call is bounded by ``timeout`` (sub-second by default) and never retried by
redis-py behind our back. When Redis is down or silent the client keeps serving the token it
holds, logs in on its own (one login per process at a time) and limits locally, with one
warning per outage; it uses Redis again once Redis answers (tried every ``retry_interval``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import secrets
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

try:
    from redis.asyncio import Redis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff
    from redis.exceptions import RedisError
except ImportError as err:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "gizwits_async.redis needs the redis package: pip install 'gizwits-async[redis]'"
    ) from err

from gizwits_async.auth import token_from_dict, token_to_dict
from gizwits_async.models.users import UserToken
from gizwits_async.ratelimit import LocalRateLimiter, check_rate, guarded_window

__all__ = ["RedisRateLimiter", "RedisTokenStore"]

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")

DEFAULT_TIMEOUT = 0.5
DEFAULT_RETRY_INTERVAL = 1.0
# Longer than the client's default login timeout (total_timeout 60 s + 5 s), so a slow login
# never loses its lock to another process; a holder that dies frees it when the lease ends.
DEFAULT_LEASE = 90.0
_LOCK_POLL = 0.05
_SCHEMES = ("redis", "rediss", "unix")
_URL_PASSWORD = re.compile(r"(//[^/@:]*:)[^/@]*@")
_QUERY_PASSWORD = re.compile(r"(?i)(password=)[^&]*")

# Save only if newer (a late writer never replaces a longer-living token); a saved token also
# lifts a shared login block, since the credentials evidently work again.
_SAVE = """
local stored = redis.call('HGET', KEYS[1], 'expire_at')
if stored and tonumber(stored) > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'expire_at', ARGV[1], 'token', ARGV[2], 'data', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('DEL', KEYS[2])
return 1
"""
_DISCARD = """
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
# One reservation in a log of start times, on the server's clock (microseconds): a start may
# be at the earliest one window after the start `slots` places before it, and not before the
# shared pause ends. Returns how long the caller waits for its reserved start.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local slots = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local start = now
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > start then start = paused end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= slots then
  local nth = redis.call('ZRANGE', KEYS[1], -slots, -slots, 'WITHSCORES')
  local earliest = tonumber(nth[2]) + window
  if earliest > start then start = earliest end
end
redis.call('ZADD', KEYS[1], start, ARGV[3])
redis.call('PEXPIRE', KEYS[1], math.ceil((start - now + window) / 1000) + 1000)
return start - now
"""
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local until_ = now + tonumber(ARGV[1])
local paused = tonumber(redis.call('GET', KEYS[1]) or '0')
if paused < until_ then
  redis.call('SET', KEYS[1], string.format('%.0f', until_), 'PX', math.ceil(ARGV[1] / 1000) + 1000)
end
return 1
"""


def redact_url(url: str) -> str:
    """``url`` with its password (in the authority or the query) replaced by ``***``."""
    return _QUERY_PASSWORD.sub(r"\1***", _URL_PASSWORD.sub(r"\1***@", url))


def _check_positive(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")
    if value == float("inf"):
        raise ValueError(f"{name} must be finite")
    return float(value)


def _client_for(redis: Redis | str, timeout: float) -> tuple[Redis, bool]:
    """The client to use and whether we own it (made from a URL, closed by ``aclose``)."""
    if isinstance(redis, Redis):
        return redis, False
    if not isinstance(redis, str):
        raise TypeError("redis must be a redis.asyncio.Redis or a redis:// URL string")
    if "://" not in redis:
        # Not a URL at all: it might be a bare password, so it is not repeated.
        raise ValueError("redis URL must look like redis://host:6379/0 (rediss://, unix://)")
    shown = redact_url(redis)
    try:
        parts = urlsplit(redis)
        _ = parts.port  # a port that is not a number raises here
    except ValueError:
        raise ValueError(f"redis URL {shown!r} does not parse") from None
    if parts.scheme not in _SCHEMES:
        raise ValueError(
            f"redis URL {shown!r} has scheme {parts.scheme!r}; use redis://, rediss:// or unix://"
        )
    if parts.scheme != "unix" and not parts.hostname:
        raise ValueError(f"redis URL {shown!r} names no host")
    try:
        client = Redis.from_url(
            redis,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
        )
    except ValueError:
        raise ValueError(f"redis URL {shown!r} is not a valid Redis URL") from None
    return client, True


class _Health:
    """Whether Redis answers, shared by the stores and limiters of one Redis client, so that
    an outage is warned about once and Redis is not asked while it is known to be down."""

    def __init__(self, retry_interval: float) -> None:
        self.retry_interval = retry_interval
        self.down = False
        self._retry_at = 0.0

    def may_try(self) -> bool:
        return not self.down or time.monotonic() >= self._retry_at

    def failed(self, what: str, err: BaseException) -> None:
        self._retry_at = time.monotonic() + self.retry_interval
        if not self.down:
            self.down = True
            _LOGGER.warning(
                "Redis is unreachable (%s while %s); serving the token in memory, logging in "
                "and rate limiting in this process only until it answers again",
                type(err).__name__,
                what,
            )

    def answered(self) -> None:
        if self.down:
            self.down = False
            _LOGGER.warning("Redis answers again; sharing tokens and rate limits through it")


_HEALTH: weakref.WeakKeyDictionary[Redis, _Health] = weakref.WeakKeyDictionary()


class _RedisUser:
    """What the store and the limiter share: the client, bounded calls, the outage state."""

    def __init__(
        self, redis: Redis | str, *, prefix: str, timeout: float, retry_interval: float
    ) -> None:
        if not isinstance(prefix, str):
            raise TypeError("prefix must be a string")
        self._timeout = _check_positive("timeout", timeout)
        retry_interval = _check_positive("retry_interval", retry_interval)
        self.prefix = prefix
        self.redis, self._owns_client = _client_for(redis, self._timeout)
        health = _HEALTH.get(self.redis)
        if health is None:
            health = _HEALTH[self.redis] = _Health(retry_interval)
        self._health = health

    async def _call(self, what: str, call: Callable[[], Awaitable[_T]], fallback: _T) -> _T:
        """Run one Redis call under the timeout; ``fallback`` while Redis is down."""
        if not self._health.may_try():
            return fallback
        try:
            async with asyncio.timeout(self._timeout):
                result = await call()
        except (RedisError, OSError, TimeoutError) as err:
            self._health.failed(what, err)
            return fallback
        self._health.answered()
        return result

    async def aclose(self) -> None:
        """Close the Redis client if it was made here from a URL (a borrowed one stays open)."""
        if self._owns_client:
            await self.redis.aclose()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisTokenStore(_RedisUser):
    """A ``TokenStore`` in Redis, shared by every process that uses the same account.

    ``redis`` is a ``redis.asyncio.Redis`` (borrowed, never closed here) or a URL
    (``redis://``, ``rediss://`` for TLS, ``unix://``; user and password as
    ``redis://user:password@host:6379/0`` for an ACL user). Keys: ``<prefix>token:<key>``
    (a hash: expire_at, token, data), ``<prefix>lock:<key>`` (the refresh lease),
    ``<prefix>block:<key>`` (no logins after the cloud refused the credentials).

    ``lease`` must outlive the client's login timeout (``total_timeout`` + 5 s); the default
    covers the default client.
    """

    def __init__(
        self,
        redis: Redis | str,
        *,
        prefix: str = "gizwits:",
        lease: float = DEFAULT_LEASE,
        timeout: float = DEFAULT_TIMEOUT,
        retry_interval: float = DEFAULT_RETRY_INTERVAL,
    ) -> None:
        super().__init__(redis, prefix=prefix, timeout=timeout, retry_interval=retry_interval)
        self.lease = _check_positive("lease", lease)
        self._save = self.redis.register_script(_SAVE)
        self._discard = self.redis.register_script(_DISCARD)
        self._release = self.redis.register_script(_RELEASE)

    def __repr__(self) -> str:
        return f"RedisTokenStore(prefix={self.prefix!r}, lease={self.lease!r})"

    def _key(self, kind: str, key: str) -> str:
        return f"{self.prefix}{kind}:{key}"

    async def load(self, key: str) -> UserToken | None:
        """The token filed under ``key``; None if there is none, or Redis does not answer."""
        raw = await self._call(
            "loading a token",
            lambda: self.redis.hget(self._key("token", key), "data"),
            None,
        )
        text = _text(raw)
        if text is None:
            return None
        try:
            return token_from_dict(json.loads(text))
        except (KeyError, TypeError, ValueError):
            return None

    async def save(self, key: str, token: UserToken) -> None:
        """File ``token`` under ``key``, unless Redis holds one that lives longer (atomic)."""
        expire_at = token.expire_at.timestamp()
        ttl = max(60, int(expire_at - time.time()) + 60)
        data = json.dumps(token_to_dict(token))
        await self._call(
            "saving a token",
            lambda: self._save(
                keys=[self._key("token", key), self._key("block", key)],
                args=[repr(expire_at), token.token, data, ttl],
            ),
            None,
        )

    async def discard(self, key: str, token: str) -> None:
        """Drop the stored token if it is still ``token`` (one the cloud refused)."""
        await self._call(
            "discarding a refused token",
            lambda: self._discard(keys=[self._key("token", key)], args=[token]),
            None,
        )

    async def block_login(self, key: str, seconds: float) -> None:
        """Ask every process not to log in to this account for ``seconds``."""
        await self._call(
            "blocking logins",
            lambda: self.redis.set(self._key("block", key), "1", px=int(seconds * 1000)),
            None,
        )

    async def login_blocked(self, key: str) -> float:
        """Seconds left of a shared login block (0 when there is none)."""
        left = await self._call(
            "reading the login block", lambda: self.redis.pttl(self._key("block", key)), -2
        )
        return max(0.0, float(left) / 1000)

    @contextlib.asynccontextmanager
    async def lock(self, key: str) -> AsyncIterator[None]:
        """Hold the account's refresh lease while a refresh runs (across processes).

        ``SET NX PX`` with a random owner value, released by compare-and-delete, so a holder
        that outlived its lease never frees another's. Without Redis the refresh goes on
        unlocked: the token manager still logs in once per process.
        """
        name = self._key("lock", key)
        owner = secrets.token_hex(16)
        lease_ms = int(self.lease * 1000)
        held = False
        while self._health.may_try():
            got = await self._call(
                "taking the login lock",
                lambda: self.redis.set(name, owner, nx=True, px=lease_ms),
                None,
            )
            if got:
                held = True
                break
            if self._health.down:
                break
            await asyncio.sleep(_LOCK_POLL * (0.5 + secrets.randbelow(1000) / 1000))
        try:
            yield
        finally:
            if held:
                await self._call(
                    "releasing the login lock",
                    lambda: self._release(keys=[name], args=[owner]),
                    None,
                )


class RedisRateLimiter(_RedisUser):
    """A ``RateLimiter`` shared through Redis: at most ``rate`` request starts in any window of
    ``per`` seconds across every process using the same ``prefix`` and ``name``.

    One Lua script per attempt reserves a start on the Redis server's clock (client clocks do
    not matter) and returns the wait; ``pause(seconds)`` sets a shared "paused until" that
    every reservation respects. While Redis is down, each process limits itself to ``rate``.
    """

    def __init__(
        self,
        redis: Redis | str,
        *,
        rate: float,
        per: float = 1.0,
        prefix: str = "gizwits:",
        name: str = "requests",
        timeout: float = DEFAULT_TIMEOUT,
        retry_interval: float = DEFAULT_RETRY_INTERVAL,
    ) -> None:
        slots, window = check_rate(rate, per)
        super().__init__(redis, prefix=prefix, timeout=timeout, retry_interval=retry_interval)
        self.rate = rate
        self.per = per
        self.name = name
        self._slots = slots
        self._window_us = round(guarded_window(window) * 1_000_000)
        self._fallback = LocalRateLimiter(rate, per)
        self._reserve = self.redis.register_script(_RESERVE)
        self._pause = self.redis.register_script(_PAUSE)
        self._log_key = f"{prefix}ratelimit:{name}"
        self._paused_key = f"{prefix}ratelimit:{name}:paused"

    def __repr__(self) -> str:
        return f"RedisRateLimiter(rate={self.rate!r}, per={self.per!r}, prefix={self.prefix!r})"

    async def acquire(self) -> None:
        """Reserve the next start (one round trip) and wait for it."""
        member = secrets.token_hex(8)
        wait_us = await self._call(
            "reserving a request slot",
            lambda: self._reserve(
                keys=[self._log_key, self._paused_key],
                args=[self._slots, self._window_us, member],
            ),
            None,
        )
        if wait_us is None:
            await self._fallback.acquire()
            return
        if int(wait_us) > 0:
            await asyncio.sleep(int(wait_us) / 1_000_000)

    async def pause(self, seconds: float) -> None:
        """Let no process start a request for ``seconds`` (measured on the Redis clock)."""
        if not seconds > 0 or seconds == float("inf"):
            return
        await self._fallback.pause(seconds)
        await self._call(
            "pausing the rate limit",
            lambda: self._pause(keys=[self._paused_key], args=[round(seconds * 1_000_000)]),
            None,
        )
