"""Client construction, regions, session ownership and closing."""

from __future__ import annotations

import aiohttp
import pytest

from gizwits_async import (
    GizwitsClient,
    GizwitsClientClosedError,
    GizwitsError,
    Region,
)
from gizwits_async.client import RESOURCE_NAMES
from gizwits_async.simulator import GizwitsSimulator
from tests.conftest import ClientFactory


def _session_of(client: GizwitsClient) -> aiohttp.ClientSession | None:
    return client._session


@pytest.mark.parametrize(
    ("region", "url"),
    [
        ("cn", "https://api.gizwits.com"),
        (Region.US, "https://usapi.gizwits.com"),
        ("eu", "https://euapi.gizwits.com"),
    ],
)
async def test_regions_map_to_their_hosts(region: str, url: str) -> None:
    client = GizwitsClient("app", region=region)
    assert client.base_url == url
    await client.close()


async def test_base_url_overrides_region() -> None:
    client = GizwitsClient("app", region="eu", base_url="http://127.0.0.1:8080/")
    assert client.base_url == "http://127.0.0.1:8080"
    await client.close()


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"region": "mars"}, ValueError),
        ({"base_url": "ftp://x"}, ValueError),
        ({"username": "a"}, ValueError),
        ({"username": "a", "password": "b", "phone_id": "c"}, ValueError),
        ({"max_retries": -1}, ValueError),
        ({"max_concurrency": 0}, ValueError),
        ({"request_timeout": 0}, ValueError),
        ({"request_timeout": "10"}, TypeError),
        ({"token": "a-string"}, TypeError),
        ({"session": object()}, TypeError),
        ({"refresh_margin": -1}, ValueError),
    ],
)
def test_bad_construction_arguments_are_refused(kwargs: dict[str, object], error: type) -> None:
    with pytest.raises(error):
        GizwitsClient("app", **kwargs)  # type: ignore[arg-type]


def test_empty_app_id_is_refused() -> None:
    with pytest.raises(ValueError, match="app_id"):
        GizwitsClient("")


async def test_borrowed_session_stays_open_after_close(
    sim: GizwitsSimulator, make_client: ClientFactory
) -> None:
    async with aiohttp.ClientSession() as session:
        client = make_client(session=session)
        await client.system.status()
        await client.close()
        await client.close()
        assert not session.closed
        async with session.get(
            f"{sim.base_url}/status", headers={"X-Gizwits-Application-Id": sim.app_id}
        ) as response:
            assert response.status == 200


async def test_owned_session_is_created_lazily_and_closed(make_client: ClientFactory) -> None:
    client = make_client()
    assert _session_of(client) is None
    await client.system.status()
    session = _session_of(client)
    assert session is not None
    await client.close()
    assert session.closed
    assert client.closed


async def test_calls_after_close_raise_a_gizwits_error(make_client: ClientFactory) -> None:
    client = make_client()
    await client.close()
    with pytest.raises(GizwitsClientClosedError, match="closed"):
        await client.system.status()
    with pytest.raises(GizwitsClientClosedError):
        async with client:
            pass


async def test_a_borrowed_session_closed_by_the_host_gives_a_clear_error(
    make_client: ClientFactory,
) -> None:
    session = aiohttp.ClientSession()
    client = make_client(session=session)
    await session.close()
    with pytest.raises(GizwitsError, match="session"):
        await client.system.status()


async def test_context_manager_closes_the_owned_session(make_client: ClientFactory) -> None:
    async with make_client(username=None, password=None, app_secret=None) as client:
        await client.system.status()
        session = client._session
    assert session is not None
    assert session.closed


async def test_disabling_tls_verification_logs_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = GizwitsClient("app", verify_ssl=False)
    assert "verification is OFF" in caplog.text
    assert client._transport._ssl is False
    await client.close()
    default = GizwitsClient("app")
    assert default._transport._ssl is True
    await default.close()


async def test_every_request_carries_the_application_id(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    await client.system.status()
    await client.users.get()
    assert all(r.headers["X-Gizwits-Application-Id"] == sim.app_id for r in sim.requests)
    assert "X-Gizwits-User-token" not in sim.requests_to("GET", "/status")[0].headers


async def test_unknown_app_id_is_answered_9003(sim: GizwitsSimulator) -> None:
    async with GizwitsClient("not-registered", base_url=sim.base_url) as client:
        with pytest.raises(GizwitsError) as caught:
            await client.system.status()
    assert getattr(caught.value, "error_code", None) == 9003


async def test_with_options_changes_retries_for_some_calls_only(
    sim: GizwitsSimulator, make_client: ClientFactory, sleeps: object
) -> None:
    sim.faults.add(method="GET", path="/status", status=503, times=None)
    client = make_client(max_retries=2)
    impatient = client.with_options(max_retries=0, request_timeout=3, total_timeout=5)
    with pytest.raises(GizwitsError):
        await impatient.system.status()
    assert sim.count("GET", "/status") == 1
    with pytest.raises(GizwitsError):
        await client.system.status()
    assert sim.count("GET", "/status") == 4
    assert impatient._transport.request_timeout == 3
    assert client._transport.request_timeout == 10
    sim.faults.clear()
    # Closing the view leaves the client and its session working.
    await impatient.close()
    with pytest.raises(GizwitsClientClosedError):
        await impatient.system.status()
    assert (await client.system.status()).version == "2.15.1"
    # Closing the client closes its views.
    await client.close()
    with pytest.raises(GizwitsClientClosedError):
        await impatient.with_options().system.status()


async def test_a_view_shares_the_token_with_its_client(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    await client.users.get()
    await client.with_options(max_retries=1).users.get()
    assert sim.count("POST", "/app/login") == 1
    with pytest.raises(ValueError, match="max_retries"):
        client.with_options(max_retries=-1)


async def test_a_view_rebuilds_every_resource_on_its_own_transport(client: GizwitsClient) -> None:
    for name in RESOURCE_NAMES:
        getattr(client, name)  # built on the client, and must not leak into the view
    view = client.with_options(max_retries=0)
    for name in RESOURCE_NAMES:
        resource = getattr(view, name)
        assert resource._transport is view._transport, name
        assert resource._transport.max_retries == 0, name
        assert getattr(client, name)._transport.max_retries != 0, name
