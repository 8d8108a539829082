"""Device linkage rules: ``/app/rules`` and ``/app/rules/params``. The engine that fires them
is ``simulator/automation.py``."""

from __future__ import annotations

from typing import Any, Final

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
from gizwits_async.simulator.automation import RuleRecord
from gizwits_async.simulator.errors import SimError
from gizwits_async.simulator.state import SimState

routes = web.RouteTableDef()

EVENTS: Final = ("data", "online", "offline", "alert", "fault", "extern")
OPERATORS: Final = ("==", "!=", ">", ">=", "<", "<=")
_PARAM_TYPES: Final = {
    "bool": "bool",
    "enum": "enum",
    "binary": "binary",
    "uint8": "int",
    "uint16": "int",
    "uint32": "int",
}


def is_byte_list(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(b, int) and not isinstance(b, bool) and 0 <= b <= 255 for b in value)
    )


def _form(detail: str) -> SimError:
    return SimError(ErrorCode.FORM_INVALID, detail)


def _whole_seconds(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _form(f"{name} must be whole seconds >= 0")
    return value


def _event_attr(sim: SimState, product_key: str, event: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _form(f"an {event} rule needs event_attr")
    name = text_field(value, "attr_name")
    flag = str(value.get("value", "1"))
    if flag not in ("0", "1"):
        raise _form("event_attr value must be '1' or '0'")
    specs = sim.products[product_key].attr_specs()
    if specs and specs.get(str(name), {}).get("type") != event:
        raise _form(f"{name} is not an {event} datapoint")
    return {"attr_name": str(name), "value": flag}


def _inputs(sim: SimState, uid: str, value: Any) -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _form("input must be a list")
    inputs: list[dict[str, str]] = []
    for item in value:
        if not isinstance(item, dict):
            raise _form("input items are objects")
        did = str(text_field(item, "did"))
        prefix = str(text_field(item, "prefix"))
        if "." in prefix or any(existing["prefix"] == prefix for existing in inputs):
            raise _form(f"input prefix {prefix!r} is invalid or repeated")
        sim.require_binding(uid, did)
        product_key = text_field(item, "product_key", required=False)
        inputs.append(
            {
                "did": did,
                "prefix": prefix,
                "product_key": product_key or sim.device(did).product_key,
            }
        )
    return inputs


def _conditions(value: Any, prefixes: set[str]) -> list[list[dict[str, Any]]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(group, list) and group for group in value):
        raise _form("condition is a list of non-empty lists")
    groups: list[list[dict[str, Any]]] = []
    for group in value:
        checked: list[dict[str, Any]] = []
        for item in group:
            if not isinstance(item, dict):
                raise _form("conditions are objects")
            left = str(text_field(item, "left"))
            prefix, dot, name = left.partition(".")
            if not dot or not name or prefix not in prefixes:
                raise _form(f"condition left {left!r} must be a declared prefix.datapoint")
            if item.get("opt") not in OPERATORS:
                raise _form(f"condition opt {item.get('opt')!r} is not an operator")
            right = item.get("right")
            if isinstance(right, bool) or not isinstance(right, str | int | float) or right == "":
                raise _form("condition right must be an expression")
            checked.append({"left": left, "opt": item["opt"], "right": right})
        groups.append(checked)
    return groups


def _action(sim: SimState, uid: str, action: Any) -> dict[str, Any]:
    if not isinstance(action, dict):
        raise _form("output actions are objects")
    if action.get("type") == "delay":
        return {"type": "delay", "delay": _whole_seconds(action.get("delay"), "delay")}
    if action.get("type") != "devctrl":
        raise _form("action type must be devctrl or delay")
    did = str(text_field(action, "did"))
    sim.require_binding(uid, did)
    attrs, raw = action.get("attrs"), action.get("raw")
    if isinstance(attrs, dict) and attrs:
        sim.validate_attrs(sim.device(did), attrs)
        return {"type": "devctrl", "did": did, "attrs": attrs}
    if is_byte_list(raw):
        return {"type": "devctrl", "did": did, "raw": raw}
    raise _form("a devctrl action needs attrs or raw (a list of bytes)")


def _outputs(sim: SimState, uid: str, value: Any) -> list[list[dict[str, Any]]]:
    if not isinstance(value, list) or not value:
        raise _form("output is a non-empty list of action lists")
    groups: list[list[dict[str, Any]]] = []
    for group in value:
        if not isinstance(group, list) or not group:
            raise _form("each output group is a non-empty list")
        groups.append([_action(sim, uid, action) for action in group])
    return groups


def rule_body(sim: SimState, uid: str, data: dict[str, Any]) -> dict[str, Any]:
    """A rule as stored: checked like the cloud does, or ``SimError``."""
    did = str(text_field(data, "did"))
    product_key = str(text_field(data, "product_key"))
    sim.require_binding(uid, did)
    if sim.device(did).product_key != product_key:
        raise _form("product_key is not the trigger device's")
    event = data.get("event") or "data"
    if event not in EVENTS:
        raise SimError(ErrorCode.EVENT_NOT_DEFINED, f"unknown event {event!r}")
    body: dict[str, Any] = {
        "did": did,
        "product_key": product_key,
        "event": event,
        "name": data.get("name") or "",
        "remark": data.get("remark") or "",
        "interval": _whole_seconds(data.get("interval", 0), "interval"),
    }
    if event in ("alert", "fault"):
        body["event_attr"] = _event_attr(sim, product_key, event, data.get("event_attr"))
    body["input"] = _inputs(sim, uid, data.get("input"))
    body["condition"] = _conditions(
        data.get("condition"), {item["prefix"] for item in body["input"]}
    )
    body["output"] = _outputs(sim, uid, data.get("output"))
    return body


def _rule_json(record: RuleRecord) -> dict[str, Any]:
    return {"rule_id": record.rule_id, **record.body}


def _own_rule(request: web.Request, uid: str) -> RuleRecord:
    text = request.match_info["rule_id"]
    record = state(request).automation.rules.get(int(text)) if text.isdigit() else None
    if record is None or record.uid != uid:
        raise _form(f"rule {text} not found")
    return record


@routes.get("/app/rules/params")
async def rule_params(request: web.Request) -> web.Response:
    sim = state(request)
    current_user(request)
    wanted = [key for key in request.query.get("product_key", "").split(",") if key]
    keys = [key for key in wanted if key in sim.products] if wanted else list(sim.products)
    params = {
        key: [
            {
                "name": name,
                "display_name": spec.get("display_name", name),
                "type": _PARAM_TYPES.get(spec.get("data_type", ""), spec.get("data_type")),
                "enum": list(spec.get("enum") or []),
            }
            for name, spec in sim.products[key].attr_specs().items()
        ]
        for key in keys
    }
    return reply(request, params)


@routes.get("/app/rules")
async def list_rules(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    limit = query_int(request, "limit", 20, low=1)
    skip = query_int(request, "skip", 0)
    mine = [record for record in sim.automation.rules.values() if record.uid == user.uid]
    return reply(request, {"rules": [_rule_json(record) for record in mine[skip : skip + limit]]})


@routes.post("/app/rules")
async def create_rule(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    body = rule_body(sim, user.uid, await read_json(request))
    record = sim.automation.add_rule(user.uid, body)
    return reply(request, {"rule_id": record.rule_id}, status=201)


@routes.put("/app/rules/{rule_id}")
async def update_rule(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    record = _own_rule(request, user.uid)
    record.body = rule_body(sim, user.uid, await read_json(request))
    return reply(request, {"rule_id": record.rule_id})


@routes.delete("/app/rules/{rule_id}")
async def delete_rule(request: web.Request) -> web.Response:
    sim = state(request)
    user = current_user(request)
    record = _own_rule(request, user.uid)
    del sim.automation.rules[record.rule_id]
    return reply(request, {"rule_id": record.rule_id})
