"""Hostile ``aiohttp.web`` servers on 127.0.0.1: each records what reached it, and answers
through a handler the test writes (redirects, echoes of secrets, endless bodies, ...)."""

from __future__ import annotations

import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest
from aiohttp import web

from gizwits_async import GizwitsClient, UserToken

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Long enough that a partial echo (a 16-character run) can be told from a whole one.
TOKEN = "u5er-t0ken-9f2c41d7a8e64b0c93d1f5e7a2b86c40"
APP_SECRET = "app-secret-3b7e19c05d2a4f68"
PRODUCT_KEY = "6f3074fe43894547a4f1314bd7e3ae0b"
PRODUCT_SECRET = "0123456789abcdef0123456789abcdef"
USERNAME = "mallory-victim"
# A quote in the password: a server echoing the JSON body shows it escaped.
PASSWORD = 'Pa"ssw0rd-l0ng-enough-to-cut'
DID = "hostiledid0001"


@attrs.frozen
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class Hostile:
    """A catch-all server on 127.0.0.1 that records every request, then lets the handler
    answer it."""

    def __init__(self, handler: Handler, **server_options: Any) -> None:
        self.seen: list[Seen] = []
        self._handler = handler
        self._options = server_options
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def _catch_all(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.seen.append(Seen(request.method, request.path_qs, dict(request.headers), body))
        return await self._handler(request)

    async def start(self) -> Hostile:
        """Listen on an ephemeral port of 127.0.0.1."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._catch_all)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, **self._options)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self

    async def close(self) -> None:
        """Stop listening and drop open connections."""
        if self._runner is not None:
            await self._runner.cleanup()


MakeHostile = Callable[..., Awaitable[Hostile]]


@pytest.fixture
async def hostile() -> AsyncIterator[MakeHostile]:
    """A factory of hostile servers, all stopped when the test ends."""
    servers: list[Hostile] = []

    async def make(handler: Handler, **server_options: Any) -> Hostile:
        server = await Hostile(handler, **server_options).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        await server.close()


def user_token(token: str = TOKEN) -> UserToken:
    """A token valid for a day, so no call logs in first."""
    now = time.time()
    return UserToken(
        uid="hostile-uid",
        token=token,
        expire_at=datetime.fromtimestamp(now + 86400, UTC),
        issued_at=datetime.fromtimestamp(now, UTC),
    )


def hostile_client(url: str, **options: Any) -> GizwitsClient:
    """A client of ``url`` holding a user token, the app secret and the product secret."""
    options.setdefault("token", user_token())
    options.setdefault("max_retries", 0)
    return GizwitsClient(
        "hostile-app-id",
        base_url=url,
        app_secret=APP_SECRET,
        product_secrets={PRODUCT_KEY: PRODUCT_SECRET},
        **options,
    )


def chain(error: BaseException) -> Iterator[BaseException]:
    """The error and everything chained to it (causes and contexts), each once."""
    seen: set[int] = set()
    todo: list[BaseException] = [error]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [e for e in (current.__cause__, current.__context__) if e is not None]


def error_texts(error: BaseException) -> list[str]:
    """Every text a user may see of an error: str, repr, attributes, traceback, chain."""
    texts = ["".join(traceback.format_exception(error))]
    for link in chain(error):
        texts += [str(link), repr(link), repr(vars(link))]
    return texts
