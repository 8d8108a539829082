"""The ``gizwits-async`` command: run the simulator, or take the demo tour against it."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, TextIO

from gizwits_async import GizwitsClient, GizwitsError, __version__
from gizwits_async.simulator import GizwitsSimulator
from gizwits_async.simulator.demo import DEMO_PASSWORD, DEMO_USERNAME, load_demo
from gizwits_async.simulator.presets import DEMO_PRODUCT_KEY, DEMO_PRODUCT_SECRET

NEWCOMER_PASSWORD = "N3wcomer-pw"  # noqa: S105 - a demo account made during the tour


def prepare_demo_simulator(sim: GizwitsSimulator, devices: int) -> list[str]:
    """Load the demo account into ``sim``; return the dids of its devices."""
    return load_demo(sim, devices).dids


async def serve(port: int, devices: int, out: TextIO, stop: asyncio.Event | None = None) -> None:
    async with GizwitsSimulator(port=port) as sim:
        dids = prepare_demo_simulator(sim, devices)
        print(f"Gizwits simulator listening on {sim.base_url}", file=out)
        print(f"  app id:        {sim.app_id}", file=out)
        print(f"  app secret:    {sim.app_secret}", file=out)
        print(f"  user:          {DEMO_USERNAME} / {DEMO_PASSWORD}", file=out)
        print(f"  product key:   {DEMO_PRODUCT_KEY} (secret {DEMO_PRODUCT_SECRET})", file=out)
        print(f"  devices:       {len(dids)}", file=out)
        print("Press Ctrl-C to stop.", file=out, flush=True)
        await (stop or asyncio.Event()).wait()


class Report:
    """Collects the demo's steps with their timings and prints them as a table."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.rows: list[tuple[str, str, float]] = []

    async def step(self, title: str, action: Callable[[], Awaitable[str]]) -> None:
        started = time.perf_counter()
        result = await action()
        elapsed = time.perf_counter() - started
        self.rows.append((title, result, elapsed))
        print(f"  {title:<34} {elapsed * 1000:8.1f} ms  {result}", file=self.out, flush=True)


class DemoTour:
    """The demo's steps, each one SDK feature shown against the simulator."""

    def __init__(self, sim: GizwitsSimulator, client: GizwitsClient, dids: list[str]) -> None:
        self.sim = sim
        self.client = client
        self.dids = dids

    def steps(self) -> list[tuple[str, Callable[[], Awaitable[str]]]]:
        count = len(self.dids)
        return [
            ("system status", self.system),
            ("register a user", self.register),
            ("log in", self.login),
            ("list bindings", self.bindings),
            ("read a device", self.read),
            ("control a device", self.control),
            (f"control {count} devices at once", self.fan_out),
            (f"poll {count} devices at once", self.poll),
            ("token refresh", self.token_refresh),
        ]

    async def system(self) -> str:
        return f"Open API version {(await self.client.system.status()).version}"

    async def register(self) -> str:
        token = await self.client.users.create(username="newcomer", password=NEWCOMER_PASSWORD)
        return f"new user uid {token.uid[:8]}…"

    async def login(self) -> str:
        token = await self.client.login(DEMO_USERNAME, DEMO_PASSWORD)
        return f"token valid for {token.expires_in() / 86400:.0f} days"

    async def bindings(self) -> str:
        found = await self.client.bindings.list().collect()
        return f"{len(found)} devices bound"

    async def read(self) -> str:
        did = self.dids[0]
        status = await self.client.devices.latest(did)
        return f"{did[:8]}… switch={status.attrs.get('switch')}"

    async def control(self) -> str:
        did = self.dids[0]
        await self.client.devices.control(did, attrs={"switch": True, "LED_R": 120})
        status = await self.client.devices.latest(did)
        return f"switch={status.attrs['switch']} LED_R={status.attrs['LED_R']}"

    async def fan_out(self) -> str:
        result = await self.client.devices.control_many(self.dids, attrs={"switch": True})
        failed = ", ".join(type(e).__name__ for e in result.failed.values())
        return f"{len(result.succeeded)} ok, {len(result.failed)} failed ({failed})"

    async def poll(self) -> str:
        result = await self.client.devices.latest_many(self.dids)
        on = sum(1 for s in result.succeeded.values() if s.attrs.get("switch"))
        return f"{len(result.succeeded)} read, {on} switched on"

    async def token_refresh(self) -> str:
        before = self.client.token
        self.sim.clock.advance(181 * 86400)  # every token on the server has now expired
        await self.client.devices.latest(self.dids[0])
        if self.client.token is not None and self.client.token != before:
            return "token expired on the server; re-logged in and replayed"
        return "token kept"


async def demo(out: TextIO, *, devices: int = 20) -> int:
    """A short tour of the SDK against an embedded simulator."""
    print(f"gizwits-async {__version__} demo: an embedded simulator, no account needed\n", file=out)
    async with GizwitsSimulator() as sim:
        dids = prepare_demo_simulator(sim, devices)
        sim.state.set_online(dids[-1], online=False)
        report = Report(out)
        async with GizwitsClient(
            sim.app_id, base_url=sim.base_url, username=DEMO_USERNAME, password=DEMO_PASSWORD
        ) as client:
            for title, action in DemoTour(sim, client, dids).steps():
                await report.step(title, action)
        total = sum(row[2] for row in report.rows)
        print(
            f"\n{len(report.rows)} steps in {total * 1000:.0f} ms; "
            f"the simulator saw {len(sim.requests)} requests and "
            f"{sim.count('POST', '/app/login')} log-ins.",
            file=out,
        )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gizwits-async", description="Gizwits Open API client and cloud simulator"
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="run the simulator until Ctrl-C")
    serve_cmd.add_argument("--port", type=int, default=8765, help="TCP port (0: any free one)")
    serve_cmd.add_argument("--devices", type=int, default=10, help="virtual devices to create")
    demo_cmd = commands.add_parser("demo", help="a tour of the SDK against the simulator")
    demo_cmd.add_argument("--devices", type=int, default=20, help="virtual devices in the tour")
    return parser


def _check_count(value: int, name: str, parser: argparse.ArgumentParser) -> None:
    if value < 1 or value > 100_000:
        parser.error(f"{name} must be between 1 and 100000")


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    stream = out or sys.stdout
    runner: Coroutine[Any, Any, int | None]
    if args.command == "serve":
        _check_count(args.devices, "--devices", parser)
        if not 0 <= args.port <= 65535:
            parser.error("--port must be between 0 and 65535")
        runner = serve(args.port, args.devices, stream)
    else:
        _check_count(args.devices, "--devices", parser)
        runner = demo(stream, devices=args.devices)
    result: int | None = 0
    try:
        with contextlib.suppress(KeyboardInterrupt):
            result = asyncio.run(runner)
    except (GizwitsError, OSError) as err:
        if args.debug:
            raise
        print(f"gizwits-async: error: {err}", file=sys.stderr)
        return 1
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
