"""LocalRateLimiter on a fake clock: starts per window, pauses, bad input."""

from __future__ import annotations

import math

import pytest

from gizwits_async import LocalRateLimiter, RateLimiter
from gizwits_async.ratelimit import check_rate, guarded_window


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _limiter(rate: float, per: float = 1.0) -> tuple[LocalRateLimiter, FakeTime]:
    fake = FakeTime()
    return LocalRateLimiter(rate, per, clock=fake.clock, sleep=fake.sleep), fake


async def test_at_most_rate_starts_in_any_window_and_no_burst_on_top() -> None:
    limiter, fake = _limiter(3, 1.0)
    starts = []
    for _ in range(9):
        await limiter.acquire()
        starts.append(fake.now)
    window = guarded_window(1.0)
    assert starts[:3] == [100.0] * 3
    for index in range(len(starts) - 3):
        assert starts[index + 3] - starts[index] >= window - 1e-9
    assert isinstance(limiter, RateLimiter)
    assert repr(limiter) == "LocalRateLimiter(rate=3, per=1.0)"


async def test_a_pause_holds_every_start_until_it_ends() -> None:
    limiter, fake = _limiter(100)
    await limiter.pause(2.0)
    await limiter.pause(0.5)  # a shorter pause does not shorten the first
    await limiter.pause(math.nan)
    await limiter.acquire()
    assert fake.now == pytest.approx(102.0)


def test_a_fractional_rate_keeps_whole_requests_per_window() -> None:
    assert check_rate(2.5, 1.0) == (2, 1.0)
    assert check_rate(0.5, 1.0) == (1, 2.0)


@pytest.mark.parametrize("value", [0, -2, math.inf, math.nan, True, "5", None])
def test_rate_and_per_must_be_positive_finite_numbers(value: object) -> None:
    with pytest.raises(ValueError, match="rate"):
        LocalRateLimiter(value)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="per"):
        LocalRateLimiter(5, value)  # type: ignore[arg-type]
