"""The bounded fan-out helper."""

from __future__ import annotations

import asyncio

import pytest

from gizwits_async import BulkResult, GizwitsAPIError
from gizwits_async.bulk import run_bulk


async def test_concurrency_never_exceeds_the_bound_and_every_key_runs_once() -> None:
    running = 0
    peak = 0
    calls: list[str] = []

    async def call(key: str) -> str:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        calls.append(key)
        await asyncio.sleep(0.001)
        running -= 1
        return key.upper()

    keys = [f"d{i}" for i in range(100)]
    result = await run_bulk([*keys, "d1", "d2"], call, concurrency=7)
    assert peak == 7
    assert sorted(calls) == sorted(keys)
    assert list(result.succeeded) == keys
    assert result.ok
    assert len(result) == 100


async def test_failures_are_reported_per_key_without_hiding_others() -> None:
    async def call(key: str) -> int:
        if key.startswith("bad"):
            raise GizwitsAPIError(400, 9042, "device offline!")
        return 1

    result: BulkResult[int] = await run_bulk(["a", "bad1", "b", "bad2"], call, concurrency=2)
    assert set(result.succeeded) == {"a", "b"}
    assert set(result.failed) == {"bad1", "bad2"}
    assert not result.ok


async def test_a_bug_in_the_call_propagates() -> None:
    async def call(key: str) -> int:
        raise KeyError(key)

    with pytest.raises(ExceptionGroup):
        await run_bulk(["a"], call, concurrency=1)


async def test_cancelling_the_caller_cancels_every_worker() -> None:
    started = asyncio.Event()
    finished: list[str] = []

    async def call(key: str) -> None:
        started.set()
        await asyncio.sleep(10)
        finished.append(key)

    task = asyncio.create_task(run_bulk([str(i) for i in range(20)], call, concurrency=5))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0)
    assert finished == []
    assert {t for t in asyncio.all_tasks() if t is not asyncio.current_task()} == set()


@pytest.mark.parametrize(("value", "error"), [(0, ValueError), (True, TypeError), ("3", TypeError)])
async def test_bad_concurrency_is_refused(value: object, error: type) -> None:
    async def call(key: str) -> None:
        return None

    with pytest.raises(error):
        await run_bulk(["a"], call, concurrency=value)  # type: ignore[arg-type]


async def test_a_single_string_is_not_a_list_of_keys() -> None:
    async def call(key: str) -> None:
        return None

    with pytest.raises(TypeError):
        await run_bulk("did", call, concurrency=1)
