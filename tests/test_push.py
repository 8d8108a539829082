"""Push over the M2M websocket, against the simulator's ``/ws/app/v1``: the frames sent, the
events and merged state given to consumers, and recovery from every way a socket dies."""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from gizwits_async import (
    AttrsEvent,
    BindingEvent,
    ConnectionEvent,
    DeviceState,
    GizwitsClient,
    GizwitsConfigurationError,
    GizwitsConnectionError,
    GizwitsTimeoutError,
    OnlineEvent,
    RawEvent,
    StateSource,
    UserToken,
)
from gizwits_async.push import EventStream, PushEvent, describe
from gizwits_async.simulator import GizwitsSimulator
from gizwits_async.simulator.presets import DEMO_DATAPOINTS, DEMO_INITIAL_ATTRS, DEMO_PRODUCT_KEY
from tests.conftest import ClientFactory
from tests.waiting import until

# Short intervals so that recovery takes milliseconds; pings well inside the heartbeat.
FAST: dict[str, Any] = {
    "ping_interval": 0.5,
    "backoff_base": 0.01,
    "backoff_max": 0.05,
    "rest_interval": None,
    "login_timeout": 5.0,
}
WAIT = 10.0


async def next_of(stream: EventStream, kind: type, *, did: str | None = None) -> Any:
    """The next event of ``kind`` (and ``did``), skipping others."""
    async with asyncio.timeout(WAIT):
        async for event in stream:
            if isinstance(event, kind) and (did is None or getattr(event, "did", None) == did):
                return event
    raise AssertionError(f"stream ended before a {kind.__name__}")


def ws_frames(sim: GizwitsSimulator, cmd: str) -> list[Any]:
    return [r.body for r in sim.requests_to("WS", f"/ws/app/v1/{cmd}")]


def logins(sim: GizwitsSimulator) -> int:
    return sim.count("POST", "/app/login")


@pytest.fixture
async def started(
    client: GizwitsClient, lamps: list[str]
) -> AsyncIterator[tuple[GizwitsClient, EventStream]]:
    stream = client.push.events()
    await client.push.start(**FAST)
    yield client, stream
    await client.push.stop()


# -- log-in and subscribe ----------------------------------------------------------------


async def test_a_cached_token_logs_in_on_the_socket_without_app_login(
    sim: GizwitsSimulator, make_client: ClientFactory, alice_uid: str, lamps: list[str]
) -> None:
    issued = sim.state.issue_token(sim.state.users[alice_uid])
    token = UserToken(
        uid=issued["uid"],
        token=issued["token"],
        expire_at=datetime.fromtimestamp(issued["expire_at"], UTC),
    )
    async with make_client(username=None, password=None, app_secret=None, token=token) as client:
        await client.push.start(**FAST)
        assert client.push.connected
        assert logins(sim) == 0
        (login,) = ws_frames(sim, "login_req")
        assert login["data"]["token"] == issued["token"]


async def test_login_req_and_subscribe_req_carry_what_the_protocol_says(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str], alice_uid: str
) -> None:
    await client.push.start(**{**FAST, "subscribe_batch": 2})
    assert sim.count("GET", "/ws/app/v1") == 1
    (login,) = ws_frames(sim, "login_req")
    assert login == {
        "cmd": "login_req",
        "data": {
            "appid": sim.app_id,
            "uid": alice_uid,
            "token": client.token.token if client.token else None,
            "p0_type": "attrs_v4",
            "heartbeat_interval": 180,
            "auto_subscribe": False,
        },
    }
    subscribes = ws_frames(sim, "subscribe_req")
    assert [frame["data"] for frame in subscribes] == [
        [{"did": lamps[0]}, {"did": lamps[1]}],
        [{"did": lamps[2]}],
    ]
    reads = ws_frames(sim, "c2s_read")
    assert [frame["data"] for frame in reads] == [{"did": did} for did in lamps]
    kinds = [r.path.rsplit("/", 1)[-1] for r in sim.requests if r.method == "WS"]
    assert kinds[:4] == ["login_req", "subscribe_req", "subscribe_req", "c2s_read"]
    await client.push.stop()


async def test_bindings_point_push_clients_at_the_simulator_itself(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str]
) -> None:
    devices = await client.bindings.list().collect()
    port = int(sim.base_url.rsplit(":", 1)[1])
    for device in devices:
        assert device.host == "127.0.0.1"
        assert device.ws_port == device.wss_port == device.port == device.port_s == port


async def test_start_without_credentials_or_token_fails_before_any_socket(
    sim: GizwitsSimulator, make_client: ClientFactory
) -> None:
    async with make_client(username=None, password=None, app_secret=None) as client:
        with pytest.raises(GizwitsConfigurationError):
            await client.push.start(**FAST)
        assert not client.push.connected
    assert sim.requests == []


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("heartbeat_interval", 181),
        ("heartbeat_interval", 0),
        ("ping_interval", 180.0),
        ("backoff_base", 0),
        ("rest_interval", -1.0),
        ("subscribe_batch", 0),
    ],
)
async def test_start_refuses_bad_options_before_any_request(
    sim: GizwitsSimulator, client: GizwitsClient, option: str, value: Any
) -> None:
    with pytest.raises(ValueError, match=option):
        await client.push.start(**{**FAST, option: value})
    assert sim.requests == []


# -- reports and state -------------------------------------------------------------------


async def test_a_report_reaches_callbacks_and_iterators_with_merged_state(
    sim: GizwitsSimulator, started: tuple[GizwitsClient, EventStream], lamps: list[str]
) -> None:
    client, stream = started
    seen_sync: list[PushEvent] = []
    seen_async: list[PushEvent] = []
    arrived = asyncio.Event()

    async def on_event(event: PushEvent) -> None:
        seen_async.append(event)
        arrived.set()

    client.push.subscribe(seen_sync.append, kinds=[AttrsEvent], dids=[lamps[0]])
    client.push.subscribe(on_event, kinds=[AttrsEvent], dids=[lamps[0]])
    sim.report(lamps[0], {"LED_R": 200})
    event = await next_of(stream, AttrsEvent, did=lamps[0])
    while event.attrs != {"LED_R": 200}:
        event = await next_of(stream, AttrsEvent, did=lamps[0])
    assert event.state.attrs == {**DEMO_INITIAL_ATTRS, "pattern": bytes(4), "LED_R": 200}
    assert event.state.source is StateSource.PUSH
    assert client.push.state(lamps[0]) == event.state
    await asyncio.wait_for(arrived.wait(), WAIT)
    assert seen_sync == [event]
    assert seen_async == [event]


async def test_binary_datapoints_arrive_as_bytes(
    sim: GizwitsSimulator, started: tuple[GizwitsClient, EventStream], lamps: list[str]
) -> None:
    client, stream = started
    sim.report(lamps[1], {"pattern": "0a0b0c0d"})
    sent = [f for f in sim.push.sent if f["cmd"] == "s2c_noti" and "pattern" in f["data"]["attrs"]]
    assert sent[-1]["data"]["attrs"]["pattern"] == [10, 11, 12, 13]
    event = await next_of(stream, AttrsEvent, did=lamps[1])
    while "pattern" not in event.attrs or event.attrs["pattern"] != b"\x0a\x0b\x0c\x0d":
        event = await next_of(stream, AttrsEvent, did=lamps[1])
    assert client.push.state(lamps[1]).attrs["pattern"] == b"\x0a\x0b\x0c\x0d"  # type: ignore[union-attr]


async def test_partial_notifications_merge_into_the_state(
    sim: GizwitsSimulator, started: tuple[GizwitsClient, EventStream], lamps: list[str]
) -> None:
    _, stream = started
    sim.report(lamps[2], {"LED_R": 7})
    sim.report(lamps[2], {"switch": True})
    event = await next_of(stream, AttrsEvent, did=lamps[2])
    while event.attrs != {"switch": True}:
        event = await next_of(stream, AttrsEvent, did=lamps[2])
    assert event.state.attrs["LED_R"] == 7
    assert event.state.attrs["switch"] is True
    assert event.state.attrs["mode"] == "auto"


async def test_read_is_answered_as_an_attrs_event(
    sim: GizwitsSimulator, started: tuple[GizwitsClient, EventStream], lamps: list[str]
) -> None:
    client, stream = started
    await client.push.read(lamps[0], names=["mode"])
    event = await next_of(stream, AttrsEvent, did=lamps[0])
    while event.attrs != {"mode": "auto"}:
        event = await next_of(stream, AttrsEvent, did=lamps[0])
    assert ws_frames(sim, "c2s_read")[-1] == {
        "cmd": "c2s_read",
        "data": {"did": lamps[0], "names": ["mode"]},
    }


async def test_write_sends_c2s_write_with_binary_padded_as_a_byte_array(
    sim: GizwitsSimulator, started: tuple[GizwitsClient, EventStream], lamps: list[str]
) -> None:
    client, stream = started
    await client.push.write(lamps[0], {"switch": True, "pattern": b"\x01\x02"})
    event = await next_of(stream, AttrsEvent, did=lamps[0])
    while "pattern" not in event.attrs or event.attrs["pattern"] != b"\x01\x02\x00\x00":
        event = await next_of(stream, AttrsEvent, did=lamps[0])
    assert ws_frames(sim, "c2s_write") == [
        {
            "cmd": "c2s_write",
            "data": {"did": lamps[0], "attrs": {"switch": True, "pattern": [1, 2, 0, 0]}},
        }
    ]
    assert sim.device(lamps[0]).attrs["pattern"] == "01020000"
    assert event.state.attrs["switch"] is True


@pytest.mark.parametrize(
    ("did_index", "attrs", "error"),
    [
        (None, {"switch": True}, ValueError),
        (0, {"temperature": 30}, ValueError),
        (0, {"no_such_point": 1}, ValueError),
        (0, {"pattern": b"\x00" * 5}, ValueError),
        (0, {"switch": "yes"}, TypeError),
        (0, {}, ValueError),
    ],
)
async def test_write_refuses_unknown_dids_and_bad_attrs_before_sending(  # noqa: PLR0917
    sim: GizwitsSimulator,
    started: tuple[GizwitsClient, EventStream],
    lamps: list[str],
    did_index: int | None,
    attrs: dict[str, Any],
    error: type[Exception],
) -> None:
    client, _ = started
    did = "notMyDevice00000000000" if did_index is None else lamps[did_index]
    with pytest.raises(error):
        await client.push.write(did, attrs)
    with pytest.raises(ValueError, match="did"):
        await client.push.read("", names=None)
    assert ws_frames(sim, "c2s_write") == []


async def test_write_when_not_started_is_a_connection_error_before_sending(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str]
) -> None:
    with pytest.raises(ValueError, match="not a device this push follows"):
        await client.push.write(lamps[0], {"switch": True})
    await client.push.start(**FAST)
    sim.faults.websocket.refuse()
    sim.faults.websocket.drop_all()
    stream = client.push.events(kinds=[ConnectionEvent])
    await next_of(stream, ConnectionEvent)
    with pytest.raises(GizwitsConnectionError) as caught:
        await client.push.write(lamps[0], {"switch": True})
    assert caught.value.request_sent is False
    assert ws_frames(sim, "c2s_write") == []
    await client.push.stop()


async def test_rest_control_reaches_the_socket_as_a_report(
    sim: GizwitsSimulator, started: tuple[GizwitsClient, EventStream], lamps: list[str]
) -> None:
    client, stream = started
    await client.devices.control(lamps[1], attrs={"mode": "eco"})
    event = await next_of(stream, AttrsEvent, did=lamps[1])
    while event.attrs != {"mode": "eco"}:
        event = await next_of(stream, AttrsEvent, did=lamps[1])
    assert event.state.attrs["mode"] == "eco"


async def test_online_changes_arrive_as_online_events(
    sim: GizwitsSimulator, started: tuple[GizwitsClient, EventStream], lamps: list[str]
) -> None:
    client, stream = started
    sim.set_online(lamps[0], online=False)
    event = await next_of(stream, OnlineEvent)
    assert event == OnlineEvent(did=lamps[0], online=False)
    assert client.push.state(lamps[0]).online is False  # type: ignore[union-attr]
    sim.set_online(lamps[0], online=True)
    assert await next_of(stream, OnlineEvent) == OnlineEvent(did=lamps[0], online=True)


async def test_a_new_binding_is_announced_and_subscribed_and_a_removed_one_forgotten(
    sim: GizwitsSimulator,
    started: tuple[GizwitsClient, EventStream],
    lamps: list[str],
    alice_uid: str,
) -> None:
    client, stream = started
    new = sim.add_device(DEMO_PRODUCT_KEY, attrs=dict(DEMO_INITIAL_ATTRS))
    sim.bind(alice_uid, new)
    assert await next_of(stream, BindingEvent) == BindingEvent(did=new, bound=True)
    first = await next_of(stream, AttrsEvent, did=new)
    assert first.state.attrs["mode"] == "auto"
    assert ws_frames(sim, "subscribe_req")[-1]["data"] == [{"did": new}]
    sim.report(new, {"LED_R": 9})
    event = await next_of(stream, AttrsEvent, did=new)
    while event.attrs != {"LED_R": 9}:
        event = await next_of(stream, AttrsEvent, did=new)
    sim.state.unbind(alice_uid, lamps[2])
    assert await next_of(stream, BindingEvent) == BindingEvent(did=lamps[2], bound=False)
    await until(lambda: client.push.state(lamps[2]) is None)
    assert client.push.state(lamps[2]) is None
    assert lamps[2] not in client.push.dids


async def test_notifications_carrying_req_sn_are_acknowledged(
    sim: GizwitsSimulator, started: tuple[GizwitsClient, EventStream], lamps: list[str]
) -> None:
    _, stream = started
    sim.push.ack_reports = True
    sim.report(lamps[0], {"LED_R": 3})
    await next_of(stream, AttrsEvent, did=lamps[0])
    await until(lambda: bool(sim.push.acks))
    sent = [f for f in sim.push.sent if "req_sn" in f]
    assert sim.push.acks == [{"res_sn": sent[0]["req_sn"], "did": lamps[0]}]


async def test_a_did_with_a_suffix_is_cut_at_the_slash(
    sim: GizwitsSimulator, started: tuple[GizwitsClient, EventStream], lamps: list[str]
) -> None:
    _, stream = started
    sim.faults.websocket.send_text(
        '{"cmd":"s2c_raw","data":{"did":"%s/usr123","raw":[0,0,0,3,4,0,0,145,1]}}' % lamps[0]  # noqa: UP031
    )
    event = await next_of(stream, RawEvent)
    assert event == RawEvent(did=lamps[0], raw=bytes([0, 0, 0, 3, 4, 0, 0, 145, 1]))


async def test_malformed_frames_are_logged_and_skipped(
    sim: GizwitsSimulator,
    started: tuple[GizwitsClient, EventStream],
    lamps: list[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    client, stream = started
    caplog.set_level(logging.WARNING, "gizwits_async.push")
    connections: list[PushEvent] = []
    client.push.subscribe(connections.append, kinds=[ConnectionEvent])
    for text in (
        "not json",
        "[1, 2]",
        '{"cmd": 5}',
        '{"cmd": "s2c_noti", "data": 3}',
        '{"cmd": "s2c_noti", "data": {"attrs": {}}}',
        '{"cmd": "s2c_online_status", "data": {"did": "x"}}',
        '{"cmd": "s2c_binding_changed", "data": []}',
        '{"cmd": "s2c_raw", "data": {"did": "x"}}',
        '{"cmd": "what_is_this"}',
    ):
        sim.faults.websocket.send_text(text)
    sim.report(lamps[0], {"LED_R": 42})
    event = await next_of(stream, AttrsEvent, did=lamps[0])
    while event.attrs != {"LED_R": 42}:
        event = await next_of(stream, AttrsEvent, did=lamps[0])
    assert client.push.connected
    assert connections == []
    assert sum("skipped" in r.getMessage() for r in caplog.records) == 9
    assert sim.count("GET", "/ws/app/v1") == 1


async def test_a_callback_that_raises_is_logged_and_does_not_stop_the_others(
    sim: GizwitsSimulator,
    started: tuple[GizwitsClient, EventStream],
    lamps: list[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    client, stream = started
    good: list[PushEvent] = []

    def bad(event: PushEvent) -> None:
        raise RuntimeError("host bug")

    async def bad_async(event: PushEvent) -> None:
        raise RuntimeError("host bug too")

    client.push.subscribe(bad)
    client.push.subscribe(bad_async)
    unsubscribe = client.push.subscribe(good.append, kinds=[AttrsEvent])
    sim.report(lamps[0], {"LED_R": 1})
    sim.report(lamps[0], {"LED_R": 2})
    event = await next_of(stream, AttrsEvent, did=lamps[0])
    while event.attrs != {"LED_R": 2}:
        event = await next_of(stream, AttrsEvent, did=lamps[0])
    # The callbacks run beside the stream: wait until the last report and every failure of
    # the bad ones are through.
    await until(
        lambda: (
            [e.attrs for e in good if isinstance(e, AttrsEvent)][-1:] == [{"LED_R": 2}]
            and sum("raised" in r.getMessage() for r in caplog.records) >= 4
        )
    )
    assert [e.attrs for e in good if isinstance(e, AttrsEvent)][-2:] == [{"LED_R": 1}, {"LED_R": 2}]
    assert sum("raised" in r.getMessage() for r in caplog.records) >= 4
    unsubscribe()
    unsubscribe()
    sim.report(lamps[0], {"LED_R": 3})
    await next_of(stream, AttrsEvent, did=lamps[0])
    assert [e.attrs for e in good if isinstance(e, AttrsEvent)][-1] == {"LED_R": 2}
    assert client.push.connected


async def test_filters_pick_events_by_did_and_kind(
    sim: GizwitsSimulator, started: tuple[GizwitsClient, EventStream], lamps: list[str]
) -> None:
    client, _ = started
    only_online = client.push.events(kinds=[OnlineEvent], dids=[lamps[1]])
    sim.set_online(lamps[0], online=False)
    sim.report(lamps[1], {"LED_R": 5})
    sim.set_online(lamps[1], online=False)
    first = await asyncio.wait_for(only_online.__anext__(), WAIT)
    assert first == OnlineEvent(did=lamps[1], online=False)
    with pytest.raises(TypeError):
        client.push.events(dids=lamps[0])
    await only_online.aclose()


# -- recovery ----------------------------------------------------------------------------


def _kill_by(sim: GizwitsSimulator, how: str) -> None:
    faults = sim.faults.websocket
    if how == "drop":
        faults.drop_all()
    elif how == "1009":
        faults.send_invalid(1009)
    elif how == "1011":
        # No ping within heartbeat_interval on the simulator's clock.
        sim.clock.advance(181)
    elif how == "silence":
        faults.silent = True
    elif how == "unknown-code":
        faults.send_invalid(4242, "something new")


@pytest.mark.parametrize(
    ("how", "expected_logins"),
    [("drop", 0), ("1009", 1), ("1011", 0), ("silence", 0), ("unknown-code", 0)],
)
async def test_a_dead_socket_reconnects_resubscribes_and_events_keep_flowing(
    sim: GizwitsSimulator,
    client: GizwitsClient,
    lamps: list[str],
    how: str,
    expected_logins: int,
) -> None:
    stream = client.push.events()
    connections: list[PushEvent] = []
    client.push.subscribe(connections.append, kinds=[ConnectionEvent])
    await client.push.start(**{**FAST, "ping_interval": 0.1})
    await next_of(stream, ConnectionEvent)
    before = logins(sim)
    _kill_by(sim, how)
    down = await next_of(stream, ConnectionEvent)
    assert down.connected is False
    assert down.error is not None
    sim.faults.websocket.silent = False
    up = await next_of(stream, ConnectionEvent)
    assert up.connected is True
    assert logins(sim) - before == expected_logins
    assert sim.count("GET", "/ws/app/v1") == 2
    assert len(ws_frames(sim, "login_req")) == 2
    assert len(ws_frames(sim, "subscribe_req")) == 2
    sim.report(lamps[0], {"LED_R": 77})
    event = await next_of(stream, AttrsEvent, did=lamps[0])
    while event.attrs != {"LED_R": 77}:
        event = await next_of(stream, AttrsEvent, did=lamps[0])
    assert [(e.endpoint, e.connected) for e in connections if isinstance(e, ConnectionEvent)] == [
        (up.endpoint, True),
        (up.endpoint, False),
        (up.endpoint, True),
    ]
    await client.push.stop()


async def test_a_revoked_token_is_replaced_by_exactly_one_login(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str]
) -> None:
    stream = client.push.events(kinds=[ConnectionEvent])
    await client.push.start(**FAST)
    await next_of(stream, ConnectionEvent)
    assert logins(sim) == 1
    assert client.token is not None
    del sim.state.tokens[client.token.token]
    sim.faults.websocket.drop_all()
    assert (await next_of(stream, ConnectionEvent)).connected is False
    assert (await next_of(stream, ConnectionEvent)).connected is True
    assert logins(sim) == 2
    refused = [f for f in sim.push.sent if f["cmd"] == "login_res"]
    assert [f["data"]["success"] for f in refused] == [True, False, True]
    await client.push.stop()


async def test_a_huge_frame_is_capped_and_the_socket_recovers(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str]
) -> None:
    stream = client.push.events(kinds=[ConnectionEvent, AttrsEvent])
    await client.push.start(**{**FAST, "max_msg_size": 4096})
    await next_of(stream, ConnectionEvent)
    sim.faults.websocket.send_text('{"cmd":"s2c_noti","pad":"' + "x" * 10_000 + '"}')
    down = await next_of(stream, ConnectionEvent)
    assert down.connected is False
    assert (await next_of(stream, ConnectionEvent)).connected is True
    assert logins(sim) == 1
    await client.push.stop()


async def test_delayed_frames_still_arrive_in_order(
    sim: GizwitsSimulator, started: tuple[GizwitsClient, EventStream], lamps: list[str]
) -> None:
    _, stream = started
    sim.faults.websocket.frame_delay = 0.02
    sim.report(lamps[0], {"LED_R": 1})
    sim.report(lamps[0], {"LED_R": 2})
    got: list[int] = []
    while len(got) < 2:
        event = await next_of(stream, AttrsEvent, did=lamps[0])
        if "LED_R" in event.attrs and len(event.attrs) == 1:
            got.append(event.attrs["LED_R"])
    assert got == [1, 2]
    sim.faults.websocket.clear()


async def test_the_simulator_enforces_login_order_token_and_heartbeat(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str], alice_uid: str
) -> None:
    token = await client._auth.ensure_token()
    assert token is not None
    url = sim.base_url.replace("http://", "ws://") + "/ws/app/v1"
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        await ws.send_json({"cmd": "ping"})
        assert (await ws.receive_json())["data"]["error_code"] == 1003
        login = {
            "appid": sim.app_id,
            "uid": alice_uid,
            "token": "wrong",
            "p0_type": "attrs_v4",
            "heartbeat_interval": 30,
            "auto_subscribe": False,
        }
        await ws.send_json({"cmd": "login_req", "data": login})
        assert await ws.receive_json() == {"cmd": "login_res", "data": {"success": False}}
        await ws.send_json({"cmd": "login_req", "data": {**login, "token": token.token}})
        assert await ws.receive_json() == {"cmd": "login_res", "data": {"success": True}}
        await ws.send_json({"cmd": "subscribe_req", "data": [{"did": lamps[0]}, {"did": "nope"}]})
        answer = await ws.receive_json()
        assert answer["data"]["success"] == [{"did": lamps[0], "error_code": 0, "msg": "ok"}]
        assert answer["data"]["failed"][0]["did"] == "nope"
        sim.clock.advance(29)
        await ws.send_json({"cmd": "ping"})
        assert await ws.receive_json() == {"cmd": "pong"}
        sim.clock.advance(31)
        assert (await ws.receive_json())["data"] == {"error_code": 1011, "msg": "No heartbeat!"}
        assert (await ws.receive()).type is aiohttp.WSMsgType.CLOSE
    sim.faults.websocket.refuse(5)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await session.ws_connect(url)
    sim.faults.websocket.accept()


async def test_rest_refreshes_while_disconnected_and_stops_when_push_is_back(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str]
) -> None:
    stream = client.push.events()
    await client.push.start(**{**FAST, "rest_interval": 0.1})
    await next_of(stream, ConnectionEvent)
    latest = "/app/devdata/[^/]+/latest"
    assert sim.count("GET", latest) == 0
    sim.faults.websocket.refuse()
    sim.faults.websocket.drop_all()
    assert (await next_of(stream, ConnectionEvent)).connected is False
    sim.report(lamps[0], {"LED_R": 99})
    rest_events: list[AttrsEvent] = []
    while len({e.did for e in rest_events}) < 3 or len(rest_events) < 6:
        event = await next_of(stream, AttrsEvent)
        if event.state.source is StateSource.REST:
            rest_events.append(event)
    assert client.push.state(lamps[0]).attrs["LED_R"] == 99  # type: ignore[union-attr]
    assert client.push.state(lamps[0]).source is StateSource.REST  # type: ignore[union-attr]
    assert client.push.state(lamps[0]).attrs["pattern"] == bytes(4)  # type: ignore[union-attr]
    # One refresh reads the three devices together; refreshes come an interval apart.
    times = sorted(r.time for r in sim.requests_to("GET", latest))
    rounds: list[list[float]] = [[times[0]]]
    for earlier, later in itertools.pairwise(times):
        if later - earlier > 0.05:
            rounds.append([])
        rounds[-1].append(later)
    assert len(rounds) >= 2
    assert [len(r) for r in rounds[:-1]] == [3] * (len(rounds) - 1)
    sim.faults.websocket.accept()
    assert (await next_of(stream, ConnectionEvent)).connected is True
    after = sim.count("GET", latest)
    await asyncio.sleep(0.35)
    assert sim.count("GET", latest) == after
    await client.push.stop()


# -- scale and slow consumers ------------------------------------------------------------


async def test_one_socket_carries_a_thousand_subscribed_devices(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    sim.add_product(DEMO_PRODUCT_KEY, datapoints=DEMO_DATAPOINTS)
    dids = [sim.add_device(DEMO_PRODUCT_KEY, owner=alice_uid) for _ in range(1000)]
    stream = client.push.events(kinds=[AttrsEvent])
    await client.push.start(**FAST)
    assert sim.count("GET", "/ws/app/v1") == 1
    assert len(sim.push.sessions) == 1
    (session,) = sim.push.sessions
    assert session.subscribed == set(dids)
    assert len(ws_frames(sim, "subscribe_req")) == 10
    await until(lambda: len(ws_frames(sim, "c2s_read")) >= 1000)
    assert {f["data"]["did"] for f in ws_frames(sim, "c2s_read")} == set(dids)
    sim.report(dids[-1], {"LED_R": 12})
    event = await next_of(stream, AttrsEvent, did=dids[-1])
    while event.attrs != {"LED_R": 12}:
        event = await next_of(stream, AttrsEvent, did=dids[-1])
    await client.push.stop()


async def test_a_consumer_that_never_reads_blocks_neither_pings_nor_other_consumers(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str]
) -> None:
    stuck = client.push.events(maxsize=100)
    reader = client.push.events(kinds=[AttrsEvent])
    await client.push.start(**{**FAST, "ping_interval": 0.3})
    last: dict[str, int] = {}
    done = asyncio.Event()

    async def read_all() -> None:
        async for event in reader:
            assert isinstance(event, AttrsEvent)
            if event.state.attrs.get("LED_R") == 250 and all(
                client.push.state(did).attrs.get("LED_R") == 250  # type: ignore[union-attr]
                for did in lamps
            ):
                last.update(dict.fromkeys(lamps, 250))
                done.set()

    task = asyncio.create_task(read_all())
    for n in range(10_000):
        sim.report(lamps[n % 3], {"LED_R": n % 250})
        if n % 100 == 0:
            await asyncio.sleep(0)
    for did in lamps:
        sim.report(did, {"LED_R": 250})
    pings_before = len(ws_frames(sim, "ping"))
    await asyncio.wait_for(done.wait(), 30)
    await until(lambda: len(ws_frames(sim, "ping")) > pings_before)
    assert stuck.pending <= 100 + 3 + 1
    assert stuck.coalesced >= 9_000
    assert client.push.connected
    assert sim.count("GET", "/ws/app/v1") == 1
    await client.push.stop()
    await task


async def test_two_hundred_clients_spread_their_reconnects_after_a_restart(
    sim: GizwitsSimulator,
    make_client: ClientFactory,
    alice_uid: str,
    lamps: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = sim.state.users[alice_uid]
    # The waits each client chose, by task: arrival times on the simulator would also measure
    # how late a loaded machine runs the timers, which is not what this test is about.
    waits: dict[asyncio.Task[Any] | None, list[float]] = {}

    async def record(delay: float) -> None:
        waits.setdefault(asyncio.current_task(), []).append(delay)
        await asyncio.sleep(delay)

    monkeypatch.setattr("gizwits_async.push._client.sleep", record)
    # Each socket holds one of the session's connections: no pool limit for 200 of them.
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        clients = []
        for _ in range(200):
            issued = sim.state.issue_token(user)
            token = UserToken(
                uid=issued["uid"],
                token=issued["token"],
                expire_at=datetime.fromtimestamp(issued["expire_at"], UTC),
            )
            clients.append(
                make_client(
                    username=None, password=None, app_secret=None, token=token, session=session
                )
            )
        options = {**FAST, "backoff_base": 0.5, "backoff_max": 2.0, "ping_interval": 5.0}
        await asyncio.gather(
            *(c.push.start(**options, rng=random.Random(i)) for i, c in enumerate(clients))
        )
        assert len(sim.push.sessions) == 200
        sim.reset_counters()
        waits.clear()
        # A restart: every socket drops, and new ones are refused for a second.
        sim.faults.websocket.refuse(1.0)
        sim.faults.websocket.drop_all()
        await until(lambda: not any(c.push.connected for c in clients))
        await until(lambda: all(c.push.connected for c in clients), timeout=30)
        # Every client waited before its first try, each its own jittered time.
        assert len(waits) == 200
        first = [chosen[0] for chosen in waits.values()]
        windows: dict[int, int] = {}
        for delay in first:
            windows[int(delay / 0.1)] = windows.get(int(delay / 0.1), 0) + 1
        # All 200 in one window is what reconnecting in step looks like; full jitter over
        # the first 0.5 s puts about 40 in each.
        assert max(windows.values()) <= 70, windows
        assert len(windows) >= 5, windows
        # No tight loop while refused: about two or three tries each over that second.
        attempts = sim.requests_to("GET", "/ws/app/v1")
        assert 200 <= len(attempts) <= 200 * 4
        assert sim.count("POST", "/app/login") == 0
        for c in clients:
            await c.close()


# -- lifecycle and secrets ---------------------------------------------------------------


async def test_stop_and_close_end_iterators_and_leave_no_task_and_no_socket(
    sim: GizwitsSimulator, make_client: ClientFactory, lamps: list[str]
) -> None:
    baseline = asyncio.all_tasks()
    client = make_client(app_secret=None)
    stream = client.push.events()
    callback_stream: list[PushEvent] = []

    async def slow(event: PushEvent) -> None:
        callback_stream.append(event)
        await asyncio.sleep(10)

    client.push.subscribe(slow)
    await client.push.start(**{**FAST, "rest_interval": 30.0})
    sim.report(lamps[0], {"LED_R": 5})
    await next_of(stream, AttrsEvent, did=lamps[0])
    await client.close()
    rest = [event async for event in stream]
    assert all(isinstance(e, AttrsEvent | ConnectionEvent) for e in rest)
    await until(lambda: not sim.push.sessions)
    assert sim.push.sessions == set()
    left = {t for t in asyncio.all_tasks() - baseline if not t.done()}
    left.discard(asyncio.current_task())
    server_side = {t for t in left if "web_protocol" in repr(t.get_coro())}
    assert left - server_side == set()
    assert not client.push.connected
    await client.push.stop()


async def test_the_token_never_appears_in_debug_logs_or_reprs(
    sim: GizwitsSimulator,
    client: GizwitsClient,
    lamps: list[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    stream = client.push.events()
    await client.push.start(**FAST)
    sim.faults.websocket.send_invalid(1009)
    await next_of(stream, ConnectionEvent)
    down = await next_of(stream, ConnectionEvent)
    up = await next_of(stream, ConnectionEvent)
    assert client.token is not None
    secrets = {r.body["data"]["token"] for r in sim.requests_to("WS", "/ws/app/v1/login_req")}
    assert len(secrets) == 2
    shown = caplog.text + repr(client.push) + repr(down) + repr(up) + repr(stream)
    shown += repr(list(client.push._endpoints.values())) + str(down.error)
    for secret in secrets:
        assert secret not in shown
    await client.push.stop()


async def test_views_share_the_clients_push(client: GizwitsClient) -> None:
    view = client.with_options(max_retries=0)
    assert view.push is client.push
    assert "Push(started=False" in repr(client.push)


def test_describe_gives_one_line_per_event() -> None:
    state = DeviceState(did="d", attrs={"a": 1}, source=StateSource.PUSH)
    assert describe(AttrsEvent(did="d", attrs={"a": 1, "b": b"\x01"}, state=state)) == (
        "d [push] a=1, b=01"
    )
    assert describe(OnlineEvent(did="d", online=False)) == "d offline"
    assert describe(BindingEvent(did="d", bound=True)) == "d bound"
    assert describe(RawEvent(did="d", raw=b"\x01\x02")) == "d raw 0102"
    assert describe(ConnectionEvent(endpoint="h:1", connected=True)) == "push h:1 connected"
    assert state.age(datetime.now(UTC)) is None


# -- backoff -----------------------------------------------------------------------------


class Ceilings(random.Random):
    """Jitter that records the ceiling of each draw and waits a tenth of it."""

    def __init__(self) -> None:
        super().__init__(0)
        self.ceilings: list[float] = []

    def uniform(self, a: float, b: float) -> float:
        self.ceilings.append(b)
        return b / 10


@pytest.mark.parametrize(("stable_after", "reset"), [(0.0, True), (60.0, False)])
async def test_backoff_doubles_to_the_cap_and_resets_only_after_a_stable_connection(
    sim: GizwitsSimulator,
    client: GizwitsClient,
    lamps: list[str],
    stable_after: float,
    reset: bool,
) -> None:
    jitter = Ceilings()
    stream = client.push.events(kinds=[ConnectionEvent])
    sim.faults.websocket.refuse()
    options = {**FAST, "backoff_base": 0.01, "backoff_max": 0.04, "stable_after": stable_after}
    await client.push.start(**options, rng=jitter)
    assert (await next_of(stream, ConnectionEvent)).connected is False
    await until(lambda: len(jitter.ceilings) >= 4)
    assert jitter.ceilings[:4] == [0.01, 0.02, 0.04, 0.04]
    sim.faults.websocket.accept()
    assert (await next_of(stream, ConnectionEvent)).connected is True
    drawn = len(jitter.ceilings)
    sim.faults.websocket.drop_all()
    await until(lambda: len(jitter.ceilings) > drawn)
    assert (jitter.ceilings[drawn] == 0.01) is reset
    await client.push.stop()


async def test_a_token_refused_with_no_way_to_log_in_waits_the_cap(
    sim: GizwitsSimulator,
    make_client: ClientFactory,
    alice_uid: str,
    lamps: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    waits: list[float] = []

    async def record(delay: float) -> None:
        waits.append(delay)
        await asyncio.sleep(0.001)

    monkeypatch.setattr("gizwits_async.push._client.sleep", record)
    issued = sim.state.issue_token(sim.state.users[alice_uid])
    token = UserToken(
        uid=issued["uid"],
        token=issued["token"],
        expire_at=datetime.fromtimestamp(issued["expire_at"], UTC),
    )
    async with make_client(username=None, password=None, app_secret=None, token=token) as client:
        stream = client.push.events(kinds=[ConnectionEvent])
        await client.push.start(**{**FAST, "backoff_max": 0.5})
        await next_of(stream, ConnectionEvent)
        del sim.state.tokens[issued["token"]]
        sim.faults.websocket.drop_all()
        down = await next_of(stream, ConnectionEvent)
        assert down.connected is False
        await until(lambda: len(waits) >= 3)
        # The drop waits a jittered delay, the refused token one too, then no token: the cap.
        assert waits[2] == 0.5
        assert client.token is None
        assert sim.count("POST", "/app/login") == 0


async def test_a_binding_without_an_endpoint_is_skipped_and_logged(
    sim: GizwitsSimulator,
    client: GizwitsClient,
    lamps: list[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = sim.state.device_json

    def without_endpoint(device: Any, binding: Any = None) -> dict[str, Any]:
        data = real(device, binding)
        if device.did == lamps[0]:
            del data["host"]
        return data

    monkeypatch.setattr(sim.state, "device_json", without_endpoint)
    await client.push.start(**FAST)
    assert client.push.connected
    assert sorted(client.push.dids) == sorted(lamps[1:])
    assert "no push endpoint" in caplog.text
    await client.push.stop()


# -- misuse and odd answers ----------------------------------------------------------------


async def test_misuse_is_refused_with_clear_errors(
    sim: GizwitsSimulator, started: tuple[GizwitsClient, EventStream], lamps: list[str]
) -> None:
    client, _ = started
    push = client.push
    with pytest.raises(TypeError, match="callable"):
        push.subscribe("not a function")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="maxsize"):
        push.events(maxsize=0)
    with pytest.raises(RuntimeError, match="already started"):
        await push.start(**FAST)
    with pytest.raises(TypeError, match="names"):
        await push.read(lamps[0], names="mode")
    assert push.endpoints == [sim.base_url.removeprefix("http://")]
    await push.stop()
    with pytest.raises(TypeError, match="one string"):
        await push.start(lamps[0], **FAST)
    with pytest.raises(ValueError, match="backoff_max"):
        await push.start(**{**FAST, "backoff_base": 2.0, "backoff_max": 1.0})


async def test_a_login_res_that_never_comes_times_out_and_is_retried(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str]
) -> None:
    sim.faults.websocket.silent = True
    stream = client.push.events(kinds=[ConnectionEvent])
    await client.push.start(**{**FAST, "login_timeout": 0.1})
    down = await next_of(stream, ConnectionEvent)
    assert down.connected is False
    assert isinstance(down.error, GizwitsTimeoutError)
    assert "no login_res in time" in str(down.error)
    sim.faults.websocket.silent = False
    assert (await next_of(stream, ConnectionEvent)).connected is True
    await client.push.stop()


async def test_odd_but_valid_frames_are_taken_in_stride(
    sim: GizwitsSimulator,
    started: tuple[GizwitsClient, EventStream],
    lamps: list[str],
    alice_uid: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client, stream = started
    caplog.set_level(logging.DEBUG, "gizwits_async.push")
    # A report for a device the push does not follow, an ack of ours, a late login_res.
    sim.faults.websocket.send_text('{"cmd":"s2c_noti","data":{"did":"stranger","attrs":{"a":1}}}')
    sim.faults.websocket.send_text('{"cmd":"s2c_ack","res_sn":1,"did":"x"}')
    sim.faults.websocket.send_text('{"cmd":"s2c_online_status","data":{"did":"x","online":true}}')
    sim.faults.websocket.send_text('{"cmd":"s2c_raw","data":{"did":"x","raw":[1]}}')
    # A device unbound behind the push's back is refused at the next subscribe.
    del sim.state.bindings[alice_uid, lamps[2]]
    sim.faults.websocket.drop_all()
    while (await next_of(stream, ConnectionEvent)).connected:
        pass
    assert (await next_of(stream, ConnectionEvent)).connected is True
    assert client.push.state("stranger") is None
    assert "1 devices not subscribed" in caplog.text
    assert "push 127.0.0.1" in caplog.text


async def test_write_without_datapoints_sends_bytes_as_a_byte_array(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    from tests.conftest import PRODUCT_KEY  # noqa: PLC0415

    did = sim.add_device(PRODUCT_KEY, owner=alice_uid, attrs={"level": 1})
    stream = client.push.events(kinds=[AttrsEvent])
    await client.push.start(**FAST)
    await client.push.write(did, {"blob": b"\x01\x02", "level": 3})
    event = await next_of(stream, AttrsEvent, did=did)
    while event.attrs.get("level") != 3:
        event = await next_of(stream, AttrsEvent, did=did)
    assert ws_frames(sim, "c2s_write")[0]["data"]["attrs"] == {"blob": [1, 2], "level": 3}
    await client.push.stop()


async def test_rest_fallback_failures_are_logged_and_it_keeps_going(
    sim: GizwitsSimulator,
    client: GizwitsClient,
    lamps: list[str],
    sleeps: object,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, "gizwits_async.push")
    stream = client.push.events(kinds=[ConnectionEvent])
    await client.push.start(**{**FAST, "rest_interval": 0.05})
    await next_of(stream, ConnectionEvent)
    sim.faults.add(method="GET", path="/app/devdata/.+/latest", status=500, times=None)
    sim.faults.websocket.refuse()
    sim.faults.websocket.drop_all()
    await until(lambda: caplog.text.count("reads failed") >= 2)
    assert "3 of 3 reads failed" in caplog.text
    await client.push.stop()


async def test_unsubscribing_an_async_callback_ends_its_task(
    sim: GizwitsSimulator, started: tuple[GizwitsClient, EventStream], lamps: list[str]
) -> None:
    client, _ = started
    seen: list[PushEvent] = []

    async def on_event(event: PushEvent) -> None:
        seen.append(event)

    def returns_awaitable(event: PushEvent) -> Any:
        return on_event(event)

    unsubscribe = client.push.subscribe(on_event, kinds=[AttrsEvent])
    client.push.subscribe(returns_awaitable, kinds=[AttrsEvent])
    sim.report(lamps[0], {"LED_R": 8})
    await until(lambda: sum(1 for e in seen if getattr(e, "attrs", None) == {"LED_R": 8}) == 2)
    unsubscribe()
    await until(lambda: not client.push._tasks)
