"""User scenes: ``/app/scene`` and ``/app/scene/{id}/task``. Scenes carry enum values as their
index and binary values and ``raw`` as base64; the engine converts them when a run applies
them (``simulator/automation.py``)."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Any, Final

from aiohttp import web

from gizwits_async.errors import ErrorCode
from gizwits_async.simulator._web import current_user, read_json, reply, state, text_field
from gizwits_async.simulator.automation import SceneRecord
from gizwits_async.simulator.errors import SimError
from gizwits_async.simulator.state import Group, SimState, new_id

routes = web.RouteTableDef()

MAX_DELAY: Final = 3600
_NUMBERS: Final = ("uint8", "uint16", "uint32")


def _form(detail: str) -> SimError:
    return SimError(ErrorCode.FORM_INVALID, detail)


def iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _base64(value: Any, name: str) -> bytes:
    if not isinstance(value, str) or not value:
        raise SimError(ErrorCode.ATTR_INVALID, f"{name} must be base64")
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        raise SimError(ErrorCode.ATTR_INVALID, f"{name} must be base64") from None


def _scene_value_ok(spec: dict[str, Any], value: Any) -> bool:
    kind = spec.get("data_type")
    if kind == "enum":
        return (
            isinstance(value, int)
            and not isinstance(value, bool)
            and 0 <= value < len(spec.get("enum") or [])
        )
    if kind == "binary":
        return len(_base64(value, spec["name"])) <= int(spec["position"]["len"])
    if kind == "bool":
        return isinstance(value, bool) or bool(value in (0, 1))
    if kind in _NUMBERS:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return True


def check_scene_attrs(sim: SimState, product_key: str | None, attrs: dict[str, Any]) -> None:
    """Writable datapoints only, enum values as indexes, binary values as base64."""
    specs = sim.products[product_key].attr_specs() if product_key else {}
    if not specs:
        return
    for name, value in attrs.items():
        spec = specs.get(name)
        if spec is None or spec.get("type") != "status_writable":
            raise SimError(ErrorCode.ATTR_INVALID, f"{name} is not a writable datapoint")
        if not _scene_value_ok(spec, value):
            raise SimError(ErrorCode.ATTR_INVALID, f"{name}: {value!r} is not a scene value")


def own_group(sim: SimState, uid: str, group_id: str) -> Group:
    group = sim.groups.get(group_id)
    if group is None or group.uid != uid:
        raise _form(f"group {group_id} not found")
    return group


def group_product(sim: SimState, group: Group) -> str | None:
    """The one product of a group; scenes and schedules control single-product groups only."""
    keys = {sim.devices[did].product_key for did in group.dids if did in sim.devices}
    if group.product_key is not None:
        keys.add(group.product_key)
    if len(keys) > 1:
        raise _form("only a single-product group can be controlled")
    return next(iter(keys), None)


def _task(sim: SimState, uid: str, task: Any) -> dict[str, Any]:
    if not isinstance(task, dict):
        raise _form("tasks are objects")
    kind = task.get("task_type")
    if kind == "delay":
        seconds = task.get("time")
        if isinstance(seconds, bool) or not isinstance(seconds, int):
            raise _form("a delay task needs time, in seconds")
        if not 0 < seconds <= MAX_DELAY:
            raise _form(f"a delay is 1 to {MAX_DELAY} seconds")
        return {"task_type": "delay", "time": seconds}
    record: dict[str, Any] = {"task_type": kind, "did": "", "group_id": ""}
    if kind == "device":
        record["did"] = did = str(text_field(task, "did"))
        sim.require_binding(uid, did)
        product_key: str | None = sim.device(did).product_key
    elif kind == "group":
        record["group_id"] = group_id = str(text_field(task, "group_id"))
        product_key = group_product(sim, own_group(sim, uid, group_id))
    else:
        raise _form("task_type must be device, group or delay")
    attrs, raw = task.get("attrs"), task.get("raw")
    if isinstance(attrs, dict) and attrs:
        check_scene_attrs(sim, product_key, attrs)
        record.update(attrs=attrs, raw="")
    elif raw:
        _base64(raw, "raw")
        record.update(attrs={}, raw=raw)
    else:
        raise _form("a device or group task needs attrs or raw")
    record["product_key"] = product_key or ""
    return record


def _tasks(sim: SimState, uid: str, value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise _form("tasks must be a non-empty list")
    return [_task(sim, uid, task) for task in value]


def _task_json(sim: SimState, uid: str, task: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "task_type": task["task_type"],
        "did": task.get("did", ""),
        "group_id": task.get("group_id", ""),
        "product_key": task.get("product_key", ""),
        "attrs": task.get("attrs", {}),
        "raw": task.get("raw", ""),
        "time": task.get("time", 0),
        "group_name": "",
        "verbose_name": "",
        "dev_alias": "",
        "dev_remark": "",
    }
    product = sim.products.get(data["product_key"])
    if product is not None:
        data["verbose_name"] = product.name
    group = sim.groups.get(data["group_id"])
    if group is not None:
        data["group_name"] = group.group_name
    binding = sim.binding(uid, data["did"])
    if binding is not None:
        data.update(dev_alias=binding.dev_alias, dev_remark=binding.remark)
    return data


def _scene_json(sim: SimState, scene: SceneRecord) -> dict[str, Any]:
    return {
        "id": scene.id,
        "scene_name": scene.scene_name,
        "remark": scene.remark,
        "created_at": iso(scene.created_at),
        "updated_at": iso(scene.updated_at),
        "tasks": [_task_json(sim, scene.uid, task) for task in scene.tasks],
    }


def own_scene(sim: SimState, uid: str, scene_id: str) -> SceneRecord:
    """The user's scene: 9220 when there is none, 9221 when it is someone else's."""
    scene = sim.automation.scenes.get(scene_id)
    if scene is None:
        raise SimError(ErrorCode.SCENE_NOT_FOUND)
    if scene.uid != uid:
        raise SimError(ErrorCode.SCENE_NOT_YOURS)
    return scene


def _remark(data: dict[str, Any]) -> str:
    remark = data.get("remark", "")
    if not isinstance(remark, str):
        raise _form("remark must be a string")
    return remark


@routes.get("/app/scene")
async def list_scenes(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    scenes = [s for s in sim.automation.scenes.values() if s.uid == user.uid]
    return reply(request, [_scene_json(sim, scene) for scene in scenes])


@routes.post("/app/scene")
async def create_scene(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    data = await read_json(request)
    now = sim.clock.now()
    scene = SceneRecord(
        id=new_id(24),
        uid=user.uid,
        scene_name=str(text_field(data, "scene_name")),
        remark=_remark(data),
        tasks=_tasks(sim, user.uid, data.get("tasks")),
        created_at=now,
        updated_at=now,
    )
    sim.automation.scenes[scene.id] = scene
    return reply(request, {"id": scene.id}, status=201)


@routes.put("/app/scene/{scene_id}")
async def update_scene(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    scene = own_scene(sim, user.uid, request.match_info["scene_id"])
    data = await read_json(request)
    name = text_field(data, "scene_name", required=False)
    tasks = _tasks(sim, user.uid, data["tasks"]) if "tasks" in data else scene.tasks
    remark = _remark(data) if "remark" in data else scene.remark
    scene.scene_name = name or scene.scene_name
    scene.tasks = tasks
    scene.remark = remark
    scene.updated_at = sim.clock.now()
    return reply(request)


@routes.delete("/app/scene/{scene_id}")
async def delete_scene(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    scene = own_scene(sim, user.uid, request.match_info["scene_id"])
    del sim.automation.scenes[scene.id]
    return reply(request)


@routes.post("/app/scene/{scene_id}/task")
async def run_scene(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    sim.automation.run_scene(own_scene(sim, user.uid, request.match_info["scene_id"]))
    return reply(request)


@routes.get("/app/scene/{scene_id}/task")
async def scene_status(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    scene = own_scene(sim, user.uid, request.match_info["scene_id"])
    return reply(request, {"status": scene.status})
