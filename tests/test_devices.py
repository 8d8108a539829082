"""Devices on the simulator: datapoint definitions, validated control, fan-out to hundreds of
devices, and every recorded payload decoding through the client with nothing lost."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import attrs
import pytest

from gizwits_async import (
    DeviceRole,
    ErrorCode,
    GizwitsAPIError,
    GizwitsClient,
    GizwitsDeviceOfflineError,
    GizwitsNotFoundError,
    ProductDatapoints,
)
from gizwits_async.models import Device, DeviceStatus, decode
from gizwits_async.models.datapoints import Datapoint
from gizwits_async.simulator import GizwitsSimulator, SimError
from gizwits_async.simulator.presets import (
    DEMO_DATAPOINTS,
    DEMO_PRODUCT_KEY,
    add_real_products,
    real_datapoints,
)
from gizwits_async.simulator.state import Device as SimDevice
from gizwits_async.simulator.state import Group
from tests.conftest import PRODUCT_KEY, ClientFactory, load_fixture

REAL_DATAPOINTS = real_datapoints()


@pytest.fixture
def demo_did(sim: GizwitsSimulator, alice_uid: str) -> str:
    sim.add_product(DEMO_PRODUCT_KEY, datapoints=DEMO_DATAPOINTS)
    return sim.add_device(DEMO_PRODUCT_KEY, owner=alice_uid)


# -- datapoint definitions -------------------------------------------------------------------


async def test_datapoints_asks_with_the_app_id_only_and_caches(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    sim.add_product(DEMO_PRODUCT_KEY, datapoints=DEMO_DATAPOINTS)
    definition = await client.devices.datapoints(DEMO_PRODUCT_KEY)
    assert definition == decode(DEMO_DATAPOINTS, ProductDatapoints)
    [request] = sim.requests
    assert (request.method, request.path) == ("GET", "/app/datapoint")
    assert request.query == {"product_key": DEMO_PRODUCT_KEY}
    assert request.headers["X-Gizwits-Application-Id"] == sim.app_id
    assert "X-Gizwits-User-token" not in request.headers
    assert await client.devices.datapoints(DEMO_PRODUCT_KEY) is definition
    assert len(sim.requests) == 1
    await client.devices.datapoints(DEMO_PRODUCT_KEY, refresh=True)
    assert sim.count("GET", "/app/datapoint") == 2


async def test_every_recorded_definition_is_served_and_decodes_unchanged(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    products = add_real_products(sim.state)
    assert sorted(p.product_key for p in products) == sorted(REAL_DATAPOINTS)
    for product_key, recorded in REAL_DATAPOINTS.items():
        served = await client.devices.datapoints(product_key)
        assert served == decode(recorded, ProductDatapoints)
        assert served.product_key == product_key
    assert sim.count("GET", "/app/datapoint") == len(REAL_DATAPOINTS) == 18


async def test_undocumented_definition_fields_stay_reachable_in_extra(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    definition = json.loads(json.dumps(DEMO_DATAPOINTS))
    definition["min_version"] = "4.1"
    definition["entities"][0]["kind"] = "main"
    point = definition["entities"][0]["attrs"][2]
    point["step"] = 2
    point["position"]["endian"] = "big"
    point["uint_spec"]["unit"] = "°C"
    sim.add_product(DEMO_PRODUCT_KEY, datapoints=definition)
    served = await client.devices.datapoints(DEMO_PRODUCT_KEY)
    assert served.extra == {"min_version": "4.1"}
    assert served.entities[0].extra == {"kind": "main"}
    led = served["LED_R"]
    assert led.extra == {"step": 2}
    assert led.position is not None
    assert led.position.extra == {"endian": "big"}
    assert led.uint_spec is not None
    assert led.uint_spec.extra == {"unit": "°C"}


@pytest.mark.parametrize(
    ("definition", "code"),
    [("unknown", ErrorCode.PRODUCT_KEY_INVALID), ("empty", ErrorCode.DATAPOINT_DATA_NOT_FOUND)],
)
async def test_datapoints_of_an_unknown_or_undefined_product_is_an_api_error(
    sim: GizwitsSimulator, client: GizwitsClient, definition: str, code: ErrorCode
) -> None:
    if definition == "empty":
        sim.add_product("e" * 32)
    with pytest.raises(GizwitsAPIError) as caught:
        await client.devices.datapoints("e" * 32)
    assert caught.value.error_code == code


async def test_datapoints_needs_a_product_key(client: GizwitsClient) -> None:
    with pytest.raises(ValueError, match="product_key"):
        await client.devices.datapoints("")


# -- control against datapoints --------------------------------------------------------------


async def test_control_with_datapoints_sends_the_validated_values(
    sim: GizwitsSimulator, client: GizwitsClient, demo_did: str
) -> None:
    definition = await client.devices.datapoints(DEMO_PRODUCT_KEY)
    await client.devices.control(
        demo_did, attrs={"pattern": "1234567", "mode": 2, "switch": 1}, datapoints=definition
    )
    [request] = sim.requests_to("POST", f"/app/control/{demo_did}")
    assert request.body == {"attrs": {"pattern": "12345670", "mode": "boost", "switch": True}}
    assert sim.device(demo_did).attrs == {"pattern": "12345670", "mode": "boost", "switch": True}


async def test_control_many_with_datapoints_sends_the_validated_values(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str, demo_did: str
) -> None:
    other = sim.add_device(DEMO_PRODUCT_KEY, owner=alice_uid)
    definition = await client.devices.datapoints(DEMO_PRODUCT_KEY)
    result = await client.devices.control_many(
        [demo_did, other], attrs={"pattern": b"\xab"}, datapoints=definition
    )
    assert result.ok
    bodies = [r.body for r in sim.requests_to("POST", "/app/control/.*")]
    assert bodies == [{"attrs": {"pattern": "ab000000"}}] * 2


BAD_VALUES: list[tuple[dict[str, Any], type[Exception]]] = [
    ({"nope": 1}, ValueError),
    ({"temperature": 20}, ValueError),
    ({"overheat": True}, ValueError),
    ({"LED_R": 255}, ValueError),
    ({"mode": "turbo"}, ValueError),
    ({"switch": "on"}, TypeError),
    ({"pattern": "0102030405"}, ValueError),
]


@pytest.mark.parametrize(("attrs_", "error"), BAD_VALUES)
async def test_control_with_datapoints_refuses_bad_values_before_sending(
    sim: GizwitsSimulator,
    client: GizwitsClient,
    demo_did: str,
    attrs_: dict[str, Any],
    error: type[Exception],
) -> None:
    definition = decode(DEMO_DATAPOINTS, ProductDatapoints)
    with pytest.raises(error, match=next(iter(attrs_))):
        await client.devices.control(demo_did, attrs=attrs_, datapoints=definition)
    with pytest.raises(error):
        await client.devices.control_many([demo_did], attrs=attrs_, datapoints=definition)
    assert sim.requests == []


@pytest.mark.parametrize(
    "attrs_", [values for values, _ in BAD_VALUES] + [{"pattern": "1234567"}, {"mode": 3}]
)
async def test_the_simulator_answers_9025_to_values_its_datapoints_refuse(
    sim: GizwitsSimulator, client: GizwitsClient, demo_did: str, attrs_: dict[str, Any]
) -> None:
    with pytest.raises(GizwitsAPIError) as caught:
        await client.devices.control(demo_did, attrs=attrs_)
    assert caught.value.error_code == ErrorCode.ATTR_INVALID
    assert sim.device(demo_did).control_count == 0


async def test_datapoints_must_be_a_definition(client: GizwitsClient) -> None:
    with pytest.raises(TypeError, match="ProductDatapoints"):
        await client.devices.control("did1", attrs={"a": 1}, datapoints=DEMO_DATAPOINTS)  # type: ignore[arg-type]


async def test_raw_commands_pass_datapoints_unchanged(
    sim: GizwitsSimulator, client: GizwitsClient, demo_did: str
) -> None:
    definition = decode(DEMO_DATAPOINTS, ProductDatapoints)
    await client.devices.control(demo_did, raw=[1, 2, 3], datapoints=definition)
    assert sim.requests_to("POST", f"/app/control/{demo_did}")[0].body == {"raw": [1, 2, 3]}


def good_value(point: Datapoint) -> Any:
    if point.data_type == "bool":
        return True
    if point.data_type == "enum":
        return (point.enum or [""])[-1]
    if point.data_type == "binary":
        return "ab"  # one byte: padded by the client to the full length
    assert point.uint_spec is not None
    return point.uint_spec.high


def bad_value(point: Datapoint) -> Any:
    if point.data_type == "bool":
        return 2
    if point.data_type == "enum":
        return "no such label"
    if point.data_type == "binary":
        return "00" * ((point.byte_length or 0) + 1)
    assert point.uint_spec is not None
    return point.uint_spec.high + max(point.uint_spec.ratio, 1)


def test_client_and_simulator_agree_on_every_recorded_datapoint(sim: GizwitsSimulator) -> None:
    """Every writable datapoint of the 18 real products: what the client's validate() passes
    the simulator accepts; what it refuses, the simulator refuses too."""
    checked = 0
    for product in add_real_products(sim.state):
        definition = decode(product.datapoints, ProductDatapoints)
        device = SimDevice(did="d", product_key=product.product_key, mac="m", passcode="p")
        for point in definition.datapoints.values():
            if not point.writable:
                with pytest.raises(SimError):
                    sim.state.validate_attrs(device, {point.name: good_value(point)})
                continue
            sim.state.validate_attrs(device, definition.validate({point.name: good_value(point)}))
            with pytest.raises((ValueError, TypeError)):
                definition.validate({point.name: bad_value(point)})
            with pytest.raises(SimError) as caught:
                sim.state.validate_attrs(device, {point.name: bad_value(point)})
            assert caught.value.code == ErrorCode.ATTR_INVALID
            checked += 1
    assert checked > 400


# -- fan-out ---------------------------------------------------------------------------------


async def test_control_many_on_500_devices_with_50_offline(
    sim: GizwitsSimulator, make_client: ClientFactory, alice_uid: str
) -> None:
    dids = [sim.add_device(PRODUCT_KEY, owner=alice_uid) for _ in range(500)]
    offline = set(dids[::10])
    for did in offline:
        sim.state.set_online(did, online=False)
    sim.latency = 0.01
    async with make_client(app_secret=None) as client:
        await client.login("alice", "Al1ce-secret-pw")
        sim.reset_counters()
        result = await client.devices.control_many(dids, attrs={"switch": True})
    assert client.max_concurrency == 16
    assert len(result.succeeded) == 450
    assert set(result.succeeded) == set(dids) - offline
    assert set(result.failed) == offline
    for error in result.failed.values():
        assert isinstance(error, GizwitsDeviceOfflineError)
        assert error.error_code == ErrorCode.DEVICE_OFFLINE
    assert 2 <= sim.max_in_flight <= 16
    sent = Counter(r.path for r in sim.requests_to("POST", "/app/control/.*"))
    assert sent == Counter({f"/app/control/{did}": 1 for did in dids})
    assert all(sim.device(did).control_count == (did not in offline) for did in dids)


async def test_control_many_honours_its_own_concurrency(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    dids = [sim.add_device(PRODUCT_KEY, owner=alice_uid) for _ in range(30)]
    await client.devices.latest(dids[0])
    sim.latency = 0.01
    sim.reset_counters()
    result = await client.devices.control_many(dids, raw=b"\x01", concurrency=3)
    assert result.ok
    assert 2 <= sim.max_in_flight <= 3


# -- recorded payloads through the client ----------------------------------------------------


def assert_reachable(model: Any, payload: dict[str, Any]) -> None:
    """Every key of the payload is a field of the model (by wire name) or kept in extra."""
    named = {field.alias or field.name: field.name for field in attrs.fields(type(model))}
    for key, value in payload.items():
        if key in model.extra:
            assert model.extra[key] == value
        else:
            assert key in named, key
            assert getattr(model, named[key]) is not None or value in (None, "", 0), key


BINDINGS = load_fixture("real/bindings/heatzypy_devices.json")
UNDOCUMENTED = {
    "protoc",
    "product_name",
    "gw_did",
    "sleep_duration",
    "mcu_soft_version",
    "mcu_hard_version",
    "wifi_hard_version",
    "state_last_timestamp",
    "mesh_id",
    "is_low_power",
    "updated_at",
}


async def test_recorded_bindings_decode_through_the_list_with_nothing_lost(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    payload = json.loads(json.dumps(BINDINGS))
    payload["devices"][0]["firmware_channel"] = "beta"  # a field no source has seen yet
    sim.faults.add(method="GET", path="/app/bindings", body=json.dumps(payload))
    devices = await client.bindings.list().collect()
    assert [d.did for d in devices] == [e["did"] for e in BINDINGS["devices"]]
    assert devices[0].extra == {"firmware_channel": "beta"}
    assert devices[0].protoc == 3
    assert devices[0].product_name == "INEA"
    seen_keys = set().union(*(entry.keys() for entry in payload["devices"]))
    assert seen_keys >= UNDOCUMENTED
    for device, entry in zip(devices, payload["devices"], strict=True):
        assert_reachable(device, entry)


async def test_recorded_device_detail_decodes_through_get(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    payload = load_fixture("real/device_detail/heatzypy_device_inea.json")
    did = payload["did"]
    sim.faults.add(method="GET", path=f"/app/devices/{did}", body=json.dumps(payload))
    device = await client.devices.get(did)
    assert isinstance(device, Device)
    assert device.state_last_timestamp is not None
    assert device.is_low_power is False
    assert_reachable(device, payload)


async def test_recorded_latest_bodies_decode_through_latest(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    bodies = load_fixture("real/devdata_latest/heatzypy_attributes_by_product.json")
    assert len(bodies) == 8
    for body in bodies.values():
        path = f"/app/devdata/{body['did']}/latest"
        sim.faults.add(method="GET", path=path, body=json.dumps({**body, "ts_ms": 1}))
        status = await client.devices.latest(body["did"])
        assert isinstance(status, DeviceStatus)
        assert status.attrs == body["attr"]
        assert status.extra == {"ts_ms": 1}


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
    sim: GizwitsSimulator, make_client: ClientFactory, alice_uid: str
) -> None:
    online = [sim.add_device(PRODUCT_KEY, owner=alice_uid) for _ in range(40)]
    offline = [sim.add_device(PRODUCT_KEY, owner=alice_uid, online=False) for _ in range(5)]
    sim.latency = 0.005
    async with make_client(app_secret=None, max_concurrency=8) as client:
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
