"""Sharing an account through Redis: what it costs per call, and logins per storm.

Sequential ``devices.latest`` on the loopback simulator, in interleaved rounds, three ways:
the in-memory defaults, ``RedisTokenStore`` and ``RedisRateLimiter`` (a budget far above the
call rate, so only its round trip counts). A counting wrapper on the Redis client gives the
Redis commands per call: a fresh cached token must cost none, the limiter one per attempt.
Then 8 worker processes fire 50 calls each on an absent token: logins per storm must be 1.
Needs ``redis-server`` (``make redis-server``). Run: ``python -m benchmarks.redis_shared``.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import attrs
from redis.asyncio import Redis

from benchmarks._common import PASSWORD as BENCH_PASSWORD
from benchmarks._common import PRODUCT_KEY, Row, bench_simulator, user_uid
from benchmarks._common import USERNAME as BENCH_USERNAME
from gizwits_async import GizwitsClient
from gizwits_async.redis import RedisRateLimiter, RedisTokenStore
from gizwits_async.simulator import GizwitsSimulator
from tests.proc_worker import PASSWORD, USERNAME, run_workers
from tests.redis_server import RedisServer

TARGET_STORE = 1.05  # a fresh token: no Redis call, so no measurable cost
# The limiter's figure is its round trips per attempt (at most one); its time ratio is written
# down, not judged: one Redis round trip costs about as much as a call to the in-process
# simulator, so the ratio says more about the simulator's speed than about the limiter.


@attrs.frozen
class SharedResult:
    store_ratio: float
    limiter_ratio: float
    store_spread: tuple[float, float]
    limiter_spread: tuple[float, float]
    store_commands_per_call: float
    limiter_commands_per_call: float
    logins_per_storm: list[int]

    def row(self) -> Row:
        passed = (
            self.store_ratio <= TARGET_STORE
            and self.store_commands_per_call == 0
            and self.limiter_commands_per_call <= 1
            and all(count == 1 for count in self.logins_per_storm)
        )
        return Row(
            name="Redis: sequential devices.latest with RedisTokenStore / RedisRateLimiter",
            baseline="the same calls with the in-memory defaults",
            measured=(
                f"store {self.store_ratio:.3f} x (rounds {self.store_spread[0]:.3f}-"
                f"{self.store_spread[1]:.3f}), {self.store_commands_per_call:g} Redis commands "
                f"per call; limiter {self.limiter_ratio:.3f} x (rounds "
                f"{self.limiter_spread[0]:.3f}-{self.limiter_spread[1]:.3f}), "
                f"{self.limiter_commands_per_call:g} round trip per attempt; logins per storm "
                f"of 8 processes x 50 calls {sorted(set(self.logins_per_storm))}"
            ),
            target=(
                f"store <= {TARGET_STORE} x and 0 commands; limiter <= 1 round trip per "
                "attempt; 1 login"
            ),
            passed=passed,
        )


class CountingRedis(Redis):
    """A client that counts the commands it sends."""

    sent = 0

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        type(self).sent += 1
        return await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]


async def _sequential(client: GizwitsClient, did: str, calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        await client.devices.latest(did)
    return time.perf_counter() - started


async def _storms(sim: GizwitsSimulator, url: str, did: str, storms: int) -> list[int]:
    logins = []
    for _ in range(storms):
        before = sim.state.login_count
        args = {
            "redis": url,
            "prefix": f"bench{uuid.uuid4().hex[:8]}:",
            "app_id": sim.app_id,
            "base_url": sim.base_url,
            "did": did,
            "calls": 50,
            "start_at": time.time() + 2.0,
        }
        await run_workers("storm", [args] * 8)
        logins.append(sim.state.login_count - before)
    return logins


async def measure_with(url: str, calls: int, rounds: int, storms: int) -> SharedResult:
    async with bench_simulator() as sim:
        # the storm workers log in as the tests' account
        sim.add_user(USERNAME, PASSWORD)
        owner = sim.state.find_user(USERNAME)
        if owner is None:
            raise RuntimeError("storm user missing")
        did = sim.add_device(PRODUCT_KEY, owner=user_uid(sim), attrs={"switch": True})
        storm_did = sim.add_device(PRODUCT_KEY, owner=owner.uid, attrs={"switch": True})
        redis = CountingRedis.from_url(url)
        store = RedisTokenStore(redis, prefix="bench:")
        limiter = RedisRateLimiter(redis, rate=1_000_000, prefix="bench:")

        def client(**options: Any) -> GizwitsClient:
            return GizwitsClient(
                sim.app_id,
                base_url=sim.base_url,
                username=BENCH_USERNAME,
                password=BENCH_PASSWORD,
                max_retries=0,
                **options,
            )

        async with (
            client() as plain,
            client(token_store=store) as stored,
            client(rate_limiter=limiter) as limited,
        ):
            for each in (plain, stored, limited):
                await _sequential(each, did, 50)  # log in, warm connections and scripts
            times: dict[str, list[float]] = {"plain": [], "store": [], "limiter": []}
            commands = {"store": 0, "limiter": 0}
            for index in range(rounds):
                order = [("plain", plain), ("store", stored), ("limiter", limited)]
                if index % 2:
                    order.reverse()
                for name, each in order:
                    before = CountingRedis.sent
                    times[name].append(await _sequential(each, did, calls))
                    if name in commands:
                        commands[name] += CountingRedis.sent - before
        await redis.aclose()
        logins = await _storms(sim, url, storm_did, storms)
    plain_time = statistics.median(times["plain"])
    ratios = {
        name: [t / p for t, p in zip(times[name], times["plain"], strict=True)]
        for name in ("store", "limiter")
    }
    return SharedResult(
        store_ratio=statistics.median(times["store"]) / plain_time,
        limiter_ratio=statistics.median(times["limiter"]) / plain_time,
        store_spread=(min(ratios["store"]), max(ratios["store"])),
        limiter_spread=(min(ratios["limiter"]), max(ratios["limiter"])),
        store_commands_per_call=commands["store"] / (calls * rounds),
        limiter_commands_per_call=commands["limiter"] / (calls * rounds),
        logins_per_storm=logins,
    )


async def measure(calls: int = 500, rounds: int = 7, storms: int = 2) -> SharedResult:
    executable = shutil.which("redis-server")
    if executable is None:
        raise RuntimeError("redis-server is not installed: run `make redis-server`")
    with tempfile.TemporaryDirectory(prefix="gizwits-bench-redis-") as directory:
        server = RedisServer(executable, Path(directory))
        server.start()
        try:
            return await measure_with(server.url, calls, rounds, storms)
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--storms", type=int, default=2)
    args = parser.parse_args()
    result = asyncio.run(measure(args.calls, args.rounds, args.storms))
    print(result.row().line())


if __name__ == "__main__":
    main()
