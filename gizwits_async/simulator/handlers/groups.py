"""Device groups (设备分组): per-user groups of bound devices, and group control."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gizwits_async.errors import ERROR_CATALOGUE, ErrorCode
from gizwits_async.simulator._web import (
    APP_ID,
    control_command,
    current_user,
    read_json,
    reply,
    state,
    text_field,
)
from gizwits_async.simulator.errors import SimError
from gizwits_async.simulator.sharing import iso_time
from gizwits_async.simulator.state import Group, SimState, User, new_id

routes = web.RouteTableDef()


def _group(request: web.Request, sim: SimState, user: User) -> Group:
    group = sim.groups.get(request.match_info["id"])
    # The doc has no code for a missing group; other users' groups do not exist for you.
    if group is None or group.uid != user.uid:
        raise SimError(ErrorCode.FORM_INVALID, "group not found")
    return group


def _product_name(sim: SimState, product_key: str | None) -> str:
    product = sim.products.get(product_key or "")
    return product.name if product is not None else ""


def _dids(body: dict[str, Any]) -> list[str]:
    dids = body.get("dids")
    if not isinstance(dids, list) or not dids or not all(isinstance(d, str) for d in dids):
        raise SimError(ErrorCode.FORM_INVALID, "dids must be a list of device ids")
    return list(dict.fromkeys(dids))


def _refusal(did: str, code: ErrorCode, detail: str | None = None) -> dict[str, Any]:
    return {
        "did": did,
        "error_message": ERROR_CATALOGUE[code].message,
        "error_code": int(code),
        "detail_msg": detail,
    }


@routes.get("/app/group")
async def list_groups(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    groups = sorted(
        (g for g in sim.groups.values() if g.uid == user.uid), key=lambda g: g.created_at
    )
    return reply(
        request,
        [
            {
                "created_at": iso_time(group.created_at),
                "updated_at": iso_time(group.updated_at or group.created_at),
                "product_key": group.product_key or "",
                "group_name": group.group_name,
                "verbose_name": _product_name(sim, group.product_key),
                "id": group.id,
            }
            for group in groups
        ],
    )


@routes.post("/app/group")
async def create_group(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    body = await read_json(request)
    name = text_field(body, "group_name")
    assert name is not None  # noqa: S101 - required above
    product_key = text_field(body, "product_key", required=False)
    if product_key is not None and product_key not in sim.products:
        raise SimError(ErrorCode.PRODUCT_KEY_INVALID)
    group = Group(
        id=new_id(24),
        uid=user.uid,
        group_name=name,
        product_key=product_key,
        created_at=sim.clock.now(),
    )
    sim.groups[group.id] = group
    return reply(request, {"id": group.id}, status=201)


@routes.delete("/app/group/{id}")
async def delete_group(request: web.Request) -> web.Response:
    sim = state(request)
    group = _group(request, sim, current_user(request))
    del sim.groups[group.id]
    return reply(request)


@routes.put("/app/group/{id}")
async def rename_group(request: web.Request) -> web.Response:
    sim = state(request)
    group = _group(request, sim, current_user(request))
    name = text_field(await read_json(request), "group_name")
    assert name is not None  # noqa: S101 - required above
    group.group_name = name
    group.updated_at = sim.clock.now()
    return reply(request)


@routes.get("/app/group/{id}/devices")
async def group_devices(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    group = _group(request, sim, user)
    entries = []
    for did in group.dids:
        device = sim.device(did)
        binding = sim.binding(user.uid, did)
        entries.append(
            {
                "did": did,
                "type": device.type,
                # The doc: product fields are filled for single-product groups only.
                "verbose_name": _product_name(sim, group.product_key),
                "dev_alias": binding.dev_alias if binding is not None else "",
                "product_key": group.product_key or "",
            }
        )
    return reply(request, entries)


@routes.post("/app/group/{id}/devices")
async def add_devices(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    group = _group(request, sim, user)
    dids = _dids(await read_json(request))
    success: list[str] = []
    refused: list[dict[str, Any]] = []
    for did in dids:
        device = sim.devices.get(did)
        if device is None:
            refused.append(_refusal(did, ErrorCode.DEVICE_NOT_FOUND))
        elif sim.binding(user.uid, did) is None:
            refused.append(_refusal(did, ErrorCode.DEVICE_NOT_BOUND))
        elif group.product_key is not None and device.product_key != group.product_key:
            refused.append(
                _refusal(did, ErrorCode.FORM_INVALID, "the device is not of the group's product")
            )
        else:
            if did not in group.dids:
                group.dids.append(did)
            success.append(did)
    if success:
        group.updated_at = sim.clock.now()
    result: dict[str, Any] = {"success": success, "failed": [item["did"] for item in refused]}
    if request.query.get("show_detail") == "1":
        result["detail"] = refused
    return reply(request, result)


@routes.delete("/app/group/{id}/devices")
async def remove_devices(request: web.Request) -> web.Response:
    sim = state(request)
    group = _group(request, sim, current_user(request))
    success: list[str] = []
    failed: list[str] = []
    for did in _dids(await read_json(request)):
        if did in group.dids:
            group.dids.remove(did)
            success.append(did)
        else:
            failed.append(did)
    if success:
        group.updated_at = sim.clock.now()
    return reply(request, {"failed": failed, "success": success})


@routes.post("/app/group/{id}/control")
async def control_group(request: web.Request) -> web.Response:
    sim = state(request)
    group = _group(request, sim, current_user(request))
    attrs, raw = control_command(await read_json(request))
    if group.product_key is None:
        raise SimError(ErrorCode.FORM_INVALID, "only a single-product group can be controlled")
    results = sim.control_group(group, attrs=attrs, raw=raw, appid=request.headers.get(APP_ID))
    return reply(request, [{"did": did, "result": ok} for did, ok in results.items()])
