"""The simulator's own machinery: clock, faults, request parsing, wire quirks."""

from __future__ import annotations

import aiohttp
import pytest

from gizwits_async import (
    GizwitsClient,
    GizwitsResponseError,
    GizwitsTimeoutError,
)
from gizwits_async.simulator import Fault, GizwitsSimulator, SimClock
from tests.conftest import PRODUCT_KEY, ClientFactory


def test_clock_runs_due_callbacks_in_time_order_while_advancing() -> None:
    clock = SimClock(start=1000.0, frozen=True)
    seen: list[tuple[str, float]] = []
    clock.call_at(1030.0, lambda: seen.append(("b", clock.now())))
    clock.call_later(10.0, lambda: seen.append(("a", clock.now())))
    clock.call_at(5000.0, lambda: seen.append(("late", clock.now())))
    assert clock.pending == 3
    clock.advance(60)
    assert seen == [("a", 1010.0), ("b", 1030.0)]
    assert clock.now() == 1060.0
    assert clock.pending == 1
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)


def test_a_callback_may_schedule_more_work_on_the_clock() -> None:
    clock = SimClock(start=0.0, frozen=True)
    ticks: list[float] = []

    def tick() -> None:
        ticks.append(clock.now())
        if len(ticks) < 3:
            clock.call_later(5, tick)

    clock.call_later(5, tick)
    clock.advance(100)
    assert ticks == [5.0, 10.0, 15.0]


def test_a_flowing_clock_follows_real_time() -> None:
    clock = SimClock()
    first = clock.now()
    assert clock.now() >= first
    assert clock.run_due() == 0


async def test_json_relabelled_as_text_html_still_decodes(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    sim.faults.add(method="GET", path="/status", content_type="text/html", after_handler=True)
    assert (await client.system.status()).version == "2.15.1"


async def test_simulator_can_label_all_json_as_text_html() -> None:
    async with (
        GizwitsSimulator(json_content_type="text/html") as sim,
        aiohttp.ClientSession() as session,
        session.get(
            f"{sim.base_url}/status", headers={"X-Gizwits-Application-Id": sim.app_id}
        ) as response,
    ):
        assert response.content_type == "text/html"
        assert (await response.json(content_type=None))["status"]["version"]


async def test_a_raw_body_fault_answers_exactly_that(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    sim.faults.add(method="GET", path="/status", body='{"status": {"vers', status=200)
    with pytest.raises(GizwitsResponseError) as caught:
        await client.system.status()
    assert '{"status": {"vers' in str(caught.value)


async def test_a_delay_fault_times_out_the_attempt_then_the_retry_succeeds(
    sim: GizwitsSimulator, make_client: ClientFactory, sleeps: object
) -> None:
    sim.faults.add(method="GET", path="/status", delay=1.0)
    async with make_client(
        username=None, password=None, app_secret=None, request_timeout=0.2
    ) as client:
        assert (await client.system.status()).version == "2.15.1"
    assert sim.count("GET", "/status") == 2


async def test_a_delay_fault_on_every_attempt_raises_timeout(
    sim: GizwitsSimulator, make_client: ClientFactory, sleeps: object
) -> None:
    sim.faults.add(method="GET", path="/status", delay=1.0, times=None)
    async with make_client(
        username=None, password=None, app_secret=None, request_timeout=0.1, max_retries=1
    ) as client:
        with pytest.raises(GizwitsTimeoutError):
            await client.system.status()


async def test_a_fault_with_nothing_to_do_is_a_server_error(sim: GizwitsSimulator) -> None:
    sim.faults.add(Fault(method="GET", path="/status"))
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"{sim.base_url}/status", headers={"X-Gizwits-Application-Id": sim.app_id}
        ) as response,
    ):
        assert response.status == 500


async def test_probabilistic_faults_hit_about_their_share(sim: GizwitsSimulator) -> None:
    rule = sim.faults.add(method="GET", path="/status", status=503, times=None, probability=0.5)
    async with aiohttp.ClientSession() as session:
        for _ in range(200):
            async with session.get(
                f"{sim.base_url}/status", headers={"X-Gizwits-Application-Id": sim.app_id}
            ):
                pass
    assert 50 < rule.hits < 150
    sim.faults.clear()
    assert sim.faults.rules == []


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"", "a JSON body is required"),
        (b"{not json", "body is not JSON"),
        (b"[1, 2]", "body must be a JSON object"),
    ],
)
async def test_malformed_request_bodies_are_answered_9015(
    sim: GizwitsSimulator, body: bytes, detail: str
) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{sim.base_url}/app/login",
            data=body,
            headers={"X-Gizwits-Application-Id": sim.app_id},
        ) as response,
    ):
        payload = await response.json(content_type=None)
    assert response.status == 400
    assert payload == {
        "error_code": 9015,
        "error_message": "form invalid!",
        "detail_message": detail,
    }


@pytest.mark.parametrize(
    "query", ["limit=abc", "limit=0", "limit=1001", "skip=-1", "show_disabled=1&limit=x"]
)
async def test_bad_paging_queries_are_answered_9015(
    sim: GizwitsSimulator, client: GizwitsClient, query: str
) -> None:
    token = await client.login("alice", "Al1ce-secret-pw")
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"{sim.base_url}/app/bindings?{query}",
            headers={"X-Gizwits-Application-Id": sim.app_id, "X-Gizwits-User-Token": token.token},
        ) as response,
    ):
        payload = await response.json(content_type=None)
    assert payload["error_code"] == 9015


async def test_disabled_devices_are_listed_only_on_request(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    shown = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    hidden = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    sim.device(hidden).is_disabled = True
    default = [d.did for d in await client.bindings.list().collect()]
    everything = await client.bindings.list(show_disabled=True, show_proto_ver=True).collect()
    assert default == [shown]
    assert [d.did for d in everything] == [shown, hidden]
    assert everything[0].proto_ver == "04"


async def test_the_request_log_and_counters(sim: GizwitsSimulator, client: GizwitsClient) -> None:
    await client.system.status()
    await client.users.get()
    assert [(r.method, r.path) for r in sim.requests] == [
        ("GET", "/status"),
        ("POST", "/app/login"),
        ("GET", "/app/users"),
    ]
    assert sim.count() == 3
    assert sim.max_in_flight >= 1
    sim.reset_counters()
    assert sim.requests == []
    assert repr(sim).startswith("GizwitsSimulator(base_url='http://127.0.0.1:")


async def test_a_started_simulator_starts_once(sim: GizwitsSimulator) -> None:
    url = sim.base_url
    await sim.start()
    assert sim.base_url == url
