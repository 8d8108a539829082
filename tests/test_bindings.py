"""Bindings on the simulator: signed bind_mac, QR binding, unbinding, per-user names, guests,
and the binding roles of the doc's 角色场景说明."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from gizwits_async import (
    BindingInfo,
    DeviceRole,
    ErrorCode,
    GizwitsAPIError,
    GizwitsClient,
    GizwitsConfigurationError,
    GizwitsNotFoundError,
)
from gizwits_async.simulator import GizwitsSimulator
from tests.conftest import PRODUCT_KEY, ClientFactory

SECRET = "0123456789abcdef0123456789abcdef"  # the conftest product's secret
MAC = "accf2350d446"
BOB = ("bob", "B0b-secret-pass")
CAROL = ("carol", "Car0l-secret-pass")


def md5_hex(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


@pytest.fixture
def signer(client: GizwitsClient) -> GizwitsClient:
    """Alice's client, holding the product secret that signs bind_mac."""
    client.product_secrets[PRODUCT_KEY] = SECRET
    return client


def user_client(
    sim: GizwitsSimulator, make_client: ClientFactory, username: str, password: str
) -> GizwitsClient:
    if sim.state.find_user(username) is None:
        sim.add_user(username, password)
    return make_client(
        username=username,
        password=password,
        app_secret=None,
        product_secrets={PRODUCT_KEY: SECRET},
    )


@pytest.fixture
def bob(sim: GizwitsSimulator, make_client: ClientFactory) -> GizwitsClient:
    return user_client(sim, make_client, *BOB)


@pytest.fixture
def carol(sim: GizwitsSimulator, make_client: ClientFactory) -> GizwitsClient:
    return user_client(sim, make_client, *CAROL)


def uid_of(sim: GizwitsSimulator, username: str) -> str:
    user = sim.state.find_user(username)
    assert user is not None
    return user.uid


async def api_error(call: Awaitable[Any]) -> GizwitsAPIError:
    with pytest.raises(GizwitsAPIError) as caught:
        await call
    return caught.value


# -- bind_mac --------------------------------------------------------------------------------


async def test_bind_mac_is_signed_with_md5_of_secret_and_timestamp(
    sim: GizwitsSimulator, signer: GizwitsClient
) -> None:
    did = sim.add_device(PRODUCT_KEY, mac=MAC)
    before = int(time.time())
    device = await signer.bindings.bind_mac(
        PRODUCT_KEY, "AC:CF:23:50:D4:46", remark="hall", dev_alias="Lamp"
    )
    after = int(time.time())
    [request] = sim.requests_to("POST", "/app/bind_mac")
    assert request.body == {
        "product_key": PRODUCT_KEY,
        "mac": MAC,
        "remark": "hall",
        "dev_alias": "Lamp",
        "set_owner": 0,
    }
    stamp = request.headers["X-Gizwits-Timestamp"]
    assert stamp.isdigit()
    assert before <= int(stamp) <= after
    assert request.headers["X-Gizwits-Signature"] == md5_hex(SECRET + stamp)
    assert request.headers["X-Gizwits-User-token"] == signer.token.token  # type: ignore[union-attr]
    assert (device.did, device.mac, device.role) == (did, MAC, DeviceRole.SPECIAL)
    assert (device.remark, device.dev_alias) == ("hall", "Lamp")


@pytest.mark.parametrize("mac", [MAC, MAC.upper(), "ac-cf-23-50-d4-46", "AC:cf:23:50:D4:46"])
async def test_bind_mac_sends_the_mac_as_lower_case_hex(
    sim: GizwitsSimulator, signer: GizwitsClient, mac: str
) -> None:
    sim.add_device(PRODUCT_KEY, mac=MAC)
    await signer.bindings.bind_mac(PRODUCT_KEY, mac)
    assert sim.requests_to("POST", "/app/bind_mac")[0].body["mac"] == MAC


async def test_bind_mac_sends_set_owner_as_one(
    sim: GizwitsSimulator, signer: GizwitsClient
) -> None:
    sim.add_device(PRODUCT_KEY, mac=MAC)
    device = await signer.bindings.bind_mac(PRODUCT_KEY, MAC, set_owner=True)
    assert sim.requests_to("POST", "/app/bind_mac")[0].body["set_owner"] == 1
    assert device.role is DeviceRole.OWNER


async def test_bind_mac_without_the_product_secret_fails_before_sending(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    sim.add_device(PRODUCT_KEY, mac=MAC)
    with pytest.raises(GizwitsConfigurationError, match="product secret") as caught:
        await client.bindings.bind_mac(PRODUCT_KEY, MAC)
    assert PRODUCT_KEY in str(caught.value)
    assert caught.value.status is None
    assert sim.requests == []


@pytest.mark.parametrize(
    "mac",
    [
        "",
        "accf2350d44",
        "accf2350d446zz",
        "ac:cf:23:50:d4",
        "ac:cf-23:50:d4:46",
        "gg:cf:23:50:d4:46",
        "accf 2350d446",
        "virtual:site",
        "a" * 33,
    ],
)
async def test_malformed_mac_is_refused_before_sending(
    sim: GizwitsSimulator, signer: GizwitsClient, mac: str
) -> None:
    with pytest.raises(ValueError, match="mac"):
        await signer.bindings.bind_mac(PRODUCT_KEY, mac)
    with pytest.raises(TypeError):
        await signer.bindings.bind_mac(PRODUCT_KEY, 0xACCF2350D446)  # type: ignore[arg-type]
    assert sim.requests == []


async def test_a_wrong_secret_is_answered_9044(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    sim.add_device(PRODUCT_KEY, mac=MAC)
    client.product_secrets[PRODUCT_KEY] = "f" * 32
    error = await api_error(client.bindings.bind_mac(PRODUCT_KEY, MAC))
    assert error.error_code == ErrorCode.SIGNATURE_INVALID


@pytest.mark.parametrize(("skew", "accepted"), [(290, True), (310, False)])
async def test_the_timestamp_must_be_within_five_minutes(
    sim: GizwitsSimulator, signer: GizwitsClient, skew: float, accepted: bool
) -> None:
    did = sim.add_device(PRODUCT_KEY, mac=MAC)
    sim.clock.advance(skew)
    if accepted:
        assert (await signer.bindings.bind_mac(PRODUCT_KEY, MAC)).did == did
    else:
        error = await api_error(signer.bindings.bind_mac(PRODUCT_KEY, MAC))
        assert error.error_code == ErrorCode.TIMESTAMP_INVALID


async def test_an_unknown_product_is_answered_9002(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    client.product_secrets["f" * 32] = SECRET
    error = await api_error(client.bindings.bind_mac("f" * 32, MAC))
    assert error.error_code == ErrorCode.PRODUCT_KEY_INVALID


async def test_an_unknown_mac_is_not_found(signer: GizwitsClient) -> None:
    with pytest.raises(GizwitsNotFoundError):
        await signer.bindings.bind_mac(PRODUCT_KEY, MAC)


# -- roles (角色场景说明) ----------------------------------------------------------------------


async def test_first_binder_is_special_and_the_second_normal(
    sim: GizwitsSimulator, signer: GizwitsClient, bob: GizwitsClient
) -> None:
    sim.add_device(PRODUCT_KEY, mac=MAC)
    first = await signer.bindings.bind_mac(PRODUCT_KEY, MAC)
    second = await bob.bindings.bind_mac(PRODUCT_KEY, MAC)
    assert first.role is DeviceRole.SPECIAL
    assert second.role is DeviceRole.NORMAL
    [listed] = await signer.bindings.list().collect()
    assert listed.role is DeviceRole.SPECIAL


async def test_unbinding_the_special_user_promotes_the_normal_one(
    sim: GizwitsSimulator, signer: GizwitsClient, bob: GizwitsClient
) -> None:
    did = sim.add_device(PRODUCT_KEY, mac=MAC)
    await signer.bindings.bind_mac(PRODUCT_KEY, MAC)
    await bob.bindings.bind_mac(PRODUCT_KEY, MAC)
    result = await signer.bindings.unbind([did])
    assert (result.success, result.failed) == ([did], [])
    assert (await bob.devices.get(did)).role is DeviceRole.SPECIAL
    error = await api_error(signer.devices.get(did))
    assert error.error_code == ErrorCode.DEVICE_NOT_BOUND


async def test_after_sharing_is_enabled_the_first_is_owner_and_the_normal_a_guest(
    sim: GizwitsSimulator, signer: GizwitsClient, bob: GizwitsClient, carol: GizwitsClient
) -> None:
    did = sim.add_device(PRODUCT_KEY, mac=MAC)
    await signer.bindings.bind_mac(PRODUCT_KEY, MAC)
    await bob.bindings.bind_mac(PRODUCT_KEY, MAC)
    sim.state.enable_sharing(did)  # alice shares the device (accepted or not)
    assert (await signer.devices.get(did)).role is DeviceRole.OWNER
    assert (await bob.devices.get(did)).role is DeviceRole.GUEST
    error = await api_error(carol.bindings.bind_mac(PRODUCT_KEY, MAC))
    assert error.error_code == ErrorCode.ONLY_OWNER_CAN_BIND


async def test_on_a_shared_device_nobody_is_bound_to_the_first_binder_becomes_owner(
    sim: GizwitsSimulator, signer: GizwitsClient, bob: GizwitsClient
) -> None:
    did = sim.add_device(PRODUCT_KEY, mac=MAC)
    sim.state.enable_sharing(did)
    assert (await signer.bindings.bind_mac(PRODUCT_KEY, MAC)).role is DeviceRole.OWNER
    error = await api_error(bob.bindings.bind_mac(PRODUCT_KEY, MAC))
    assert error.error_code == ErrorCode.ONLY_OWNER_CAN_BIND


async def test_set_owner_makes_the_binder_owner_and_the_others_guests(
    sim: GizwitsSimulator, signer: GizwitsClient, bob: GizwitsClient
) -> None:
    did = sim.add_device(PRODUCT_KEY, mac=MAC)
    await signer.bindings.bind_mac(PRODUCT_KEY, MAC)
    assert (await bob.bindings.bind_mac(PRODUCT_KEY, MAC, set_owner=True)).role is DeviceRole.OWNER
    assert (await signer.devices.get(did)).role is DeviceRole.GUEST


async def test_when_the_owner_unbinds_the_guests_lose_the_device_too(
    sim: GizwitsSimulator, signer: GizwitsClient, bob: GizwitsClient
) -> None:
    did = sim.add_device(PRODUCT_KEY, mac=MAC)
    await signer.bindings.bind_mac(PRODUCT_KEY, MAC)
    await bob.bindings.bind_mac(PRODUCT_KEY, MAC)
    sim.state.enable_sharing(did)
    assert (await signer.bindings.unbind([did])).success == [did]
    assert sim.state.bindings_to(did) == []
    assert await bob.bindings.list().collect() == []


# -- QR codes, unbind, update ----------------------------------------------------------------


async def test_bind_qrcode_posts_the_content_and_binds(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    did = sim.add_device(PRODUCT_KEY)
    content = sim.state.bind_qr_content(did)
    await client.bindings.bind_qrcode(content)
    [request] = sim.requests_to("POST", "/app/bind_latest")
    assert request.body == {"qr_content": content, "set_owner": 0}
    binding = sim.state.binding(alice_uid, did)
    assert binding is not None
    assert binding.role == "special"


async def test_bind_qrcode_with_set_owner_makes_the_user_owner(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    did = sim.add_device(PRODUCT_KEY)
    await client.bindings.bind_qrcode(sim.state.bind_qr_content(did), set_owner=True)
    assert sim.requests_to("POST", "/app/bind_latest")[0].body["set_owner"] == 1
    assert (await client.devices.get(did)).role is DeviceRole.OWNER


async def test_bind_qrcode_with_an_unknown_code_is_9040(client: GizwitsClient) -> None:
    error = await api_error(client.bindings.bind_qrcode("type=bind&code=nope"))
    assert error.error_code == ErrorCode.BAD_QRCODE_CONTENT


async def test_unbind_sends_each_did_once_and_reports_success_and_failure(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    bound = [sim.add_device(PRODUCT_KEY, owner=alice_uid) for _ in range(2)]
    stranger = sim.add_device(PRODUCT_KEY)
    result = await client.bindings.unbind([*bound, stranger, bound[0]])
    [request] = sim.requests_to("DELETE", "/app/bindings")
    assert request.body == {"devices": [{"did": did} for did in [*bound, stranger]]}
    assert request.query == {}
    assert (result.success, result.failed, result.ok) == (bound, [stranger], False)
    assert sim.state.bindings_of(alice_uid) == []


async def test_update_sets_the_users_own_alias_remark_and_labels(
    sim: GizwitsSimulator, client: GizwitsClient, bob: GizwitsClient, alice_uid: str
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    sim.bind(uid_of(sim, "bob"), did)
    info = await client.bindings.update(
        did, remark="by the door", dev_alias="Kitchen", dev_label=("light", "ground floor")
    )
    [request] = sim.requests_to("PUT", f"/app/bindings/{did}")
    assert request.body == {
        "remark": "by the door",
        "dev_alias": "Kitchen",
        "dev_label": ["light", "ground floor"],
    }
    assert info == BindingInfo(
        remark="by the door", dev_alias="Kitchen", dev_label=["light", "ground floor"]
    )
    await bob.bindings.update(did, dev_alias="Bob's lamp")
    assert sim.requests_to("PUT", f"/app/bindings/{did}")[1].body == {"dev_alias": "Bob's lamp"}
    [mine] = await client.bindings.list().collect()
    [theirs] = await bob.bindings.list().collect()
    assert (mine.dev_alias, mine.remark, mine.dev_label) == (
        "Kitchen",
        "by the door",
        ["light", "ground floor"],
    )
    assert (theirs.dev_alias, theirs.remark, theirs.dev_label) == ("Bob's lamp", "", [])


async def test_bindings_list_sends_its_switches(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    shown = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    disabled = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    sim.device(disabled).is_disabled = True
    assert [d.did for d in await client.bindings.list().collect()] == [shown]
    devices = await client.bindings.list(show_disabled=True, show_proto_ver=True).collect()
    assert [d.did for d in devices] == [shown, disabled]
    assert devices[0].proto_ver == "04"
    assert sim.requests_to("GET", "/app/bindings")[-1].query == {
        "show_disabled": "1",
        "show_proto_ver": "1",
        "limit": "20",
        "skip": "0",
    }


# -- guests ----------------------------------------------------------------------------------


@pytest.fixture
def shared(sim: GizwitsSimulator, alice_uid: str) -> tuple[str, str]:
    """A device alice owns and has shared with one guest; returns (did, guest uid)."""
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    sim.state.enable_sharing(did)
    guest = sim.add_user("guestuser", "Gu3st-secret", email="someone@example.com")
    guest.phone = "13812345678"
    sim.bind(guest.uid, did, role="guest")
    return did, guest.uid


async def test_guests_lists_the_guests_masked(
    sim: GizwitsSimulator, client: GizwitsClient, shared: tuple[str, str]
) -> None:
    did, guest_uid = shared
    [guest] = await client.bindings.guests(did)
    [request] = sim.requests_to("GET", f"/app/{did}/bindings")
    assert (request.query, request.body) == ({}, None)
    assert guest.uid == guest_uid
    assert (guest.username, guest.phone, guest.email) == (
        "gu****ser",
        "138****5678",
        "som****@example.com",
    )
    assert guest.created_at is not None
    assert guest.created_at.tzinfo is UTC
    assert abs(guest.created_at - datetime.now(UTC)).total_seconds() < 60


async def test_remove_guest_sends_the_uid_and_unbinds_the_guest(
    sim: GizwitsSimulator, client: GizwitsClient, shared: tuple[str, str]
) -> None:
    did, guest_uid = shared
    await client.bindings.remove_guest(did, guest_uid)
    [request] = sim.requests_to("DELETE", f"/app/{did}/bindings")
    assert (request.query, request.body) == ({"uid": guest_uid}, None)
    assert sim.state.binding(guest_uid, did) is None
    assert await client.bindings.guests(did) == []


async def test_only_the_owner_sees_or_removes_guests(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str, bob: GizwitsClient
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)  # special: the device is not shared
    sim.bind(uid_of(sim, "bob"), did)
    assert (await api_error(client.bindings.guests(did))).error_code == (
        ErrorCode.ONLY_OWNER_CAN_OPERATE
    )
    sim.state.enable_sharing(did)
    error = await api_error(bob.bindings.remove_guest(did, alice_uid))
    assert error.error_code == ErrorCode.ONLY_OWNER_CAN_OPERATE


async def test_the_owner_cannot_remove_itself_or_a_non_guest(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str, shared: tuple[str, str]
) -> None:
    did, _ = shared
    error = await api_error(client.bindings.remove_guest(did, alice_uid))
    assert error.error_code == ErrorCode.OWNER_CANNOT_UNBIND_SELF
    error = await api_error(client.bindings.remove_guest(did, "nobody"))
    assert error.error_code == ErrorCode.NOT_FOUND_GUEST


# -- bad input -------------------------------------------------------------------------------


BAD_DIDS = ["", "a/b", "..", "../bindings", "a?b"]


def did_calls(client: GizwitsClient, did: str) -> list[Callable[[], Awaitable[Any]]]:
    return [
        lambda: client.bindings.unbind([did]),
        lambda: client.bindings.update(did, remark="x"),
        lambda: client.bindings.guests(did),
        lambda: client.bindings.remove_guest(did, "uid"),
        lambda: client.devices.get(did),
        lambda: client.devices.latest_many([did]),
    ]


@pytest.mark.parametrize("did", BAD_DIDS)
async def test_bad_dids_are_refused_before_sending(
    sim: GizwitsSimulator, client: GizwitsClient, did: str
) -> None:
    for call in did_calls(client, did):
        with pytest.raises(ValueError, match="did"):
            await call()
    assert sim.requests == []


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda c: c.bindings.unbind([]), ValueError),
        (lambda c: c.bindings.unbind("did1"), TypeError),
        (lambda c: c.bindings.update("did1"), ValueError),
        (lambda c: c.bindings.update("did1", dev_label="kitchen"), TypeError),
        (lambda c: c.bindings.update("did1", dev_label=[1]), TypeError),
        (lambda c: c.bindings.update("did1", remark=3), TypeError),
        (lambda c: c.bindings.remove_guest("did1", ""), ValueError),
        (lambda c: c.bindings.bind_qrcode(""), ValueError),
        (lambda c: c.bindings.bind_mac("", MAC), ValueError),
        (lambda c: c.bindings.bind_mac(PRODUCT_KEY, MAC, dev_alias=1), TypeError),
    ],
)
async def test_bad_arguments_are_refused_before_sending(
    sim: GizwitsSimulator,
    signer: GizwitsClient,
    call: Callable[[GizwitsClient], Awaitable[Any]],
    error: type[Exception],
) -> None:
    with pytest.raises(error):
        await call(signer)
    assert sim.requests == []
