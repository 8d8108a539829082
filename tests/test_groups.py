"""Device groups against the simulator: wire format, per-did results of membership changes,
group control with offline devices, the bulk helper, and bad input refused before sending."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import cattrs
import pytest

from gizwits_async import (
    DeviceType,
    ErrorCode,
    GizwitsAPIError,
    GizwitsClient,
    GizwitsResponseError,
    Group,
    GroupChangeResult,
    GroupDevice,
)
from gizwits_async.models import decode, decode_list
from gizwits_async.simulator import GizwitsSimulator
from tests.conftest import PRODUCT_KEY, ClientFactory

OTHER_KEY = "a" * 32


@pytest.fixture
def bob(sim: GizwitsSimulator, make_client: ClientFactory) -> GizwitsClient:
    sim.add_user("bobby", "B0bby-secret-pw")
    return make_client(username="bobby", password="B0bby-secret-pw", app_secret=None)


async def test_create_list_rename_delete_on_the_wire(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    hall = await client.groups.create("Hall lights", product_key=PRODUCT_KEY)
    mixed = await client.groups.create("Living room")
    assert [r.body for r in sim.requests_to("POST", "/app/group")] == [
        {"group_name": "Hall lights", "product_key": PRODUCT_KEY},
        {"group_name": "Living room"},
    ]
    groups = await client.groups.list()
    assert [(g.id, g.group_name, g.product_key) for g in groups] == [
        (hall, "Hall lights", PRODUCT_KEY),
        (mixed, "Living room", None),
    ]
    assert groups[0].verbose_name == PRODUCT_KEY[:8]
    assert groups[1].verbose_name is None
    assert isinstance(groups[0].created_at, datetime)

    await client.groups.rename(mixed, "Lounge")
    await client.groups.delete(hall)
    put = sim.requests_to("PUT", "/app/group/.+")[0]
    assert (put.path, put.body, put.query) == (f"/app/group/{mixed}", {"group_name": "Lounge"}, {})
    delete = sim.requests_to("DELETE", "/app/group/.+")[0]
    assert (delete.path, delete.body) == (f"/app/group/{hall}", None)
    assert [(g.id, g.group_name) for g in await client.groups.list()] == [(mixed, "Lounge")]
    assert sim.requests_to("GET", "/app/group")[0].query == {}


async def test_devices_lists_the_members_with_product_fields_for_single_product_groups(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    dids = [sim.add_device(PRODUCT_KEY, owner=alice_uid) for _ in range(3)]
    single = await client.groups.create("single", product_key=PRODUCT_KEY)
    mixed = await client.groups.create("mixed")
    await client.groups.add_devices(single, dids)
    await client.groups.add_devices(mixed, dids[:1])
    members = await client.groups.devices(single)
    assert sim.requests_to("GET", f"/app/group/{single}/devices")[0].body is None
    assert [m.did for m in members] == dids
    assert members[0].type is DeviceType.NORMAL
    assert members[0].product_key == PRODUCT_KEY
    [other] = await client.groups.devices(mixed)
    assert (other.did, other.product_key, other.verbose_name) == (dids[0], None, None)


async def test_control_of_30_devices_with_3_offline(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    dids = [sim.add_device(PRODUCT_KEY, owner=alice_uid) for _ in range(30)]
    offline = set(dids[::10])
    for did in offline:
        sim.state.set_online(did, online=False)
    group = await client.groups.create("all", product_key=PRODUCT_KEY)
    added = await client.groups.add_devices(group, dids)
    assert added.success == dids
    assert added.ok

    results = await client.groups.control(group, attrs={"switch": True})
    assert len(results) == 30
    assert sum(results.values()) == 27
    assert {did for did, ok in results.items() if not ok} == offline
    request = sim.requests_to("POST", f"/app/group/{group}/control")[0]
    assert request.body == {"attrs": {"switch": True}}
    assert request.query == {}
    assert all(sim.device(did).attrs == {"switch": True} for did in dids if did not in offline)
    assert all(sim.device(did).control_count == 0 for did in offline)


async def test_control_with_raw_sends_a_byte_list(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    group = await client.groups.create("g", product_key=PRODUCT_KEY)
    await client.groups.add_devices(group, [did])
    assert await client.groups.control(group, raw=b"\x01\x02\x03") == {did: True}
    assert sim.requests_to("POST", f"/app/group/{group}/control")[0].body == {"raw": [1, 2, 3]}


async def test_adding_unknown_and_unbound_devices_fails_for_those_dids_only(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    mine = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    not_mine = sim.add_device(PRODUCT_KEY)
    unknown = ["unknownDid000000000001", "unknownDid000000000002"]
    group = await client.groups.create("g")
    result = await client.groups.add_devices(group, [mine, *unknown, not_mine], show_detail=True)
    request = sim.requests_to("POST", f"/app/group/{group}/devices")[0]
    assert request.query == {"show_detail": "1"}
    assert request.body == {"dids": [mine, *unknown, not_mine]}
    assert result.success == [mine]
    assert result.failed == [*unknown, not_mine]
    assert not result.ok
    errors = result.errors()
    assert [errors[did].error_code for did in unknown] == [ErrorCode.DEVICE_NOT_FOUND] * 2
    assert errors[unknown[0]].error_message == "device not found!"
    assert errors[not_mine].error_code == ErrorCode.DEVICE_NOT_BOUND

    plain = await client.groups.add_devices(group, unknown)
    assert sim.requests_to("POST", f"/app/group/{group}/devices")[1].query == {"show_detail": "0"}
    assert plain.failed == unknown
    assert plain.detail == []
    assert [d.did for d in await client.groups.devices(group)] == [mine]


async def test_a_single_product_group_refuses_other_products(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    sim.add_product(OTHER_KEY)
    other = sim.add_device(OTHER_KEY, owner=alice_uid)
    group = await client.groups.create("g", product_key=PRODUCT_KEY)
    result = await client.groups.add_devices(group, [other], show_detail=True)
    assert result.failed == [other]
    assert result.detail[0].error_code == ErrorCode.FORM_INVALID


async def test_remove_devices_sends_the_dids_in_the_body(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    dids = [sim.add_device(PRODUCT_KEY, owner=alice_uid) for _ in range(3)]
    group = await client.groups.create("g")
    await client.groups.add_devices(group, dids)
    result = await client.groups.remove_devices(group, [dids[0], "notInGroup"])
    request = sim.requests_to("DELETE", f"/app/group/{group}/devices")[0]
    assert (request.body, request.query) == ({"dids": [dids[0], "notInGroup"]}, {})
    assert (result.success, result.failed) == ([dids[0]], ["notInGroup"])
    assert [d.did for d in await client.groups.devices(group)] == dids[1:]


async def test_a_group_without_product_key_cannot_be_controlled(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    group = await client.groups.create("mixed")
    await client.groups.add_devices(group, [sim.add_device(PRODUCT_KEY, owner=alice_uid)])
    with pytest.raises(GizwitsAPIError) as caught:
        await client.groups.control(group, attrs={"switch": True})
    assert caught.value.error_code == ErrorCode.FORM_INVALID


async def test_groups_belong_to_their_user(
    sim: GizwitsSimulator, client: GizwitsClient, bob: GizwitsClient
) -> None:
    group = await client.groups.create("mine")
    assert await bob.groups.list() == []
    with pytest.raises(GizwitsAPIError) as caught:
        await bob.groups.devices(group)
    assert caught.value.error_code == ErrorCode.FORM_INVALID
    with pytest.raises(GizwitsAPIError):
        await bob.groups.delete(group)
    assert [g.id for g in await client.groups.list()] == [group]


async def test_unbinding_takes_the_device_out_of_the_users_groups(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    group = await client.groups.create("g", product_key=PRODUCT_KEY)
    await client.groups.add_devices(group, [did])
    sim.state.unbind(alice_uid, did)
    assert await client.groups.devices(group) == []


async def test_control_many_runs_one_call_per_group(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    groups = []
    for n in range(3):
        did = sim.add_device(PRODUCT_KEY, owner=alice_uid, online=n != 1)
        group = await client.groups.create(f"g{n}", product_key=PRODUCT_KEY)
        await client.groups.add_devices(group, [did])
        groups.append((group, did))
    mixed = await client.groups.create("mixed")
    sim.reset_counters()
    ids = [g for g, _ in groups]
    result = await client.groups.control_many([*ids, mixed], attrs={"switch": False}, concurrency=2)
    assert result.succeeded == {
        groups[0][0]: {groups[0][1]: True},
        groups[1][0]: {groups[1][1]: False},
        groups[2][0]: {groups[2][1]: True},
    }
    assert list(result.failed) == [mixed]
    assert isinstance(result.failed[mixed], GizwitsAPIError)
    assert sim.count("POST", "/app/group/.+/control") == 4
    assert sim.max_in_flight <= 2


@pytest.mark.parametrize("name", ["", "   "])
async def test_empty_group_names_are_refused_before_sending(
    sim: GizwitsSimulator, client: GizwitsClient, name: str
) -> None:
    with pytest.raises(ValueError, match="group_name"):
        await client.groups.create(name)
    with pytest.raises(ValueError, match="group_name"):
        await client.groups.rename("g1", name)
    assert sim.requests == []


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda c: c.groups.create(None), TypeError),
        (lambda c: c.groups.create("g", product_key=""), ValueError),
        (lambda c: c.groups.delete(""), ValueError),
        (lambda c: c.groups.rename("a/b", "x"), ValueError),
        (lambda c: c.groups.devices("a?b"), ValueError),
        (lambda c: c.groups.add_devices("g1", []), ValueError),
        (lambda c: c.groups.add_devices("g1", "did1"), TypeError),
        (lambda c: c.groups.add_devices("g1", ["ok", "a/b"]), ValueError),
        (lambda c: c.groups.remove_devices("g1", []), ValueError),
        (lambda c: c.groups.control("g1"), ValueError),
        (lambda c: c.groups.control("g1", attrs={"a": 1}, raw=b"x"), ValueError),
        (lambda c: c.groups.control("g1", raw=[256]), ValueError),
        (lambda c: c.groups.control_many(["g1"]), ValueError),
        (lambda c: c.groups.control_many("g1", attrs={"a": 1}), TypeError),
        (lambda c: c.groups.control_many(["g1", ".."], attrs={"a": 1}), ValueError),
    ],
)
async def test_bad_group_calls_are_refused_before_sending(
    sim: GizwitsSimulator, client: GizwitsClient, call: Any, error: type
) -> None:
    with pytest.raises(error):
        await call(client)
    assert sim.requests == []


def test_the_docs_group_examples_decode_strictly(strict: cattrs.Converter) -> None:
    groups = decode_list(
        [
            {
                "created_at": "2017-09-22T09:57:44Z",
                "updated_at": "2017-09-22T09:57:44Z",
                "product_key": "4214b12d79694a259232431b6f2ef46a",
                "group_name": "分组名称1",
                "verbose_name": "微信宠物屋",
                "id": "59c4de98dc348f001a08feba",
            },
            {
                "created_at": "2017-09-22T09:58:18Z",
                "updated_at": "2017-09-22T09:58:18Z",
                "product_key": "",
                "group_name": "分组名称2",
                "verbose_name": "",
                "id": "59c4deba8c7d50001ba06df3",
            },
        ],
        Group,
        converter=strict,
    )
    assert groups[0].created_at == datetime(2017, 9, 22, 9, 57, 44, tzinfo=UTC)
    assert (groups[1].product_key, groups[1].verbose_name) == (None, None)
    [device] = decode_list(
        [
            {
                "did": "WCWGkbS4Ttynzwx9brzpEa",
                "type": "normal",
                "verbose_name": "微信宠物屋",
                "dev_alias": "设备别名",
                "product_key": "4234bf2d79694a259232431b6f2ef46a",
            }
        ],
        GroupDevice,
        converter=strict,
    )
    assert device.type is DeviceType.NORMAL
    result = decode(
        {
            "failed": ["WCWGkbS4Ttynz123czpEa"],
            "detail": [
                {
                    "did": "WCWGkbS123cynzwxrzpEa",
                    "error_message": "device not found!",
                    "error_code": 9014,
                    "detail_msg": None,
                }
            ],
            "success": ["XD3GkbS21tynzwx9brzpEa"],
        },
        GroupChangeResult,
        converter=strict,
    )
    assert result.detail[0].error_code == ErrorCode.DEVICE_NOT_FOUND


def test_a_change_result_with_null_lists_decodes_empty() -> None:
    result = decode({"success": None, "failed": ["d1"], "detail": None}, GroupChangeResult)
    assert (result.success, result.failed, result.detail) == ([], ["d1"], [])


async def test_a_create_reply_without_id_is_a_response_error(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    sim.faults.add(method="POST", path="/app/group", status=201, body='{"group_name": "g"}')
    with pytest.raises(GizwitsResponseError):
        await client.groups.create("g")
