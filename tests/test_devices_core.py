"""Device status and control on the simulator: wire format, bulk helpers, bad input."""

from __future__ import annotations

import pytest

from gizwits_async import (
    DeviceRole,
    ErrorCode,
    GizwitsAPIError,
    GizwitsClient,
    GizwitsDeviceOfflineError,
    GizwitsNotFoundError,
)
from gizwits_async.simulator import GizwitsSimulator, SimError
from gizwits_async.simulator.state import Group
from tests.conftest import PRODUCT_KEY


async def test_latest_reads_the_device_report(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid, attrs={"switch": True, "level": 3})
    status = await client.devices.latest(did)
    assert status.did == did
    assert status.attrs == {"switch": True, "level": 3}
    assert status.updated_at is not None
    request = sim.requests_to("GET", f"/app/devdata/{did}/latest")[0]
    assert request.query == {}
    assert request.body is None


async def test_latest_of_a_silent_device_has_no_data(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid, attrs={"switch": True})
    sim.clock.advance(25 * 3600)
    status = await client.devices.latest(did)
    assert status.updated_at is None
    assert status.attrs == {}
    assert not status.has_data


async def test_control_with_attrs_sends_them_and_changes_the_device(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    await client.devices.control(did, attrs={"switch": True})
    request = sim.requests_to("POST", f"/app/control/{did}")[0]
    assert request.body == {"attrs": {"switch": True}}
    assert request.headers["Content-Type"].startswith("application/json")
    assert sim.device(did).attrs == {"switch": True}
    kinds = [entry["type"] for entry in sim.device(did).raw_log]
    assert kinds == ["app2dev", "dev2app"]
    assert sim.device(did).raw_log[0]["uid"] == alice_uid


@pytest.mark.parametrize("raw", [b"abc", [97, 98, 99], bytearray(b"abc")])
async def test_control_with_raw_sends_a_byte_list(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str, raw: object
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    await client.devices.control(did, raw=raw)  # type: ignore[arg-type]
    assert sim.requests_to("POST", f"/app/control/{did}")[0].body == {"raw": [97, 98, 99]}
    assert sim.device(did).raw_log[0]["payload_bin"] == "616263"


async def test_control_of_an_offline_device_raises_offline(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid, online=False)
    with pytest.raises(GizwitsDeviceOfflineError) as caught:
        await client.devices.control(did, attrs={"switch": True})
    assert caught.value.error_code == ErrorCode.DEVICE_OFFLINE


async def test_control_of_an_unbound_device_is_answered_9017(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    did = sim.add_device(PRODUCT_KEY)
    with pytest.raises(GizwitsAPIError) as caught:
        await client.devices.control(did, attrs={"switch": True})
    assert caught.value.error_code == ErrorCode.DEVICE_NOT_BOUND
    assert caught.value.status == 401


async def test_unknown_device_is_not_found(client: GizwitsClient) -> None:
    with pytest.raises(GizwitsNotFoundError):
        await client.devices.latest("doesnotexist")


async def test_get_returns_the_device_with_the_users_role(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    device = await client.devices.get(did)
    assert device.did == did
    assert device.role is DeviceRole.SPECIAL
    assert device.product_key == PRODUCT_KEY


BAD_DIDS = ["", "a/b", "..", "a..b", "a?b", "a#b", "a%2Fb", "a b", "a\nb"]


@pytest.mark.parametrize("did", BAD_DIDS)
async def test_bad_dids_are_refused_before_sending(
    sim: GizwitsSimulator, client: GizwitsClient, did: str
) -> None:
    with pytest.raises(ValueError, match="did"):
        await client.devices.latest(did)
    with pytest.raises(ValueError, match="did"):
        await client.devices.control(did, attrs={"x": 1})
    with pytest.raises(ValueError, match="did"):
        await client.devices.control_many(["ok", did], attrs={"x": 1})
    assert sim.requests == []


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({}, ValueError),
        ({"attrs": {"a": 1}, "raw": b"x"}, ValueError),
        ({"attrs": {}}, ValueError),
        ({"attrs": [("a", 1)]}, TypeError),
        ({"raw": [256]}, ValueError),
        ({"raw": [-1]}, ValueError),
        ({"raw": [1.5]}, TypeError),
        ({"raw": []}, ValueError),
        ({"raw": "abc"}, TypeError),
    ],
)
async def test_bad_commands_are_refused_before_sending(
    sim: GizwitsSimulator, client: GizwitsClient, kwargs: dict[str, object], error: type
) -> None:
    with pytest.raises(error):
        await client.devices.control("did1", **kwargs)  # type: ignore[arg-type]
    assert sim.requests == []


async def test_non_string_did_is_a_type_error(client: GizwitsClient) -> None:
    with pytest.raises(TypeError):
        await client.devices.latest(None)  # type: ignore[arg-type]


async def test_control_many_reports_offline_devices_and_bounds_concurrency(
    sim: GizwitsSimulator, alice_uid: str
) -> None:
    online = [sim.add_device(PRODUCT_KEY, owner=alice_uid) for _ in range(40)]
    offline = [sim.add_device(PRODUCT_KEY, owner=alice_uid, online=False) for _ in range(5)]
    sim.latency = 0.005
    async with GizwitsClient(
        sim.app_id,
        base_url=sim.base_url,
        username="alice",
        password="Al1ce-secret-pw",
        max_concurrency=8,
    ) as client:
        await client.login("alice", "Al1ce-secret-pw")
        sim.reset_counters()
        result = await client.devices.control_many([*online, *offline], attrs={"switch": True})
    assert set(result.succeeded) == set(online)
    assert set(result.failed) == set(offline)
    assert all(isinstance(e, GizwitsDeviceOfflineError) for e in result.failed.values())
    assert sim.max_in_flight <= 8
    assert all(sim.device(did).control_count == 1 for did in online)
    assert sim.count("POST", "/app/control/.*") == 45


async def test_latest_many_returns_each_status(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    dids = [sim.add_device(PRODUCT_KEY, owner=alice_uid, attrs={"n": i}) for i in range(10)]
    result = await client.devices.latest_many(dids, concurrency=3)
    assert result.ok
    assert [result.succeeded[did].attrs["n"] for did in dids] == list(range(10))


async def test_bindings_list_pages_until_a_short_page(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    dids = [sim.add_device(PRODUCT_KEY, owner=alice_uid) for _ in range(25)]
    devices = await client.bindings.list(page_size=10).collect()
    assert [d.did for d in devices] == dids
    listed = sim.requests_to("GET", "/app/bindings")
    assert [r.query for r in listed] == [
        {"show_disabled": "0", "show_proto_ver": "0", "limit": "10", "skip": str(skip)}
        for skip in (0, 10, 20)
    ]


async def test_group_control_reports_per_device_results(
    sim: GizwitsSimulator, alice_uid: str
) -> None:
    dids = [sim.add_device(PRODUCT_KEY, owner=alice_uid) for _ in range(4)]
    sim.state.set_online(dids[0], online=False)
    group = Group(id="g1", uid=alice_uid, group_name="all", product_key=None, created_at=0.0)
    group.dids.extend(dids)
    results = sim.state.control_group(group, attrs={"switch": True})
    assert results == {dids[0]: False, dids[1]: True, dids[2]: True, dids[3]: True}
    sim.add_product("other-product")
    group.dids.append(sim.add_device("other-product", owner=alice_uid))
    with pytest.raises(SimError) as caught:
        sim.state.control_group(group, attrs={"switch": True})
    assert caught.value.code == ErrorCode.FORM_INVALID
    assert "single-product" in caught.value.detail
