"""The simulator against recordings of the real cloud (issue #15): field names and JSON types of
bindings entries, device detail and latest status; which headers each endpoint needs; routing
before the application-id check; the cloud's error messages; both shapes of raw_data."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest

from gizwits_async.errors import ErrorCode
from gizwits_async.simulator import GizwitsSimulator
from gizwits_async.simulator.errors import CLOUD_MESSAGES, SimError, cloud_message
from tests.conftest import (
    FIXTURES,
    PASSWORD,
    PRESET_DATAPOINTS,
    PRODUCT_KEY,
    USERNAME,
    load_fixture,
)

APP = {"X-Gizwits-Application-Id": "test-app-id"}


def _json_type(value: Any) -> str:
    """The JSON type of a decoded value (bool before int: bool is an int in Python)."""
    for kind, name in ((bool, "bool"), (int, "int"), (float, "float"), (str, "str")):
        if isinstance(value, kind):
            return name
    if value is None:
        return "null"
    return "list" if isinstance(value, list) else "object"


def _recorded_binding_entries() -> Iterator[dict[str, Any]]:
    for path in sorted((FIXTURES / "real" / "bindings").glob("*.json")):
        yield from load_fixture(f"real/bindings/{path.name}")["devices"]


def _recorded_details() -> list[dict[str, Any]]:
    folder = FIXTURES / "real" / "device_detail"
    return [load_fixture(f"real/device_detail/{p.name}") for p in sorted(folder.glob("*.json"))]


def _types_by_key(records: list[dict[str, Any]]) -> dict[str, set[str]]:
    seen: dict[str, set[str]] = {}
    for record in records:
        for key, value in record.items():
            seen.setdefault(key, set()).add(_json_type(value))
    return seen


def _assert_shaped_like(answer: dict[str, Any], records: list[dict[str, Any]]) -> None:
    """Every key every recording has is answered, no key no recording has is, and each value's
    JSON type is one a recording gave that key."""
    common = set.intersection(*(set(r) for r in records))
    types = _types_by_key(records)
    assert common <= set(answer), f"missing: {sorted(common - set(answer))}"
    assert set(answer) <= set(types), f"never recorded: {sorted(set(answer) - set(types))}"
    wrong = {k: _json_type(v) for k, v in answer.items() if _json_type(v) not in types[k]}
    assert not wrong, f"types not recorded: {wrong} (recorded: { {k: types[k] for k in wrong} })"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def token(sim: GizwitsSimulator, http: aiohttp.ClientSession) -> str:
    body = {"username": USERNAME, "password": PASSWORD}
    async with http.post(f"{sim.base_url}/app/login", json=body, headers=APP) as response:
        assert response.status == 200
        data = await response.json()
    return str(data["token"])


@pytest.fixture
def did(sim: GizwitsSimulator, alice_uid: str) -> str:
    return sim.add_device(PRODUCT_KEY, owner=alice_uid, attrs={"switch": True, "mode": "eco"})


async def _get(
    http: aiohttp.ClientSession, url: str, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    async with http.get(url, headers=headers or {}) as response:
        text = await response.text()
        data = await response.json(content_type=None) if text.startswith(("{", "[")) else text
        return response.status, data


# -- field names and types against the recordings ---------------------------------------------


async def test_bindings_entries_carry_the_recorded_fields_and_types(
    sim: GizwitsSimulator, http: aiohttp.ClientSession, token: str, did: str
) -> None:
    status, data = await _get(
        http, f"{sim.base_url}/app/bindings", {**APP, "X-Gizwits-User-token": token}
    )
    assert status == 200
    [entry] = data["devices"]
    assert entry["did"] == did
    _assert_shaped_like(entry, list(_recorded_binding_entries()))


async def test_bindings_entries_carry_the_device_versions(
    sim: GizwitsSimulator, http: aiohttp.ClientSession, token: str, did: str
) -> None:
    device = sim.device(did)
    device.mcu_soft_version = "03030049"
    device.wifi_hard_version = "0ESP32C3"
    _, data = await _get(
        http, f"{sim.base_url}/app/bindings", {**APP, "X-Gizwits-User-token": token}
    )
    [entry] = data["devices"]
    assert (entry["protoc"], entry["gw_did"], entry["mesh_id"]) == (3, None, None)
    assert entry["mcu_soft_version"] == "03030049"
    assert entry["wifi_hard_version"] == "0ESP32C3"
    assert entry["wifi_soft_version"] == device.wifi_soft_version
    assert entry["state_last_timestamp"] == int(sim.clock.now())
    assert entry["is_low_power"] is False


async def test_proto_ver_is_listed_only_on_request(
    sim: GizwitsSimulator, http: aiohttp.ClientSession, token: str, did: str
) -> None:
    sim.device(did).proto_ver = "03"
    headers = {**APP, "X-Gizwits-User-token": token}
    _, plain = await _get(http, f"{sim.base_url}/app/bindings", headers)
    _, asked = await _get(http, f"{sim.base_url}/app/bindings?show_proto_ver=1", headers)
    [plain_entry], [asked_entry] = plain["devices"], asked["devices"]
    assert "proto_ver" not in plain_entry
    assert asked_entry == {**plain_entry, "proto_ver": "03"}


async def test_device_detail_is_shaped_like_the_recordings(
    sim: GizwitsSimulator, http: aiohttp.ClientSession, token: str, did: str
) -> None:
    status, data = await _get(
        http, f"{sim.base_url}/app/devices/{did}", {**APP, "X-Gizwits-User-token": token}
    )
    assert status == 200
    _assert_shaped_like(data, _recorded_details())
    assert not {"dev_alias", "dev_label", "type", "is_sandbox"} & set(data)
    assert data["role"] == "special"
    assert data["proto_ver"] == "04"


async def test_latest_is_shaped_like_the_recordings(
    sim: GizwitsSimulator, http: aiohttp.ClientSession, token: str, did: str
) -> None:
    status, data = await _get(
        http, f"{sim.base_url}/app/devdata/{did}/latest", {**APP, "X-Gizwits-User-token": token}
    )
    assert status == 200
    _assert_shaped_like(data, [load_fixture("real/devdata_latest/bestway_hottub_airjet_eu.json")])
    assert data["attr"] == {"switch": True, "mode": "eco"}


# -- which headers each endpoint needs (the doc's parameter tables) ----------------------------


async def test_latest_needs_only_the_application_id(
    sim: GizwitsSimulator, http: aiohttp.ClientSession, did: str
) -> None:
    status, data = await _get(http, f"{sim.base_url}/app/devdata/{did}/latest", APP)
    assert status == 200
    assert data["attr"] == {"switch": True, "mode": "eco"}


async def test_device_detail_needs_only_the_application_id(
    sim: GizwitsSimulator, http: aiohttp.ClientSession, did: str
) -> None:
    status, data = await _get(http, f"{sim.base_url}/app/devices/{did}", APP)
    assert status == 200
    assert data["did"] == did
    # Without a user there is no binding to describe.
    assert "role" not in data


async def test_a_sent_user_token_is_still_checked(
    sim: GizwitsSimulator, http: aiohttp.ClientSession, did: str
) -> None:
    headers = {**APP, "X-Gizwits-User-token": "not-a-token"}
    for path in (f"/app/devdata/{did}/latest", f"/app/devices/{did}"):
        status, data = await _get(http, f"{sim.base_url}{path}", headers)
        assert (status, data["error_code"]) == (400, ErrorCode.TOKEN_INVALID)


async def test_a_sent_user_token_must_name_a_bound_user(
    sim: GizwitsSimulator, http: aiohttp.ClientSession, token: str
) -> None:
    stranger = sim.add_device(PRODUCT_KEY)
    headers = {**APP, "X-Gizwits-User-token": token}
    for path in (f"/app/devdata/{stranger}/latest", f"/app/devices/{stranger}"):
        status, data = await _get(http, f"{sim.base_url}{path}", headers)
        assert (status, data["error_code"]) == (401, ErrorCode.DEVICE_NOT_BOUND)
        assert (await _get(http, f"{sim.base_url}{path}", APP))[0] == 200


async def test_latest_of_an_unknown_device_is_9014(
    sim: GizwitsSimulator, http: aiohttp.ClientSession
) -> None:
    status, data = await _get(http, f"{sim.base_url}/app/devdata/nosuchdevice/latest", APP)
    assert (status, data["error_code"]) == (404, ErrorCode.DEVICE_NOT_FOUND)
    assert data["error_message"] == "device not found!"


async def test_datapoint_answers_a_request_without_headers(
    sim: GizwitsSimulator, http: aiohttp.ClientSession
) -> None:
    preset = PRESET_DATAPOINTS / "jebao_00276aa006684c05805c297f60058c3d.json"
    datapoints = json.loads(preset.read_text(encoding="utf-8"))
    sim.add_product("00276aa006684c05805c297f60058c3d", datapoints=datapoints)
    url = f"{sim.base_url}/app/datapoint?product_key=00276aa006684c05805c297f60058c3d"
    status, data = await _get(http, url)
    assert status == 200
    assert data == datapoints


async def test_status_and_errors_need_only_the_application_id(
    sim: GizwitsSimulator, http: aiohttp.ClientSession
) -> None:
    assert (await _get(http, f"{sim.base_url}/status", APP))[0] == 200
    status, catalogue = await _get(http, f"{sim.base_url}/errors", APP)
    assert status == 200
    messages = {row["error_code"]: row["error_message"] for row in catalogue}
    assert messages[ErrorCode.TOKEN_INVALID] == "token invalid!"


async def test_endpoints_needing_a_user_still_refuse_without_one(
    sim: GizwitsSimulator, http: aiohttp.ClientSession, did: str
) -> None:
    for path in ("/app/bindings", f"/app/devices/{did}/raw_data?type=online"):
        status, data = await _get(http, f"{sim.base_url}{path}", APP)
        assert (status, data["error_code"]) == (400, ErrorCode.TOKEN_INVALID)


# -- routing before the application id ----------------------------------------------------------


async def test_an_unknown_path_is_404_without_any_header(
    sim: GizwitsSimulator, http: aiohttp.ClientSession
) -> None:
    status, _ = await _get(http, f"{sim.base_url}/app/no/such/endpoint")
    assert status == 404


async def test_an_unknown_path_is_404_with_a_wrong_application_id(
    sim: GizwitsSimulator, http: aiohttp.ClientSession
) -> None:
    headers = {"X-Gizwits-Application-Id": "wrong"}
    status, _ = await _get(http, f"{sim.base_url}/app/no/such/endpoint", headers)
    assert status == 404


async def test_a_known_path_with_a_wrong_method_is_405(
    sim: GizwitsSimulator, http: aiohttp.ClientSession
) -> None:
    async with http.delete(f"{sim.base_url}/status") as response:
        assert response.status == 405


async def test_a_known_path_without_application_id_is_9003(
    sim: GizwitsSimulator, http: aiohttp.ClientSession
) -> None:
    status, data = await _get(http, f"{sim.base_url}/status")
    assert (status, data["error_code"]) == (400, ErrorCode.APPID_INVALID)
    assert data["error_message"] == "appid invalid!"


# -- error messages as the cloud spells them -------------------------------------------------


async def test_token_invalid_is_spelled_as_the_recorded_answer(
    sim: GizwitsSimulator, http: aiohttp.ClientSession
) -> None:
    headers = {**APP, "X-Gizwits-User-token": "f" * 32}
    status, data = await _get(http, f"{sim.base_url}/app/bindings", headers)
    recorded = load_fixture("real/errors/token_invalid_9004_wrong_region_aquaforte.json")
    assert status == 400
    assert data == recorded


async def test_product_key_invalid_is_spelled_as_the_cloud_does(
    sim: GizwitsSimulator, http: aiohttp.ClientSession
) -> None:
    status, data = await _get(http, f"{sim.base_url}/app/datapoint?product_key=nope", APP)
    assert (status, data["error_message"]) == (400, "product_key invalid!")


def test_every_cloud_message_ends_like_the_cloud_spells_them() -> None:
    assert all(message.endswith("!") for message in CLOUD_MESSAGES.values())
    assert cloud_message(ErrorCode.DEVICE_NOT_FOUND) == "device not found!"
    assert cloud_message(ErrorCode.REQUEST_THROTTLED) == "request was throttled"
    assert SimError(ErrorCode.USER_NOT_EXIST).message == "user not exist!"
    assert SimError(ErrorCode.TOKEN_EXPIRED).message == "token expired!"
    assert SimError(12345).message == "error"


# -- raw_data in either shape ------------------------------------------------------------------


def _raw_data_url(sim: GizwitsSimulator, did: str) -> str:
    now = int(sim.clock.now())
    query = f"type=online&start_time={now - 3600}&end_time={now}"
    return f"{sim.base_url}/app/devices/{did}/raw_data?{query}"


@pytest.fixture
def online_entry(sim: GizwitsSimulator, did: str) -> dict[str, Any]:
    stamp = int(sim.clock.now()) - 60
    sim.state.add_raw_log(did, [{"type": "dev_online", "timestamp": stamp, "ip": "10.0.0.7"}])
    return {"stamp": stamp}


async def test_raw_data_is_flat_by_default(
    sim: GizwitsSimulator,
    http: aiohttp.ClientSession,
    token: str,
    did: str,
    online_entry: dict[str, Any],
) -> None:
    headers = {**APP, "X-Gizwits-User-token": token}
    status, data = await _get(http, _raw_data_url(sim, did), headers)
    assert status == 200
    assert sim.raw_data_shape == "flat"
    [entry] = data["objects"]
    assert entry["type"] == "dev_online"
    assert entry["timestamp"] == online_entry["stamp"]
    assert data["meta"]["total"] == 1


async def test_raw_data_can_answer_in_the_recorded_nested_shape(
    sim: GizwitsSimulator,
    http: aiohttp.ClientSession,
    token: str,
    did: str,
    online_entry: dict[str, Any],
) -> None:
    sim.raw_data_shape = "nested"
    headers = {**APP, "X-Gizwits-User-token": token}
    status, data = await _get(http, _raw_data_url(sim, did), headers)
    assert status == 200
    recorded = load_fixture("real/raw_data/aquaforte_online_nested_eu.json")
    assert set(data) == set(recorded)
    assert set(data["meta"]) == set(recorded["meta"])
    assert set(data["objects"]) == set(recorded["objects"])
    assert set(data["objects"]["hits"]) == set(recorded["objects"]["hits"])
    [entry] = data["objects"]["hits"]["objects"]
    [recorded_entry] = recorded["objects"]["hits"]["objects"]
    assert {k: _json_type(v) for k, v in entry.items()} == {
        k: _json_type(v) for k, v in recorded_entry.items()
    }
    assert entry == {
        "ip": "10.0.0.7",
        "type": "dev_online",
        "payload": {"keep_alive": 130},
        "timestamp": online_entry["stamp"],
    }
    assert data["objects"]["hits"]["total"] == data["meta"]["total"] == 1
    assert data["objects"]["err_code"] == 0
    assert isinstance(data["objects"]["took"], int)


async def test_the_nested_shape_is_a_constructor_option(http: aiohttp.ClientSession) -> None:
    async with GizwitsSimulator(app_id="test-app-id", raw_data_shape="nested") as sim:
        assert sim.raw_data_shape == "nested"
    with pytest.raises(ValueError, match="raw_data_shape"):
        GizwitsSimulator(raw_data_shape="deep")


async def test_nested_entries_carry_payload_objects_and_integer_timestamps(
    sim: GizwitsSimulator, http: aiohttp.ClientSession, token: str, did: str
) -> None:
    sim.raw_data_shape = "nested"
    sim.state.control_device(did, raw=[1, 2, 3])
    sim.state.set_online(did, online=False)
    headers = {**APP, "X-Gizwits-User-token": token}
    now = int(sim.clock.now()) + 1
    window = f"start_time={now - 3600}&end_time={now}&sort=asc"
    base = f"{sim.base_url}/app/devices/{did}/raw_data?{window}"
    _, commands = await _get(http, f"{base}&type=cmd", headers)
    [sent] = commands["objects"]["hits"]["objects"]
    assert sent["type"] == "app2dev"
    assert sent["payload"] == {"payload_bin": "010203"}
    assert "payload_bin" not in sent
    assert isinstance(sent["timestamp"], int)
    _, online = await _get(http, f"{base}&type=online", headers)
    [offline] = online["objects"]["hits"]["objects"]
    assert (offline["type"], offline["payload"]) == ("dev_offline", {})
