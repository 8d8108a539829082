"""Fault matrix: the public methods of every resource under every fault the cloud, its
proxies or the network produce, each with the outcome written down in ``EXPECTED``.

The rows are checked against the resources by introspection: a public resource method that
has neither a row in ``CALLS`` nor a written reason in ``NOT_IN_THE_MATRIX`` fails
``test_the_table_covers_every_resource_method``.

A call is run once without faults (which logs in and gives the expected answer), then again
with one fault on its path. Writes are counted on the server: a write the server may have
received is never sent a second time.
"""

from __future__ import annotations

import asyncio
import enum
import inspect
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import time
from typing import Any, Final, TypeVar

import aiohttp
import attrs
import pytest

from gizwits_async import (
    Condition,
    ErrorCode,
    GizwitsAPIError,
    GizwitsAuthError,
    GizwitsClient,
    GizwitsConnectionError,
    GizwitsError,
    GizwitsResponseError,
    GizwitsServerError,
    GizwitsTimeoutError,
    Rule,
    RuleAction,
    RuleInput,
    SceneTask,
    Schedule,
    SharingType,
)
from gizwits_async._transport import APP_ID_HEADER, Auth
from gizwits_async.bulk import BulkResult
from gizwits_async.client import RESOURCE_NAMES
from gizwits_async.models.messages import MessageStatus
from gizwits_async.simulator import GizwitsSimulator, sharing
from gizwits_async.simulator.automation import SceneRecord, ScheduleRecord
from gizwits_async.simulator.presets import (
    DEMO_DATAPOINTS,
    DEMO_INITIAL_ATTRS,
    DEMO_PRODUCT_KEY,
    DEMO_PRODUCT_SECRET,
)
from gizwits_async.simulator.state import Group, User, new_id
from tests.conftest import PASSWORD, USERNAME, ClientFactory, SleepRecorder

T = TypeVar("T")

# The timeout of the attempt a "timeout" fault hits; every other attempt has the default 10 s,
# so a busy machine cannot make a retry time out too.
SHORT_TIMEOUT: Final = 0.05
# Far past SHORT_TIMEOUT; the simulator stops waiting as soon as the client hangs up.
SLOW: Final = 5.0
PHONE: Final = "13800138000"
HTML_PAGE: Final = "<html><body><h1>Service temporarily unavailable</h1></body></html>"
RETRY_AFTER: Final = "2"
WEEKLY: Final = Schedule.weekly(["mon"], time(7, 30), attrs={"LED_R": 5})


def COMMON(did: str) -> Schedule:  # noqa: N802 - reads as the constant it stands for
    """The common schedule of the world's lamp."""
    return Schedule.weekly(["tue"], time(8, 0), did=did, attrs={"LED_R": 6})


class Kind(enum.Enum):
    """What a call does on the wire, which decides its outcome under each fault."""

    READ = "read"  # idempotent with the user token; the answer is decoded
    PUBLIC = "public"  # idempotent without a user token (nothing to renew on 9004/9006)
    SET = "set"  # idempotent (PUT/DELETE) whose answer is not used
    WRITE = "write"  # POST never resent once it may have arrived; the answer is decoded
    COMMAND = "command"  # POST never resent once it may have arrived; the answer is unused
    # Idempotent by method (DELETE, or a PUT that ends something) but done once: a resend
    # after the first attempt was applied finds its target gone. DELETE's answer is unused;
    # DELETE_READ's is decoded and then says nothing was done (``Call.gone`` says how).
    DELETE = "delete"
    DELETE_READ = "delete, answer read"


class Done(enum.Enum):
    """A successful outcome: after one resend, or at once because the answer is not used."""

    RETRIED = "retried and succeeded"
    IGNORED = "succeeded: the answer is not read"


class Resent(enum.Enum):
    """A one-shot call resent after its first attempt was applied (and its answer lost)."""

    GONE = "resent, and the resend found the target gone (see Call.gone)"


Outcome = Done | Resent | type[GizwitsError]
RETRIED: Final = Done.RETRIED
IGNORED: Final = Done.IGNORED
GONE: Final = Resent.GONE
CONN: Final = GizwitsConnectionError
TIMEOUT: Final = GizwitsTimeoutError
SERVER: Final = GizwitsServerError
AUTH: Final = GizwitsAuthError
BODY: Final = GizwitsResponseError

# Each fault hits the call's first request only. "_after" faults hit after the simulator's
# handler ran: the server has acted (a write is applied) and then the answer is lost or
# mangled. Body faults are always after the handler: a proxy or a truncated transfer spoils a
# real answer.
FAULTS: Final[dict[str, dict[str, Any]]] = {
    "reset": {"reset": True},
    "reset_after": {"reset": True, "after_handler": True},
    "timeout": {"delay": SLOW, "status": 504},
    "timeout_after": {"delay": SLOW, "after_handler": True},
    "http500": {"status": 500},
    "http500_after": {"status": 500, "after_handler": True},
    "http502": {"status": 502},
    "http502_after": {"status": 502, "after_handler": True},
    "http503": {"status": 503},
    "http503_after": {"status": 503, "after_handler": True},
    "http429": {"status": 429},
    "http429_retry_after": {"status": 429, "retry_after": RETRY_AFTER},
    "throttled_9041": {"error_code": ErrorCode.REQUEST_THROTTLED},
    "token_invalid_9004": {"error_code": ErrorCode.TOKEN_INVALID},
    "token_expired_9006": {"error_code": ErrorCode.TOKEN_EXPIRED},
    "html_page": {"body": HTML_PAGE, "after_handler": True},
    "truncated_json": {
        "body": '{"objects": [{"id": "a1", "na',
        "content_type": "application/json",
        "after_handler": True,
    },
    "transfer_cut_off": {
        "body": '{"objects": [], "meta": {"total": 0, "next": null}}',
        "content_type": "application/json",
        "truncate": 12,
        "reset": True,
        "after_handler": True,
    },
    "empty_body": {"body": b"", "content_type": "application/json", "after_handler": True},
    "json_array": {"body": "[1, 2, 3]", "content_type": "application/json", "after_handler": True},
}

# fault: (READ, PUBLIC, SET, WRITE, COMMAND, DELETE, DELETE_READ)
# A one-shot call (DELETE, DELETE_READ) is resent like any idempotent one; when the fault hit
# after the handler ran, the resend finds its target gone: GONE, what ``Call.gone`` says. A
# delete whose "already gone" code is exact (scene, schedule, share, guest not found) takes it
# for the success it is; a share answer's "already answered" (9089) is checked on the record;
# one whose code could mean anything (9015 for groups and rules) raises it; a per-did
# removal reads back the dids the resend lists as failed. Only messages.delete
# (9098 ignored however it came) is a SET.
EXPECTED: Final[dict[str, tuple[Outcome, ...]]] = {
    "reset": (RETRIED, RETRIED, RETRIED, CONN, CONN, RETRIED, RETRIED),
    "reset_after": (RETRIED, RETRIED, RETRIED, CONN, CONN, GONE, GONE),
    "timeout": (RETRIED, RETRIED, RETRIED, TIMEOUT, TIMEOUT, RETRIED, RETRIED),
    "timeout_after": (RETRIED, RETRIED, RETRIED, TIMEOUT, TIMEOUT, GONE, GONE),
    "http500": (RETRIED, RETRIED, RETRIED, SERVER, SERVER, RETRIED, RETRIED),
    "http500_after": (RETRIED, RETRIED, RETRIED, SERVER, SERVER, GONE, GONE),
    "http502": (RETRIED, RETRIED, RETRIED, SERVER, SERVER, RETRIED, RETRIED),
    "http502_after": (RETRIED, RETRIED, RETRIED, SERVER, SERVER, GONE, GONE),
    "http503": (RETRIED, RETRIED, RETRIED, SERVER, SERVER, RETRIED, RETRIED),
    "http503_after": (RETRIED, RETRIED, RETRIED, SERVER, SERVER, GONE, GONE),
    # Throttling and refused tokens mean the server did nothing: even a POST is resent.
    "http429": (RETRIED, RETRIED, RETRIED, RETRIED, RETRIED, RETRIED, RETRIED),
    "http429_retry_after": (RETRIED, RETRIED, RETRIED, RETRIED, RETRIED, RETRIED, RETRIED),
    "throttled_9041": (RETRIED, RETRIED, RETRIED, RETRIED, RETRIED, RETRIED, RETRIED),
    "token_invalid_9004": (RETRIED, AUTH, RETRIED, RETRIED, RETRIED, RETRIED, RETRIED),
    "token_expired_9006": (RETRIED, AUTH, RETRIED, RETRIED, RETRIED, RETRIED, RETRIED),
    # A 2xx body that is not JSON is never taken for an answer, even when none is read.
    "html_page": (BODY, BODY, BODY, BODY, BODY, BODY, BODY),
    "truncated_json": (BODY, BODY, BODY, BODY, BODY, BODY, BODY),
    "transfer_cut_off": (RETRIED, RETRIED, RETRIED, CONN, CONN, GONE, GONE),
    # DELETE_READ decodes its answer (unbind's success/failed lists): no body is no answer.
    "empty_body": (BODY, BODY, IGNORED, BODY, IGNORED, IGNORED, BODY),
    "json_array": (BODY, BODY, IGNORED, BODY, IGNORED, IGNORED, BODY),
}
KIND_COLUMN: Final = {
    Kind.READ: 0,
    Kind.PUBLIC: 1,
    Kind.SET: 2,
    Kind.WRITE: 3,
    Kind.COMMAND: 4,
    Kind.DELETE: 5,
    Kind.DELETE_READ: 6,
}
TOKEN_FAULTS: Final = frozenset({"token_invalid_9004", "token_expired_9006"})


@attrs.define
class World:
    """A user with a lamp, a message, a group and a scene, and a client of that user."""

    sim: GizwitsSimulator
    client: GizwitsClient
    did: str
    message_id: str
    scene_id: str
    since: float  # a day before the lamp's report, in epoch seconds
    group_id: str
    rule_id: int
    sharing_id: int | str | None
    schedule_id: str
    common_schedule_id: str
    # What one-shot rows made for their runs, by kind of target, to count what was applied.
    made: defaultdict[str, list[Any]] = attrs.field(factory=lambda: defaultdict(list))


@attrs.frozen
class Call:
    """One representative call: how to run it, where it goes, and how the server counts it."""

    kind: Kind
    method: str
    path: str  # a regular expression matched against the whole path
    run: Callable[[World], Awaitable[Any]]
    # Writes: how many the server has applied so far.
    applied: Callable[[World], int] | None = None
    # Which credential a 9004/9006 renews: a user login, an application token, or none.
    credential: str = "user"
    # One-shot calls: what the resend gets once the first attempt was applied.
    gone: AfterApplied | None = None
    # The call itself issues a user token (a login, a sign-up): one per handler run.
    issues_tokens: bool = False


@attrs.frozen
class AfterApplied:
    """What the resend of a one-shot call gets when its first attempt was applied: the error
    the cloud refuses a missing target with, or (no ``error``) the answer the run returns."""

    error: type[GizwitsAPIError] | None = None
    code: ErrorCode | None = None
    answer: Any = None


def _scene_runs(world: World) -> int:
    return world.sim.state.automation.scenes[world.scene_id].run


async def _bind_a_new_device(world: World) -> Any:
    # Each run binds a device of its own, so every bind the server applies is counted.
    mac = f"{len(world.sim.state.devices):012x}"
    world.sim.add_device(DEMO_PRODUCT_KEY, mac=mac)
    return await world.client.bindings.bind_mac(DEMO_PRODUCT_KEY, mac)


def _bindings_of_alice(world: World) -> int:
    return len(world.sim.state.bindings_of(world.sim.state.bindings_to(world.did)[0].uid))


async def _request_app_token(world: World) -> Any:
    # Each call issues a new token, so what compares with the first call is that one came.
    token = await world.client.users.request_app_token()
    return token.expire_at is not None


# -- one-shot rows: each run makes its own target in the simulator's state (no request, so the
# server counts only the call under test) and records it in ``world.made``.


def _user(world: World, name: str) -> User:
    user = world.sim.state.find_user(name)
    assert user is not None
    return user


def _new_lamp(world: World, owner: str | None = None, *, set_owner: bool = False) -> str:
    """A new lamp, bound to ``owner`` (a uid) when given."""
    did = world.sim.add_device(DEMO_PRODUCT_KEY, attrs=dict(DEMO_INITIAL_ATTRS))
    if owner is not None:
        world.sim.state.bind(owner, did, set_owner=set_owner)
    return did


def _made(world: World, what: str, target: T) -> T:
    world.made[what].append(target)
    return target


def _removed(world: World, what: str, present: Callable[[Any], bool]) -> int:
    """How many of the targets made for ``what`` are gone: the deletes the server applied."""
    return sum(1 for target in world.made[what] if not present(target))


async def _delete_a_new_group(world: World) -> None:
    group = Group(
        id=new_id(24),
        uid=_user(world, USERNAME).uid,
        group_name="doomed",
        product_key=DEMO_PRODUCT_KEY,
        created_at=world.sim.clock.now(),
    )
    world.sim.state.groups[_made(world, "group", group.id)] = group
    await world.client.groups.delete(group.id)


async def _delete_a_new_rule(world: World) -> None:
    record = world.sim.state.automation.add_rule(_user(world, USERNAME).uid, _rule(world).to_wire())
    await world.client.rules.delete(_made(world, "rule", record.rule_id))


async def _delete_a_new_scene(world: World) -> None:
    now = world.sim.clock.now()
    scene = SceneRecord(new_id(24), _user(world, USERNAME).uid, "doomed", "", [], now, now)
    world.sim.state.automation.scenes[_made(world, "scene", scene.id)] = scene
    await world.client.scenes.delete(scene.id)


def _new_schedule(world: World, *, common: bool) -> str:
    record = ScheduleRecord(
        new_id(24), _user(world, USERNAME).uid, common, {"did": world.did}, world.sim.clock.now()
    )
    world.sim.state.automation.schedules[record.id] = record
    return _made(world, "schedule", record.id)


def _schedules_removed(world: World) -> int:
    return _removed(world, "schedule", lambda i: i in world.sim.state.automation.schedules)


async def _delete_a_new_schedule(world: World) -> None:
    await world.client.schedulers.delete(world.did, _new_schedule(world, common=False))


async def _delete_a_new_common_schedule(world: World) -> None:
    await world.client.common_schedulers.delete(_new_schedule(world, common=True))


def _shares_in(status: int, what: str) -> Callable[[World], int]:
    """How many of the shares made for ``what`` now have ``status``."""
    return lambda w: sum(1 for i in w.made[what] if w.sim.state.shares[i].status == status)


async def _cancel_a_new_share(world: World) -> None:
    share = sharing.create_share(
        world.sim.state, _user(world, USERNAME), world.did, type=sharing.QR
    )
    await world.client.sharing.cancel(_made(world, "cancel", share.id))


def _invitation_from_bob(world: World, what: str) -> int:
    """A share of a new lamp of bob's to alice, pending."""
    bob = _user(world, "bob")
    did = _new_lamp(world, bob.uid, set_owner=True)
    share = sharing.create_share(
        world.sim.state, bob, did, type=sharing.NORMAL, receiver=_user(world, USERNAME)
    )
    return _made(world, what, share.id)


async def _accept_a_new_share(world: World) -> None:
    await world.client.sharing.accept(_invitation_from_bob(world, "accept"))


async def _reject_a_new_share(world: World) -> None:
    await world.client.sharing.reject(_invitation_from_bob(world, "reject"))


def _new_guest(world: World) -> str:
    """A new user, guest of the world's lamp (whose owner alice is since she shared it)."""
    guest = world.sim.state.add_user(username=f"guest-{len(world.sim.state.users)}")
    world.sim.state.bind(guest.uid, world.did, role="guest")
    return _made(world, "guest", guest.uid)


async def _remove_a_new_guest(world: World) -> None:
    await world.client.bindings.remove_guest(world.did, _new_guest(world))


def _guests_removed(world: World) -> int:
    return _removed(world, "guest", lambda uid: world.sim.state.binding(uid, world.did) is not None)


async def _unbind_a_new_lamp(world: World) -> tuple[int, int, int]:
    did = _made(world, "unbind", _new_lamp(world, _user(world, USERNAME).uid))
    result = await world.client.bindings.unbind([did])
    return len(result.success), len(result.failed), len(result.uncertain)


def _unbound(world: World) -> int:
    alice = _user(world, USERNAME).uid
    return _removed(world, "unbind", lambda did: world.sim.state.binding(alice, did) is not None)


async def _remove_a_new_member(world: World) -> tuple[int, int, int]:
    did = _made(world, "member", _new_lamp(world, _user(world, USERNAME).uid))
    world.sim.state.groups[world.group_id].dids.append(did)
    result = await world.client.groups.remove_devices(world.group_id, [did])
    return len(result.success), len(result.failed), len(result.uncertain)


def _members_removed(world: World) -> int:
    members = world.sim.state.groups[world.group_id].dids
    return _removed(world, "member", lambda did: did in members)


async def _bind_a_new_qrcode(world: World) -> None:
    did = _new_lamp(world)
    await world.client.bindings.bind_qrcode(world.sim.state.bind_qr_content(did))


def _bobs_qr_share(world: World, what: str) -> str:
    """The code of a QR share of a new lamp of bob's."""
    bob = _user(world, "bob")
    did = _new_lamp(world, bob.uid, set_owner=True)
    share = sharing.create_share(world.sim.state, bob, did, type=sharing.QR)
    assert share.code is not None
    return _made(world, what, share.code)


async def _accept_a_new_qr_share(world: World) -> None:
    await world.client.sharing.accept_qr(_bobs_qr_share(world, "accept_qr"))


async def _qr_info(world: World) -> Any:
    # One share for both runs: its answer (expiry included) is the same each time.
    code = world.made["qr_info"][0] if world.made["qr_info"] else _bobs_qr_share(world, "qr_info")
    return await world.client.sharing.qr_info(code)


async def _guests(world: World) -> Any:
    # One guest for both runs, so both answers list the same one.
    if not world.made["guest"]:
        _new_guest(world)
    return await world.client.bindings.guests(world.did)


async def _transfer_a_new_lamp(world: World) -> None:
    did = _made(world, "transfer", _new_lamp(world, _user(world, USERNAME).uid, set_owner=True))
    guest = world.sim.state.add_user(username=f"guest-{len(world.sim.state.users)}")
    world.sim.state.bind(guest.uid, did, role="guest")
    await world.client.sharing.transfer_owner(did, guest.uid)


def _transferred(world: World) -> int:
    alice = _user(world, USERNAME).uid
    return _removed(world, "transfer", lambda did: world.sim.state.binding(alice, did) is not None)


async def _add_a_new_member(world: World) -> Any:
    did = _new_lamp(world, _user(world, USERNAME).uid)
    return await world.client.groups.add_devices(world.group_id, [did])


async def _control_many(world: World) -> Any:
    result = await world.client.devices.control_many([world.did], attrs={"switch": True})
    return _one_outcome(result)


async def _control_groups(world: World) -> Any:
    result = await world.client.groups.control_many([world.group_id], attrs={"switch": True})
    return _one_outcome(result)


def _one_outcome(result: BulkResult[T]) -> dict[str, T]:
    # A fan-out of one: its one outcome is the single call's, raised as the single call would.
    for error in result.failed.values():
        raise error
    return result.succeeded


def _new_sms_code(world: World, *, with_user: bool = False) -> tuple[str, str]:
    """A code texted to a new phone (whose user is made too with ``with_user``)."""
    phone = _made(world, "sms", f"139{len(world.made['sms']):08d}")
    if with_user:
        world.sim.state.add_user(phone=phone, password="0ld-password")
    return phone, world.sim.state.verification.send_sms_code(phone)


def _codes_used(world: World) -> int:
    return _removed(world, "sms", lambda phone: phone in world.sim.state.verification.sms_codes)


async def _check_a_new_sms_code(world: World) -> None:
    await world.client.users.check_sms_code(*_new_sms_code(world))


async def _verify_a_new_sms_code(world: World) -> None:
    await world.client.users.verify_sms_code(*_new_sms_code(world))


async def _reset_a_password(world: World) -> None:
    phone, code = _new_sms_code(world, with_user=True)
    await world.client.users.reset_password(phone=phone, new_pwd="n3w-password", code=code)


async def _verify_a_new_captcha(world: World) -> None:
    captcha_id, text = world.sim.state.verification.new_captcha()
    await world.client.users.verify_captcha(captcha_id, text, PHONE)


async def _get_a_captcha(world: World) -> bool:
    # Each call draws a new captcha, so what compares with the first call is that one came.
    captcha = await world.client.users.get_captcha()
    return captcha.captcha_id in world.sim.state.verification.captchas


async def _sign_up(world: World) -> Any:
    name = f"new-user-{len(world.sim.state.users)}"
    return await world.client.users.create(username=name, password="s1gn-up-pw")


async def _log_in(world: World) -> str:
    token = await world.client.users.login(USERNAME, PASSWORD)
    return token.uid


async def _rename_alice(world: World) -> str:
    # A new name each run: an update to the name already set changes nothing (9999).
    name = _made(world, "name", f"Alice {len(world.made['name'])}")
    changed = await world.client.users.update(name=name)
    return "changed" if changed is not None else "nothing changed"


def _renames(world: World) -> int:
    """How many of the runs' names were set: the last set one's place in the list, plus one."""
    name = _user(world, USERNAME).profile.get("name")
    return world.made["name"].index(name) + 1 if name in world.made["name"] else 0


async def _delete_a_new_message(world: World) -> None:
    message = world.sim.state.add_message(_user(world, USERNAME).uid, "a share was cancelled")
    await world.client.messages.delete(_made(world, "message", message.id))


def _messages_deleted(world: World) -> int:
    messages = world.sim.state.messages
    return sum(1 for i in world.made["message"] if messages[i].status == MessageStatus.DELETED)


# One row per resource (and per kind of call where a resource has several). Issue #4's calls
# join as one row each.
CALLS: Final[dict[str, Call]] = {
    "system.status": Call(
        Kind.PUBLIC, "GET", "/status", lambda w: w.client.system.status(), credential="none"
    ),
    "users.get": Call(Kind.READ, "GET", "/app/users", lambda w: w.client.users.get()),
    "users.request_app_token": Call(
        Kind.PUBLIC,
        "POST",
        "/app/request_token",
        _request_app_token,
        credential="none",
    ),
    "users.send_sms_code": Call(
        Kind.COMMAND,
        "POST",
        "/app/sms_code",
        lambda w: w.client.users.send_sms_code(PHONE),
        applied=lambda w: len(w.sim.sms_outbox),
        credential="app",
    ),
    "messages.list": Call(
        Kind.READ, "GET", "/app/messages", lambda w: w.client.messages.list().collect()
    ),
    "messages.mark_read": Call(
        Kind.SET, "PUT", "/app/messages/.+", lambda w: w.client.messages.mark_read(w.message_id)
    ),
    "devices.latest": Call(
        Kind.READ, "GET", "/app/devdata/.+/latest", lambda w: w.client.devices.latest(w.did)
    ),
    "devices.get": Call(
        Kind.READ, "GET", "/app/devices/[^/]+", lambda w: w.client.devices.get(w.did)
    ),
    "devices.control": Call(
        Kind.COMMAND,
        "POST",
        "/app/control/.+",
        lambda w: w.client.devices.control(w.did, attrs={"switch": True}),
        applied=lambda w: w.sim.device(w.did).control_count,
    ),
    "bindings.list": Call(
        Kind.READ, "GET", "/app/bindings", lambda w: w.client.bindings.list().collect()
    ),
    "bindings.bind_mac": Call(
        Kind.WRITE, "POST", "/app/bind_mac", _bind_a_new_device, applied=_bindings_of_alice
    ),
    "devices.datapoints": Call(
        Kind.PUBLIC,
        "GET",
        "/app/datapoint",
        lambda w: w.client.devices.datapoints(DEMO_PRODUCT_KEY, refresh=True),
        credential="none",
    ),
    "devices.raw_data": Call(
        Kind.READ,
        "GET",
        "/app/devices/.+/raw_data",
        lambda w: w.client.devices.raw_data(
            w.did, start=w.since, end=w.since + 86400 + 3600, sort="asc"
        ).collect(),
    ),
    "sharing.list": Call(
        Kind.READ, "GET", "/app/sharing", lambda w: w.client.sharing.list(0).collect()
    ),
    "groups.list": Call(Kind.READ, "GET", "/app/group", lambda w: w.client.groups.list()),
    "groups.create": Call(
        Kind.WRITE,
        "POST",
        "/app/group",
        lambda w: w.client.groups.create("hall", product_key=DEMO_PRODUCT_KEY),
        applied=lambda w: len(w.sim.state.groups),
    ),
    "rules.list": Call(Kind.READ, "GET", "/app/rules", lambda w: w.client.rules.list().collect()),
    "scenes.list": Call(Kind.READ, "GET", "/app/scene", lambda w: w.client.scenes.list()),
    "scenes.run": Call(
        Kind.COMMAND,
        "POST",
        "/app/scene/.+/task",
        lambda w: w.client.scenes.run(w.scene_id),
        applied=_scene_runs,
    ),
    "schedulers.list": Call(
        Kind.READ,
        "GET",
        "/app/devices/.+/scheduler",
        lambda w: w.client.schedulers.list(w.did).collect(),
    ),
    "common_schedulers.list": Call(
        Kind.READ,
        "GET",
        "/app/common_scheduler",
        lambda w: w.client.common_schedulers.list().collect(),
    ),
    "data.aggregate": Call(
        Kind.READ,
        "GET",
        "/app/devdata/.+/agg_data",
        lambda w: w.client.data.aggregate(
            w.did,
            attrs="temperature",
            start=w.since,
            end=w.since + 2 * 86400,
            unit="DAYS",
        ),
    ),
    "system.errors": Call(
        Kind.PUBLIC, "GET", "/errors", lambda w: w.client.system.errors(), credential="none"
    ),
    "bindings.update": Call(
        Kind.READ,
        "PUT",
        "/app/bindings/.+",
        lambda w: w.client.bindings.update(w.did, remark="hall"),
    ),
    "devices.latest_many": Call(
        Kind.READ,
        "GET",
        "/app/devdata/.+/latest",
        lambda w: _latest_many(w),  # noqa: PLW0108
    ),
    "groups.devices": Call(
        Kind.READ, "GET", "/app/group/.+/devices", lambda w: w.client.groups.devices(w.group_id)
    ),
    "groups.rename": Call(
        Kind.SET, "PUT", "/app/group/.+", lambda w: w.client.groups.rename(w.group_id, "hall")
    ),
    # The one delete that takes "already deleted" (9098) on its resend for the success it is:
    # a SET, RETRIED even when the first attempt was applied. A new message each run, so the
    # fault run's first attempt is what deletes it.
    "messages.delete": Call(
        Kind.SET, "PUT", "/app/messages/.+", _delete_a_new_message, applied=_messages_deleted
    ),
    "rules.params": Call(
        Kind.READ,
        "GET",
        "/app/rules/params",
        lambda w: w.client.rules.params(DEMO_PRODUCT_KEY),
    ),
    "rules.update": Call(
        Kind.SET, "PUT", "/app/rules/.+", lambda w: w.client.rules.update(w.rule_id, _rule(w))
    ),
    "scenes.run_status": Call(
        Kind.READ, "GET", "/app/scene/.+/task", lambda w: w.client.scenes.run_status(w.scene_id)
    ),
    "scenes.update": Call(
        Kind.SET,
        "PUT",
        "/app/scene/.+",
        lambda w: w.client.scenes.update(w.scene_id, scene_name="on"),
    ),
    "schedulers.update": Call(
        Kind.SET,
        "PUT",
        "/app/devices/.+/scheduler/.+",
        lambda w: w.client.schedulers.update(w.did, w.schedule_id, WEEKLY),
    ),
    "common_schedulers.update": Call(
        Kind.SET,
        "PUT",
        "/app/common_scheduler/.+",
        lambda w: w.client.common_schedulers.update(w.common_schedule_id, COMMON(w.did)),
    ),
    "sharing.set_alias": Call(
        Kind.SET,
        "PUT",
        "/app/sharing/.+/alias",
        lambda w: w.client.sharing.set_alias(_sharing_id(w), "friend"),
    ),
    "rules.create": Call(
        Kind.WRITE,
        "POST",
        "/app/rules",
        lambda w: w.client.rules.create(_rule(w)),
        applied=lambda w: len(w.sim.state.automation.rules),
    ),
    "scenes.create": Call(
        Kind.WRITE,
        "POST",
        "/app/scene",
        lambda w: w.client.scenes.create("off", [SceneTask.device(w.did, attrs={"switch": 0})]),
        applied=lambda w: len(w.sim.state.automation.scenes),
    ),
    "schedulers.create": Call(
        Kind.WRITE,
        "POST",
        "/app/devices/.+/scheduler",
        lambda w: w.client.schedulers.create(w.did, WEEKLY),
        applied=lambda w: len(w.sim.state.automation.schedules),
    ),
    "common_schedulers.create": Call(
        Kind.WRITE,
        "POST",
        "/app/common_scheduler",
        lambda w: w.client.common_schedulers.create(COMMON(w.did)),
        applied=lambda w: len(w.sim.state.automation.schedules),
    ),
    "groups.control": Call(
        Kind.WRITE,
        "POST",
        "/app/group/.+/control",
        lambda w: w.client.groups.control(w.group_id, attrs={"switch": True}),
        applied=lambda w: w.sim.device(w.did).control_count,
    ),
    "groups.delete": Call(
        Kind.DELETE,
        "DELETE",
        "/app/group/[^/]+",
        _delete_a_new_group,
        applied=lambda w: _removed(w, "group", lambda i: i in w.sim.state.groups),
        # The simulator's "group not found" (the doc has no code for it).
        gone=AfterApplied(GizwitsAPIError, ErrorCode.FORM_INVALID),
    ),
    "rules.delete": Call(
        Kind.DELETE,
        "DELETE",
        "/app/rules/[0-9]+",
        _delete_a_new_rule,
        applied=lambda w: _removed(w, "rule", lambda i: i in w.sim.state.automation.rules),
        gone=AfterApplied(GizwitsAPIError, ErrorCode.FORM_INVALID),  # "rule ... not found"
    ),
    "scenes.delete": Call(
        Kind.DELETE,
        "DELETE",
        "/app/scene/[^/]+",
        _delete_a_new_scene,
        applied=lambda w: _removed(w, "scene", lambda i: i in w.sim.state.automation.scenes),
        gone=AfterApplied(answer=None),  # SCENE_NOT_FOUND: the resend's success
    ),
    "schedulers.delete": Call(
        Kind.DELETE,
        "DELETE",
        "/app/devices/[^/]+/scheduler/[^/]+",
        _delete_a_new_schedule,
        applied=_schedules_removed,
        gone=AfterApplied(answer=None),  # SCHEDULER_NOT_FOUND: the resend's success
    ),
    "common_schedulers.delete": Call(
        Kind.DELETE,
        "DELETE",
        "/app/common_scheduler/[^/]+",
        _delete_a_new_common_schedule,
        applied=_schedules_removed,
        gone=AfterApplied(answer=None),  # SCHEDULER_NOT_FOUND: the resend's success
    ),
    "sharing.cancel": Call(
        Kind.DELETE,
        "DELETE",
        "/app/sharing/[0-9]+",
        _cancel_a_new_share,
        applied=_shares_in(sharing.CANCELLED, "cancel"),
        gone=AfterApplied(answer=None),  # SHARING_ALREADY_CANCELLED: the resend's success
    ),
    # Answering a share is a PUT, resent as idempotent; answered once, it is "completed".
    "sharing.accept": Call(
        Kind.DELETE,
        "PUT",
        "/app/sharing/[0-9]+",
        _accept_a_new_share,
        applied=_shares_in(sharing.ACCEPTED, "accept"),
        gone=AfterApplied(answer=None),  # SHARING_IS_COMPLETED, and the record says so
    ),
    "sharing.reject": Call(
        Kind.DELETE,
        "PUT",
        "/app/sharing/[0-9]+",
        _reject_a_new_share,
        applied=_shares_in(sharing.REJECTED, "reject"),
        gone=AfterApplied(answer=None),  # SHARING_IS_COMPLETED, and the record says so
    ),
    "bindings.remove_guest": Call(
        Kind.DELETE,
        "DELETE",
        "/app/[^/]+/bindings",
        _remove_a_new_guest,
        applied=_guests_removed,
        gone=AfterApplied(answer=None),  # NOT_FOUND_GUEST: the resend's success
    ),
    # Per-did answers: the resend succeeds and lists the did it had unbound as failed; the SDK
    # reads the bindings (the group) back and finds it gone: a success.
    "bindings.unbind": Call(
        Kind.DELETE_READ,
        "DELETE",
        "/app/bindings",
        _unbind_a_new_lamp,
        applied=_unbound,
        gone=AfterApplied(answer=(1, 0, 0)),
    ),
    "groups.remove_devices": Call(
        Kind.DELETE_READ,
        "DELETE",
        "/app/group/[^/]+/devices",
        _remove_a_new_member,
        applied=_members_removed,
        gone=AfterApplied(answer=(1, 0, 0)),
    ),
    "bindings.bind_qrcode": Call(
        Kind.COMMAND, "POST", "/app/bind_latest", _bind_a_new_qrcode, applied=_bindings_of_alice
    ),
    "sharing.accept_qr": Call(
        Kind.COMMAND,
        "POST",
        "/app/sharing/code/[^/]+",
        _accept_a_new_qr_share,
        applied=_bindings_of_alice,
    ),
    "sharing.qr_info": Call(Kind.READ, "GET", "/app/sharing/code/[^/]+", _qr_info),
    "bindings.guests": Call(Kind.READ, "GET", "/app/[^/]+/bindings", _guests),
    "sharing.transfer_owner": Call(
        Kind.COMMAND,
        "POST",
        "/app/sharing/[^/]+/transfer",
        _transfer_a_new_lamp,
        applied=_transferred,
    ),
    "sharing.create": Call(
        Kind.WRITE,
        "POST",
        "/app/sharing",
        lambda w: w.client.sharing.create(did=w.did, type=SharingType.QR),
        applied=lambda w: len(w.sim.state.shares),
    ),
    "groups.add_devices": Call(
        Kind.WRITE,
        "POST",
        "/app/group/[^/]+/devices",
        _add_a_new_member,
        applied=lambda w: len(w.sim.state.groups[w.group_id].dids),
    ),
    "devices.control_many": Call(
        Kind.COMMAND,
        "POST",
        "/app/control/.+",
        _control_many,
        applied=lambda w: w.sim.device(w.did).control_count,
    ),
    "groups.control_many": Call(
        Kind.WRITE,
        "POST",
        "/app/group/[^/]+/control",
        _control_groups,
        applied=lambda w: w.sim.device(w.did).control_count,
    ),
    "users.check_sms_code": Call(
        Kind.COMMAND,
        "PUT",
        "/app/verify/codes",
        _check_a_new_sms_code,
        applied=_codes_used,
        credential="app",
    ),
    "users.verify_sms_code": Call(
        Kind.COMMAND,
        "POST",
        "/app/sms_code",
        _verify_a_new_sms_code,
        applied=_codes_used,
        credential="app",
    ),
    "users.verify_captcha": Call(
        Kind.COMMAND,
        "POST",
        "/app/verify/codes",
        _verify_a_new_captcha,
        applied=lambda w: len(w.sim.sms_outbox),  # a right captcha texts a code
        credential="app",
    ),
    "users.get_captcha": Call(
        Kind.READ, "GET", "/app/verify/codes", _get_a_captcha, credential="app"
    ),
    "users.reset_password": Call(
        Kind.COMMAND,
        "POST",
        "/app/reset_password",
        _reset_a_password,
        applied=_codes_used,
        credential="none",
    ),
    "users.create": Call(
        Kind.WRITE,
        "POST",
        "/app/users",
        _sign_up,
        applied=lambda w: len(w.sim.state.users),
        credential="none",
        issues_tokens=True,
    ),
    "users.login": Call(
        Kind.PUBLIC, "POST", "/app/login", _log_in, credential="none", issues_tokens=True
    ),
    # A profile update is one-shot the same way: its resend changes nothing, and the cloud's
    # "nothing changed" (9999) comes back as None, which update() documents.
    "users.update": Call(
        Kind.DELETE_READ,
        "PUT",
        "/app/users",
        _rename_alice,
        applied=_renames,
        gone=AfterApplied(answer="nothing changed"),
    ),
}


async def _latest_many(world: World) -> Any:
    return _one_outcome(await world.client.devices.latest_many([world.did]))


def _sharing_id(world: World) -> int | str:
    assert world.sharing_id is not None
    return world.sharing_id


def _rule(world: World) -> Rule:
    # The rule acts on another lamp, so it never adds to this lamp's control count.
    other = next(did for did in world.sim.state.devices if did != world.did)
    return Rule(
        did=world.did,
        product_key=DEMO_PRODUCT_KEY,
        name="on, other red",
        input=[RuleInput(did=world.did, product_key=DEMO_PRODUCT_KEY, prefix="device1")],
        condition=[[Condition.compare("device1.switch", "==", value=True)]],
        output=[[RuleAction.control(other, attrs={"LED_R": 100})]],
    )


# Resource methods left out of the matrix, each with a one-line reason. Every method has a row
# now (issue #12): one-shot calls make a fresh target per run, the sign-up and verification
# flows take their codes from the simulator's state.
NOT_IN_THE_MATRIX: Final[frozenset[str]] = frozenset()


@pytest.fixture
async def world(
    sim: GizwitsSimulator, alice_uid: str, make_client: ClientFactory
) -> AsyncIterator[World]:
    """Something in every list, so a retried call is seen to return the same items."""
    sim.add_product(
        DEMO_PRODUCT_KEY, datapoints=DEMO_DATAPOINTS, product_secret=DEMO_PRODUCT_SECRET
    )
    did, other = (
        sim.add_device(DEMO_PRODUCT_KEY, owner=alice_uid, attrs=dict(DEMO_INITIAL_ATTRS))
        for _ in range(2)
    )
    sim.add_user("bob", "b0b-password")
    message = sim.state.add_message(alice_uid, "a device was shared with you")
    sim.state.report(did, {"temperature": 21})
    async with make_client(product_secrets={DEMO_PRODUCT_KEY: DEMO_PRODUCT_SECRET}) as client:
        group_id = await client.groups.create("lamps", product_key=DEMO_PRODUCT_KEY)
        await client.groups.add_devices(group_id, [did])
        scene_id = await client.scenes.create("on", [SceneTask.device(did, attrs={"switch": 1})])
        await client.scenes.run(scene_id)
        invitation = await client.sharing.create(did=did, username="bob")
        # The rule acts on the other lamp, so it never adds to this lamp's control count.
        rule = Rule(
            did=did,
            product_key=DEMO_PRODUCT_KEY,
            name="on, other red",
            input=[RuleInput(did=did, product_key=DEMO_PRODUCT_KEY, prefix="device1")],
            condition=[[Condition.compare("device1.switch", "==", value=True)]],
            output=[[RuleAction.control(other, attrs={"LED_R": 100})]],
        )
        rule_id = await client.rules.create(rule)
        schedule_id = await client.schedulers.create(did, WEEKLY)
        common_schedule_id = await client.common_schedulers.create(COMMON(did))
        yield World(
            sim,
            client,
            did,
            message.id,
            scene_id,
            sim.clock.now() - 86400,
            group_id,
            rule_id,
            invitation.id,
            schedule_id,
            common_schedule_id,
        )


def _resource_methods() -> set[str]:
    """Every public method of every resource of a client, found by looking."""
    client = GizwitsClient("app", base_url="http://127.0.0.1:9")
    return {
        f"{area}.{name}"
        for area in RESOURCE_NAMES
        for name, _ in inspect.getmembers(type(getattr(client, area)), inspect.isfunction)
        if not name.startswith("_")
    }


def test_the_table_covers_every_resource_method() -> None:
    """A new endpoint fails here until it has a row, or a reason in ``NOT_IN_THE_MATRIX``."""
    assert _resource_methods() - set(CALLS) - NOT_IN_THE_MATRIX == set()
    assert set(CALLS) | NOT_IN_THE_MATRIX <= _resource_methods()
    assert set(CALLS).isdisjoint(NOT_IN_THE_MATRIX)


def test_the_table_covers_every_fault_and_kind() -> None:
    assert set(EXPECTED) == set(FAULTS)
    assert {len(row) for row in EXPECTED.values()} == {len(KIND_COLUMN)}
    assert sorted(KIND_COLUMN.values()) == list(range(len(KIND_COLUMN)))
    assert {call.kind for call in CALLS.values()} == set(Kind)


@pytest.mark.parametrize("fault_id", list(FAULTS))
@pytest.mark.parametrize("call_id", list(CALLS))
async def test_fault_matrix(
    world: World,
    sleeps: SleepRecorder,
    monkeypatch: pytest.MonkeyPatch,
    call_id: str,
    fault_id: str,
) -> None:
    call = CALLS[call_id]
    fault = FAULTS[fault_id]
    expected = _expected(call, fault_id)
    sim = world.sim
    baseline = await call.run(world)
    applied_before = call.applied(world) if call.applied else 0
    logins_before = sim.state.login_count
    sim.reset_counters()
    sleeps.calls.clear()
    rule = sim.faults.add(method=call.method, path=call.path, **fault)
    if "delay" in fault:
        _shorten_first_attempt(world.client, monkeypatch)

    if expected is GONE:
        await _check_gone(world, call)
    elif isinstance(expected, Done):
        result = await call.run(world)
        if call.kind is not Kind.WRITE:  # a write's answer (a new id) differs by nature
            assert result == baseline
            assert result not in ([], {}), "the world should give every list something"
    else:
        with pytest.raises(GizwitsError) as caught:
            await call.run(world)
        error = caught.value
        assert type(error) is expected, f"{type(error).__name__}: {error}"
        _check_error_details(error, fault)

    assert rule.hits == 1
    sent = sim.count(call.method, call.path)
    assert sent == (2 if expected in (RETRIED, GONE) else 1)
    if fault_id == "http429_retry_after":
        assert sleeps.calls == [float(RETRY_AFTER)]
    # A login or sign-up issues a token each time its handler runs: after a fault that let
    # the handler run first, and once more when resent.
    handler_runs = fault.get("after_handler", False) + (expected in (RETRIED, GONE))
    own_logins = handler_runs if call.issues_tokens else 0
    if fault_id in TOKEN_FAULTS and expected is RETRIED:
        # Renewed without waiting: one new login (user calls) or app token (SMS).
        assert sleeps.calls == []
        renewed = call.credential == "user"
        assert sim.state.login_count - logins_before == renewed + own_logins
        assert sim.count("POST", "/app/request_token") == (call.credential == "app")
    else:
        assert sim.state.login_count - logins_before == own_logins
    if call.applied is not None:
        applied = call.applied(world) - applied_before
        # Applied once when the call succeeded or the server acted before the fault; never
        # twice: a write the server may have received is not resent.
        reached = expected is RETRIED or expected is IGNORED or fault.get("after_handler", False)
        assert applied == int(reached)


async def _check_gone(world: World, call: Call) -> None:
    """The resend of a one-shot call found its target gone, as ``call.gone`` says."""
    gone = call.gone
    assert gone is not None, "a one-shot call says what its resend gets"
    if gone.error is None:
        assert await call.run(world) == gone.answer
        return
    with pytest.raises(GizwitsAPIError) as caught:
        await call.run(world)
    error = caught.value
    assert type(error) is gone.error, f"{type(error).__name__}: {error}"
    assert error.error_code == gone.code


def _expected(call: Call, fault_id: str) -> Outcome:
    if fault_id in TOKEN_FAULTS and call.credential == "none":
        # A call sent without a token has none to renew: a 9004/9006 fails it, whatever its
        # kind (PUBLIC's column says so; the sign-up and the password reset are POSTs too).
        return AUTH
    return EXPECTED[fault_id][KIND_COLUMN[call.kind]]


def _shorten_first_attempt(client: GizwitsClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """The next attempt's timeouts SHORT_TIMEOUT, the ones after it as configured."""
    transport = client._transport
    budgets = transport._client_timeout
    shortened: list[bool] = []

    def first_attempt_short(timeout: float) -> aiohttp.ClientTimeout:
        if not shortened:
            shortened.append(True)
            return budgets(SHORT_TIMEOUT)
        return budgets(timeout)

    monkeypatch.setattr(transport, "_client_timeout", first_attempt_short)
    monkeypatch.setattr(transport, "_timeouts", {})  # a cached budget would skip the patch


def _check_error_details(error: GizwitsError, fault: dict[str, Any]) -> None:
    if isinstance(error, GizwitsAPIError):
        assert error.status == fault.get("status", 400)
        assert error.error_code == fault.get("error_code")
    elif isinstance(error, GizwitsConnectionError):
        # The request left: whether the server acted is unknown, so it was not resent.
        assert error.request_sent is True
    else:
        assert isinstance(error, GizwitsResponseError)
        # The transport knows the status of a body that is not JSON; a resource that finds
        # the wrong shape knows only the body.
        assert error.status in (200, None)


# -- the simulator's fault options used above ------------------------------------------------


async def _get_status(sim: GizwitsSimulator) -> tuple[aiohttp.ClientResponse, bytes]:
    async with (
        aiohttp.ClientSession(headers={APP_ID_HEADER: sim.app_id}) as session,
        session.get(sim.base_url + "/status") as response,
    ):
        return response, await response.read()


async def test_truncate_answers_a_shorter_complete_body(sim: GizwitsSimulator) -> None:
    sim.faults.add(path="/status", after_handler=True, truncate=5)
    response, body = await _get_status(sim)
    assert response.status == 200
    assert body == b'{"sta'


async def test_truncate_with_reset_cuts_the_transfer_off(sim: GizwitsSimulator) -> None:
    sim.faults.add(path="/status", after_handler=True, truncate=5, reset=True)
    with pytest.raises(aiohttp.ClientPayloadError):
        await _get_status(sim)


async def test_a_delay_ends_when_the_client_hangs_up(sim: GizwitsSimulator) -> None:
    sim.faults.add(path="/status", delay=30.0, status=504)
    async with GizwitsClient(sim.app_id, base_url=sim.base_url, request_timeout=0.05) as client:
        with pytest.raises(GizwitsTimeoutError):
            await client._transport.request("GET", "/status", auth=Auth.NONE, max_retries=0)
    for _ in range(200):
        if sim.in_flight == 0:
            break
        await asyncio.sleep(0.01)
    # The handler stopped waiting long before its 30 s: nothing is left in flight.
    assert sim.in_flight == 0
