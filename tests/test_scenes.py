"""Scenes: wire format (enum as index, binary and raw as base64) and runs on the simulator."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gizwits_async import (
    ErrorCode,
    GizwitsAPIError,
    GizwitsClient,
    GizwitsNotFoundError,
    GizwitsResponseError,
    ProductDatapoints,
    SceneRun,
    SceneRunStatus,
    SceneTask,
    SceneTaskType,
)
from gizwits_async.models import decode
from gizwits_async.models.scenes import encode_scene_tasks
from gizwits_async.simulator import GizwitsSimulator
from gizwits_async.simulator.presets import DEMO_DATAPOINTS, DEMO_PRODUCT_KEY
from gizwits_async.simulator.state import Group
from tests.conftest import PRODUCT_KEY, ClientFactory

PK = DEMO_PRODUCT_KEY
DATAPOINTS = decode(DEMO_DATAPOINTS, ProductDatapoints)


async def test_create_sends_enum_as_index_and_binary_and_raw_as_base64(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str], group: Group
) -> None:
    tasks = [
        SceneTask.device(lamps[0], attrs={"mode": "eco", "pattern": b"\x01\x02", "LED_R": 9}),
        SceneTask.device(lamps[1], raw=b"\x01\x02\x03"),
        SceneTask.delay(10),
        SceneTask.group(group.id, attrs={"mode": 2, "switch": True}),
    ]
    scene_id = await client.scenes.create("evening", tasks, remark="r", datapoints=DATAPOINTS)
    assert isinstance(scene_id, str)
    request = sim.requests_to("POST", "/app/scene")[0]
    assert request.body == {
        "scene_name": "evening",
        "remark": "r",
        "tasks": [
            {
                "task_type": "device",
                "did": lamps[0],
                "attrs": {"mode": 1, "pattern": "AQIAAA==", "LED_R": 9},
            },
            {"task_type": "device", "did": lamps[1], "raw": "AQID"},
            {"task_type": "delay", "time": 10},
            {"task_type": "group", "group_id": group.id, "attrs": {"mode": 2, "switch": True}},
        ],
    }


async def test_a_scene_with_a_device_task_a_delay_and_a_group_task_runs_to_done(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str], group: Group
) -> None:
    tasks = [
        SceneTask.device(lamps[0], attrs={"switch": True, "mode": "boost"}),
        SceneTask.delay(10),
        SceneTask.group(group.id, attrs={"LED_R": 200, "pattern": bytes.fromhex("0a0b0c0d")}),
    ]
    scene_id = await client.scenes.create("go", tasks, datapoints=DATAPOINTS)
    assert (await client.scenes.run_status(scene_id)).status is SceneRunStatus.NOT_EXECUTING
    await client.scenes.run(scene_id)
    run = sim.requests_to("POST", f"/app/scene/{scene_id}/task")[0]
    assert run.body is None
    assert sim.device(lamps[0]).attrs["mode"] == "boost"
    assert sim.device(lamps[1]).attrs["LED_R"] == 0
    assert (await client.scenes.run_status(scene_id)).status is SceneRunStatus.RUNNING
    sim.clock.advance(9)
    assert sim.device(lamps[1]).attrs["LED_R"] == 0
    sim.clock.advance(1.5)
    assert [sim.device(did).attrs["LED_R"] for did in lamps[1:]] == [200, 200]
    assert sim.device(lamps[2]).attrs["pattern"] == "0a0b0c0d"
    assert (await client.scenes.run_status(scene_id)).status is SceneRunStatus.DONE
    status = sim.requests_to("GET", f"/app/scene/{scene_id}/task")[-1]
    assert status.query == {}


async def test_a_task_the_device_refuses_fails_the_run(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str], group: Group
) -> None:
    tasks = [
        SceneTask.device(lamps[0], attrs={"switch": True}),
        SceneTask.group(group.id, raw=b"\x05"),
        SceneTask.device(lamps[1], attrs={"LED_R": 3}),
    ]
    scene_id = await client.scenes.create("partly", tasks, datapoints=DATAPOINTS)
    sim.state.set_online(lamps[0], online=False)
    sim.state.set_online(lamps[2], online=False)
    await client.scenes.run(scene_id)
    assert (await client.scenes.run_status(scene_id)).status is SceneRunStatus.FAILED
    assert sim.device(lamps[1]).attrs["LED_R"] == 3
    assert sim.device(lamps[1]).raw_log[0]["payload_bin"] == "05"


async def test_a_scene_whose_group_is_gone_fails(
    sim: GizwitsSimulator, client: GizwitsClient, group: Group
) -> None:
    scene_id = await client.scenes.create("g", [SceneTask.group(group.id, attrs={"LED_R": 1})])
    del sim.state.groups[group.id]
    await client.scenes.run(scene_id)
    assert (await client.scenes.run_status(scene_id)).status is SceneRunStatus.FAILED


async def test_list_decodes_scenes_with_raw_as_bytes(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str], group: Group
) -> None:
    sim.state.bindings[(sim.state.find_user("alice").uid, lamps[0])].dev_alias = "desk"  # type: ignore[union-attr]
    tasks = [
        SceneTask.device(lamps[0], raw=b"\x00\xff"),
        SceneTask.delay(3600),
        SceneTask.group(group.id, attrs={"mode": "auto"}),
    ]
    scene_id = await client.scenes.create("all", tasks, datapoints=DATAPOINTS)
    [scene] = await client.scenes.list()
    listing = sim.requests_to("GET", "/app/scene")[0]
    assert (listing.query, listing.body) == ({}, None)
    assert listing.headers["X-Gizwits-User-token"] == client.token.token  # type: ignore[union-attr]
    assert scene.id == scene_id
    assert scene.scene_name == "all"
    assert scene.created_at is not None
    first, delay, grouped = scene.tasks
    assert first.task_type is SceneTaskType.DEVICE
    assert first.raw == b"\x00\xff"
    assert first.product_key == PK
    assert first.verbose_name == "Demo Lamp"
    assert first.dev_alias == "desk"
    assert delay.time == 3600
    assert grouped.group_name == "hall"
    assert grouped.attrs == {"mode": 0}
    assert grouped.raw is None


async def test_update_puts_only_what_changes(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str]
) -> None:
    scene_id = await client.scenes.create("a", [SceneTask.device(lamps[0], attrs={"LED_R": 1})])
    await client.scenes.update(scene_id, scene_name="b", remark="")
    await client.scenes.update(
        scene_id,
        tasks=[{"task_type": "device", "did": lamps[1], "attrs": {"mode": "eco"}}],
        datapoints=DATAPOINTS,
    )
    puts = sim.requests_to("PUT", f"/app/scene/{scene_id}")
    assert [r.body for r in puts] == [
        {"scene_name": "b", "remark": ""},
        {"tasks": [{"task_type": "device", "did": lamps[1], "attrs": {"mode": 1}}]},
    ]
    [scene] = await client.scenes.list()
    assert (scene.scene_name, scene.tasks[0].did) == ("b", lamps[1])


async def test_delete_removes_the_scene(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str]
) -> None:
    scene_id = await client.scenes.create("a", [SceneTask.device(lamps[0], attrs={"LED_R": 1})])
    await client.scenes.delete(scene_id)
    assert sim.requests_to("DELETE", f"/app/scene/{scene_id}")[0].body is None
    assert await client.scenes.list() == []
    with pytest.raises(GizwitsNotFoundError) as caught:
        await client.scenes.run(scene_id)
    assert caught.value.error_code == ErrorCode.SCENE_NOT_FOUND


async def test_a_scene_of_another_user_is_9221(
    sim: GizwitsSimulator, client: GizwitsClient, make_client: ClientFactory, lamps: list[str]
) -> None:
    bob = sim.add_user("bob", "B0b-secret-pw")
    sim.bind(bob.uid, lamps[0])
    async with make_client(
        username="bob", password="B0b-secret-pw", app_secret=None
    ) as bobs_client:
        scene_id = await bobs_client.scenes.create(
            "bob's", [SceneTask.device(lamps[0], attrs={"LED_R": 1})]
        )
    with pytest.raises(GizwitsAPIError) as caught:
        await client.scenes.run_status(scene_id)
    assert caught.value.error_code == ErrorCode.SCENE_NOT_YOURS
    assert caught.value.status == 400


async def test_the_simulator_refuses_enum_labels_in_scenes(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str]
) -> None:
    with pytest.raises(GizwitsAPIError) as caught:
        await client.scenes.create("raw", [SceneTask.device(lamps[0], attrs={"mode": "eco"})])
    assert caught.value.error_code == ErrorCode.ATTR_INVALID


@pytest.mark.parametrize(
    "task",
    [
        {"task_type": "delay", "time": 0},
        {"task_type": "delay", "time": "10"},
        {"task_type": "device", "did": "A"},
        {"task_type": "device", "did": "A", "raw": "!!"},
        {"task_type": "device", "did": "A", "attrs": {"pattern": "AAAAAAAA"}},
        {"task_type": "device", "did": "A", "attrs": {"switch": 3}},
        {"task_type": "device", "did": "A", "attrs": {"LED_R": "high"}},
        {"task_type": "device", "did": "A", "attrs": {"temperature": 3}},
        {"task_type": "group", "group_id": "nope", "attrs": {"LED_R": 1}},
        {"task_type": "scene"},
        "A",
    ],
)
async def test_the_simulator_refuses_malformed_tasks(
    client: GizwitsClient, lamps: list[str], task: Any
) -> None:
    if isinstance(task, dict) and task.get("did") == "A":
        task = {**task, "did": lamps[0]}
    body = {"scene_name": "x", "tasks": [task]}
    with pytest.raises(GizwitsAPIError) as caught:
        await client._transport.request("POST", "/app/scene", json_body=body)
    assert caught.value.error_code in (ErrorCode.FORM_INVALID, ErrorCode.ATTR_INVALID)


async def test_the_simulator_controls_single_product_groups_only(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str, group: Group
) -> None:
    group.dids.append(sim.add_device(PRODUCT_KEY, owner=alice_uid))
    with pytest.raises(GizwitsAPIError) as caught:
        await client.scenes.create("mixed", [SceneTask.group(group.id, attrs={"LED_R": 1})])
    assert caught.value.error_code == ErrorCode.FORM_INVALID


def test_without_datapoints_only_bytes_are_converted() -> None:
    tasks = [SceneTask.device("d1", attrs={"pattern": b"\x01", "mode": 2})]
    assert encode_scene_tasks(tasks) == [
        {"task_type": "device", "did": "d1", "attrs": {"pattern": "AQ==", "mode": 2}}
    ]


def test_datapoints_are_chosen_by_the_task_product_key() -> None:
    other = decode({**DEMO_DATAPOINTS, "product_key": "other"}, ProductDatapoints)
    tasks = [
        SceneTask.device("d1", attrs={"mode": "eco"}, product_key=PK),
        SceneTask.device("d2", attrs={"mode": "eco"}, product_key="unknown"),
    ]
    encoded = encode_scene_tasks(tasks, [other, DATAPOINTS])
    assert encoded[0]["attrs"] == {"mode": 1}
    assert encoded[0]["product_key"] == PK
    assert encoded[1]["attrs"] == {"mode": "eco"}


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda c: c.scenes.create("x", [SceneTask.delay(5)] * 0), ValueError),
        (lambda c: c.scenes.create("x", [{"task_type": "delay", "time": 3601}]), ValueError),
        (lambda c: c.scenes.create("x", [{"task_type": "delay", "time": True}]), TypeError),
        (lambda c: c.scenes.create("x", [{"task_type": "nap"}]), ValueError),
        (lambda c: c.scenes.create("x", [{"task_type": "delay", "time": "10"}]), TypeError),
        (
            lambda c: c.scenes.create("x", [{"task_type": "device", "did": "d", "raw": "!"}]),
            ValueError,
        ),
        (lambda c: c.scenes.create("x", ["delay"]), TypeError),
        (lambda c: c.scenes.create("x", {"task_type": "delay"}), TypeError),
        (lambda c: c.scenes.create("", [SceneTask.delay(5)]), ValueError),
        (lambda c: c.scenes.create("x", [SceneTask.delay(5)], datapoints=[1]), TypeError),
        (
            lambda c: c.scenes.create(
                "x", [SceneTask.device("d", attrs={"mode": "turbo"})], datapoints=DATAPOINTS
            ),
            ValueError,
        ),
        (
            lambda c: c.scenes.create(
                "x", [SceneTask.device("d", attrs={"temperature": 3})], datapoints=DATAPOINTS
            ),
            ValueError,
        ),
        (lambda c: c.scenes.update("s"), ValueError),
        (lambda c: c.scenes.run("a/b"), ValueError),
    ],
)
async def test_bad_input_raises_before_any_request(
    sim: GizwitsSimulator, client: GizwitsClient, call: Any, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await call(client)
    assert sim.requests == []


@pytest.mark.parametrize(
    "build",
    [
        lambda: SceneTask.delay(3601),
        lambda: SceneTask.delay(0),
        lambda: SceneTask.device("d"),
        lambda: SceneTask.group("g", attrs={"a": 1}, raw=b"\x01"),
        lambda: SceneTask.device("", attrs={"a": 1}),
    ],
)
def test_task_builders_refuse_bad_input(build: Any) -> None:
    with pytest.raises(ValueError, match=r"."):
        build()


def test_unknown_run_status_values_are_unknown() -> None:
    assert SceneRunStatus(7) is SceneRunStatus.UNKNOWN


async def test_run_status_keeps_the_fields_it_does_not_name(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    scene_id = await client.scenes.create("go", [SceneTask.delay(5)])
    answer = {"status": "1", "finished_at": 1725478248, "tasks": [{"result": True}]}
    sim.faults.add(method="GET", path=f"/app/scene/{scene_id}/task", body=json.dumps(answer))
    run = await client.scenes.run_status(scene_id)
    assert isinstance(run, SceneRun)
    assert run.status is SceneRunStatus.DONE
    assert run.extra == {"finished_at": 1725478248, "tasks": [{"result": True}]}


async def test_run_status_without_a_status_is_a_response_error_naming_it(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    scene_id = await client.scenes.create("go", [SceneTask.delay(5)])
    sim.faults.add(method="GET", path=f"/app/scene/{scene_id}/task", body='{"state": 1}')
    with pytest.raises(GizwitsResponseError, match=r"GET /app/scene/\w+/task.*'status': missing"):
        await client.scenes.run_status(scene_id)
