"""Many OS processes, one account: each test starts real worker processes (tests/proc_worker.py)
against the simulator in this process and the tests' redis-server."""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from typing import Any

import pytest

from gizwits_async.simulator import GizwitsSimulator
from tests.conftest import PRODUCT_KEY
from tests.proc_worker import finish_worker, run_workers, start_worker
from tests.redis_server import redis_client, redis_server, redis_url
from tests.waiting import until

__all__ = ["redis_client", "redis_server", "redis_url"]  # fixtures

LOGIN = "/app/login"
LATEST = r"/app/devdata/.+/latest"
# Workers take a moment to start (imports) on a loaded machine: they begin together then.
START_DELAY = 2.0
# Waits on other OS processes (their start-up included, slow under coverage on a loaded CI).
PROCESS_WAIT = 60.0


def _args(sim: GizwitsSimulator, redis_url: str, did: str, **extra: Any) -> dict[str, Any]:
    return {
        "redis": redis_url,
        "prefix": f"t{uuid.uuid4().hex[:8]}:",
        "app_id": sim.app_id,
        "base_url": sim.base_url,
        "did": did,
        **extra,
    }


@pytest.fixture
def did(sim: GizwitsSimulator, alice_uid: str) -> str:
    return sim.add_device(PRODUCT_KEY, owner=alice_uid, attrs={"switch": True})


async def test_eight_processes_with_fifty_calls_each_on_an_absent_token_log_in_once(
    sim: GizwitsSimulator, redis_url: str, did: str
) -> None:
    args = _args(sim, redis_url, did, calls=50, start_at=time.time() + START_DELAY)
    results = await run_workers("storm", [args] * 8)
    assert [result["failed"] for result in results] == [[]] * 8
    assert sum(result["ok"] for result in results) == 400
    assert sim.count("POST", LOGIN) == 1
    assert sim.count("GET", LATEST) == 400


async def test_a_token_refused_in_every_process_causes_one_new_login_across_all(
    sim: GizwitsSimulator, redis_url: str, did: str
) -> None:
    start = time.time() + START_DELAY
    args = _args(sim, redis_url, did, start_at=start, until=start + 2.0, interval=0.02)
    workers = [await start_worker("poll", args) for _ in range(4)]
    await until(lambda: sim.count("GET", LATEST) >= 20, timeout=PROCESS_WAIT)
    assert sim.count("POST", LOGIN) == 1
    sim.state.tokens.clear()  # every process's token is now refused (9004)
    results = [await finish_worker(worker) for worker in workers]
    assert [result["failed"] for result in results] == [[]] * 4
    assert sim.count("POST", LOGIN) == 2


async def test_a_lock_holder_killed_mid_login_frees_the_lock_when_its_lease_ends(
    sim: GizwitsSimulator, redis_url: str, did: str, redis_client: Any
) -> None:
    lease = 2.0
    args = _args(sim, redis_url, did, calls=1, start_at=0.0, lease=lease)
    sim.faults.add(method="POST", path=LOGIN, delay=60.0, times=1)  # the holder's login hangs
    holder = await start_worker("storm", args)
    lock_key = f"{args['prefix']}lock:{sim.base_url}|{sim.app_id}|alice"
    await until(lambda: sim.count("POST", LOGIN) > 0, timeout=PROCESS_WAIT)
    assert await redis_client.exists(lock_key) == 1
    other = await start_worker("storm", args)
    await asyncio.sleep(0.3)
    holder.send_signal(signal.SIGKILL)
    await holder.wait()
    result = await finish_worker(other)
    assert (result["ok"], result["failed"], result["logins"]) == (1, [], 1)
    first, second = (request.time for request in sim.requests_to("POST", LOGIN))
    # The second process waited for the dead holder's lease, and not much longer.
    assert lease - 0.3 <= second - first <= lease + 1.0


async def test_a_shared_rate_limit_holds_across_four_processes(
    sim: GizwitsSimulator, redis_url: str, did: str
) -> None:
    rate = 15
    args = _args(sim, redis_url, did, calls=9, start_at=time.time() + START_DELAY, rate=rate)
    results = await run_workers("burst", [args] * 4)
    assert len(sim.requests) == 4 * 9 + 1  # the calls and one login
    times = sorted(request.time for request in sim.requests if request.method == "GET")
    # The limiter bounds request starts (on Redis's clock); the simulator sees arrivals, which
    # a loaded 2-core machine delays by up to some tenths of a second and can bunch (21 in one
    # second was seen). So the check allows LAG of scheduling delay: at most `rate` arrivals
    # in any (1 - LAG) s, and the 36 calls (which need 2 s at 15/s) spread over >= 2 - LAG s.
    # Unlimited, all 36 arrive within ~0.1 s and both checks fail.
    lag = 0.5
    window = 1.0 - lag
    busiest = max(sum(1 for other in times if start <= other < start + window) for start in times)
    assert busiest <= rate, [result["stderr"] for result in results]
    assert times[-1] - times[0] >= 2.0 - lag


async def test_a_retry_after_in_one_process_holds_every_process(
    sim: GizwitsSimulator, redis_url: str, did: str
) -> None:
    start = time.time() + START_DELAY
    args = _args(sim, redis_url, did, start_at=start, until=start + 3.5, interval=0.02, rate=1000)
    workers = [await start_worker("poll", args) for _ in range(4)]
    await until(lambda: sim.count("GET", LATEST) >= 20, timeout=PROCESS_WAIT)
    fault = sim.faults.add(method="GET", path=LATEST, status=429, retry_after="2", times=1)
    await until(lambda: fault.hits > 0, timeout=PROCESS_WAIT)
    throttled_at = sim.clock.now()
    results = [await finish_worker(worker) for worker in workers]
    assert [result["failed"] for result in results] == [[]] * 4
    times = [request.time for request in sim.requests_to("GET", LATEST)]
    # Requests already under way when the 429 came may still arrive; then nobody sends
    # until the two seconds are over, and then every process goes on.
    assert [t for t in times if throttled_at + 0.3 < t < throttled_at + 1.7] == []
    assert len([t for t in times if throttled_at + 1.7 <= t]) >= 4
