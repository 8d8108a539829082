"""Cancellation: a fan-out, a paginator walk or a log-in cancelled while its requests are in
flight leaves no task of the client running, releases its connections, and the client goes on
working."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from gizwits_async import DeviceStatus, GizwitsClient
from gizwits_async.simulator import GizwitsSimulator
from tests.conftest import PASSWORD, PRODUCT_KEY, USERNAME, ClientFactory
from tests.waiting import until

CONNECTIONS = 8
LOGIN = "/app/login"
SLOW = 30.0  # a fault delay; the simulator stops waiting when the client hangs up


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A borrowed session with a small pool: a connection a cancelled request kept would make
    the next calls wait for it (and time out)."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONNECTIONS)) as pool:
        yield pool


@pytest.fixture
async def small_pool_client(
    session: aiohttp.ClientSession, make_client: ClientFactory
) -> AsyncIterator[GizwitsClient]:
    # closed here, before the borrowed session it uses
    async with make_client(session=session, app_secret=None, max_concurrency=CONNECTIONS) as client:
        yield client


def _client_tasks(before: set[asyncio.Task[object]]) -> set[asyncio.Task[object]]:
    """Tasks started since ``before`` that are not the simulator's own connection handlers."""
    current = asyncio.current_task()
    return {
        task for task in asyncio.all_tasks() - before if task is not current and not _serves(task)
    }


def _serves(task: asyncio.Task[object]) -> bool:
    code = getattr(task.get_coro(), "cr_code", None)
    return code is not None and "aiohttp/web_protocol" in code.co_filename.replace("\\", "/")


async def _settled(sim: GizwitsSimulator, before: set[asyncio.Task[object]]) -> None:
    """Everything the cancelled call started is gone, and the simulator saw the client hang up
    on every request it was holding."""
    await until(lambda: not _client_tasks(before))
    await until(lambda: sim.in_flight == 0)


async def test_cancelling_control_many_in_flight(
    sim: GizwitsSimulator, small_pool_client: GizwitsClient, alice_uid: str
) -> None:
    client = small_pool_client
    dids = [sim.add_device(PRODUCT_KEY, owner=alice_uid) for _ in range(3 * CONNECTIONS)]
    await client.devices.latest(dids[0])  # log in first: only controls are in flight below
    before = asyncio.all_tasks()
    sim.faults.add(method="POST", path="/app/control/.+", delay=SLOW, times=None)
    task = asyncio.create_task(client.devices.control_many(dids, attrs={"switch": True}))
    await until(lambda: sim.in_flight == CONNECTIONS)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await _settled(sim, before)
    # The workers stopped: none took a further device after the cancel.
    assert sim.count("POST", "/app/control/.+") == CONNECTIONS

    sim.faults.clear()
    result = await asyncio.wait_for(
        client.devices.control_many(dids, attrs={"switch": False}), timeout=10
    )
    assert result.ok
    assert len(result.succeeded) == len(dids)
    assert all(sim.device(did).attrs["switch"] is False for did in dids)


async def test_cancelling_a_paginator_walk_in_flight(
    sim: GizwitsSimulator, small_pool_client: GizwitsClient, alice_uid: str
) -> None:
    client = small_pool_client
    for index in range(25):
        sim.state.add_message(alice_uid, f"message {index}")
    messages = client.messages.list(page_size=10)
    pages: list[int] = []
    before = asyncio.all_tasks()

    async def walk() -> None:
        async for page in messages.pages():
            pages.append(len(page.items))
            if len(pages) == 1:  # hold the second page's answer
                sim.faults.add(method="GET", path="/app/messages", delay=SLOW)

    task = asyncio.create_task(walk())
    await until(lambda: sim.in_flight == 1 and pages == [10])
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await _settled(sim, before)
    assert pages == [10]

    # The same paginator walks again from the start, to the end.
    sim.reset_counters()
    collected = await asyncio.wait_for(messages.collect(), timeout=10)
    assert len(collected) == 25
    assert len({message.id for message in collected}) == 25
    assert [r.query["skip"] for r in sim.requests_to("GET", "/app/messages")] == ["0", "10", "20"]


async def test_cancelling_an_explicit_login_in_flight(
    sim: GizwitsSimulator,
    alice_uid: str,
    session: aiohttp.ClientSession,
    make_client: ClientFactory,
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid, attrs={"switch": True})
    async with make_client(
        username=None, password=None, app_secret=None, session=session
    ) as client:
        before = asyncio.all_tasks()
        sim.faults.add(method="POST", path=LOGIN, delay=SLOW, after_handler=True)
        task = asyncio.create_task(client.login(USERNAME, PASSWORD))
        await until(lambda: sim.in_flight == 1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await _settled(sim, before)
        assert client.token is None

        # The credentials given to login() stay: the next call logs in by itself.
        status = await asyncio.wait_for(client.devices.latest(did), timeout=10)
    assert status.attrs == {"switch": True}
    assert sim.count("POST", LOGIN) == 2


async def test_cancelling_the_caller_that_started_the_login_leaves_it_to_the_others(
    sim: GizwitsSimulator, small_pool_client: GizwitsClient, alice_uid: str
) -> None:
    client = small_pool_client
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid, attrs={"switch": True})
    before = asyncio.all_tasks()
    sim.faults.add(method="POST", path=LOGIN, delay=0.5, after_handler=True)
    callers = [asyncio.create_task(client.devices.latest(did)) for _ in range(5)]
    await until(lambda: sim.in_flight == 1)
    callers[0].cancel()  # the first caller took the token lock and is logging in
    done = await asyncio.wait_for(asyncio.gather(*callers, return_exceptions=True), timeout=10)
    assert isinstance(done[0], asyncio.CancelledError)
    statuses = [status for status in done[1:] if isinstance(status, DeviceStatus)]
    assert [status.attrs for status in statuses] == [{"switch": True}] * 4
    # The login belongs to the token manager: cancelling its first caller does not cut it
    # off, and it serves the four callers that waited.
    assert sim.count("POST", LOGIN) == 1
    assert client._auth.logins == 1
    await _settled(sim, before)
