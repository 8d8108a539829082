"""Device sharing against the simulator: wire format, the owner/guest life cycle, QR codes,
expiry on the simulator clock, masking, and bad input refused before sending."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import cattrs
import pytest

from gizwits_async import (
    DeviceRole,
    ErrorCode,
    GizwitsAPIError,
    GizwitsClient,
    GizwitsNotFoundError,
    GizwitsResponseError,
    Sharing,
    SharingDirection,
    SharingInvitation,
    SharingQRInfo,
    SharingStatus,
    SharingType,
)
from gizwits_async.models import decode
from gizwits_async.simulator import GizwitsSimulator
from gizwits_async.simulator.sharing import mask_email, mask_name, mask_phone
from tests.conftest import PRODUCT_KEY, ClientFactory, SleepRecorder

BOB = "bobby"
BOB_PASSWORD = "B0bby-secret-pw"
BOB_EMAIL = "bobby@example.com"
BOB_PHONE = "13812345678"


@pytest.fixture
def bob_uid(sim: GizwitsSimulator) -> str:
    return sim.add_user(BOB, BOB_PASSWORD, email=BOB_EMAIL, phone=BOB_PHONE).uid


@pytest.fixture
def bob(make_client: ClientFactory, bob_uid: str) -> GizwitsClient:
    return make_client(username=BOB, password=BOB_PASSWORD, app_secret=None)


@pytest.fixture
def did(sim: GizwitsSimulator, alice_uid: str) -> str:
    return sim.add_device(PRODUCT_KEY, owner=alice_uid)


def uid_of(sim: GizwitsSimulator, username: str) -> str:
    user = sim.state.find_user(username)
    assert user is not None
    return user.uid


def sid(invitation: SharingInvitation) -> int | str:
    assert invitation.id is not None
    return invitation.id


def code_of(invitation: SharingInvitation) -> str:
    assert invitation.code is not None
    return invitation.code


def messages_of(sim: GizwitsSimulator, uid: str) -> list[str]:
    return [m.content for m in sim.state.messages.values() if m.uid == uid]


async def bound_dids(client: GizwitsClient) -> dict[str, DeviceRole | None]:
    return {device.did: device.role async for device in client.bindings.list()}


# -- the two-user life cycle -------------------------------------------------------------


async def test_share_by_username_accept_and_revoke_end_to_end(
    sim: GizwitsSimulator, client: GizwitsClient, bob: GizwitsClient, did: str
) -> None:
    alice_uid, bob_uid = uid_of(sim, "alice"), uid_of(sim, BOB)
    invitation = await client.sharing.create(did=did, username=BOB)
    assert isinstance(invitation.id, int)
    assert invitation.qr_content is None

    pending = await bob.sharing.list(SharingDirection.RECEIVED, status=SharingStatus.PENDING)
    assert [s.id for s in pending.items] == [invitation.id]
    assert pending.items[0].status is SharingStatus.PENDING
    assert pending.items[0].uid == alice_uid  # a receiver sees the owner
    assert did not in await bound_dids(bob)

    await bob.sharing.accept(pending.items[0].id)
    assert (await bound_dids(bob))[did] is DeviceRole.GUEST
    assert (await bound_dids(client))[did] is DeviceRole.OWNER
    assert len(messages_of(sim, alice_uid)) == 2  # invitation, acceptance
    assert len(messages_of(sim, bob_uid)) == 2
    assert all(did in text for text in messages_of(sim, bob_uid))

    await client.sharing.cancel(sid(invitation))
    assert did not in await bound_dids(bob)
    assert did in await bound_dids(client)
    assert "sharing cancelled" in messages_of(sim, bob_uid)[-1]
    assert "sharing cancelled" in messages_of(sim, alice_uid)[-1]
    [record] = await client.sharing.list(0).collect()
    assert record.status is SharingStatus.CANCELLED


async def test_accept_and_reject_send_put_with_status(
    sim: GizwitsSimulator, client: GizwitsClient, bob: GizwitsClient, did: str
) -> None:
    first = await client.sharing.create(did=did, username=BOB)
    await bob.sharing.reject(sid(first))
    second = await client.sharing.create(did=did, username=BOB)
    await bob.sharing.accept(sid(second))
    puts = sim.requests_to("PUT", r"/app/sharing/\d+")
    assert [(r.path, r.query, r.body) for r in puts] == [
        (f"/app/sharing/{first.id}", {"status": "2"}, None),
        (f"/app/sharing/{second.id}", {"status": "1"}, None),
    ]
    records = {s.id: s.status for s in await client.sharing.list(0).collect()}
    assert records == {first.id: SharingStatus.REJECTED, second.id: SharingStatus.ACCEPTED}


ANSWER = r"/app/sharing/\d+"


async def test_an_accept_resent_after_a_lost_answer_reads_the_record_and_succeeds(
    sim: GizwitsSimulator,
    client: GizwitsClient,
    bob: GizwitsClient,
    did: str,
    sleeps: SleepRecorder,
) -> None:
    invitation = await client.sharing.create(did=did, username=BOB)
    # Accepted, then the answer lost: the resend hears "already answered" (9089).
    sim.faults.add(method="PUT", path=ANSWER, status=502, after_handler=True)
    await bob.sharing.accept(sid(invitation))
    assert sim.count("PUT", ANSWER) == 2
    [read_back] = sim.requests_to("GET", "/app/sharing")
    assert read_back.query == {"sharing_type": "1", "status": "1", "skip": "0", "limit": "20"}
    assert did in await bound_dids(bob)


async def test_an_answer_resent_after_a_lost_answer_raises_when_the_record_disagrees(
    sim: GizwitsSimulator,
    client: GizwitsClient,
    bob: GizwitsClient,
    did: str,
    sleeps: SleepRecorder,
) -> None:
    invitation = await client.sharing.create(did=did, username=BOB)
    await bob.sharing.reject(sid(invitation))
    # Reset before the handler: nothing applied, but the client cannot know; the record
    # says rejected, so the accept's 9089 stands.
    sim.faults.add(method="PUT", path=ANSWER, reset=True)
    with pytest.raises(GizwitsAPIError) as caught:
        await bob.sharing.accept(sid(invitation))
    assert caught.value.error_code == ErrorCode.SHARING_IS_COMPLETED
    assert caught.value.resent_after_lost_answer is True
    assert len(sim.requests_to("GET", "/app/sharing")) == 1
    assert did not in await bound_dids(bob)


async def test_an_answer_to_an_answered_share_is_an_error_without_reading_back(
    sim: GizwitsSimulator, client: GizwitsClient, bob: GizwitsClient, did: str
) -> None:
    invitation = await client.sharing.create(did=did, username=BOB)
    await bob.sharing.accept(sid(invitation))
    with pytest.raises(GizwitsAPIError) as caught:
        await bob.sharing.reject(sid(invitation))
    assert caught.value.error_code == ErrorCode.SHARING_IS_COMPLETED
    assert caught.value.resent_after_lost_answer is False
    assert sim.requests_to("GET", "/app/sharing") == []


async def test_cancelling_a_pending_share_tells_the_owner_only(
    sim: GizwitsSimulator, client: GizwitsClient, bob: GizwitsClient, did: str
) -> None:
    alice_uid, bob_uid = uid_of(sim, "alice"), uid_of(sim, BOB)
    invitation = await client.sharing.create(did=did, uid=bob_uid)
    await client.sharing.cancel(sid(invitation))
    request = sim.requests_to("DELETE", r"/app/sharing/\d+")[0]
    assert (request.path, request.query, request.body) == (
        f"/app/sharing/{invitation.id}",
        {},
        None,
    )
    assert len(messages_of(sim, alice_uid)) == 2
    assert len(messages_of(sim, bob_uid)) == 1  # only the invitation
    with pytest.raises(GizwitsAPIError) as caught:
        await bob.sharing.accept(sid(invitation))
    assert caught.value.error_code == ErrorCode.SHARING_ALREADY_CANCELLED


# -- wire format of create, list, alias, transfer --------------------------------------


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ({"username": BOB}, {"username": BOB}),
        ({"email": BOB_EMAIL}, {"email": BOB_EMAIL}),
        ({"phone": BOB_PHONE}, {"phone": BOB_PHONE}),
    ],
)
async def test_create_normal_share_sends_one_target_and_duration(
    sim: GizwitsSimulator,
    client: GizwitsClient,
    did: str,
    target: dict[str, Any],
    expected: dict[str, str],
) -> None:
    bob_uid = sim.add_user(BOB, BOB_PASSWORD, email=BOB_EMAIL, phone=BOB_PHONE).uid
    await client.sharing.create(did=did, duration=90, **target)
    request = sim.requests_to("POST", "/app/sharing")[0]
    assert request.body == {"type": 0, "did": did, "duration": 90, **expected}
    assert request.query == {}
    assert sim.state.shares[max(sim.state.shares)].guest_uid == bob_uid


async def test_create_qr_share_returns_content_kept_out_of_repr(
    sim: GizwitsSimulator, client: GizwitsClient, did: str
) -> None:
    invitation = await client.sharing.create(did=did, type=SharingType.QR)
    assert sim.requests_to("POST", "/app/sharing")[0].body == {"type": 1, "did": did}
    assert invitation.id is None
    assert invitation.qr_content is not None
    assert invitation.qr_content.startswith("type=share&code=")
    [share] = sim.state.shares.values()
    assert invitation.code == share.code
    assert share.code is not None
    assert share.code not in repr(invitation)


async def test_list_sends_filters_and_shows_the_guest_masked(
    sim: GizwitsSimulator, client: GizwitsClient, bob_uid: str, did: str
) -> None:
    invitation = await client.sharing.create(did=did, uid=bob_uid)
    [record] = await client.sharing.list(0, status=0, did=did).collect()
    request = sim.requests_to("GET", "/app/sharing")[0]
    assert request.query == {
        "sharing_type": "0",
        "status": "0",
        "did": did,
        "limit": "20",
        "skip": "0",
    }
    assert record.id == invitation.id
    assert record.type is SharingType.NORMAL
    assert record.did == did
    assert record.uid == bob_uid
    assert (record.username, record.email, record.phone) == (
        "b****y",
        "b****y@example.com",
        "138****5678",
    )
    assert record.product_name == PRODUCT_KEY[:8]
    assert record.created_at is not None
    assert record.expired_at is not None
    assert (record.expired_at - record.created_at).total_seconds() == 24 * 3600


async def test_list_follows_the_servers_next_links(
    sim: GizwitsSimulator, client: GizwitsClient, did: str
) -> None:
    for n in range(5):
        sim.add_user(f"guest{n}", "Gu3st-secret-pw")
        await client.sharing.create(did=did, username=f"guest{n}")
    records = await client.sharing.list(0, page_size=2).collect()
    assert len(records) == 5
    assert len({r.id for r in records}) == 5
    queries = [r.query for r in sim.requests_to("GET", "/app/sharing")]
    assert queries == [
        {"sharing_type": "0", "limit": "2", "skip": "0"},
        {"sharing_type": "0", "limit": "2", "skip": "2"},
        {"sharing_type": "0", "limit": "2", "skip": "4"},
    ]
    first = await client.sharing.list(0, page_size=2).first_page()
    assert first.total == 5


async def test_set_alias_is_per_share_and_per_side(
    sim: GizwitsSimulator, client: GizwitsClient, bob: GizwitsClient, did: str
) -> None:
    invitation = await client.sharing.create(did=did, username=BOB)
    await client.sharing.set_alias(sid(invitation), "Bob from work")
    request = sim.requests_to("PUT", r"/app/sharing/\d+/alias")[0]
    assert request.path == f"/app/sharing/{invitation.id}/alias"
    assert request.query == {"user_alias": "Bob from work"}
    assert request.body is None
    [mine] = await client.sharing.list(0).collect()
    [theirs] = await bob.sharing.list(1).collect()
    assert mine.user_alias == "Bob from work"
    assert theirs.user_alias == ""


async def test_set_alias_by_a_stranger_is_refused(
    sim: GizwitsSimulator,
    make_client: ClientFactory,
    client: GizwitsClient,
    bob_uid: str,
    did: str,
) -> None:
    invitation = await client.sharing.create(did=did, uid=bob_uid)
    sim.add_user("carol", "C4rol-secret-pw")
    async with make_client(username="carol", password="C4rol-secret-pw", app_secret=None) as carol:
        with pytest.raises(GizwitsAPIError) as caught:
            await carol.sharing.set_alias(sid(invitation), "x")
    assert caught.value.error_code == ErrorCode.ONLY_SELF_CAN_MODIFY_ALIAS


async def test_transfer_makes_the_guest_owner_and_unbinds_the_old_owner(
    sim: GizwitsSimulator,
    client: GizwitsClient,
    bob: GizwitsClient,
    bob_uid: str,
    did: str,
) -> None:
    invitation = await client.sharing.create(did=did, username=BOB)
    await bob.sharing.accept(sid(invitation))
    await client.sharing.transfer_owner(did, bob_uid)
    request = sim.requests_to("POST", r"/app/sharing/.+/transfer")[0]
    assert (request.path, request.query, request.body) == (
        f"/app/sharing/{did}/transfer",
        {"uid": bob_uid},
        None,
    )
    assert (await bound_dids(bob))[did] is DeviceRole.OWNER
    assert did not in await bound_dids(client)
    # The new owner can share; the old one can no longer touch the device.
    await bob.sharing.create(did=did, type=1)
    with pytest.raises(GizwitsAPIError) as caught:
        await client.sharing.transfer_owner(did, bob_uid)
    assert caught.value.error_code == ErrorCode.DEVICE_NOT_BOUND


async def test_transfer_to_a_user_who_is_not_a_guest_is_refused(
    client: GizwitsClient, bob_uid: str, did: str
) -> None:
    await client.sharing.create(did=did, type=1)
    with pytest.raises(GizwitsAPIError) as caught:
        await client.sharing.transfer_owner(did, bob_uid)
    assert caught.value.error_code == ErrorCode.NOT_FOUND_GUEST


# -- QR codes and expiry on the simulator clock --------------------------------------


async def test_qr_flow_info_accept_and_expiry(
    sim: GizwitsSimulator, client: GizwitsClient, bob: GizwitsClient, did: str
) -> None:
    alice_uid, bob_uid = uid_of(sim, "alice"), uid_of(sim, BOB)
    invitation = await client.sharing.create(did=did, type=SharingType.QR)
    assert invitation.code is not None
    info = await bob.sharing.qr_info(code_of(invitation))
    assert isinstance(info, SharingQRInfo)
    assert info.owner == "a****e"
    assert info.product_name == PRODUCT_KEY[:8]
    assert info.expired_at is not None
    assert 14 * 60 < info.expired_at.timestamp() - sim.clock.now() <= 15 * 60
    assert invitation.qr_content is not None
    await bob.sharing.accept_qr(invitation.qr_content)  # the whole content works too
    code_path = f"/app/sharing/code/{invitation.code}"
    assert [(r.method, r.path, r.body) for r in sim.requests if r.path == code_path] == [
        ("GET", code_path, None),
        ("POST", code_path, None),
    ]
    assert (await bound_dids(bob))[did] is DeviceRole.GUEST
    assert len(messages_of(sim, alice_uid)) == 1
    assert len(messages_of(sim, bob_uid)) == 1
    [record] = await bob.sharing.list(1).collect()
    assert record.type is SharingType.QR
    assert record.status is SharingStatus.ACCEPTED

    fresh = await client.sharing.create(did=did, type=SharingType.QR)
    sim.clock.advance(16 * 60)
    for call in (bob.sharing.qr_info, bob.sharing.accept_qr):
        with pytest.raises(GizwitsAPIError) as caught:
            await call(code_of(fresh))
        assert caught.value.error_code == ErrorCode.SHARING_IS_EXPIRED
        assert caught.value.error_code == 9088


async def test_a_used_qr_code_cannot_be_used_again(
    sim: GizwitsSimulator,
    make_client: ClientFactory,
    client: GizwitsClient,
    bob: GizwitsClient,
    did: str,
) -> None:
    invitation = await client.sharing.create(did=did, type=1)
    await bob.sharing.accept_qr(code_of(invitation))
    sim.add_user("carol", "C4rol-secret-pw")
    async with make_client(username="carol", password="C4rol-secret-pw", app_secret=None) as carol:
        with pytest.raises(GizwitsAPIError) as caught:
            await carol.sharing.accept_qr(code_of(invitation))
    assert caught.value.error_code == ErrorCode.SHARING_IS_COMPLETED


async def test_owner_may_not_read_its_own_qr_code(client: GizwitsClient, did: str) -> None:
    invitation = await client.sharing.create(did=did, type=1)
    with pytest.raises(GizwitsAPIError) as caught:
        await client.sharing.qr_info(code_of(invitation))
    assert caught.value.error_code == ErrorCode.ONLY_GUEST_CAN_CHECK_QRCODE


async def test_unknown_qr_code_is_not_found(bob: GizwitsClient) -> None:
    with pytest.raises(GizwitsNotFoundError) as caught:
        await bob.sharing.qr_info("0123456789abcdef")
    assert caught.value.error_code == ErrorCode.NOT_FOUND_SHARING_INFO


async def test_a_normal_share_expires_after_24_hours(
    sim: GizwitsSimulator, client: GizwitsClient, bob: GizwitsClient, did: str
) -> None:
    invitation = await client.sharing.create(did=did, username=BOB)
    sim.clock.advance(24 * 3600 + 1)
    with pytest.raises(GizwitsAPIError) as caught:
        await bob.sharing.accept(sid(invitation))
    assert caught.value.error_code == ErrorCode.SHARING_IS_EXPIRED
    # An expired invitation no longer blocks a new one.
    await client.sharing.create(did=did, username=BOB)


async def test_duration_ends_the_guests_access_on_the_simulator_clock(
    sim: GizwitsSimulator, client: GizwitsClient, bob: GizwitsClient, did: str
) -> None:
    invitation = await client.sharing.create(did=did, username=BOB, duration=5)
    await bob.sharing.accept(sid(invitation))
    sim.clock.advance(4 * 60)
    assert did in await bound_dids(bob)
    sim.clock.advance(2 * 60)
    assert did not in await bound_dids(bob)
    [record] = await client.sharing.list(0).collect()
    assert record.status is SharingStatus.CANCELLED


async def test_the_qr_code_is_kept_out_of_logs_and_errors(
    sim: GizwitsSimulator,
    client: GizwitsClient,
    bob: GizwitsClient,
    did: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    invitation = await client.sharing.create(did=did, type=1)
    code = invitation.code
    assert code is not None
    sim.clock.advance(16 * 60)
    caplog.set_level(logging.DEBUG, logger="gizwits_async")
    with pytest.raises(GizwitsAPIError) as caught:
        await bob.sharing.qr_info(code)
    sim.faults.add(method="POST", path="/app/sharing/code/.*", status=200, body="not json")
    with pytest.raises(GizwitsResponseError) as garbled:
        await bob.sharing.accept_qr(code)
    assert "/app/sharing/code/{code}" in caplog.text
    assert code not in caplog.text
    assert code not in str(caught.value)
    assert code not in str(garbled.value)


# -- the rules of who may share ---------------------------------------------------------


async def test_sharing_turns_special_into_owner_and_normal_into_guest(
    sim: GizwitsSimulator, client: GizwitsClient, bob: GizwitsClient, bob_uid: str, did: str
) -> None:
    sim.bind(bob_uid, did)
    assert (await bound_dids(bob))[did] is DeviceRole.NORMAL
    assert (await bound_dids(client))[did] is DeviceRole.SPECIAL
    await client.sharing.create(did=did, type=1)
    assert (await bound_dids(client))[did] is DeviceRole.OWNER
    assert (await bound_dids(bob))[did] is DeviceRole.GUEST


async def test_only_the_owner_can_share(
    sim: GizwitsSimulator, client: GizwitsClient, bob: GizwitsClient, bob_uid: str, did: str
) -> None:
    sim.bind(bob_uid, did)
    with pytest.raises(GizwitsAPIError) as caught:
        await bob.sharing.create(did=did, type=1)
    assert caught.value.error_code == ErrorCode.ONLY_OWNER_CAN_SHARE
    with pytest.raises(GizwitsAPIError) as caught:
        await client.sharing.create(did=did, uid=bob_uid)
    assert caught.value.error_code == ErrorCode.GUEST_ALREADY_BOUND


@pytest.mark.parametrize(
    ("target", "code"),
    [
        ({"username": "alice"}, ErrorCode.CANNOT_SHARE_TO_SELF),
        ({"username": "nobody"}, ErrorCode.NOT_FOUND_GUEST),
        ({"uid": "0" * 32}, ErrorCode.NOT_FOUND_GUEST),
    ],
)
async def test_share_targets_the_server_refuses(
    client: GizwitsClient, did: str, target: dict[str, Any], code: ErrorCode
) -> None:
    with pytest.raises(GizwitsAPIError) as caught:
        await client.sharing.create(did=did, **target)
    assert caught.value.error_code == code


async def test_a_second_pending_invitation_is_refused(
    client: GizwitsClient, bob_uid: str, did: str
) -> None:
    await client.sharing.create(did=did, uid=bob_uid)
    with pytest.raises(GizwitsAPIError) as caught:
        await client.sharing.create(did=did, uid=bob_uid)
    assert caught.value.error_code == ErrorCode.SHARING_IS_WAITING_FOR_ACCEPT


async def test_only_the_owner_cancels_and_only_the_receiver_answers(
    client: GizwitsClient, bob: GizwitsClient, bob_uid: str, did: str
) -> None:
    invitation = await client.sharing.create(did=did, uid=bob_uid)
    with pytest.raises(GizwitsAPIError) as caught:
        await bob.sharing.cancel(sid(invitation))
    assert caught.value.error_code == ErrorCode.ONLY_OWNER_CAN_OPERATE
    with pytest.raises(GizwitsNotFoundError):
        await client.sharing.accept(sid(invitation))


async def test_a_qr_guest_cannot_be_taken_back_by_cancel(
    client: GizwitsClient, bob: GizwitsClient, did: str
) -> None:
    invitation = await client.sharing.create(did=did, type=1)
    await bob.sharing.accept_qr(code_of(invitation))
    [record] = await client.sharing.list(0).collect()
    with pytest.raises(GizwitsAPIError) as caught:
        await client.sharing.cancel(record.id)
    assert caught.value.error_code == ErrorCode.FORM_INVALID
    assert did in await bound_dids(bob)


async def test_listing_by_did_is_for_the_owner_only(
    client: GizwitsClient, bob: GizwitsClient, did: str
) -> None:
    await client.sharing.create(did=did, type=1)
    with pytest.raises(GizwitsAPIError) as caught:
        await bob.sharing.list(1, did=did).collect()
    assert caught.value.error_code == ErrorCode.ONLY_OWNER_CAN_OPERATE


# -- bad input never reaches the wire --------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({}, ValueError),  # a normal share with no target
        ({"username": BOB, "email": BOB_EMAIL}, ValueError),
        ({"type": 1, "username": BOB}, ValueError),
        ({"username": BOB, "duration": 0}, ValueError),
        ({"username": BOB, "duration": 1441}, ValueError),
        ({"type": 1, "duration": -5}, ValueError),
        ({"username": BOB, "duration": 1.5}, TypeError),
        ({"username": BOB, "duration": True}, TypeError),
        ({"type": 2}, ValueError),
        ({"type": "0", "username": BOB}, TypeError),
        ({"username": ""}, ValueError),
        ({"username": 42}, TypeError),
    ],
)
async def test_bad_share_requests_are_refused_before_sending(
    sim: GizwitsSimulator, client: GizwitsClient, kwargs: dict[str, Any], error: type
) -> None:
    with pytest.raises(error):
        await client.sharing.create(did="d1", **kwargs)
    assert sim.requests == []


@pytest.mark.parametrize("duration", [1, 1440])
async def test_duration_bounds_are_accepted(
    sim: GizwitsSimulator, client: GizwitsClient, did: str, duration: int
) -> None:
    await client.sharing.create(did=did, type=1, duration=duration)
    assert sim.requests_to("POST", "/app/sharing")[0].body["duration"] == duration


async def test_bad_arguments_of_the_other_calls_are_refused_before_sending(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    with pytest.raises(ValueError, match="sharing_type"):
        client.sharing.list(2)
    with pytest.raises(ValueError, match="status"):
        client.sharing.list(0, status=4)
    with pytest.raises(ValueError, match="did"):
        client.sharing.list(0, did="a/b")
    with pytest.raises(ValueError, match="sharing_id"):
        await client.sharing.cancel("")
    with pytest.raises(ValueError, match="sharing_id"):
        await client.sharing.accept("1/2")
    with pytest.raises(TypeError, match="sharing_id"):
        await client.sharing.reject(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="code"):
        await client.sharing.qr_info("")
    with pytest.raises(ValueError, match="code"):
        await client.sharing.accept_qr("a/b")
    with pytest.raises(ValueError, match="share code"):
        await client.sharing.qr_info("type=share")
    with pytest.raises(ValueError, match="user_alias"):
        await client.sharing.set_alias(1, " ")
    with pytest.raises(ValueError, match="uid"):
        await client.sharing.transfer_owner("d1", "")
    with pytest.raises(ValueError, match="did"):
        await client.sharing.transfer_owner("..", "u1")
    assert sim.requests == []


# -- models and masking ---------------------------------------------------------------

DOC_SHARING = {
    "status": 0,
    "username": "G****s",
    "uid": "f082f4e235974cfeb6a1b2346024f47e",
    "did": "gKufzxZwYeyd3Skbsb6mza",
    "created_at": "2017-07-21T09:46:56Z",
    "updated_at": "2017-07-21T09:46:56Z",
    "email": "G****s@gizwits.com",
    "phone": None,
    "dev_alias": "设备别名",
    "id": 10411,
    "user_alias": "gizwits",
    "type": 0,
    "product_name": "微信宠物屋",
    "expired_at": "2017-07-22T09:46:56Z",
}


def test_the_docs_sharing_examples_decode_strictly(strict: cattrs.Converter) -> None:
    record = decode(DOC_SHARING, Sharing, converter=strict)
    assert record.id == 10411
    assert record.status is SharingStatus.PENDING
    assert record.expired_at == datetime(2017, 7, 22, 9, 46, 56, tzinfo=UTC)
    invitation = decode(
        {"qr_content": "type=share&code=60a6cacabe4046f4aa25ac1f79d81a4f", "id": None},
        SharingInvitation,
        converter=strict,
    )
    assert invitation.code == "60a6cacabe4046f4aa25ac1f79d81a4f"
    assert "60a6caca" not in repr(invitation)
    info = decode(
        {
            "owner": "G****s",
            "product_name": "微信宠物屋",
            "dev_alias": "设备别名",
            "expired_at": "2017-08-21T12:22:58Z",
        },
        SharingQRInfo,
        converter=strict,
    )
    assert info.owner == "G****s"


def test_sharing_records_tolerate_drift() -> None:
    record = decode({**DOC_SHARING, "id": "10411", "status": 7, "type": "1", "x": 1}, Sharing)
    assert record.id == 10411
    assert record.status is SharingStatus.UNKNOWN
    assert record.type is SharingType.QR
    assert record.extra == {"x": 1}
    assert decode({"id": "abc"}, Sharing).id == "abc"
    assert decode({}, SharingInvitation).code is None


def test_masking_follows_the_docs_examples() -> None:
    assert mask_name("Gizwits") == "G****s"
    assert mask_email("Gizwits@gizwits.com") == "G****s@gizwits.com"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("ab") == "a****"
    assert mask_phone("123") == "****"


@pytest.mark.parametrize(
    "body",
    [
        '{"meta": {}, "items": []}',
        '[{"id": 1}]',
        '{"meta": {"next": "https://x.example/app/users?skip=1"}, "objects": [{"id": 1}]}',
        '{"meta": {"next": "/app/users?skip=1"}, "objects": [{"id": 1}]}',
    ],
)
async def test_sharing_listings_that_do_not_fit_are_response_errors(
    sim: GizwitsSimulator, client: GizwitsClient, body: str
) -> None:
    sim.faults.add(method="GET", path="/app/sharing", status=200, body=body)
    with pytest.raises(GizwitsResponseError):
        await client.sharing.list(0).collect()
    assert sim.count("GET", "/app/sharing") == 1
