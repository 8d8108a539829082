"""System endpoints and the core user endpoints, checked on the wire."""

from __future__ import annotations

import hashlib

import pytest

from gizwits_async import (
    ErrorCode,
    GizwitsAPIError,
    GizwitsAuthError,
    GizwitsClient,
    GizwitsConfigurationError,
    GizwitsError,
)
from gizwits_async.simulator import GizwitsSimulator
from tests.conftest import PASSWORD, USERNAME, ClientFactory


async def test_status_reports_the_api_version(sim: GizwitsSimulator, client: GizwitsClient) -> None:
    status = await client.system.status()
    assert status.version == "2.15.1"
    request = sim.requests[-1]
    assert (request.method, request.path, request.body) == ("GET", "/status", None)


async def test_errors_lists_the_whole_catalogue(client: GizwitsClient) -> None:
    errors = await client.system.errors()
    by_code = {e.error_code: e for e in errors}
    assert set(by_code) == {int(code) for code in ErrorCode}
    assert by_code[9220].status == 404
    assert by_code[9220].error_message == "scene not found!"
    assert by_code[9041].status == 429


async def test_login_sends_username_and_password(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    token = await client.users.login(USERNAME, PASSWORD, lang="en")
    request = sim.requests_to("POST", "/app/login")[-1]
    assert request.body == {"username": USERNAME, "password": PASSWORD, "lang": "en"}
    assert "X-Gizwits-User-token" not in request.headers
    assert client.token == token
    assert token.expires_in() > 170 * 86400


async def test_create_by_username_returns_a_token(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    token = await client.users.create(username="bob", password="B0b-secret-pw", lang="zh-cn")
    request = sim.requests_to("POST", "/app/users")[-1]
    assert request.body == {"username": "bob", "password": "B0b-secret-pw", "lang": "zh-cn"}
    assert sim.state.users[token.uid].username == "bob"


async def test_create_by_email(sim: GizwitsSimulator, client: GizwitsClient) -> None:
    token = await client.users.create(email="bob@example.com", password="B0b-secret-pw")
    assert sim.requests[-1].body == {"email": "bob@example.com", "password": "B0b-secret-pw"}
    assert sim.state.users[token.uid].email == "bob@example.com"


async def test_create_with_a_taken_username_is_answered_9019(client: GizwitsClient) -> None:
    with pytest.raises(GizwitsAPIError) as caught:
        await client.users.create(username=USERNAME, password="whatever-pw-1")
    assert caught.value.error_code == ErrorCode.USERNAME_UNAVAILABLE


async def test_get_returns_the_profile(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    user = await client.users.get()
    assert user.uid == alice_uid
    assert user.username == USERNAME
    assert user.is_anonymous is False
    request = sim.requests_to("GET", "/app/users")[-1]
    assert request.headers["X-Gizwits-User-token"] == client.token.token  # type: ignore[union-attr]


async def test_get_without_any_credentials_is_a_configuration_error(
    sim: GizwitsSimulator, make_client: ClientFactory
) -> None:
    async with make_client(username=None, password=None, app_secret=None) as client:
        with pytest.raises(GizwitsConfigurationError) as caught:
            await client.users.get()
    assert caught.value.status is None
    assert sim.requests == []


async def test_request_app_token_signs_with_md5_of_app_id_and_secret(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    app_token = await client.users.request_app_token()
    request = sim.requests_to("POST", "/app/request_token")[-1]
    expected = hashlib.md5((sim.app_id + sim.app_secret).encode()).hexdigest()  # noqa: S324
    assert request.headers["X-Gizwits-Application-Auth"] == expected
    assert app_token.token in sim.state.app_tokens
    assert app_token.expire_at is not None
    assert app_token.expires_in() > 0


async def test_request_app_token_with_a_wrong_secret_is_answered_9038(
    sim: GizwitsSimulator, make_client: ClientFactory
) -> None:
    async with make_client(username=None, password=None, app_secret="wrong") as client:
        with pytest.raises(GizwitsAuthError) as caught:
            await client.users.request_app_token()
    assert caught.value.error_code == ErrorCode.APPLICATION_AUTH_INVALID


async def test_request_app_token_without_app_secret_fails_before_sending(
    sim: GizwitsSimulator, make_client: ClientFactory
) -> None:
    async with make_client(username=None, password=None, app_secret=None) as client:
        with pytest.raises(GizwitsError, match="app_secret"):
            await client.users.request_app_token()
    assert sim.requests == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"username": "x"},
        {"password": "only-a-password"},
        {"phone": "123", "password": "pw-without-code"},
        {"src": "qq", "uid": "1"},
    ],
)
async def test_create_with_no_complete_identity_is_refused_before_sending(
    sim: GizwitsSimulator, client: GizwitsClient, kwargs: dict[str, str]
) -> None:
    with pytest.raises(ValueError, match=r"."):
        await client.users.create(**kwargs)
    assert sim.requests == []


@pytest.mark.parametrize(("username", "password"), [("", "pw"), ("user", ""), (None, "pw")])
async def test_login_with_empty_credentials_is_refused(
    client: GizwitsClient, username: str, password: str
) -> None:
    with pytest.raises(ValueError, match="must be"):
        await client.login(username, password)
