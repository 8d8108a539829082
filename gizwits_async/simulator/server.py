"""``GizwitsSimulator``: an embedded Gizwits cloud on 127.0.0.1, for tests, demos and users."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import socket
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import attrs
from aiohttp import web
from multidict import CIMultiDict

from gizwits_async._attrs import Frozen
from gizwits_async._redact import REDACTED, redact
from gizwits_async.simulator._web import APP_ID, CONTENT_TYPE, STATE, needs_app_id
from gizwits_async.simulator.clock import SimClock
from gizwits_async.simulator.errors import SimError
from gizwits_async.simulator.faults import Fault, FaultInjector
from gizwits_async.simulator.handlers import MODULES
from gizwits_async.simulator.push import PUSH_PATH, PushEndpoint
from gizwits_async.simulator.state import (
    DEFAULT_TOKEN_LIFETIME,
    App,
    Device,
    Product,
    SimState,
    User,
    new_id,
)

if TYPE_CHECKING:
    from gizwits_async.simulator.demo import DemoAccount

_LOGGER = logging.getLogger(__name__)

SIMULATOR: web.AppKey[GizwitsSimulator] = web.AppKey("gizwits_simulator")

RAW_DATA_SHAPES = frozenset({"flat", "nested"})
_HANG_UP_POLL = 0.01
_HTML_ERROR = "<html><head><title>{0}</title></head><body><h1>{0}</h1></body></html>"


# A share code travels in the path of these requests; it is a secret like a token.
_CODE_IN_PATH = re.compile(r"^(/app/sharing/code/)[^/]+")


def _redacted_repr(value: Any) -> str:
    return repr(redact(value))


def _redacted_path(path: str) -> str:
    return _CODE_IN_PATH.sub(rf"\g<1>{REDACTED}", path)


@attrs.frozen(repr=False, eq=False)
class RecordedRequest(Frozen):
    """A request as the simulator received it.

    Its repr hides secrets (passwords, tokens, codes in the body or the query; the headers
    and the raw body are left out), so a failing test's assertion message never shows them.
    """

    method: str
    path: str = attrs.field(repr=lambda path: repr(_redacted_path(path)))
    query: dict[str, str] = attrs.field(repr=_redacted_repr)
    headers: CIMultiDict[str] = attrs.field(repr=False)
    body: Any = attrs.field(repr=_redacted_repr)
    raw_body: bytes = attrs.field(repr=False)
    time: float

    def describe(self, status: int | None = None) -> str:
        """One line for a request log: method, path, query and body, secrets hidden."""
        path = _redacted_path(self.path)
        if self.query:
            path += "?" + "&".join(f"{k}={v}" for k, v in redact(self.query).items())
        line = f"{self.method} {path}"
        if status is not None:
            line += f" -> {status}"
        if self.body is not None:
            line += " " + json.dumps(redact(self.body), ensure_ascii=False, separators=(",", ":"))
        elif self.raw_body:
            line += f" ({len(self.raw_body)} bytes)"
        return line


class GizwitsSimulator:
    """A Gizwits cloud on loopback. ``async with GizwitsSimulator() as sim: sim.base_url``."""

    def __init__(
        self,
        app_id: str = "sim-app-id",
        *,
        app_secret: str | None = None,
        port: int = 0,
        host: str = "127.0.0.1",
        token_lifetime: float = DEFAULT_TOKEN_LIFETIME,
        clock: SimClock | None = None,
        latency: float = 0.0,
        json_content_type: str = "application/json",
        record_requests: bool = True,
        fault_seed: int | None = None,
        raw_data_shape: str = "flat",
    ) -> None:
        self.clock = clock or SimClock()
        self.state = SimState(self.clock, token_lifetime=token_lifetime)
        self.raw_data_shape = raw_data_shape
        self.app_id = app_id
        self.app_secret = app_secret or new_id()
        self.state.apps[app_id] = App(app_id, self.app_secret)
        self.faults = FaultInjector(seed=fault_seed)
        self.requests: list[RecordedRequest] = []
        self.record_requests = record_requests
        self.latency = latency
        self.in_flight = 0
        self.max_in_flight = 0
        self._host = host
        self._port = port
        self._json_content_type = json_content_type
        self._runner: web.AppRunner | None = None
        self._ticker: asyncio.Task[None] | None = None
        self.base_url = ""
        self.demo: DemoAccount | None = None
        self.push = PushEndpoint(self)
        # Called with one line per request (and, where the simulator serves one, per
        # websocket frame): see ``log()``. ``gizwits-async serve --log`` prints them.
        self.log_listeners: list[Callable[[str], None]] = []
        self.app = self._make_app()

    def __repr__(self) -> str:
        return f"GizwitsSimulator(base_url={self.base_url!r})"

    def log(self, line: str) -> None:
        """Hand one line (secrets already hidden) to every function in ``log_listeners``."""
        for listener in self.log_listeners:
            listener(line)

    # -- lifecycle ---------------------------------------------------------------------------

    def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        app[STATE] = self.state
        app[CONTENT_TYPE] = self._json_content_type
        app[SIMULATOR] = self
        for module in MODULES:
            app.add_routes(module.routes)
        app.router.add_get(PUSH_PATH, self.push.handle)
        return app

    async def start(self) -> None:
        """Listen on ``host``/``port`` (an ``OSError`` such as EADDRINUSE if it cannot)."""
        if self._runner is not None:
            return
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self._host, self._port))
        except OSError:
            sock.close()
            raise
        runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.SockSite(runner, sock)
        await site.start()
        self._runner = runner
        port = sock.getsockname()[1]
        self.base_url = f"http://{self._host}:{port}"
        # Bindings point push clients at this very server, never at the real cloud.
        self.state.endpoint_host, self.state.endpoint_port = self._host, port
        self._ticker = asyncio.create_task(self._tick())

    async def close(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        await self.push.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            self.clock.run_due()

    @property
    def raw_data_shape(self) -> str:
        """How ``raw_data`` answers: ``"flat"`` (the doc's ``objects`` list, the default) or
        ``"nested"`` (``objects.hits.objects``, entries with ``payload`` and integer
        timestamps, as the EU cloud answered in 2024)."""
        return self.state.raw_data_shape

    @raw_data_shape.setter
    def raw_data_shape(self, shape: str) -> None:
        if shape not in RAW_DATA_SHAPES:
            raise ValueError(
                f"raw_data_shape must be one of {sorted(RAW_DATA_SHAPES)}, not {shape!r}"
            )
        self.state.raw_data_shape = shape

    # -- set-up helpers for tests and demos -------------------------------------------------

    def add_product(
        self,
        product_key: str,
        *,
        datapoints: dict[str, Any] | None = None,
        product_secret: str | None = None,
        name: str | None = None,
    ) -> Product:
        return self.state.add_product(
            product_key, datapoints=datapoints, product_secret=product_secret, name=name
        )

    def add_device(
        self,
        product_key: str,
        *,
        mac: str | None = None,
        online: bool = True,
        attrs: dict[str, Any] | None = None,
        owner: str | None = None,
    ) -> str:
        """Create a virtual device and return its did; ``owner`` (a uid) binds it at once."""
        device = self.state.add_device(product_key, mac=mac, online=online, attrs=attrs)
        if owner is not None:
            self.state.bind(owner, device.did)
        return device.did

    def device(self, did: str) -> Device:
        return self.state.device(did)

    def report(self, did: str, attrs: dict[str, Any]) -> None:
        """The device reports values: pushed to subscribed sockets, visible in ``latest``."""
        self.state.report(did, attrs)

    def set_online(self, did: str, online: bool) -> None:
        """The device goes online or offline: pushed to subscribed sockets."""
        self.state.set_online(did, online)

    def add_user(
        self,
        username: str | None = None,
        password: str | None = None,
        *,
        email: str | None = None,
        phone: str | None = None,
    ) -> User:
        return self.state.add_user(username=username, password=password, email=email, phone=phone)

    def bind(self, uid: str, did: str, *, role: str | None = None) -> None:
        self.state.bind(uid, did, role=role)

    @property
    def sms_outbox(self) -> list[dict[str, Any]]:
        return self.state.sms_outbox

    @property
    def mail_outbox(self) -> list[dict[str, Any]]:
        return self.state.mail_outbox

    def last_sms_code(self, phone: str) -> str:
        """The latest SMS code texted to ``phone`` (LookupError if none was)."""
        for sms in reversed(self.state.sms_outbox):
            if sms["phone"] == phone:
                return str(sms["code"])
        raise LookupError(f"no SMS code was sent to {phone}")

    def captcha_code(self, captcha_id: str) -> str:
        """The text a captcha image would show (KeyError once it was used)."""
        return self.state.verification.captchas[captcha_id]

    def complete_password_reset(self, token: str, new_password: str) -> None:
        """Do what following a mailed reset link does: set the new password (the link's
        ``token`` is in ``mail_outbox``); 9010/9009 ``SimError`` if unknown or expired."""
        uid = self.state.verification.use_reset_link(token)
        self.state.users[uid].password = new_password

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """How many recorded requests match a method and a path regular expression."""
        pattern = re.compile(path) if path is not None else None
        return sum(
            1
            for r in self.requests
            if (method is None or r.method == method)
            and (pattern is None or pattern.fullmatch(r.path))
        )

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        pattern = re.compile(path)
        return [r for r in self.requests if r.method == method and pattern.fullmatch(r.path)]

    def reset_counters(self) -> None:
        self.requests.clear()
        self.max_in_flight = self.in_flight

    # -- request pipeline ------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path == PUSH_PATH:
            # A socket lives for minutes and carries no app id header: not a REST request.
            if self.record_requests:
                self.requests.append(self._record(request, b""))
            response: web.StreamResponse = await handler(request)
            return response
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        record: RecordedRequest | None = None
        status: int | None = None
        try:
            raw = await request.read()
            if self.record_requests or self.log_listeners:
                record = self._record(request, raw)
            if self.record_requests and record is not None:
                self.requests.append(record)
            fault = self.faults.take(request.method, request.path)
            if self.latency:
                await asyncio.sleep(self.latency)
            if fault is not None and not fault.after_handler:
                response = await self._apply_fault(request, fault, None)
            else:
                response = await self._handle(request, handler)
                if fault is not None:
                    response = await self._apply_fault(request, fault, response)
            status = response.status
            return response
        finally:
            self.in_flight -= 1
            if record is not None and self.log_listeners:
                self.log(record.describe(status))

    def _record(self, request: web.Request, raw: bytes) -> RecordedRequest:
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        return RecordedRequest(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers=CIMultiDict(request.headers),
            body=body,
            raw_body=raw,
            time=self.clock.now(),
        )

    async def _handle(self, request: web.Request, handler: Any) -> web.StreamResponse:
        # Routing comes first, as in the cloud: an unknown path is 404 and a wrong method 405
        # (aiohttp's answers), whatever the headers.
        route_error = request.match_info.http_exception
        if route_error is not None:
            raise route_error
        try:
            if needs_app_id(request.match_info.handler):
                self.state.check_app(request.headers.get(APP_ID))
            response: web.StreamResponse = await handler(request)
        except SimError as err:
            return self._error_response(err)
        return response

    def _error_response(self, err: SimError) -> web.Response:
        return web.Response(
            status=err.status,
            body=json.dumps(err.body()).encode(),
            content_type=self._json_content_type,
        )

    async def _apply_fault(
        self, request: web.Request, fault: Fault, response: web.StreamResponse | None
    ) -> web.StreamResponse:
        if fault.delay:
            await _sleep_until_hang_up(request, fault.delay)
        if fault.reset and fault.truncate is None:
            raise _hang_up(request)
        result: web.StreamResponse
        if fault.body is not None:
            body = fault.body.encode() if isinstance(fault.body, str) else fault.body
            result = web.Response(
                status=fault.status or 200,
                body=body,
                content_type=fault.content_type or "text/html",
            )
        elif fault.error_code is not None:
            result = self._error_response(
                SimError(fault.error_code, status=fault.status, message=fault.error_message)
            )
        elif fault.status is not None:
            result = web.Response(
                status=fault.status,
                text=_HTML_ERROR.format(f"{fault.status} Error"),
                content_type="text/html",
            )
        elif response is not None:
            result = response
        else:
            raise ValueError(f"fault {fault!r} says neither what to answer nor how to fail")
        if fault.content_type is not None and isinstance(result, web.Response):
            result.content_type = fault.content_type
        if fault.retry_after is not None:
            result.headers["Retry-After"] = fault.retry_after
        if fault.truncate is not None and isinstance(result, web.Response):
            return await self._truncate(request, fault, result)
        return result

    async def _truncate(
        self, request: web.Request, fault: Fault, response: web.Response
    ) -> web.StreamResponse:
        """Send only the first ``fault.truncate`` bytes of the body."""
        body = response.body if isinstance(response.body, bytes) else b""
        kept = body[: fault.truncate]
        if not fault.reset:
            response.body = kept
            return response
        # Announce the whole body, send part of it and hang up: the client's read fails.
        stream = web.StreamResponse(status=response.status, headers=response.headers)
        stream.content_length = len(body)
        await stream.prepare(request)
        await stream.write(kept)
        raise _hang_up(request)


async def _sleep_until_hang_up(request: web.Request, delay: float) -> None:
    """Wait ``delay`` seconds, or less if the client hangs up (nobody is left to answer)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + delay
    while (left := end - loop.time()) > 0:
        transport = request.transport
        if transport is None or transport.is_closing():
            raise asyncio.CancelledError
        await asyncio.sleep(min(left, _HANG_UP_POLL))


def _hang_up(request: web.Request) -> asyncio.CancelledError:
    """Drop the connection; the handler then ends with the returned error (nothing more can be
    written on this connection)."""
    transport = request.transport
    if transport is not None:
        transport.abort()
    return asyncio.CancelledError()
