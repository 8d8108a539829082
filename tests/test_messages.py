"""client.messages: the meta/objects paginator on the wire, read and delete marks."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from gizwits_async import (
    ErrorCode,
    GizwitsAPIError,
    GizwitsClient,
    GizwitsNotFoundError,
    GizwitsResponseError,
    Message,
    MessageStatus,
)
from gizwits_async.models import decode
from gizwits_async.pagination import PageRequest, page_from_meta
from gizwits_async.simulator import GizwitsSimulator

USER_TOKEN_HEADER = "X-Gizwits-User-token"


def add_messages(sim: GizwitsSimulator, uid: str, count: int, *, type: int = 1) -> list[str]:
    return [sim.state.add_message(uid, f"message {i}", type=type).id for i in range(count)]


async def raw_list(sim: GizwitsSimulator, client: GizwitsClient, query: str) -> Any:
    token = client.token or await client.login("alice", "Al1ce-secret-pw")
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"{sim.base_url}/app/messages?{query}",
            headers={"X-Gizwits-Application-Id": sim.app_id, USER_TOKEN_HEADER: token.token},
        ) as response,
    ):
        return json.loads(await response.read())


async def test_95_messages_in_pages_of_20_take_5_requests(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    ids = add_messages(sim, alice_uid, 95)
    seen = [message.id async for message in client.messages.list()]
    assert sorted(seen) == sorted(ids)
    assert len(seen) == len(set(seen)) == 95
    requests = sim.requests_to("GET", "/app/messages")
    assert len(requests) == 5
    assert requests[0].query == {"type": "1", "limit": "20", "skip": "0"}
    # Later pages are the server's own next links, followed as given.
    assert [list(r.query.items()) for r in requests[1:]] == [
        [("skip", str(skip)), ("type", "1"), ("limit", "20")] for skip in (20, 40, 60, 80)
    ]
    for request in requests:
        assert request.headers[USER_TOKEN_HEADER] == client.token.token  # type: ignore[union-attr]


async def test_limit_30_stops_after_2_requests(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    add_messages(sim, alice_uid, 95)
    items = [message async for message in client.messages.list(limit=30)]
    assert len(items) == 30
    assert sim.count("GET", "/app/messages") == 2


async def test_collect_equals_iteration(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    add_messages(sim, alice_uid, 95)
    iterated = [message async for message in client.messages.list(page_size=7)]
    collected = await client.messages.list(page_size=7).collect()
    assert collected == iterated
    assert len(collected) == 95


async def test_messages_decode_with_status_type_and_utc_times(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    [message_id] = add_messages(sim, alice_uid, 1)
    page = await client.messages.list().first_page()
    assert page.total == 1
    [message] = page.items
    assert message.id == message_id
    assert (message.type, message.status, message.content) == (1, MessageStatus.UNREAD, "message 0")
    assert not message.is_read
    assert message.created_at is not None
    assert message.created_at.utcoffset() is not None
    assert message.created_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


async def test_mark_read_then_list_shows_status_1(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    first, second = add_messages(sim, alice_uid, 2)
    await client.messages.mark_read(first)
    request = sim.requests_to("PUT", f"/app/messages/{first}")[-1]
    assert (request.query, request.body) == ({"status": "1"}, None)
    assert USER_TOKEN_HEADER in request.headers
    by_id = {m.id: m for m in await client.messages.list().collect()}
    assert by_id[first].status == 1
    assert by_id[first].status is MessageStatus.READ
    assert by_id[first].is_read
    assert by_id[second].status is MessageStatus.UNREAD


async def test_delete_hides_the_message(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    ids = add_messages(sim, alice_uid, 3)
    await client.messages.delete(ids[1])
    request = sim.requests_to("PUT", f"/app/messages/{ids[1]}")[-1]
    assert (request.query, request.body) == ({"status": "2"}, None)
    page = await client.messages.list().first_page()
    assert sorted(m.id for m in page.items) == sorted([ids[0], ids[2]])
    assert page.total == 2
    assert sim.state.messages[ids[1]].status == 2


async def test_deleting_twice_is_not_an_error_but_marking_a_deleted_one_is(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    [message_id] = add_messages(sim, alice_uid, 1)
    await client.messages.delete(message_id)
    await client.messages.delete(message_id)
    with pytest.raises(GizwitsAPIError) as caught:
        await client.messages.mark_read(message_id)
    assert caught.value.error_code == ErrorCode.MESSAGE_ALREADY_DELETED


@pytest.mark.parametrize("status", ["0", "3", "read", ""])
async def test_simulator_only_takes_status_1_or_2(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str, status: str
) -> None:
    [message_id] = add_messages(sim, alice_uid, 1)
    with pytest.raises(GizwitsAPIError) as caught:
        await client._transport.request(
            "PUT", f"/app/messages/{message_id}", params={"status": status}
        )
    assert caught.value.error_code == ErrorCode.FORM_INVALID
    assert sim.state.messages[message_id].status == 0


async def test_an_unknown_message_is_not_found(client: GizwitsClient) -> None:
    with pytest.raises(GizwitsNotFoundError) as caught:
        await client.messages.mark_read("59b676638c7d500018a9ed98")
    assert caught.value.error_code == ErrorCode.NOT_FOUND_THE_MESSAGE


async def test_other_users_messages_are_neither_listed_nor_markable(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    bob = sim.add_user("bob", "B0b-secret-pw")
    [bobs] = add_messages(sim, bob.uid, 1)
    assert await client.messages.list().collect() == []
    with pytest.raises(GizwitsAPIError) as caught:
        await client.messages.mark_read(bobs)
    assert caught.value.error_code == ErrorCode.ONLY_RECEIVER_CAN_MARK_MESSAGE


async def test_list_filters_by_type(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    sharing = add_messages(sim, alice_uid, 2, type=1)
    pushes = add_messages(sim, alice_uid, 3, type=2)
    assert sorted(m.id for m in await client.messages.list().collect()) == sorted(sharing)
    assert sorted(m.id for m in await client.messages.list(2).collect()) == sorted(pushes)
    assert sim.requests_to("GET", "/app/messages")[-1].query["type"] == "2"


async def test_meta_has_exactly_the_docs_shape(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    add_messages(sim, alice_uid, 45)
    first = await raw_list(sim, client, "type=1&limit=20&skip=0")
    assert first["meta"] == {
        "total": 45,
        "limit": 20,
        "skip": 0,
        "previous": None,
        "next": "/app/messages?skip=20&type=1&limit=20",
    }
    assert set(first["objects"][0]) == {
        "id",
        "type",
        "status",
        "content",
        "created_at",
        "updated_at",
    }
    middle = await raw_list(sim, client, "type=1&limit=20&skip=20")
    assert middle["meta"]["previous"] == "/app/messages?skip=0&type=1&limit=20"
    assert middle["meta"]["next"] == "/app/messages?skip=40&type=1&limit=20"
    last = await raw_list(sim, client, "type=1&limit=20&skip=40")
    assert last["meta"]["next"] is None
    assert len(last["objects"]) == 5


async def test_list_without_type_is_refused_by_the_simulator(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    body = await raw_list(sim, client, "limit=20")
    assert body["error_code"] == ErrorCode.FORM_INVALID


async def test_an_absolute_next_link_is_followed_on_the_configured_host(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    add_messages(sim, alice_uid, 3)
    first_page = {
        "meta": {
            "total": 3,
            "limit": 1,
            "skip": 0,
            "previous": None,
            # Skips one message: proof that the link, not skip arithmetic, is followed.
            "next": "https://elsewhere.invalid/app/messages?skip=2&type=1&limit=1",
        },
        "objects": [{"id": "fake-first", "type": 1, "status": 0, "content": "x"}],
    }
    sim.faults.add(method="GET", path="/app/messages", body=json.dumps(first_page))
    seen = [m.id async for m in client.messages.list(page_size=1)]
    listed = sorted(sim.state.messages.values(), key=lambda m: m.created_at, reverse=True)
    assert seen == ["fake-first", listed[2].id]
    second = sim.requests_to("GET", "/app/messages")[1]
    assert list(second.query.items()) == [("skip", "2"), ("type", "1"), ("limit", "1")]


async def test_an_empty_message_centre_costs_one_request(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    assert await client.messages.list().collect() == []
    assert sim.count("GET", "/app/messages") == 1


async def test_a_reply_without_objects_is_a_response_error(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    sim.faults.add(method="GET", path="/app/messages", body='{"meta": {}}')
    with pytest.raises(GizwitsResponseError):
        await client.messages.list().collect()


@pytest.mark.parametrize(
    ("message_id", "error"), [("", ValueError), ("../x", ValueError), (None, TypeError)]
)
async def test_a_bad_message_id_is_refused_before_sending(
    sim: GizwitsSimulator, client: GizwitsClient, message_id: Any, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await client.messages.mark_read(message_id)
    with pytest.raises(error):
        await client.messages.delete(message_id)
    assert sim.requests == []


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [({"type": "1"}, TypeError), ({"type": True}, TypeError), ({"type": -1}, ValueError)],
)
def test_a_bad_type_is_refused_before_sending(
    client: GizwitsClient, kwargs: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        client.messages.list(**kwargs)


@pytest.mark.parametrize(
    ("status", "expected"),
    [(0, MessageStatus.UNREAD), ("1", MessageStatus.READ), (7, MessageStatus.UNKNOWN)],
)
def test_message_status_decodes_leniently(status: Any, expected: MessageStatus) -> None:
    message = decode({"id": "m", "status": status, "created_at": "2017-09-26T06:36:47"}, Message)
    assert message.status is expected
    assert message.created_at is not None
    assert message.created_at.tzinfo is not None


def test_a_null_next_link_ends_the_walk_whatever_total_says() -> None:
    request = PageRequest(skip=1, limit=1, next_path="/app/messages?skip=2&type=1&limit=1")
    page = page_from_meta([1], {"total": 3, "next": None}, request)
    assert not page.has_next
    # Without a next key at all (raw_data-style meta) a full page still means "ask for more".
    assert page_from_meta([1], {"total": 3}, request).next_skip == 2


async def test_a_meta_page_says_the_next_offset_while_more_pages_exist(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    add_messages(sim, alice_uid, 25)
    pages = [page async for page in client.messages.list(page_size=10).pages()]
    assert [page.next_skip for page in pages] == [10, 20, None]
    assert [len(page.items) for page in pages] == [10, 10, 5]
    first = await client.messages.list(page_size=10).first_page()
    assert first.next_skip == 10
    assert first.has_next


async def test_a_message_of_the_wrong_shape_names_method_path_status_and_field(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    body = {"meta": {"total": 1}, "objects": [{"id": "m1", "type": "share"}]}
    sim.faults.add(method="GET", path="/app/messages", body=json.dumps(body))
    with pytest.raises(GizwitsResponseError) as caught:
        await client.messages.list().collect()
    text = str(caught.value)
    assert "GET /app/messages" in text
    assert "'objects.[0].type'" in text
    assert caught.value.status == 200
