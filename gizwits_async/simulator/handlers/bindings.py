"""Bindings: bind by MAC (signed) or QR code, unbind, the user's device list, per-user names,
and the guests of a shared device."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from gizwits_async.errors import ErrorCode
from gizwits_async.simulator._web import (
    current_user,
    query_int,
    read_json,
    reply,
    state,
    text_field,
)
from gizwits_async.simulator.errors import SimError
from gizwits_async.simulator.state import User, signature

routes = web.RouteTableDef()

TIMESTAMP_HEADER = "X-Gizwits-Timestamp"
SIGNATURE_HEADER = "X-Gizwits-Signature"
TIMESTAMP_TOLERANCE = 300  # the doc: within 5 minutes of the server's clock


def _set_owner(body: dict[str, Any]) -> bool:
    value = body.get("set_owner", 0)
    if value not in (0, 1) or isinstance(value, bool):
        raise SimError(ErrorCode.FORM_INVALID, "set_owner must be 0 or 1")
    return bool(value == 1)


def _check_signature(request: web.Request, product_secret: str) -> None:
    sim = state(request)
    timestamp = request.headers.get(TIMESTAMP_HEADER, "")
    if not timestamp.isdigit() or abs(int(timestamp) - sim.clock.now()) > TIMESTAMP_TOLERANCE:
        raise SimError(ErrorCode.TIMESTAMP_INVALID)
    sent = request.headers.get(SIGNATURE_HEADER, "")
    if sent != signature(product_secret, timestamp):
        raise SimError(ErrorCode.SIGNATURE_INVALID)


@routes.post("/app/bind_mac")
async def bind_mac(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    body = await read_json(request)
    product_key = text_field(body, "product_key")
    mac = text_field(body, "mac")
    assert product_key is not None  # noqa: S101 - required above
    assert mac is not None  # noqa: S101 - required above
    product = sim.products.get(product_key)
    if product is None:
        raise SimError(ErrorCode.PRODUCT_KEY_INVALID)
    _check_signature(request, product.product_secret)
    set_owner = _set_owner(body)
    device = sim.device_by_mac(product_key, mac)
    if device is None:
        raise SimError(ErrorCode.DEVICE_NOT_FOUND, f"no device with mac {mac}")
    binding = sim.bind(user.uid, device.did, set_owner=set_owner)
    for name in ("remark", "dev_alias"):
        value = text_field(body, name, required=False)
        if value is not None:
            setattr(binding, name, value)
    return reply(request, sim.device_json(device, binding), status=201)


@routes.post("/app/bind_latest")
async def bind_latest(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    body = await read_json(request)
    content = text_field(body, "qr_content")
    assert content is not None  # noqa: S101 - required above
    set_owner = _set_owner(body)
    sim.bind(user.uid, sim.did_for_qr_content(content), set_owner=set_owner)
    return reply(request)


@routes.delete("/app/bindings")
async def unbind(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    body = await read_json(request)
    devices = body.get("devices")
    if not isinstance(devices, list) or not devices:
        raise SimError(ErrorCode.FORM_INVALID, "devices must be a non-empty list")
    success: list[str] = []
    failed: list[str] = []
    for item in devices:
        did = item.get("did") if isinstance(item, dict) else None
        if not isinstance(did, str):
            raise SimError(ErrorCode.FORM_INVALID, "each device needs a did")
        (success if sim.unbind(user.uid, did) else failed).append(did)
    return reply(request, {"success": success, "failed": failed})


@routes.get("/app/bindings")
async def list_bindings(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    limit = query_int(request, "limit", 20, low=1, high=1000)
    skip = query_int(request, "skip", 0)
    show_disabled = request.query.get("show_disabled") == "1"
    show_proto_ver = request.query.get("show_proto_ver") == "1"
    devices = []
    for binding in sim.bindings_of(user.uid):
        device = sim.device(binding.did)
        if device.is_disabled and not show_disabled:
            continue
        entry = sim.device_json(device, binding)
        if show_proto_ver:
            entry["proto_ver"] = device.proto_ver
        devices.append(entry)
    return reply(request, {"devices": devices[skip : skip + limit]})


@routes.put("/app/bindings/{did}")
async def update_binding(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    binding = sim.require_binding(user.uid, request.match_info["did"])
    body = await read_json(request)
    changes: dict[str, Any] = {}
    for name in ("remark", "dev_alias"):
        if name in body:
            if not isinstance(body[name], str):
                raise SimError(ErrorCode.FORM_INVALID, f"{name} must be a string")
            changes[name] = body[name]
    if "dev_label" in body:
        labels = body["dev_label"]
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            raise SimError(ErrorCode.FORM_INVALID, "dev_label must be a list of strings")
        changes["dev_label"] = list(labels)
    if not changes:
        raise SimError(ErrorCode.FORM_INVALID, "give remark, dev_alias or dev_label")
    for name, value in changes.items():
        setattr(binding, name, value)
    return reply(
        request,
        {
            "remark": binding.remark,
            "dev_alias": binding.dev_alias,
            "dev_label": list(binding.dev_label),
        },
    )


def _mask(value: str | None, *, before_at: bool = False) -> str | None:
    """The cloud's masking: four characters become ``*`` (the middle ones, or for an email
    the last four before ``@``)."""
    if not value:
        return None
    if before_at and "@" in value:
        local, _, domain = value.partition("@")
        keep = max(len(local) - 4, 0)
        return local[:keep] + "*" * (len(local) - keep) + "@" + domain
    hidden = min(4, max(len(value) - 2, 0))
    head = (len(value) - hidden) // 2
    return value[:head] + "*" * hidden + value[head + hidden :]


def _guest_json(user: User, created_at: float) -> dict[str, Any]:
    stamp = datetime.fromtimestamp(created_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "username": _mask(user.username),
        "phone": _mask(user.phone),
        "created_at": stamp,
        "uid": user.uid,
        "email": _mask(user.email, before_at=True),
    }


def _require_owner(request: web.Request) -> tuple[User, str]:
    sim = state(request)
    user = current_user(request)
    did = request.match_info["did"]
    if sim.require_binding(user.uid, did).role != "owner":
        raise SimError(ErrorCode.ONLY_OWNER_CAN_OPERATE)
    return user, did


@routes.get("/app/{did}/bindings")
async def list_guests(request: web.Request) -> web.Response:
    sim = state(request)
    _, did = _require_owner(request)
    guests = [
        _guest_json(sim.users[b.uid], b.created_at)
        for b in sim.bindings_to(did)
        if b.role == "guest"
    ]
    return reply(request, guests)


@routes.delete("/app/{did}/bindings")
async def remove_guest(request: web.Request) -> web.Response:
    sim = state(request)
    owner, did = _require_owner(request)
    guest_uid = request.query.get("uid", "")
    if not guest_uid:
        raise SimError(ErrorCode.FORM_INVALID, "uid is required")
    if guest_uid == owner.uid:
        raise SimError(ErrorCode.OWNER_CANNOT_UNBIND_SELF)
    binding = sim.binding(guest_uid, did)
    if binding is None or binding.role != "guest":
        raise SimError(ErrorCode.NOT_FOUND_GUEST)
    sim.unbind(guest_uid, did)
    return reply(request)
