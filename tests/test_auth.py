"""Token lifecycle: single flight, refresh ahead of expiry, re-login once, stores."""

from __future__ import annotations

import asyncio
import stat
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gizwits_async import (
    ErrorCode,
    FileTokenStore,
    GizwitsAuthError,
    GizwitsClient,
    GizwitsInvalidCredentialsError,
    MemoryTokenStore,
    UserToken,
)
from gizwits_async.simulator import GizwitsSimulator
from tests.conftest import PASSWORD, PRODUCT_KEY, USERNAME, ClientFactory

LOGIN = "/app/login"


def _token(value: str, uid: str, expires_in: float, lifetime: float | None = None) -> UserToken:
    now = time.time()
    issued = None if lifetime is None else datetime.fromtimestamp(now + expires_in - lifetime, UTC)
    return UserToken(
        uid=uid,
        token=value,
        expire_at=datetime.fromtimestamp(now + expires_in, UTC),
        issued_at=issued,
    )


async def test_hundred_concurrent_calls_without_token_log_in_once(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid, attrs={"switch": True})
    results = await asyncio.gather(*(client.devices.latest(did) for _ in range(100)))
    assert len(results) == 100
    assert sim.count("POST", LOGIN) == 1
    assert sim.count("GET", f"/app/devdata/{did}/latest") == 100


async def test_hundred_concurrent_calls_on_expired_token_log_in_once(
    sim: GizwitsSimulator, alice_uid: str, make_client: ClientFactory
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    expired = _token("old-expired-token", alice_uid, expires_in=-10)
    client = make_client(token=expired)
    await asyncio.gather(*(client.devices.latest(did) for _ in range(100)))
    assert sim.count("POST", LOGIN) == 1
    sent = {r.headers.get("X-Gizwits-User-token") for r in sim.requests_to("GET", ".*/latest")}
    assert "old-expired-token" not in sent


async def test_token_inside_refresh_margin_is_refreshed_before_use(
    sim: GizwitsSimulator, alice_uid: str, make_client: ClientFactory
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    # 30 minutes left of a 180-day token: inside the default one-hour margin.
    stale = _token("stale-token", alice_uid, expires_in=1800, lifetime=180 * 86400)
    client = make_client(token=stale)
    await client.devices.latest(did)
    assert client.token is not None
    assert client.token.token != "stale-token"
    assert sim.requests[0].path == LOGIN
    latest = sim.requests_to("GET", ".*/latest")
    assert [r.headers["X-Gizwits-User-token"] for r in latest] == [client.token.token]


async def test_default_margin_is_half_of_a_short_lifetime(make_client: ClientFactory) -> None:
    client = make_client()
    short = _token("t", "u", expires_in=500, lifetime=600)
    assert client._auth.margin(short) == 300
    long_lived = _token("t", "u", expires_in=500, lifetime=180 * 86400)
    assert client._auth.margin(long_lived) == 3600


async def test_token_error_once_relogs_in_and_replays(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid, attrs={"switch": True})
    await client.devices.latest(did)
    first_token = client.token
    sim.faults.add(method="GET", path=".*/latest", error_code=ErrorCode.TOKEN_INVALID)
    status = await client.devices.latest(did)
    assert status.attrs == {"switch": True}
    assert sim.count("POST", LOGIN) == 2
    assert sim.count("GET", ".*/latest") == 3
    assert client.token != first_token


async def test_token_error_twice_raises_auth_error_without_loop(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    sim.faults.add(method="GET", path=".*/latest", error_code=ErrorCode.TOKEN_EXPIRED, times=5)
    with pytest.raises(GizwitsAuthError) as caught:
        await client.devices.latest(did)
    assert caught.value.error_code == ErrorCode.TOKEN_EXPIRED
    assert sim.count("GET", ".*/latest") == 2
    assert sim.count("POST", LOGIN) == 2


async def test_expired_token_on_the_simulator_clock_is_renewed(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    await client.devices.latest(did)
    sim.state.expire_tokens()
    await client.devices.latest(did)
    assert sim.count("POST", LOGIN) == 2


async def test_wrong_password_raises_invalid_credentials_and_stops_logging_in(
    sim: GizwitsSimulator, alice_uid: str, make_client: ClientFactory
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    client = make_client(password="wrong-password")
    with pytest.raises(GizwitsInvalidCredentialsError) as caught:
        await client.devices.latest(did)
    assert caught.value.error_code == ErrorCode.USERNAME_PASSWORD_ERROR
    with pytest.raises(GizwitsInvalidCredentialsError):
        await client.devices.latest(did)
    assert sim.count("POST", LOGIN) == 1
    # New credentials allow logging in again.
    await client.login(USERNAME, PASSWORD)
    await client.devices.latest(did)
    assert sim.count("POST", LOGIN) == 2


async def test_unknown_user_raises_invalid_credentials(make_client: ClientFactory) -> None:
    with pytest.raises(GizwitsInvalidCredentialsError) as caught:
        await make_client().login("nobody", "whatever-password")
    assert caught.value.error_code == ErrorCode.USER_NOT_EXIST


async def test_cancelling_the_caller_does_not_cancel_its_login(
    sim: GizwitsSimulator, client: GizwitsClient, alice_uid: str
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid, attrs={"switch": True})
    sim.faults.add(method="POST", path=LOGIN, delay=0.5, after_handler=True)
    task = asyncio.create_task(client.devices.latest(did))
    for _ in range(500):
        if sim.count("POST", LOGIN):
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert client.token is None
    status = await asyncio.wait_for(client.devices.latest(did), timeout=5)
    assert status.attrs == {"switch": True}
    # The next caller was served by the login the cancelled one started.
    assert sim.count("POST", LOGIN) == 1


async def test_token_without_credentials_is_used_until_it_expires(
    sim: GizwitsSimulator, alice_uid: str, make_client: ClientFactory
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    user = sim.state.users[alice_uid]
    issued = sim.state.issue_token(user)
    # Only 10 seconds left: with no credentials it is still used, margin or not.
    token = _token(issued["token"], alice_uid, expires_in=10, lifetime=180 * 86400)
    client = make_client(username=None, password=None, token=token)
    await client.devices.latest(did)
    assert sim.count("POST", LOGIN) == 0
    client._auth._cache(_token(issued["token"], alice_uid, expires_in=-1))
    with pytest.raises(GizwitsAuthError):
        await client.devices.latest(did)
    assert sim.count("GET", ".*/latest") == 1


async def test_refused_token_without_credentials_raises_auth_error(
    sim: GizwitsSimulator, alice_uid: str, make_client: ClientFactory
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    bogus = _token("not-a-real-token", alice_uid, expires_in=86400)
    client = make_client(username=None, password=None, token=bogus)
    with pytest.raises(GizwitsAuthError) as caught:
        await client.devices.latest(did)
    assert caught.value.error_code == ErrorCode.TOKEN_INVALID
    assert sim.count("GET", ".*/latest") == 1


async def test_on_token_update_is_awaited_with_each_new_token(
    make_client: ClientFactory, alice_uid: str
) -> None:
    seen: list[UserToken] = []

    async def remember(token: UserToken) -> None:
        await asyncio.sleep(0)
        seen.append(token)

    watched = make_client(on_token_update=remember)
    token = await watched.login(USERNAME, PASSWORD)
    assert seen == [token]
    assert token.uid == alice_uid
    assert token.issued_at is not None


async def test_a_failing_token_callback_does_not_break_the_call(
    sim: GizwitsSimulator, alice_uid: str, make_client: ClientFactory
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)

    def broken(token: UserToken) -> None:
        raise RuntimeError("host bug")

    await make_client(on_token_update=broken).devices.latest(did)


async def test_file_token_store_lets_a_new_client_skip_login(
    sim: GizwitsSimulator, alice_uid: str, make_client: ClientFactory, tmp_path: Path
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    path = tmp_path / "conf" / "tokens.json"
    for _ in range(2):
        await make_client(token_store=FileTokenStore(path)).devices.latest(did)
    assert sim.count("POST", LOGIN) == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert PASSWORD not in path.read_text()


async def test_file_token_store_survives_a_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text("{not json")
    store = FileTokenStore(path)
    assert await store.load("key") is None
    token = _token("abc", "uid", expires_in=100)
    await store.save("key", token)
    loaded = await store.load("key")
    assert loaded is not None
    assert loaded.token == "abc"
    assert loaded.expire_at == token.expire_at.replace(microsecond=loaded.expire_at.microsecond)


async def test_memory_token_store_round_trip() -> None:
    store = MemoryTokenStore()
    token = _token("abc", "uid", expires_in=100)
    await store.save("k", token)
    assert await store.load("k") is token
    assert await store.load("other") is None


async def test_anonymous_user_by_phone_id_logs_in_automatically(
    sim: GizwitsSimulator, make_client: ClientFactory
) -> None:
    client = make_client(username=None, password=None, phone_id="phone-123")
    profile = await client.users.get()
    again = await client.users.create(phone_id="phone-123")
    assert profile.is_anonymous is True
    assert again.uid == profile.uid
    assert sim.requests[0].body == {"phone_id": "phone-123"}


async def test_failed_refresh_keeps_the_valid_token_and_waits_before_trying_again(
    sim: GizwitsSimulator, alice_uid: str, make_client: ClientFactory, sleeps: object
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    user = sim.state.users[alice_uid]
    issued = sim.state.issue_token(user)
    # Inside the refresh margin but still valid on the server.
    token = _token(issued["token"], alice_uid, expires_in=600, lifetime=180 * 86400)
    sim.faults.add(method="POST", path=LOGIN, status=503, times=None)
    client = make_client(token=token, max_retries=0)
    for _ in range(5):
        await client.devices.latest(did)
    assert client.token is not None
    assert client.token.token == issued["token"]
    assert sim.count("POST", LOGIN) == 1
    assert sim.count("GET", ".*/latest") == 5


class _BrokenStore:
    async def load(self, key: str) -> UserToken | None:
        raise PermissionError(key)

    async def save(self, key: str, token: UserToken) -> None:
        raise PermissionError(key)


async def test_a_failing_token_store_does_not_break_calls(
    sim: GizwitsSimulator,
    alice_uid: str,
    make_client: ClientFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    await make_client(token_store=_BrokenStore()).devices.latest(did)
    assert "could not load the user token" in caplog.text
    assert "could not save the user token" in caplog.text


async def test_file_token_store_ignores_entries_it_cannot_read(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text('{"a": "not-an-object", "b": {"uid": "u"}, "c": [1]}')
    store = FileTokenStore(path)
    assert await store.load("a") is None
    assert await store.load("b") is None
    path.write_text("[1, 2]")
    assert await store.load("a") is None
    assert repr(store) == f"FileTokenStore({str(path)!r})"


async def test_app_token_is_requested_once_and_renewed_after_invalidation(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    first = await client._app_tokens.ensure_token()
    again = await client._app_tokens.ensure_token()
    assert again is first
    assert sim.count("POST", "/app/request_token") == 1
    client._app_tokens.invalidate("some-other-token")
    assert await client._app_tokens.ensure_token() is first
    client._app_tokens.invalidate(first.token)
    renewed = await client._app_tokens.ensure_token()
    assert renewed.token != first.token
    assert sim.count("POST", "/app/request_token") == 2
    assert renewed.token not in repr(client._app_tokens)


def test_file_token_store_expands_the_home_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert FileTokenStore("~/gizwits/tokens.json").path == tmp_path / "gizwits" / "tokens.json"
