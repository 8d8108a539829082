"""Connections and their timeouts: a wait for a pooled connection is not "sent", the owned
pool is as large as ``max_concurrency``, and ``close()`` tells callers in flight so."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter

import aiohttp
import pytest
from aiohttp import web

from gizwits_async import (
    GizwitsClientClosedError,
    GizwitsConnectionError,
    GizwitsTimeoutError,
)
from tests.hostile import DID, MakeHostile, hostile, hostile_client
from tests.waiting import until

__all__ = ["hostile"]  # the fixture, imported for pytest


async def test_1000_controls_behind_a_held_server_say_sent_only_when_they_reached_it(
    hostile: MakeHostile,
) -> None:
    reached: Counter[str] = Counter()
    release = asyncio.Event()

    async def hold(request: web.Request) -> web.Response:
        reached[request.match_info["tail"].rsplit("/", 1)[-1]] += 1
        await release.wait()
        return web.json_response({})

    server = await hostile(hold)
    dids = [f"held{i:04d}" for i in range(1000)]
    # The held requests get time enough for the server (sharing this loop) to see them all,
    # and the first connections time enough to open while 1,000 calls start on the same loop
    # (a 0.2 s connect budget let none open on a loaded machine).
    async with hostile_client(server.url, request_timeout=2.5, connect_timeout=1.0) as client:
        results = await asyncio.gather(
            *(client.devices.control(did, attrs={"switch": True}) for did in dids),
            return_exceptions=True,
        )
        release.set()
    errors = dict(zip(dids, results, strict=True))
    assert all(isinstance(error, GizwitsTimeoutError) for error in errors.values())
    assert max(reached.values()) == 1  # none reached the server twice
    assert 0 < len(reached) < 1000
    for did, error in errors.items():
        assert isinstance(error, GizwitsTimeoutError)
        if not error.request_sent:  # a retry of it would be safe: the server never saw it
            assert reached[did] == 0, did
        if reached[did] == 0:  # and what never reached the server does not say "maybe"
            assert error.request_sent is False, did


async def test_a_control_that_waited_for_the_pool_is_retried_and_applied_once(
    hostile: MakeHostile,
) -> None:
    reached: Counter[str] = Counter()
    first_held = asyncio.Event()
    release = asyncio.Event()

    async def hold_first(request: web.Request) -> web.Response:
        did = request.match_info["tail"].rsplit("/", 1)[-1]
        reached[did] += 1
        if did == "first":
            first_held.set()
            await release.wait()
        return web.json_response({})

    server = await hostile(hold_first)
    queued = 0

    async def on_queued(*_: object) -> None:
        nonlocal queued
        queued += 1

    trace = aiohttp.TraceConfig()
    trace.on_connection_queued_start.append(on_queued)
    connector = aiohttp.TCPConnector(limit=1)
    async with aiohttp.ClientSession(connector=connector, trace_configs=[trace]) as session:
        client = hostile_client(server.url, session=session, max_retries=5, connect_timeout=0.1)
        client._transport.backoff_factor = 0.01
        first = asyncio.create_task(client.devices.control("first", attrs={"switch": True}))
        await first_held.wait()
        second = asyncio.create_task(client.devices.control("second", attrs={"switch": True}))
        # The second waits for the pool, gives up, and is retried: queued a second time.
        await until(lambda: queued >= 2)
        assert not second.done()
        release.set()
        await asyncio.gather(first, second)
        await client.close()
    assert reached == {"first": 1, "second": 1}


async def test_max_concurrency_150_runs_150_in_flight_on_the_owned_session(
    hostile: MakeHostile,
) -> None:
    in_flight = 0
    peak = 0
    full = asyncio.Event()

    async def count(request: web.Request) -> web.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        if in_flight >= 150:
            full.set()
        # Fewer than 150 arriving together means the pool capped them.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(full.wait(), 2)
        in_flight -= 1
        return web.json_response({})

    server = await hostile(count)
    dids = [f"fan{i:04d}" for i in range(300)]
    async with hostile_client(server.url, max_concurrency=150) as client:
        result = await client.devices.control_many(dids, attrs={"switch": True})
    assert result.ok
    assert peak == 150


async def test_close_with_200_calls_in_flight_gives_each_a_closed_error(
    hostile: MakeHostile,
) -> None:
    arrived: set[str] = set()
    release = asyncio.Event()

    async def hold(request: web.Request) -> web.Response:
        arrived.add(request.path)
        await release.wait()
        return web.json_response({})

    server = await hostile(hold)
    client = hostile_client(server.url, max_retries=2)
    calls = [asyncio.create_task(client.devices.latest(f"inflight{i:03d}")) for i in range(200)]
    # The owned pool (100 connections) fills; the other 100 calls wait for a connection.
    await until(lambda: len(arrived) == 100)
    await client.close()
    results = await asyncio.gather(*calls, return_exceptions=True)
    release.set()
    kinds = Counter(type(result).__name__ for result in results)
    assert kinds == {"GizwitsClientClosedError": 200}
    assert all(isinstance(r, GizwitsClientClosedError) for r in results)


async def test_a_caller_cancelled_while_in_flight_is_still_cancelled(
    hostile: MakeHostile,
) -> None:
    arrived = asyncio.Event()
    release = asyncio.Event()

    async def hold(request: web.Request) -> web.Response:
        arrived.set()
        await release.wait()
        return web.json_response({})

    server = await hostile(hold)
    async with hostile_client(server.url) as client:
        call = asyncio.create_task(client.devices.latest(DID))
        await arrived.wait()
        call.cancel()
        results = await asyncio.gather(call, return_exceptions=True)
        release.set()
    assert isinstance(results[0], asyncio.CancelledError)


async def test_a_stale_keep_alive_connection_costs_a_counted_retry(
    hostile: MakeHostile,
) -> None:
    answered = 0

    async def close_after_answer(request: web.Request) -> web.StreamResponse:
        nonlocal answered
        answered += 1
        if answered == 1:
            return web.json_response({"did": DID, "attr": {}}, headers={"Keep-Alive": "timeout=60"})
        assert request.transport is not None
        request.transport.close()  # the reused connection dies under the second request
        return web.json_response({})

    server = await hostile(close_after_answer)
    async with hostile_client(server.url, max_retries=0) as client:
        await client.devices.latest(DID)
        with pytest.raises(GizwitsConnectionError) as caught:
            await client.devices.latest(DID)
    assert caught.value.request_sent is True
    # aiohttp's hidden resend is off: max_retries=0 means one request, not two.
    assert len(server.seen) == 2


async def test_a_borrowed_session_closed_under_calls_in_flight_gives_closed_errors(
    hostile: MakeHostile,
) -> None:
    arrived = asyncio.Event()
    release = asyncio.Event()

    async def hold(request: web.Request) -> web.Response:
        arrived.set()
        await release.wait()
        return web.json_response({})

    server = await hostile(hold)
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=5))
    client = hostile_client(server.url, session=session, max_retries=2)
    calls = [asyncio.create_task(client.devices.latest(f"borrowed{i:02d}")) for i in range(20)]
    await arrived.wait()
    await session.close()  # the host closes its session; the client is still open
    results = await asyncio.gather(*calls, return_exceptions=True)
    release.set()
    assert all(isinstance(result, GizwitsClientClosedError) for result in results), results
    await client.close()
