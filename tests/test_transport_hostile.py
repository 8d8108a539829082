"""The request path against hostile servers on 127.0.0.1: no redirect is followed, no body is
read past its cap, and no secret the request carried reaches an error."""

from __future__ import annotations

import asyncio
import hashlib
import json
import tracemalloc
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from gizwits_async import (
    GizwitsAPIError,
    GizwitsClient,
    GizwitsConnectionError,
    GizwitsError,
    GizwitsResponseError,
    GizwitsServerError,
)
from tests.hostile import (
    APP_SECRET,
    DID,
    PASSWORD,
    PRODUCT_KEY,
    TOKEN,
    USERNAME,
    MakeHostile,
    chain,
    error_texts,
    hostile,
    hostile_client,
    user_token,
)

__all__ = ["hostile"]  # the fixture, imported for pytest

MiB = 1024 * 1024
Call = Callable[[GizwitsClient], Awaitable[Any]]

CALLS: dict[str, tuple[str, str, Call]] = {
    "get": ("GET", f"/app/devdata/{DID}/latest", lambda c: c.devices.latest(DID)),
    "login": ("POST", "/app/login", lambda c: c.login(USERNAME, PASSWORD)),
    "control": (
        "POST",
        f"/app/control/{DID}",
        lambda c: c.devices.control(DID, attrs={"switch": True}),
    ),
    "request_token": ("POST", "/app/request_token", lambda c: c.users.request_app_token()),
    "bind_mac": (
        "POST",
        "/app/bind_mac",
        lambda c: c.bindings.bind_mac(PRODUCT_KEY, "aa:bb:cc:dd:ee:ff"),
    ),
}


# -- redirects ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("name", list(CALLS))
async def test_a_redirect_is_refused_and_its_target_receives_nothing(
    hostile: MakeHostile, status: int, name: str
) -> None:
    async def stolen(request: web.Request) -> web.Response:
        return web.json_response({"uid": "x", "token": "t", "expire_at": 4102444800})

    target = await hostile(stolen)

    async def redirect(request: web.Request) -> web.Response:
        return web.Response(status=status, headers={"Location": f"{target.url}/steal"})

    origin = await hostile(redirect)
    method, path, call = CALLS[name]
    async with hostile_client(origin.url, max_retries=3) as client:
        with pytest.raises(GizwitsAPIError) as caught:
            await call(client)
    assert target.seen == []
    assert len(origin.seen) == 1
    error = caught.value
    assert error.status == status
    assert (error.method, error.path) == (method, path)
    assert f"{method} {path}: HTTP {status}" in str(error)
    assert "redirect to 127.0.0.1 refused" in str(error)


# -- bounded bodies -------------------------------------------------------------------------


async def _grown_while(call: Awaitable[Any]) -> tuple[BaseException, int]:
    """The error ``call`` ends in, and the peak memory it allocated meanwhile."""
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        try:
            await call
        except GizwitsError as err:
            error: BaseException = err
        else:
            pytest.fail("the call succeeded")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return error, peak - before


async def _stream(
    request: web.Request, chunks: Any, headers: dict[str, str] | None = None
) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/json", **(headers or {})})
    await response.prepare(request)
    try:
        for chunk in chunks:
            await response.write(chunk)
            await asyncio.sleep(0)
    except (ConnectionError, RuntimeError):
        pass  # the client hung up: what these tests want
    return response


async def test_a_content_length_above_the_cap_is_refused_before_reading(
    hostile: MakeHostile,
) -> None:
    async def huge(request: web.Request) -> web.StreamResponse:
        block = b" " * MiB
        return await _stream(request, (block for _ in range(64)), {"Content-Length": str(64 * MiB)})

    server = await hostile(huge)
    async with hostile_client(server.url) as client:
        error, grown = await _grown_while(client.devices.latest(DID))
    assert isinstance(error, GizwitsResponseError)
    assert "Content-Length 67108864 is above max_response_bytes (33554432)" in str(error)
    assert error.method == "GET"
    assert grown < 8 * MiB


async def test_a_64_mib_body_without_length_is_abandoned_at_the_cap(hostile: MakeHostile) -> None:
    async def huge(request: web.Request) -> web.StreamResponse:
        block = b" " * MiB
        return await _stream(request, (block for _ in range(64)))

    server = await hostile(huge)
    async with hostile_client(server.url) as client:
        error, grown = await _grown_while(client.devices.latest(DID))
    assert isinstance(error, GizwitsResponseError)
    assert "longer than max_response_bytes (33554432)" in str(error)
    assert grown < 40 * MiB  # the cap, plus a chunk, never the 64 MiB


@pytest.mark.parametrize(("encoding", "wbits"), [("gzip", 31), ("deflate", 15)])
async def test_a_compression_bomb_is_abandoned_counting_inflated_bytes(
    hostile: MakeHostile, encoding: str, wbits: int
) -> None:
    def bomb() -> Any:
        # ~1 MiB on the wire that inflates to 1 GiB, made as it is sent.
        compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
        zeros = b"\0" * MiB
        for _ in range(1024):
            yield compressor.compress(zeros)
        yield compressor.flush()

    async def serve(request: web.Request) -> web.StreamResponse:
        return await _stream(request, bomb(), {"Content-Encoding": encoding})

    server = await hostile(serve)
    async with hostile_client(server.url, max_response_bytes=4 * MiB) as client:
        error, grown = await _grown_while(client.devices.latest(DID))
    assert isinstance(error, GizwitsResponseError)
    assert "counted after decompression" in str(error)
    assert grown < 16 * MiB


async def test_an_endless_chunked_stream_is_abandoned(hostile: MakeHostile) -> None:
    def endless() -> Any:
        while True:
            yield b"[" * 65536

    async def serve(request: web.Request) -> web.StreamResponse:
        return await _stream(request, endless())

    server = await hostile(serve)
    async with hostile_client(server.url, max_response_bytes=MiB) as client:
        with pytest.raises(GizwitsResponseError, match="longer than max_response_bytes"):
            await client.devices.control(DID, attrs={"switch": True})
    assert len(server.seen) == 1


# -- secrets echoed by the server -------------------------------------------------------------


def _echo_headers(status: int) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def echo(request: web.Request) -> web.Response:
        lines = "".join(f"<li>{k}: {v}</li>" for k, v in request.headers.items())
        return web.Response(status=status, text=f"<html><ul>{lines}</ul></html>")

    return echo


def _partial_runs(secret: str) -> list[str]:
    return [secret[i : i + 16] for i in range(len(secret) - 15)]


def _assert_hidden(error: BaseException, *secrets: str) -> None:
    texts = error_texts(error)
    for secret in secrets:
        for text in texts:
            for run in _partial_runs(secret):
                assert run not in text, f"{run!r} of a secret shows in an error text"
    for link in chain(error):
        assert isinstance(link, GizwitsError), f"{type(link).__name__} chained to the error"


async def test_a_502_page_echoing_the_request_headers_hides_the_user_token(
    hostile: MakeHostile,
) -> None:
    server = await hostile(_echo_headers(502))
    async with hostile_client(server.url) as client:
        with pytest.raises(GizwitsServerError) as caught:
            await client.devices.latest(DID)
    assert server.seen[0].headers["X-Gizwits-User-token"] == TOKEN
    assert "REDACTED" in str(caught.value)
    assert caught.value.path == f"/app/devdata/{DID}/latest"
    _assert_hidden(caught.value, TOKEN)


async def test_aiohttps_own_header_too_long_page_hides_the_start_of_the_token(
    hostile: MakeHostile,
) -> None:
    async def never(request: web.Request) -> web.Response:
        return web.json_response({})

    # A real aiohttp server refusing a header above its 8190-byte limit: its 400 page quotes
    # only the first ~100 characters of the token, which the client must still recognise.
    long_token = "".join(hashlib.sha256(bytes([i])).hexdigest() for i in range(140))
    server = await hostile(never)
    async with hostile_client(server.url, token=user_token(long_token)) as client:
        with pytest.raises(GizwitsAPIError) as caught:
            await client.devices.latest(DID)
    assert caught.value.status == 400
    assert "Got more than 8190 bytes" in str(caught.value)
    assert server.seen == []
    _assert_hidden(caught.value, long_token)


async def test_a_json_error_message_quoting_the_token_is_hidden(hostile: MakeHostile) -> None:
    async def quote(request: web.Request) -> web.Response:
        token = request.headers["X-Gizwits-User-token"]
        return web.json_response(
            {
                "error_code": 9015,
                "error_message": f"form invalid for token {token}",
                "detail_message": {"seen": token[:20], "rest": [token[10:]]},
            },
            status=400,
        )

    server = await hostile(quote)
    async with hostile_client(server.url) as client:
        with pytest.raises(GizwitsAPIError) as caught:
            await client.devices.control(DID, attrs={"switch": True})
    error = caught.value
    assert error.error_code == 9015
    assert error.error_message == "form invalid for token **REDACTED**"
    assert error.detail == {"seen": "**REDACTED**", "rest": ["**REDACTED**"]}
    _assert_hidden(error, TOKEN)


async def test_a_login_500_page_echoing_the_body_hides_the_password(
    hostile: MakeHostile,
) -> None:
    async def echo_body(request: web.Request) -> web.Response:
        return web.Response(status=500, text=f"crash while handling {await request.text()}")

    server = await hostile(echo_body)
    async with hostile_client(server.url, token=None) as client:
        with pytest.raises(GizwitsServerError) as caught:
            await client.login(USERNAME, PASSWORD)
    assert json.loads(server.seen[0].body)["password"] == PASSWORD
    _assert_hidden(caught.value, PASSWORD, json.dumps(PASSWORD)[1:-1])


async def test_a_login_answer_that_is_not_json_hides_its_token(hostile: MakeHostile) -> None:
    async def cut(request: web.Request) -> web.Response:
        return web.Response(text=f'{{"uid": "u1", "token": "{TOKEN}", "expire_at": 17')

    server = await hostile(cut)
    async with hostile_client(server.url, token=None) as client:
        with pytest.raises(GizwitsResponseError) as caught:
            await client.login(USERNAME, PASSWORD)
    assert caught.value.path == "/app/login"
    _assert_hidden(caught.value, TOKEN)


async def test_an_error_answer_to_login_hides_the_token_it_carried(hostile: MakeHostile) -> None:
    async def odd(request: web.Request) -> web.Response:
        body = {"error_code": 9999, "error_message": f"issued {TOKEN}", "token": TOKEN}
        return web.json_response(body, status=400)

    server = await hostile(odd)
    async with hostile_client(server.url, token=None) as client:
        with pytest.raises(GizwitsAPIError) as caught:
            await client.login(USERNAME, PASSWORD)
    _assert_hidden(caught.value, TOKEN)


@pytest.mark.parametrize("name", ["request_token", "bind_mac"])
async def test_echoed_application_auth_and_signature_are_hidden(
    hostile: MakeHostile, name: str
) -> None:
    server = await hostile(_echo_headers(503))
    _, _, call = CALLS[name]
    async with hostile_client(server.url) as client:
        with pytest.raises(GizwitsServerError) as caught:
            await call(client)
    sent = server.seen[0].headers
    secret = sent.get("X-Gizwits-Application-Auth") or sent["X-Gizwits-Signature"]
    assert len(secret) >= 32
    _assert_hidden(caught.value, secret, APP_SECRET)


async def test_a_reset_connection_chains_no_aiohttp_exception(hostile: MakeHostile) -> None:
    async def reset(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        request.transport.close()
        return web.Response()

    server = await hostile(reset)
    async with hostile_client(server.url, max_retries=1) as client:
        with pytest.raises(GizwitsConnectionError) as caught:
            await client.devices.latest(DID)
    assert len(server.seen) == 2  # an idempotent call, retried once
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None
    assert str(caught.value).startswith(f"GET /app/devdata/{DID}/latest: ")
    _assert_hidden(caught.value, TOKEN)
