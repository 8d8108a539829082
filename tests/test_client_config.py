"""Configuration is checked at construction, request bodies before sending, and answers
strictly: only a ``GizwitsError`` (or a ``ValueError``/``TypeError`` for bad arguments) leaves
a public call."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from aiohttp import web

from gizwits_async import (
    GizwitsAPIError,
    GizwitsClient,
    GizwitsDeviceOfflineError,
    GizwitsError,
    GizwitsResponseError,
)
from gizwits_async import _json as json_module
from gizwits_async.simulator import GizwitsSimulator
from tests.conftest import PRODUCT_KEY
from tests.hostile import (
    DID,
    PASSWORD,
    USERNAME,
    MakeHostile,
    hostile,
    hostile_client,
    user_token,
)

__all__ = ["hostile"]  # the fixture, imported for pytest

NOT_FINITE = [math.nan, math.inf, -math.inf]


@pytest.mark.parametrize(
    "option",
    ["request_timeout", "total_timeout", "connect_timeout", "read_timeout", "max_retry_after"],
)
@pytest.mark.parametrize("value", [*NOT_FINITE, 0, -1.0])
def test_timeouts_must_be_finite_and_positive(option: str, value: float) -> None:
    with pytest.raises(ValueError, match=option):
        GizwitsClient("app", **{option: value})  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [*NOT_FINITE, -1, 1e12])
def test_refresh_margin_must_be_finite_non_negative_and_sane(value: float) -> None:
    with pytest.raises(ValueError, match="refresh_margin"):
        GizwitsClient("app", refresh_margin=value)


def test_a_sane_refresh_margin_and_timeouts_are_kept() -> None:
    client = GizwitsClient("app", refresh_margin=0, connect_timeout=2, read_timeout=3)
    assert (client._transport.connect_timeout, client._transport.read_timeout) == (2.0, 3.0)


@pytest.mark.parametrize("option", ["max_concurrency", "max_response_bytes"])
@pytest.mark.parametrize("value", [0, -1, 1.5, True])
def test_counts_must_be_ints_of_at_least_one(option: str, value: Any) -> None:
    with pytest.raises(ValueError, match=option):
        GizwitsClient("app", **{option: value})


@pytest.mark.parametrize(
    "url",
    [
        "https://api.example/v1",
        "https://api.example/?a=1",
        "https://api.example?",
        "https://api.example/#top",
        "https://user:pw@api.example",
        "https://",
        "https://api.example/\r\nX-Evil: 1",
    ],
)
def test_base_url_is_scheme_host_and_port_only(url: str) -> None:
    with pytest.raises(ValueError, match="base_url"):
        GizwitsClient("app", base_url=url)


def test_base_url_with_a_port_and_a_trailing_slash_is_fine() -> None:
    assert GizwitsClient("app", base_url="http://127.0.0.1:8080/").base_url == (
        "http://127.0.0.1:8080"
    )


@pytest.mark.parametrize("bad", ["app\r\nX-Evil: 1", "app\n", "app\x00"])
def test_line_breaks_in_app_id_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="app_id"):
        GizwitsClient(bad)


def test_line_breaks_in_lang_are_refused() -> None:
    with pytest.raises(ValueError, match="lang"):
        GizwitsClient("app", lang="en\r\nX-Evil: 1")


@pytest.mark.parametrize("value", [0.5, 1.0, 2.5, 10.0, 30.0])
def test_the_connect_budget_ends_before_the_attempt(value: float) -> None:
    transport = GizwitsClient("app", connect_timeout=60)._transport
    budget = transport._client_timeout(value)
    assert budget.total == value
    assert budget.connect is not None
    assert budget.connect < value
    # aiohttp rounds budgets above 5 s up to a second: a second apart they cannot meet.
    assert value < 2 or budget.connect <= value - 1


# -- bulk concurrency -------------------------------------------------------------------------


@pytest.mark.parametrize("concurrency", [0, -3])
async def test_concurrency_zero_is_refused_not_the_default(
    sim: GizwitsSimulator, client: GizwitsClient, concurrency: int
) -> None:
    with pytest.raises(ValueError, match="concurrency"):
        await client.devices.control_many([DID], attrs={"switch": True}, concurrency=concurrency)
    with pytest.raises(ValueError, match="concurrency"):
        await client.devices.latest_many([DID], concurrency=concurrency)
    assert sim.requests == []


# -- request bodies ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", NOT_FINITE)
async def test_nan_or_infinity_in_control_attrs_is_refused_before_sending(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str, value: float
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    await client.devices.latest(did)  # logged in: only the control would be sent
    before = len(sim.requests)
    with pytest.raises(ValueError, match="NaN or infinity"):
        await client.devices.control(did, attrs={"brightness": value})
    assert len(sim.requests) == before


@pytest.mark.parametrize("value", NOT_FINITE)
async def test_nan_in_a_fan_out_command_is_refused_before_any_device_is_sent_it(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str, value: float
) -> None:
    dids = [sim.add_device(PRODUCT_KEY, owner=alice_uid) for _ in range(3)]
    group = await client.groups.create("g", product_key=PRODUCT_KEY)
    before = len(sim.requests)
    with pytest.raises(ValueError, match=r"POST /app/control/\{did\}: .*NaN or infinity"):
        await client.devices.control_many(dids, attrs={"brightness": value})
    with pytest.raises(ValueError, match="NaN or infinity"):
        await client.groups.control_many([group], attrs={"brightness": value})
    assert len(sim.requests) == before


async def test_a_fan_out_sends_every_device_the_same_command_bytes(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    dids = [sim.add_device(PRODUCT_KEY, owner=alice_uid) for _ in range(5)]
    result = await client.devices.control_many(dids, attrs={"switch": True, "note": "é"})
    assert result.ok
    sent = sim.requests_to("POST", "/app/control/.*")
    assert sorted(request.path.rsplit("/", 1)[1] for request in sent) == sorted(dids)
    assert {request.raw_body for request in sent} == {
        json.dumps({"attrs": {"switch": True, "note": "é"}}).encode()
    }
    assert {request.headers["Content-Type"] for request in sent} == {"application/json"}


async def test_an_encoded_body_keeps_its_secrets_out_of_errors(hostile: MakeHostile) -> None:
    secret = "p4ss-w0rd-in-a-body"

    async def echo(request: web.Request) -> web.Response:
        # The value alone, as a server quoting what it refused would: only the request's own
        # secrets, worked out from the body it sent, can hide it.
        return web.Response(text=f"refused {(await request.json())['password']}", status=400)

    server = await hostile(echo)
    async with hostile_client(server.url) as client:
        transport = client._transport
        body = transport.encoded("POST", "/app/x", {"password": secret})
        with pytest.raises(GizwitsAPIError) as caught:
            await transport.request("POST", "/app/x", json_body=body)
    assert secret not in str(caught.value)
    assert secret not in repr(caught.value)


# -- answers read strictly ------------------------------------------------------------------


def _answer(body: bytes, status: int = 200) -> Any:
    async def answer(request: web.Request) -> web.Response:
        return web.Response(body=body, status=status, content_type="application/json")

    return answer


@pytest.mark.parametrize("code", ["9042.0", "true", '"E42"', "[9042]", "1.5", '"-9042"'])
async def test_an_odd_error_code_in_a_200_answer_is_an_error_not_success(
    hostile: MakeHostile, code: str
) -> None:
    server = await hostile(_answer(f'{{"error_code": {code}, "error_message": "x"}}'.encode()))
    async with hostile_client(server.url) as client:
        with pytest.raises(GizwitsResponseError, match="unreadable error_code") as caught:
            await client.devices.control(DID, attrs={"switch": True})
    assert (caught.value.method, caught.value.path) == ("POST", f"/app/control/{DID}")


@pytest.mark.parametrize("code", ["0", '"0"', "null", '""'])
async def test_a_zero_or_empty_error_code_in_a_200_answer_is_success(
    hostile: MakeHostile, code: str
) -> None:
    server = await hostile(_answer(f'{{"error_code": {code}}}'.encode()))
    async with hostile_client(server.url) as client:
        await client.devices.control(DID, attrs={"switch": True})


async def test_a_string_error_code_keeps_its_text(hostile: MakeHostile) -> None:
    server = await hostile(_answer(b'{"error_code": "010201", "error_message": "m"}', 400))
    async with hostile_client(server.url) as client:
        with pytest.raises(GizwitsAPIError) as caught:
            await client.devices.control(DID, attrs={"switch": True})
    assert caught.value.error_code == 10201
    assert caught.value.error_code_text == "010201"


async def test_a_digit_string_code_in_a_200_answer_is_its_error(hostile: MakeHostile) -> None:
    server = await hostile(_answer(b'{"error_code": "9042"}'))
    async with hostile_client(server.url) as client:
        with pytest.raises(GizwitsDeviceOfflineError) as caught:
            await client.devices.control(DID, attrs={"switch": True})
    assert caught.value.path == f"/app/control/{DID}"
    assert str(caught.value).startswith(f"POST /app/control/{DID}: HTTP 200 error_code=9042")


@pytest.mark.parametrize("code", ['"\u0662\u0663"', '"' + "9" * 5000 + '"'])
async def test_unicode_digits_or_a_huge_code_are_not_a_crash(
    hostile: MakeHostile, code: str
) -> None:
    server = await hostile(_answer(f'{{"error_code": {code}}}'.encode(), 400))
    async with hostile_client(server.url) as client:
        with pytest.raises(GizwitsAPIError) as caught:
            await client.devices.latest(DID)
    assert caught.value.error_code is None


DEEP = b"[" * 200_000 + b"]" * 200_000


@pytest.mark.parametrize("status", [200, 500])
@pytest.mark.parametrize("stdlib", [True, False])
async def test_deeply_nested_json_is_a_response_error(
    hostile: MakeHostile, monkeypatch: pytest.MonkeyPatch, status: int, stdlib: bool
) -> None:
    if stdlib:  # without orjson the standard library recurses
        monkeypatch.setattr(json_module, "loads", json.loads)
    server = await hostile(_answer(DEEP, status))
    async with hostile_client(server.url) as client:
        with pytest.raises(GizwitsError) as caught:
            await client.devices.latest(DID)
    if status == 200:
        assert isinstance(caught.value, GizwitsResponseError)
        assert "not JSON" in str(caught.value)


@pytest.mark.parametrize("stdlib", [True, False])
async def test_bad_utf8_is_a_response_error(
    hostile: MakeHostile, monkeypatch: pytest.MonkeyPatch, stdlib: bool
) -> None:
    if stdlib:
        monkeypatch.setattr(json_module, "loads", json.loads)
    server = await hostile(_answer(b'{"did": "\xff\xfe"}'))
    async with hostile_client(server.url) as client:
        with pytest.raises(GizwitsResponseError, match="not JSON"):
            await client.devices.latest(DID)


async def test_a_login_answer_with_a_line_break_in_its_token_is_refused(
    hostile: MakeHostile,
) -> None:
    body = {"uid": "u", "token": "abc\r\nX-Evil: 1", "expire_at": 4102444800}
    server = await hostile(_answer(json.dumps(body).encode()))
    async with hostile_client(server.url, token=None) as client:
        with pytest.raises(GizwitsResponseError, match="line break") as caught:
            await client.login(USERNAME, PASSWORD)
        assert caught.value.path == "/app/login"
        with pytest.raises(GizwitsError):
            await client.devices.latest(DID)
    assert "X-Evil" not in str(caught.value)
    assert [seen.path for seen in server.seen] == ["/app/login", "/app/login"]


async def test_a_stored_token_with_a_line_break_is_not_sent(hostile: MakeHostile) -> None:
    server = await hostile(_answer(b"{}"))
    async with hostile_client(server.url, token=user_token("abc\nX-Evil: 1")) as client:
        with pytest.raises(GizwitsResponseError, match="line break"):
            await client.devices.latest(DID)
    assert server.seen == []


async def test_a_non_finite_query_value_is_refused_before_sending(hostile: MakeHostile) -> None:
    server = await hostile(_answer(b"{}"))
    async with hostile_client(server.url) as client:
        with pytest.raises(ValueError, match="start must be a finite number"):
            await client._transport.request("GET", "/app/x", params={"start": math.inf})
    assert server.seen == []
