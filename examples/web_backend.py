"""An aiohttp.web backend that serves many requests through ONE shared ``GizwitsClient``.

The client is created when the application starts and closed when it stops (a
``cleanup_ctx``), and kept under a typed ``web.AppKey``. Every request uses it, so the whole
backend shares one connection pool, one token (one login, refreshed before it expires) and one
concurrency bound.

Routes:

* ``GET /devices``: the account's bound devices;
* ``GET /devices/{did}``: one device's detail and latest status;
* ``POST /devices/{did}/control`` with a JSON body ``{"attrs": {"switch": true}}``.

Errors are answered as JSON ``{"error": ..., "error_code": ..., "message": ...}`` with a status
chosen by the error's class: 400 for a bad request body, a malformed did or a datapoint the
cloud refused (9015, 9025), 403 for a device the account is not bound to (9017), 404 for an
unknown device, 409 for an offline device, 429 with ``Retry-After`` when the cloud throttles,
502 when the cloud failed or refused our credentials, 504 when it did not answer in time.

Run it from the repository root::

    python -m examples.web_backend --simulator --port 8080
    curl http://127.0.0.1:8080/devices
    GIZWITS_APP_ID=... GIZWITS_USERNAME=... GIZWITS_PASSWORD=... \\
        python -m examples.web_backend --region eu --port 8080

With ``--simulator`` the backend starts an embedded simulator with the demo account and three
devices alongside itself, and stops it on cleanup.

Account flags and environment variables: ``--app-id`` (GIZWITS_APP_ID), ``--username``
(GIZWITS_USERNAME), ``--password`` (GIZWITS_PASSWORD, prompted when missing), ``--region``
(GIZWITS_REGION: cn, us, eu), ``--base-url`` (GIZWITS_BASE_URL).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, TextIO

from aiohttp import web

from examples._account import Account, account_from_args, add_account_arguments, simulated_account
from gizwits_async import (
    DeviceStatus,
    ErrorCode,
    GizwitsAPIError,
    GizwitsAuthError,
    GizwitsClient,
    GizwitsClientClosedError,
    GizwitsDeviceOfflineError,
    GizwitsError,
    GizwitsNotFoundError,
    GizwitsRateLimitError,
    GizwitsTimeoutError,
)
from gizwits_async.simulator import GizwitsSimulator

CLIENT = web.AppKey("gizwits_client", GizwitsClient)
SIMULATOR = web.AppKey("gizwits_simulator", GizwitsSimulator)
SIMULATED_DEVICES = 3

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
routes = web.RouteTableDef()

# Gizwits codes that say the request itself was wrong, whatever HTTP status carried them.
_CLIENT_MISTAKES = {
    ErrorCode.FORM_INVALID: 400,
    ErrorCode.ATTR_INVALID: 400,
    ErrorCode.DEVICE_NOT_BOUND: 403,
    ErrorCode.DEVICE_DISABLED: 403,
}


def error_response(error: GizwitsError) -> web.Response:
    """Map a client error to this backend's answer."""
    code = error.error_code if isinstance(error, GizwitsAPIError) else None
    headers: dict[str, str] = {}
    # Subclasses before their bases: a rate limit, auth or not-found error is an API error too.
    if isinstance(error, GizwitsRateLimitError):
        status = 429
        if error.retry_after is not None:
            headers["Retry-After"] = str(math.ceil(error.retry_after))
    elif isinstance(error, GizwitsNotFoundError):
        status = 404
    elif isinstance(error, GizwitsDeviceOfflineError):
        status = 409
    elif isinstance(error, GizwitsAuthError):
        status = 502  # our own credentials: nothing the caller can fix
    elif isinstance(error, GizwitsAPIError) and code in _CLIENT_MISTAKES:
        status = _CLIENT_MISTAKES[ErrorCode(code)]
    elif isinstance(error, GizwitsTimeoutError):
        status = 504
    elif isinstance(error, GizwitsClientClosedError):
        status = 503
    else:
        status = 502
    message = error.error_message if isinstance(error, GizwitsAPIError) else str(error)
    body = {"error": type(error).__name__, "error_code": code, "message": message}
    return web.json_response(body, status=status, headers=headers)


def bad_request(message: str) -> web.Response:
    return web.json_response(
        {"error": "BadRequest", "error_code": None, "message": message}, status=400
    )


@web.middleware
async def gizwits_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except GizwitsError as err:
        return error_response(err)
    except ValueError as err:  # the client refused a malformed did before sending it
        return bad_request(str(err))


def status_json(status: DeviceStatus) -> dict[str, Any]:
    return {
        "updated_at": status.updated_at.isoformat() if status.updated_at else None,
        "attrs": status.attrs,
    }


@routes.get("/devices")
async def list_devices(request: web.Request) -> web.Response:
    client = request.app[CLIENT]
    devices = await client.bindings.list(page_size=100).collect()
    return web.json_response(
        [
            {
                "did": device.did,
                "alias": device.dev_alias,
                "product_key": device.product_key,
                "online": device.is_online,
            }
            for device in devices
        ]
    )


@routes.get("/devices/{did}")
async def get_device(request: web.Request) -> web.Response:
    client = request.app[CLIENT]
    did = request.match_info["did"]
    device = await client.devices.get(did)
    status = await client.devices.latest(did)
    return web.json_response(
        {
            "did": did,
            "alias": device.dev_alias,
            "product_key": device.product_key,
            "online": device.is_online,
            **status_json(status),
        }
    )


@routes.post("/devices/{did}/control")
async def control_device(request: web.Request) -> web.Response:
    client = request.app[CLIENT]
    did = request.match_info["did"]
    try:
        body = await request.json()
    except ValueError:
        return bad_request("the body must be JSON")
    attrs = body.get("attrs") if isinstance(body, dict) else None
    if not isinstance(attrs, dict) or not attrs:
        return bad_request('the body must be {"attrs": {"name": value, ...}}')
    await client.devices.control(did, attrs=attrs)
    return web.json_response({"did": did, "sent": attrs})


def create_app(account: Account | None = None, *, simulator_devices: int = 0) -> web.Application:
    """The backend for ``account``; without one, for an embedded simulator holding the demo
    account and ``simulator_devices`` devices (at least one)."""
    if account is None and simulator_devices < 1:
        raise ValueError("give an account, or simulator_devices >= 1")
    app = web.Application(middlewares=[gizwits_errors])
    app.add_routes(routes)

    async def gizwits_client(app: web.Application) -> AsyncIterator[None]:
        """Startup and cleanup in one: what is entered here is closed after the last request."""
        async with contextlib.AsyncExitStack() as stack:
            if account is None:
                sim, target = await stack.enter_async_context(simulated_account(simulator_devices))
                app[SIMULATOR] = sim
            else:
                target = account
            # One client for the application's lifetime: one pool, one token, one bound.
            app[CLIENT] = await stack.enter_async_context(target.client())
            yield

    app.cleanup_ctx.append(gizwits_client)
    return app


@contextlib.asynccontextmanager
async def serving(app: web.Application, host: str, port: int) -> AsyncIterator[str]:
    """Run ``app`` on host:port (0: a free port) and yield its URL."""
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        bound_port = runner.addresses[0][1]
        yield f"http://{host}:{bound_port}"
    finally:
        await runner.cleanup()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m examples.web_backend", description=__doc__.split("\n\n")[0]
    )
    add_account_arguments(parser)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0: any free port")
    return parser


async def amain(
    argv: Sequence[str] | None = None,
    out: TextIO | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve until ``stop`` is set (or SIGINT/SIGTERM when running as a program)."""
    out = sys.stdout if out is None else out
    parser = build_parser()
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error("--port must be between 0 and 65535")
    if args.simulator:
        app = create_app(simulator_devices=SIMULATED_DEVICES)
    else:
        app = create_app(account_from_args(args, parser))
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
    async with serving(app, args.host, args.port) as url:
        where = f" (simulator at {app[SIMULATOR].base_url})" if SIMULATOR in app else ""
        print(f"serving on {url}{where}; try: curl {url}/devices", file=out, flush=True)
        await stop.wait()
    print("stopped", file=out)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        asyncio.run(amain(argv))
    except (GizwitsError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
