"""The token manager under failing logins: one flight per refresh, failures included.

Hostile ``aiohttp.web`` servers on 127.0.0.1 answer the logins (hanging, 500, malformed,
slow, already expired); the data endpoint accepts any token.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web

from gizwits_async import (
    FileTokenStore,
    GizwitsAuthError,
    GizwitsClient,
    GizwitsConfigurationError,
    GizwitsError,
    GizwitsInvalidCredentialsError,
    GizwitsResponseError,
    GizwitsServerError,
    GizwitsTimeoutError,
    LocalRateLimiter,
    MemoryTokenStore,
    UserToken,
)
from gizwits_async.auth import LOGIN_FAILURE_WINDOW, TokenManager
from gizwits_async.simulator import GizwitsSimulator
from tests.conftest import PASSWORD, USERNAME, ClientFactory, SleepRecorder

LoginHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]
DID = "hostile-did"


class HostileCloud:
    """A login endpoint that misbehaves as told, and a data endpoint that answers 200."""

    def __init__(self) -> None:
        self.logins = 0
        self.data_calls: list[str | None] = []
        self.login: LoginHandler = self.good_login
        self.refuse_tokens = False
        self.base_url = ""
        self._runner: web.AppRunner | None = None

    async def good_login(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(
            {"uid": "u1", "token": f"tok-{self.logins}", "expire_at": int(time.time()) + 86400}
        )

    async def _login(self, request: web.Request) -> web.StreamResponse:
        self.logins += 1
        return await self.login(request)

    async def _latest(self, request: web.Request) -> web.StreamResponse:
        self.data_calls.append(request.headers.get("X-Gizwits-User-token"))
        if self.refuse_tokens:
            return web.json_response(
                {"error_code": 9006, "error_message": "token expired"}, status=400
            )
        return web.json_response({"did": DID, "updated_at": 0, "attr": {"switch": True}})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/app/login", self._login)
        app.router.add_get("/app/devdata/{did}/latest", self._latest)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=0.2
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.fixture
async def cloud() -> AsyncIterator[HostileCloud]:
    server = HostileCloud()
    await server.start()
    yield server
    await server.close()


async def _hang(request: web.Request) -> web.StreamResponse:
    await asyncio.sleep(3600)
    raise AssertionError("unreachable")


async def _answer_500(request: web.Request) -> web.StreamResponse:
    return web.json_response({"error_code": 9999, "error_message": "internal"}, status=500)


async def _answer_malformed(request: web.Request) -> web.StreamResponse:
    return web.Response(text='{"token": "half-a-tok', content_type="application/json")


FAILURES: dict[str, tuple[LoginHandler, type[GizwitsError]]] = {
    "hanging": (_hang, GizwitsTimeoutError),
    "500": (_answer_500, GizwitsServerError),
    "malformed": (_answer_malformed, GizwitsResponseError),
}


class ManagerClock:
    """The token manager's clock, moved by the test (the failure window is measured on it)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


def _client(cloud: HostileCloud, **kwargs: object) -> GizwitsClient:
    options: dict[str, object] = {"username": USERNAME, "password": PASSWORD, **kwargs}
    return GizwitsClient("app", base_url=cloud.base_url, **options)  # type: ignore[arg-type]


async def _timed_waiters(
    client: GizwitsClient, count: int
) -> list[tuple[BaseException | None, float]]:
    loop = asyncio.get_running_loop()

    async def one() -> tuple[BaseException | None, float]:
        started = loop.time()
        try:
            await client.devices.latest(DID)
        except GizwitsError as err:
            return err, loop.time() - started
        return None, loop.time() - started

    return await asyncio.gather(*(one() for _ in range(count)))


@pytest.mark.parametrize("failure", sorted(FAILURES))
async def test_fifty_waiters_behind_a_failing_login_cause_one_login_per_window(
    cloud: HostileCloud, sleeps: SleepRecorder, failure: str
) -> None:
    handler, error_type = FAILURES[failure]
    cloud.login = handler
    deadline = 0.5
    clock = ManagerClock()
    async with _client(cloud, total_timeout=deadline, max_retries=2) as client:
        client._auth._clock = clock
        first = await _timed_waiters(client, 50)
        requests_first_window = cloud.logins
        # Inside the window the next callers get the same error without a login.
        again = await _timed_waiters(client, 50)
        assert cloud.logins == requests_first_window
        clock.offset += LOGIN_FAILURE_WINDOW + 0.1
        await _timed_waiters(client, 50)
        flights = client._auth.login_attempts
    assert flights == 2  # one per failure window
    # A flight's own retries are the transport's (500 is retried: the login is idempotent).
    assert cloud.logins <= 2 * (1 + 2)
    for err, elapsed in first + again:
        assert isinstance(err, error_type)
        # Every waiter is back within its own deadline (plus scheduling slack), not after
        # the waiters before it.
        assert elapsed <= deadline + 1.0
    assert cloud.data_calls == []


async def test_callers_with_short_deadlines_do_not_cancel_a_slow_login(
    cloud: HostileCloud,
) -> None:
    release = asyncio.Event()

    async def slow_login(request: web.Request) -> web.StreamResponse:
        await release.wait()
        return await cloud.good_login(request)

    cloud.login = slow_login
    async with _client(cloud) as client:
        short = client.with_options(total_timeout=1.0)
        results = await asyncio.gather(
            *(short.devices.latest(DID) for _ in range(40)), return_exceptions=True
        )
        assert all(isinstance(result, GizwitsTimeoutError) for result in results)
        release.set()  # the login answers after every caller gave up (a 1.5 s login)
        later = await asyncio.gather(*(short.devices.latest(DID) for _ in range(40)))
    assert len(later) == 40
    assert cloud.logins == 1
    assert cloud.data_calls == ["tok-1"] * 40


async def test_cancelling_every_waiter_leaves_the_login_running(cloud: HostileCloud) -> None:
    release = asyncio.Event()
    started = asyncio.Event()

    async def slow_login(request: web.Request) -> web.StreamResponse:
        started.set()
        await release.wait()
        return await cloud.good_login(request)

    cloud.login = slow_login
    async with _client(cloud) as client:
        waiters = [asyncio.create_task(client.devices.latest(DID)) for _ in range(10)]
        await started.wait()
        for waiter in waiters:
            waiter.cancel()
        await asyncio.gather(*waiters, return_exceptions=True)
        release.set()
        await client.devices.latest(DID)
    assert cloud.logins == 1


async def test_a_token_that_arrives_expired_causes_at_most_two_logins_in_twenty_calls(
    cloud: HostileCloud, caplog: pytest.LogCaptureFixture
) -> None:
    async def expired_login(request: web.Request) -> web.StreamResponse:
        return web.json_response({"uid": "u1", "token": f"tok-{cloud.logins}", "expire_at": 0})

    cloud.login = expired_login
    caplog.set_level(logging.WARNING, logger="gizwits_async.auth")
    async with _client(cloud) as client:
        for _ in range(20):
            await client.devices.latest(DID)
    assert cloud.logins <= 2
    assert len(cloud.data_calls) == 20
    assert "issued a token with" in caplog.text
    assert caplog.text.count("issued a token with") <= cloud.logins


async def test_an_expired_token_the_cloud_refuses_does_not_cause_a_login_per_call(
    cloud: HostileCloud,
) -> None:
    async def expired_login(request: web.Request) -> web.StreamResponse:
        return web.json_response({"uid": "u1", "token": "dead", "expire_at": 0})

    cloud.login = expired_login
    cloud.refuse_tokens = True
    async with _client(cloud) as client:
        for _ in range(20):
            with pytest.raises(GizwitsAuthError):
                await client.devices.latest(DID)
    assert cloud.logins <= 2
    # The refused token is replayed once after the login, never in a loop.
    assert len(cloud.data_calls) <= 2 * cloud.logins


async def test_new_credentials_clear_a_remembered_failure(
    cloud: HostileCloud, sleeps: SleepRecorder
) -> None:
    cloud.login = _answer_500
    async with _client(cloud, max_retries=0) as client:
        with pytest.raises(GizwitsServerError):
            await client.devices.latest(DID)
        cloud.login = cloud.good_login
        with pytest.raises(GizwitsServerError):
            await client.devices.latest(DID)  # remembered: no login
        assert cloud.logins == 1
        client.use_credentials(password="new-password")
        await client.devices.latest(DID)
    assert cloud.logins == 2


async def test_a_rate_limiter_counts_every_attempt_logins_included(
    cloud: HostileCloud, sleeps: SleepRecorder
) -> None:
    class CountingLimiter(LocalRateLimiter):
        def __init__(self) -> None:
            super().__init__(1000)
            self.acquired = 0
            self.paused: list[float] = []

        async def acquire(self) -> None:
            self.acquired += 1
            await super().acquire()

        async def pause(self, seconds: float) -> None:
            self.paused.append(seconds)
            await super().pause(seconds)

    throttled = 0

    async def throttle_once(request: web.Request) -> web.StreamResponse:
        nonlocal throttled
        if throttled == 0:
            throttled += 1
            return web.json_response(
                {"error_code": 9041, "error_message": "throttled"},
                status=429,
                headers={"Retry-After": "0.05"},
            )
        return await cloud.good_login(request)

    cloud.login = throttle_once
    limiter = CountingLimiter()
    async with _client(cloud, rate_limiter=limiter) as client:
        await client.devices.latest(DID)
    # a throttled login, its retry, then the call
    assert limiter.acquired == 3
    assert limiter.paused == [0.05]


def test_a_rate_limiter_and_a_token_store_are_type_checked() -> None:
    with pytest.raises(TypeError, match="rate_limiter"):
        GizwitsClient("app", rate_limiter=object())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="token_store"):
        GizwitsClient("app", token_store={"a": 1})  # type: ignore[arg-type]
    GizwitsClient("app", token_store=MemoryTokenStore(), rate_limiter=LocalRateLimiter(5))


async def test_two_accounts_logged_in_through_one_file_store_are_never_cross_served(
    sim: GizwitsSimulator, make_client: ClientFactory, tmp_path: Path
) -> None:
    sim.add_user("bob", "B0b-secret-pw")
    path = tmp_path / "tokens.json"
    async with (
        make_client(
            username=None, password=None, app_secret=None, token_store=FileTokenStore(path)
        ) as a,
        make_client(
            username=None, password=None, app_secret=None, token_store=FileTokenStore(path)
        ) as b,
    ):
        alice = await a.login(USERNAME, PASSWORD)
        bob = await b.login("bob", "B0b-secret-pw")
        assert (await a.users.get()).uid == alice.uid
        assert (await b.users.get()).uid == bob.uid
    logins = sim.count("POST", "/app/login")
    # A client that does not know its account is served nobody's token.
    async with make_client(
        username=None, password=None, app_secret=None, token_store=FileTokenStore(path)
    ) as nobody:
        # No user configured at all: a configuration error, and nothing is sent.
        with pytest.raises(GizwitsConfigurationError):
            await nobody.users.get()
        assert nobody.token is None
    # Clients of each account get their own token back from the file, without a login.
    for username, password, token in (
        (USERNAME, PASSWORD, alice),
        ("bob", "B0b-secret-pw", bob),
    ):
        async with make_client(
            username=username,
            password=password,
            app_secret=None,
            token_store=FileTokenStore(path),
        ) as again:
            assert (await again.users.get()).uid == token.uid
            assert again.token is not None
            assert again.token.token == token.token
    assert sim.count("POST", "/app/login") == logins
    assert "anonymous" not in path.read_text()


def _user_token(value: str, expires_in: float, uid: str = "u1") -> UserToken:
    return UserToken(
        uid=uid, token=value, expire_at=datetime.fromtimestamp(time.time() + expires_in, UTC)
    )


async def test_a_login_that_outlives_its_own_timeout_fails_once_for_every_waiter() -> None:
    started = 0

    async def never_answers() -> UserToken:
        nonlocal started
        started += 1
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    manager = TokenManager(never_answers, login_timeout=0.1)
    results = await asyncio.gather(
        *(manager.ensure_token() for _ in range(10)), return_exceptions=True
    )
    assert all(isinstance(result, GizwitsTimeoutError) for result in results)
    with pytest.raises(GizwitsTimeoutError, match="did not finish"):
        await manager.ensure_token()  # remembered: no second login
    assert started == 1


def _held_login() -> tuple[TokenManager, asyncio.Event]:
    """A manager whose login waits until the event is set, then issues the token ``t``."""
    release = asyncio.Event()

    async def slow() -> UserToken:
        await release.wait()
        return _user_token("t", 3600)

    return TokenManager(slow), release


async def test_a_waiter_whose_deadline_has_passed_does_not_wait() -> None:
    manager, release = _held_login()
    loop = asyncio.get_running_loop()
    with pytest.raises(GizwitsTimeoutError, match="deadline"):
        await manager.ensure_token(deadline=loop.time() - 1)
    release.set()
    token = await manager.ensure_token(deadline=loop.time() + 5)
    assert token.token == "t"


async def test_waiters_time_out_in_deadline_order_whatever_order_they_came_in() -> None:
    """One timer serves every waiter of a login: a later caller with an earlier deadline is
    failed first, a caller without a deadline keeps waiting, and the login they all wait for
    goes on and serves whoever is left."""
    release = asyncio.Event()
    logins = 0

    async def slow() -> UserToken:
        nonlocal logins
        logins += 1
        await release.wait()
        return _user_token("t", 3600)

    manager = TokenManager(slow)
    loop = asyncio.get_running_loop()
    now = loop.time()
    ended: list[str] = []

    async def caller(name: str, deadline: float | None) -> str:
        try:
            token = await manager.ensure_token(deadline)
        except GizwitsTimeoutError as err:
            ended.append(name)
            return str(err)
        ended.append(name)
        return token.token

    late = asyncio.create_task(caller("late", now + 0.15))
    early = asyncio.create_task(caller("early", now + 0.05))  # came second, due first
    patient = asyncio.create_task(caller("patient", None))
    lasting = asyncio.create_task(caller("lasting", now + 30))
    timed_out = "the call's deadline ran out while it waited for the login"
    assert await asyncio.wait_for(early, 5) == timed_out
    assert not late.done()
    assert await asyncio.wait_for(late, 5) == timed_out  # the timer is set again for it
    assert ended == ["early", "late"]
    assert not patient.done()
    assert not lasting.done()
    release.set()
    assert await patient == "t"
    assert await lasting == "t"
    assert logins == 1


async def test_a_failed_login_reaches_every_waiter_and_a_cancelled_one_only_itself() -> None:
    release = asyncio.Event()

    async def refused() -> UserToken:
        await release.wait()
        raise GizwitsInvalidCredentialsError(400, 9020, "username or password error")

    manager = TokenManager(refused)
    loop = asyncio.get_running_loop()
    waiters = [
        asyncio.create_task(manager.ensure_token(loop.time() + 30 if n % 2 else None))
        for n in range(6)
    ]
    await asyncio.sleep(0)
    waiters[0].cancel()
    release.set()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert isinstance(results[0], asyncio.CancelledError)
    assert all(isinstance(result, GizwitsInvalidCredentialsError) for result in results[1:])


async def test_a_cancelled_waiter_stays_cancelled_when_its_deadline_passes() -> None:
    manager, release = _held_login()
    loop = asyncio.get_running_loop()
    gone = asyncio.create_task(manager.ensure_token(loop.time() + 0.02))
    timed = asyncio.create_task(manager.ensure_token(loop.time() + 0.05))
    await asyncio.sleep(0)
    gone.cancel()
    with pytest.raises(GizwitsTimeoutError, match="waited for the login"):
        await asyncio.wait_for(timed, 5)
    assert gone.cancelled()
    release.set()
    assert (await manager.ensure_token()).token == "t"


async def test_a_cancelled_login_cancels_its_waiters_and_the_next_call_logs_in() -> None:
    calls = 0
    started = asyncio.Event()

    async def login() -> UserToken:
        nonlocal calls
        calls += 1
        if calls == 1:
            started.set()
            await asyncio.Event().wait()  # until cancelled (a loop shutting down)
        return _user_token(f"t{calls}", 3600)

    manager = TokenManager(login)
    loop = asyncio.get_running_loop()
    waiters = [
        asyncio.create_task(manager.ensure_token(None if n % 2 else loop.time() + 30))
        for n in range(4)
    ]
    await asyncio.wait_for(started.wait(), 5)
    assert manager._waiters is not None
    manager._waiters.flight.cancel()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert all(isinstance(result, asyncio.CancelledError) for result in results)
    assert (await manager.ensure_token()).token == "t2"


async def test_a_deadline_due_as_the_login_ends_gets_the_token() -> None:
    """The login ended but its outcome has not reached the waiters yet when the timer fires:
    the waiters get the token, not a timeout."""

    async def quick() -> UserToken:
        return _user_token("t", 3600)

    manager = TokenManager(quick)
    loop = asyncio.get_running_loop()
    waiter = asyncio.create_task(manager.ensure_token(loop.time() + 30))
    await asyncio.sleep(0)
    waiters = manager._waiters
    assert waiters is not None
    await asyncio.wait([waiters.flight])
    waiters._expire()  # as if the timer ran before the login's done callback
    assert (await waiter).token == "t"


async def test_a_token_another_client_filed_meanwhile_is_adopted_without_a_login(
    tmp_path: Path,
) -> None:
    logins: list[str] = []

    def login_as(name: str) -> Callable[[], Awaitable[UserToken]]:
        async def login() -> UserToken:
            logins.append(name)
            return _user_token(f"{name}-token", 86400)

        return login

    store = FileTokenStore(tmp_path / "tokens.json")
    first = TokenManager(login_as("first"), store=store, store_key="k")
    second = TokenManager(login_as("second"), store=store, store_key="k")
    await first.ensure_token()
    second._loaded = True  # as if it had looked before the first one filed its token
    adopted = await second.ensure_token()
    assert adopted.token == "first-token"
    assert logins == ["first"]
    # A refused token is dropped, never adopted again.
    second.invalidate("first-token")
    renewed = await second.ensure_token()
    assert renewed.token == "second-token"
    assert logins == ["first", "second"]


async def test_a_client_that_learns_its_account_from_the_token_files_it_under_that_uid(
    tmp_path: Path,
) -> None:
    async def login() -> UserToken:
        return _user_token("t", 86400, uid="the-uid")

    store = MemoryTokenStore()
    manager = TokenManager(login, store=store, store_key=None, key_for_uid=lambda uid: f"k:{uid}")
    before = manager.store_key
    await manager.ensure_token()
    assert (before, manager.store_key) == (None, "k:the-uid")
    assert await store.load("k:the-uid") is not None
    assert repr(store) == "MemoryTokenStore(1 tokens)"


async def test_a_store_lease_shorter_than_the_login_timeout_is_warned_about(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class ShortLease(MemoryTokenStore):
        lease = 5.0

    caplog.set_level(logging.WARNING, logger="gizwits_async.auth")
    TokenManager(None, store=ShortLease(), login_timeout=65.0)
    assert "does not outlive the login timeout" in caplog.text
