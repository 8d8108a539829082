"""Client-side rate limits: at most ``rate`` request starts in any window of ``per`` seconds.

The client calls ``acquire()`` before every attempt (retries and logins included) and
``pause(seconds)`` when the cloud answers 429/9041 with ``Retry-After``, so nobody sharing the
limiter sends until then. ``LocalRateLimiter`` counts for one process;
``gizwits_async.redis.RedisRateLimiter`` counts for every process sharing a Redis server.

Both keep a log of reserved start times: a request may start once the ``n``-th start before it
lies a full window back. That bounds every window, with no burst on top of ``rate``, and one
reservation decides the wait (the limiter never polls).
"""

from __future__ import annotations

import asyncio
import collections
import math
import time
from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable

# Requests reserved for adjacent windows arrive at the server with some jitter; a slightly
# longer window keeps a late first request and an early last one out of the same window.
WINDOW_GUARD_FRACTION = 0.02
WINDOW_GUARD_MAX = 0.05


@runtime_checkable
class RateLimiter(Protocol):
    """What the client needs from a rate limiter (``rate_limiter=`` of ``GizwitsClient``)."""

    async def acquire(self) -> None:
        """Wait until a request may start, and count it."""
        ...

    async def pause(self, seconds: float) -> None:
        """Let nobody start a request for ``seconds`` (a 429/9041 with ``Retry-After``)."""
        ...


def check_rate(rate: float, per: float) -> tuple[int, float]:
    """Validate ``rate``/``per``; return the whole requests per window and the window (s).

    A fractional rate is rounded down to whole requests per ``per`` seconds; a rate below one
    means one request every ``per / rate`` seconds.
    """
    for name, value in (("rate", rate), ("per", per)):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value <= 0
        ):
            raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    if rate >= 1:
        return int(rate), float(per)
    return 1, float(per) / float(rate)


def guarded_window(window: float) -> float:
    """The window the limiters enforce: ``window`` plus a small guard against jitter."""
    return window + min(WINDOW_GUARD_MAX, window * WINDOW_GUARD_FRACTION)


class LocalRateLimiter:
    """An in-process limiter: at most ``rate`` request starts in any ``per`` seconds.

    Share one instance between the clients of one process that use the same account or app.
    """

    def __init__(
        self,
        rate: float,
        per: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rate = rate
        self.per = per
        self._slots, window = check_rate(rate, per)
        self._window = guarded_window(window)
        self._clock = clock
        self._sleep = sleep
        self._starts: collections.deque[float] = collections.deque(maxlen=self._slots)
        self._paused_until = 0.0

    def __repr__(self) -> str:
        return f"LocalRateLimiter(rate={self.rate!r}, per={self.per!r})"

    def reserve(self) -> float:
        """Reserve the next start; return how many seconds to wait for it."""
        now = self._clock()
        start = max(now, self._paused_until)
        if len(self._starts) == self._slots:
            start = max(start, self._starts[0] + self._window)
        self._starts.append(start)
        return start - now

    async def acquire(self) -> None:
        """Wait until a request may start, and count it."""
        delay = self.reserve()
        if delay > 0:
            await self._sleep(delay)

    async def pause(self, seconds: float) -> None:
        """Let no request start for ``seconds``."""
        if not math.isfinite(seconds) or seconds <= 0:
            return
        self._paused_until = max(self._paused_until, self._clock() + seconds)
