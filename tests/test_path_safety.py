"""Path safety: an id a caller passes can neither change the request's path nor its host.

Every resource method that puts a did, id, code or name into a URL path refuses one with path
or query syntax, a percent escape or white space with ``ValueError`` before anything is sent.
Other unusual ids are sent percent-encoded into their own segment, and free text travels as
encoded query parameters, never as part of the path.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import re
import time as wall
from collections.abc import Awaitable, Callable, Sequence
from datetime import time
from typing import Any, Final

import attrs
import pytest

from gizwits_async import (
    Condition,
    GizwitsClient,
    GizwitsError,
    Rule,
    RuleAction,
    RuleInput,
    Schedule,
    _validate,
)
from gizwits_async.client import RESOURCE_NAMES
from gizwits_async.simulator import GizwitsSimulator
from tests.conftest import PRODUCT_KEY

# Path and query syntax, traversal, percent escapes, white space and control characters.
HOSTILE: Final = [
    "",
    "/",
    "a/b",
    "/etc/passwd",
    ".",
    "..",
    "../x",
    "a..b",
    "a?b",
    "?x=1",
    "a#b",
    "%2e%2e",
    "a%2Fb",
    "a b",
    " a",
    "a\tb",
    "a\nb",
    "a\rb",
    "a\\b",
    "a\x00b",
    "a\u2028b",
    "a\u00a0b",
]
# Unusual but harmless: sent percent-encoded, each in its own path segment on the same host.
ODD: Final = ["@evil.example", "evil.example:443", "设备", "a+b", "a;b", "a&b", "~x", "'\"<>"]

WEEKLY: Final = Schedule.weekly(["mon"], time(7, 30), attrs={"switch": True})
COMMON: Final = Schedule.weekly(["mon"], time(7, 30), did="did1", attrs={"switch": True})
RULE: Final = Rule(
    did="did1",
    product_key=PRODUCT_KEY,
    name="r",
    input=[RuleInput(did="did1", product_key=PRODUCT_KEY, prefix="device1")],
    condition=[[Condition.compare("device1.switch", "==", value=True)]],
    output=[[RuleAction.control("did1", attrs={"switch": False})]],
)

Run = Callable[[GizwitsClient, str], Awaitable[Any]]


@attrs.frozen
class PathCall:
    """A call that puts ``value`` into a URL: where it must land (``{}`` marks the value),
    as a path segment or as a query parameter or body field."""

    run: Run
    method: str
    path: str
    query: str | None = None  # the value travels as this query parameter
    body: str | None = None  # the value travels as this body field
    numeric: bool = False  # the id must be a number: only digits are accepted


PATH_CALLS: Final[dict[str, PathCall]] = {
    "bindings.update": PathCall(
        lambda c, v: c.bindings.update(v, remark="hall"), "PUT", "/app/bindings/{}"
    ),
    "bindings.unbind": PathCall(
        lambda c, v: c.bindings.unbind([v]), "DELETE", "/app/bindings", body="devices"
    ),
    "bindings.guests": PathCall(lambda c, v: c.bindings.guests(v), "GET", "/app/{}/bindings"),
    "bindings.remove_guest": PathCall(
        lambda c, v: c.bindings.remove_guest(v, "uid1"), "DELETE", "/app/{}/bindings"
    ),
    "devices.raw_data": PathCall(
        lambda c, v: c.devices.raw_data(v, start=wall.time() - 3600, end=wall.time()).collect(),
        "GET",
        "/app/devices/{}/raw_data",
    ),
    "devices.latest": PathCall(lambda c, v: c.devices.latest(v), "GET", "/app/devdata/{}/latest"),
    "devices.get": PathCall(lambda c, v: c.devices.get(v), "GET", "/app/devices/{}"),
    "devices.control": PathCall(
        lambda c, v: c.devices.control(v, attrs={"switch": True}), "POST", "/app/control/{}"
    ),
    "devices.control_many": PathCall(
        lambda c, v: c.devices.control_many([v], attrs={"switch": True}), "POST", "/app/control/{}"
    ),
    "devices.latest_many": PathCall(
        lambda c, v: c.devices.latest_many([v]), "GET", "/app/devdata/{}/latest"
    ),
    "messages.mark_read": PathCall(lambda c, v: c.messages.mark_read(v), "PUT", "/app/messages/{}"),
    "messages.delete": PathCall(lambda c, v: c.messages.delete(v), "PUT", "/app/messages/{}"),
    "sharing.create": PathCall(
        lambda c, v: c.sharing.create(did=v, username="bob"), "POST", "/app/sharing", body="did"
    ),
    "sharing.list": PathCall(
        lambda c, v: c.sharing.list(0, did=v).collect(), "GET", "/app/sharing", query="did"
    ),
    "sharing.cancel": PathCall(lambda c, v: c.sharing.cancel(v), "DELETE", "/app/sharing/{}"),
    "sharing.accept": PathCall(lambda c, v: c.sharing.accept(v), "PUT", "/app/sharing/{}"),
    "sharing.reject": PathCall(lambda c, v: c.sharing.reject(v), "PUT", "/app/sharing/{}"),
    "sharing.qr_info": PathCall(lambda c, v: c.sharing.qr_info(v), "GET", "/app/sharing/code/{}"),
    "sharing.accept_qr": PathCall(
        lambda c, v: c.sharing.accept_qr(v), "POST", "/app/sharing/code/{}"
    ),
    "sharing.set_alias": PathCall(
        lambda c, v: c.sharing.set_alias(v, "friend"), "PUT", "/app/sharing/{}/alias"
    ),
    "sharing.transfer_owner": PathCall(
        lambda c, v: c.sharing.transfer_owner(v, "uid1"), "POST", "/app/sharing/{}/transfer"
    ),
    "groups.delete": PathCall(lambda c, v: c.groups.delete(v), "DELETE", "/app/group/{}"),
    "groups.rename": PathCall(lambda c, v: c.groups.rename(v, "hall"), "PUT", "/app/group/{}"),
    "groups.devices": PathCall(lambda c, v: c.groups.devices(v), "GET", "/app/group/{}/devices"),
    "groups.add_devices": PathCall(
        lambda c, v: c.groups.add_devices(v, ["did1"]), "POST", "/app/group/{}/devices"
    ),
    "groups.add_devices(dids)": PathCall(
        lambda c, v: c.groups.add_devices("g1", [v]), "POST", "/app/group/g1/devices", body="dids"
    ),
    "groups.remove_devices": PathCall(
        lambda c, v: c.groups.remove_devices(v, ["did1"]), "DELETE", "/app/group/{}/devices"
    ),
    "groups.remove_devices(dids)": PathCall(
        lambda c, v: c.groups.remove_devices("g1", [v]),
        "DELETE",
        "/app/group/g1/devices",
        body="dids",
    ),
    "groups.control": PathCall(
        lambda c, v: c.groups.control(v, attrs={"switch": True}), "POST", "/app/group/{}/control"
    ),
    "groups.control_many": PathCall(
        lambda c, v: c.groups.control_many([v], attrs={"switch": True}),
        "POST",
        "/app/group/{}/control",
    ),
    "rules.update": PathCall(
        lambda c, v: c.rules.update(v, RULE),  # type: ignore[arg-type]
        "PUT",
        "/app/rules/{}",
        numeric=True,
    ),
    "rules.delete": PathCall(
        lambda c, v: c.rules.delete(v),  # type: ignore[arg-type]
        "DELETE",
        "/app/rules/{}",
        numeric=True,
    ),
    "scenes.update": PathCall(
        lambda c, v: c.scenes.update(v, scene_name="s"), "PUT", "/app/scene/{}"
    ),
    "scenes.delete": PathCall(lambda c, v: c.scenes.delete(v), "DELETE", "/app/scene/{}"),
    "scenes.run": PathCall(lambda c, v: c.scenes.run(v), "POST", "/app/scene/{}/task"),
    "scenes.run_status": PathCall(lambda c, v: c.scenes.run_status(v), "GET", "/app/scene/{}/task"),
    "schedulers.list": PathCall(
        lambda c, v: c.schedulers.list(v).collect(), "GET", "/app/devices/{}/scheduler"
    ),
    "schedulers.create": PathCall(
        lambda c, v: c.schedulers.create(v, WEEKLY), "POST", "/app/devices/{}/scheduler"
    ),
    "schedulers.update(did)": PathCall(
        lambda c, v: c.schedulers.update(v, "s1", WEEKLY), "PUT", "/app/devices/{}/scheduler/s1"
    ),
    "schedulers.update(schedule_id)": PathCall(
        lambda c, v: c.schedulers.update("did1", v, WEEKLY),
        "PUT",
        "/app/devices/did1/scheduler/{}",
    ),
    "schedulers.delete(did)": PathCall(
        lambda c, v: c.schedulers.delete(v, "s1"), "DELETE", "/app/devices/{}/scheduler/s1"
    ),
    "schedulers.delete(schedule_id)": PathCall(
        lambda c, v: c.schedulers.delete("did1", v), "DELETE", "/app/devices/did1/scheduler/{}"
    ),
    "common_schedulers.list(did)": PathCall(
        lambda c, v: c.common_schedulers.list(did=v).collect(),
        "GET",
        "/app/common_scheduler",
        query="did",
    ),
    "common_schedulers.list(group_id)": PathCall(
        lambda c, v: c.common_schedulers.list(group_id=v).collect(),
        "GET",
        "/app/common_scheduler",
        query="group_id",
    ),
    "common_schedulers.list(scene_id)": PathCall(
        lambda c, v: c.common_schedulers.list(scene_id=v).collect(),
        "GET",
        "/app/common_scheduler",
        query="scene_id",
    ),
    "common_schedulers.update": PathCall(
        lambda c, v: c.common_schedulers.update(v, COMMON), "PUT", "/app/common_scheduler/{}"
    ),
    "common_schedulers.delete": PathCall(
        lambda c, v: c.common_schedulers.delete(v), "DELETE", "/app/common_scheduler/{}"
    ),
    "data.aggregate": PathCall(
        lambda c, v: c.data.aggregate(v, attrs="temperature", start=0, end=3600),
        "GET",
        "/app/devdata/{}/agg_data",
    ),
}


@pytest.mark.parametrize("name", list(PATH_CALLS))
async def test_hostile_ids_are_refused_before_anything_is_sent(
    sim: GizwitsSimulator, client: GizwitsClient, name: str
) -> None:
    call = PATH_CALLS[name]
    for value in HOSTILE:
        with pytest.raises(ValueError):
            await call.run(client, value)
    # Not even a log-in: the arguments were refused before the client needed a token.
    assert sim.requests == []


@pytest.mark.parametrize("name", [name for name, call in PATH_CALLS.items() if call.numeric])
async def test_numeric_ids_refuse_anything_but_digits(
    sim: GizwitsSimulator, client: GizwitsClient, name: str
) -> None:
    for value in [*HOSTILE, *ODD, "12a", "-1", "1.5"]:
        with pytest.raises(ValueError, match="rule_id"):
            await PATH_CALLS[name].run(client, value)
    assert sim.requests == []


@pytest.mark.parametrize("name", [name for name, call in PATH_CALLS.items() if not call.numeric])
async def test_odd_ids_stay_in_their_own_segment_on_the_same_host(
    sim: GizwitsSimulator, client: GizwitsClient, name: str
) -> None:
    call = PATH_CALLS[name]
    for value in ODD:
        sim.reset_counters()
        # The simulator knows no such id; what matters is where the request went.
        with contextlib.suppress(GizwitsError):
            await call.run(client, value)
        [request] = [r for r in sim.requests if r.path != "/app/login"]
        # The request reached the simulator's host, on the call's own path.
        assert request.method == call.method
        assert request.path == call.path.format(value)
        if call.query is not None:
            assert request.query[call.query] == value
        elif call.body is not None:
            sent = request.body[call.body]
            expected = {"dids": [value], "devices": [{"did": value}]}.get(call.body, value)
            assert sent == expected
        assert sim.requests[0].headers["Host"] == sim.base_url.removeprefix("http://")


async def test_query_text_is_sent_as_one_encoded_parameter(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    """Free text in query parameters cannot add parameters or reach the path."""
    tricky = "x&status=2#frag/../../app/users?uid=1 %2F"
    calls: list[tuple[Awaitable[Any], str, str, dict[str, str]]] = [
        (
            client.sharing.set_alias(7, tricky),
            "PUT",
            "/app/sharing/7/alias",
            {"user_alias": tricky},
        ),
        (
            client.sharing.transfer_owner("did1", tricky),
            "POST",
            "/app/sharing/did1/transfer",
            {"uid": tricky},
        ),
        (client.rules.params(tricky), "GET", "/app/rules/params", {"product_key": tricky}),
    ]
    for call, method, path, query in calls:
        sim.reset_counters()
        with contextlib.suppress(GizwitsError):
            await call
        [request] = [r for r in sim.requests if r.path != "/app/login"]
        assert (request.method, request.path, request.query) == (method, path, query)


async def test_datapoint_names_travel_encoded_in_the_attrs_parameter(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    names = ["a&b=1", "c#d", "e/../f?g"]
    with contextlib.suppress(GizwitsError):
        await client.data.aggregate(did, attrs=names, start=0, end=3600)
    [request] = sim.requests_to("GET", r"/app/devdata/.+/agg_data")
    assert request.path == f"/app/devdata/{did}/agg_data"
    assert request.query["attrs"] == ",".join(names)
    assert set(request.query) == {"start_ts", "end_ts", "attrs", "aggregator", "unit"}


async def test_a_next_link_to_another_host_is_followed_on_the_configured_host(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    """The server's own paging links cannot send the token elsewhere either."""
    for index in range(3):
        sim.state.add_message(alice_uid, f"m{index}")
    first = (
        '{"meta": {"total": 3, "next": "https://evil.example/app/messages?type=1&skip=2&limit=2"}'
        ', "objects": []}'
    )
    messages = await client.messages.list(page_size=2).first_page()
    sim.faults.add(
        method="GET",
        path="/app/messages",
        after_handler=True,
        body=first.replace('"objects": []', f'"objects": {_objects(messages.items)}'),
        content_type="application/json",
    )
    sim.reset_counters()
    collected = await client.messages.list(page_size=2).collect()
    assert len(collected) == 3
    follow = sim.requests_to("GET", "/app/messages")[-1]
    assert follow.query == {"type": "1", "skip": "2", "limit": "2"}
    assert follow.headers["Host"] == sim.base_url.removeprefix("http://")


def _objects(items: Sequence[Any]) -> str:
    return json.dumps([{"id": m.id, "content": m.content, "type": 1, "status": 0} for m in items])


def _id_taking_calls() -> set[str]:
    """Every public resource method with an id among its parameters, found by looking.

    ``users`` takes none: its codes and captcha ids are texts sent in bodies, not ids."""
    client = GizwitsClient("app", base_url="http://127.0.0.1:9")
    found: set[str] = set()
    for area in set(RESOURCE_NAMES) - {"users"}:
        resource = type(getattr(client, area))
        for name, method in inspect.getmembers(resource, inspect.isfunction):
            if name.startswith("_"):
                continue
            parameters = inspect.signature(method).parameters
            if any(
                p in {"did", "dids", "code", "group_ids"} or p.endswith("_id") for p in parameters
            ):
                found.add(f"{area}.{name}")
    return found


def test_the_table_covers_every_id_taking_call() -> None:
    tabled = {name.split("(", 1)[0] for name in PATH_CALLS}
    assert _id_taking_calls() - tabled == set()


def test_checked_ids_are_remembered_but_never_a_bad_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-call id check is cached for ids that passed it, bounded, and a refused id is
    refused again on every call."""
    monkeypatch.setattr(_validate, "_CHECKED_SEGMENTS", {})
    monkeypatch.setattr(_validate, "_MAX_CHECKED_SEGMENTS", 2)
    assert _validate.path_segment("a@b", "did") == "a%40b"
    assert _validate.path_segment("a@b", "did") == "a%40b"
    for _ in range(2):
        with pytest.raises(ValueError, match=re.escape("did '../x'")):
            _validate.path_segment("../x", "did")
    assert _validate.path_segment("plain", "did") == "plain"
    assert _validate.path_segment("third", "did") == "third"  # checked, not remembered
    assert _validate._CHECKED_SEGMENTS == {"a@b": "a%40b", "plain": "plain"}
