"""RedisTokenStore and RedisRateLimiter against a real redis-server the tests start."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from gizwits_async import (
    GizwitsClient,
    GizwitsInvalidCredentialsError,
    RateLimiter,
    TokenStore,
    UserToken,
)
from gizwits_async.redis import RedisRateLimiter, RedisTokenStore, redact_url
from gizwits_async.simulator import GizwitsSimulator
from tests.conftest import PASSWORD, PRODUCT_KEY, USERNAME, ClientFactory
from tests.redis_server import (
    RedisServer,
    commands_processed,
    own_redis_server,
    redis_client,
    redis_server,
    redis_url,
)

__all__ = ["own_redis_server", "redis_client", "redis_server", "redis_url"]  # fixtures

LOGIN = "/app/login"


def _token(value: str, expires_in: float) -> UserToken:
    return UserToken(
        uid="u1", token=value, expire_at=datetime.fromtimestamp(time.time() + expires_in, UTC)
    )


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://user:hunter2-secret@localhost:6379/0",
        "redis://user:hunter2-secret@localhost:notaport/0",
        "hunter2-secret",
        "redis://:hunter2-secret@/0",
    ],
)
def test_a_bad_redis_url_raises_value_error_without_its_password(url: str) -> None:
    with pytest.raises(ValueError, match="redis URL") as caught:
        RedisTokenStore(url)
    assert "hunter2-secret" not in str(caught.value)
    with pytest.raises(ValueError, match="redis URL") as caught:
        RedisRateLimiter(url, rate=5)
    assert "hunter2-secret" not in str(caught.value)


def test_redact_url_hides_passwords_in_the_authority_and_the_query() -> None:
    assert redact_url("rediss://app:s3cret@redis.example:6380/1") == (
        "rediss://app:***@redis.example:6380/1"
    )
    assert redact_url("unix:///run/redis.sock?password=s3cret&db=2") == (
        "unix:///run/redis.sock?password=***&db=2"
    )


def test_a_redis_argument_that_is_neither_client_nor_url_raises_type_error() -> None:
    with pytest.raises(TypeError, match="redis"):
        RedisTokenStore(6379)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [0, -1, math.inf, math.nan, True, "10"])
def test_rate_and_per_must_be_positive_finite_numbers(value: object) -> None:
    with pytest.raises(ValueError, match="rate"):
        RedisRateLimiter("redis://127.0.0.1:1/0", rate=value)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="per"):
        RedisRateLimiter("redis://127.0.0.1:1/0", rate=5, per=value)  # type: ignore[arg-type]


def test_the_redis_parts_satisfy_the_protocols_and_hide_urls_in_repr() -> None:
    store = RedisTokenStore("redis://app:hunter2-secret@127.0.0.1:1/0", prefix="p:")
    limiter = RedisRateLimiter("rediss://app:hunter2-secret@127.0.0.1:1/0", rate=5)
    assert isinstance(store, TokenStore)
    assert isinstance(limiter, RateLimiter)
    assert "hunter2" not in repr(store) + repr(limiter)


# -- the store ---------------------------------------------------------------------------------


async def test_save_keeps_the_longer_living_token_and_load_round_trips(redis_url: str) -> None:
    store = RedisTokenStore(redis_url, prefix="t:")
    assert await store.load("k") is None
    await store.save("k", _token("fresh", 3600))
    await store.save("k", _token("late-and-older", 60))
    stored = await store.load("k")
    assert stored is not None
    assert stored.token == "fresh"
    await store.save("k", _token("newer", 7200))
    stored = await store.load("k")
    assert stored is not None
    assert stored.token == "newer"
    await store.aclose()


async def test_discard_drops_only_the_token_still_stored(redis_url: str) -> None:
    store = RedisTokenStore(redis_url)
    await store.save("k", _token("current", 3600))
    await store.discard("k", "some-older-token")
    assert (await store.load("k")) is not None
    await store.discard("k", "current")
    assert await store.load("k") is None
    await store.aclose()


async def test_the_lease_lock_excludes_a_second_holder_until_released(
    redis_url: str, redis_client: Redis
) -> None:
    store = RedisTokenStore(redis_url, lease=5.0)
    other = RedisTokenStore(redis_url, lease=5.0)
    order: list[str] = []

    async def second() -> None:
        async with other.lock("k"):
            order.append("second")

    async with store.lock("k"):
        task = asyncio.create_task(second())
        await asyncio.sleep(0.2)
        assert not task.done()
        assert 0 < await redis_client.pttl("gizwits:lock:k") <= 5000
        order.append("first")
    await task
    assert order == ["first", "second"]
    assert await redis_client.exists("gizwits:lock:k") == 0
    await store.aclose()
    await other.aclose()


async def test_a_lease_that_ran_out_is_not_freed_by_its_old_holder(
    redis_url: str, redis_client: Redis
) -> None:
    store = RedisTokenStore(redis_url, lease=0.2)
    async with store.lock("k"):
        await asyncio.sleep(0.3)  # the lease ran out; another process takes the lock
        await redis_client.set("gizwits:lock:k", "someone-else", px=5000)
    assert await redis_client.get("gizwits:lock:k") == b"someone-else"
    await store.aclose()


async def test_a_fresh_cached_token_costs_no_redis_round_trip(
    sim: GizwitsSimulator,
    make_client: ClientFactory,
    alice_uid: str,
    redis_url: str,
    redis_client: Redis,
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    store = RedisTokenStore(redis_url)
    async with make_client(app_secret=None, token_store=store) as client:
        await client.devices.latest(did)  # logs in: lock, load, block check, save, release
        before = await commands_processed(redis_client)
        for _ in range(100):
            await client.devices.latest(did)
        after = await commands_processed(redis_client)
    assert after - before == 1  # only the first INFO itself
    await store.aclose()


async def test_a_rate_limited_call_costs_one_redis_round_trip_per_attempt(
    sim: GizwitsSimulator, make_client: ClientFactory, alice_uid: str, redis_url: str
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    redis = Redis.from_url(redis_url)
    sent: list[object] = []
    execute = redis.execute_command

    async def counting(*args: object, **kwargs: object) -> object:
        sent.append(args[0])
        return await execute(*args, **kwargs)  # type: ignore[no-untyped-call]

    redis.execute_command = counting  # type: ignore[method-assign]
    limiter = RedisRateLimiter(redis, rate=10_000)
    async with make_client(app_secret=None, rate_limiter=limiter) as client:
        await client.devices.latest(did)  # the login and the call; loads the script
        sent.clear()
        for _ in range(50):
            await client.devices.latest(did)
    assert sent == ["EVALSHA"] * 50
    await redis.aclose()


async def test_refused_credentials_block_logins_in_other_processes(
    sim: GizwitsSimulator, make_client: ClientFactory, redis_url: str, redis_client: Redis
) -> None:
    def client(store: RedisTokenStore) -> GizwitsClient:
        return make_client(password="wrong-password", app_secret=None, token_store=store)

    first, second = RedisTokenStore(redis_url), RedisTokenStore(redis_url)
    async with client(first) as one, client(second) as two:
        with pytest.raises(GizwitsInvalidCredentialsError):
            await one.users.get()
        with pytest.raises(GizwitsInvalidCredentialsError, match="another process"):
            await two.users.get()
    assert sim.count("POST", LOGIN) == 1
    key = f"gizwits:block:{sim.base_url}|{sim.app_id}|{USERNAME}"
    assert await redis_client.pttl(key) > 0
    # New credentials that work lift the block for everyone.
    third = RedisTokenStore(redis_url)
    async with client(third) as three:
        three.use_credentials(password=PASSWORD)
        await three.users.get()
    assert await redis_client.exists(key) == 0
    for store in (first, second, third):
        await store.aclose()


async def test_calls_keep_working_while_redis_is_down_and_use_it_again_after(
    sim: GizwitsSimulator,
    make_client: ClientFactory,
    alice_uid: str,
    own_redis_server: RedisServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    redis = Redis.from_url(own_redis_server.url, socket_timeout=0.3, socket_connect_timeout=0.3)
    store = RedisTokenStore(redis, timeout=0.3, retry_interval=0.2)
    limiter = RedisRateLimiter(redis, rate=1000, timeout=0.3, retry_interval=0.2)
    caplog.set_level(logging.WARNING, logger="gizwits_async.redis")
    async with make_client(app_secret=None, token_store=store, rate_limiter=limiter) as client:
        await client.devices.latest(did)
        own_redis_server.stop()
        for _ in range(20):
            await client.devices.latest(did)  # the token in memory, the local limiter
        # A refused token needs a login: it happens locally, once.
        sim.state.tokens.clear()
        await asyncio.gather(*(client.devices.latest(did) for _ in range(10)))
        assert sim.count("POST", LOGIN) == 2
        unreachable = [r for r in caplog.records if "unreachable" in r.getMessage()]
        assert len(unreachable) == 1
        own_redis_server.start()
        await asyncio.sleep(0.3)  # past retry_interval
        for _ in range(3):
            await client.devices.latest(did)
        assert "answers again" in caplog.text
        checker = Redis.from_url(own_redis_server.url)
        assert await checker.exists("gizwits:ratelimit:requests") == 1
        await checker.aclose()
    await redis.aclose()


# -- the limiter -------------------------------------------------------------------------------


async def test_the_limiter_spaces_a_burst_to_rate_per_window(
    redis_url: str, redis_client: Redis
) -> None:
    limiter = RedisRateLimiter(redis_url, rate=5, per=0.2)
    try:
        await asyncio.gather(*(limiter.acquire() for _ in range(15)))
    finally:
        await limiter.aclose()
    # The starts reserved on the server's clock (microseconds): 5 at once, then 5 a window
    # later, then 5 more; never 6 within one window, and no reservation wasted.
    entries = await redis_client.zrange("gizwits:ratelimit:requests", 0, -1, withscores=True)
    starts = [float(entry[1]) for entry in entries]
    assert len(starts) == 15
    for index in range(len(starts) - 5):
        assert starts[index + 5] - starts[index] >= 200_000
    assert starts[-1] - starts[0] < 3 * 200_000


async def test_a_pause_holds_every_limiter_sharing_the_prefix(redis_url: str) -> None:
    first = RedisRateLimiter(redis_url, rate=100)
    second = RedisRateLimiter(redis_url, rate=100)
    loop = asyncio.get_running_loop()
    await first.pause(0.3)
    started = loop.time()
    await second.acquire()
    assert loop.time() - started >= 0.25
    await first.aclose()
    await second.aclose()
