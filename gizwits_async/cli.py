"""The ``gizwits-async`` command: the simulator, the demo tour, and account commands.

``login`` saves the token (never the password) with ``FileTokenStore`` under the user's
config directory; ``devices``, ``latest``, ``control`` and ``watch`` use it. Every account
command takes ``--base-url`` to point at a simulator. Errors print one line and exit 1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import getpass
import io
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import attrs

from gizwits_async import FileTokenStore, GizwitsClient, GizwitsError, __version__
from gizwits_async.auth import token_store_key
from gizwits_async.client import REGION_URLS, Region
from gizwits_async.models.raw_data import RawDataEntry
from gizwits_async.models.rules import Condition, Rule, RuleAction, RuleInput
from gizwits_async.models.scenes import SceneTask
from gizwits_async.models.schedules import Schedule
from gizwits_async.models.sharing import SharingDirection
from gizwits_async.simulator import GizwitsSimulator
from gizwits_async.simulator.demo import DEMO_PASSWORD, DEMO_USERNAME, load_demo
from gizwits_async.simulator.presets import (
    DEMO_INITIAL_ATTRS,
    DEMO_PRODUCT_KEY,
    DEMO_PRODUCT_SECRET,
)

DEMO_MIN_DEVICES = 12  # the tour uses ten for a group and a few more for the rule and schedule
GUEST_USERNAME = "guest"
GUEST_PASSWORD = "Gu3st-pass-123"  # noqa: S105 - a demo account made during the tour
PROGRESS_INTERVAL = 0.1  # seconds between redraws of a progress bar
PROFILE_FILE = "profile.json"
TOKEN_FILE = "tokens.json"  # noqa: S105 - a file name


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
        self.guest: GizwitsClient | None = None
        self.group_id = ""
        self.started = sim.clock.now()

    def steps(self) -> list[tuple[str, Callable[[], Awaitable[str]]]]:
        count = len(self.dids)
        return [
            ("system status", self.system),
            ("register a second user", self.register),
            ("log in", self.login),
            ("bind a new device by MAC (signed)", self.bind),
            ("list bindings", self.bindings),
            ("read a device", self.read),
            ("control a device", self.control),
            (f"control {count} devices at once", self.fan_out),
            (f"poll {count} devices at once", self.poll),
            ("share a device with the second user", self.share),
            ("messages of both users", self.messages),
            ("group of 10 devices, one command", self.group),
            ("scene: device, 10 s delay, group", self.scene),
            ("schedule fired by the clock", self.schedule),
            ("rule: A.switch on -> B.LED_R 100", self.rule),
            ("export a device's raw log", self.export_raw),
            ("aggregate a day of reports", self.aggregate),
            ("token refresh", self.token_refresh),
            ("push: a report, a dropped socket", self.push),
        ]

    async def close(self) -> None:
        if self.guest is not None:
            await self.guest.close()

    async def push(self) -> str:
        from gizwits_async.simulator.demo import show_push  # noqa: PLC0415 - this step only

        return await show_push(self.sim, self.client, self.dids[0])

    async def system(self) -> str:
        return f"Open API version {(await self.client.system.status()).version}"

    async def register(self) -> str:
        token = await self.client.users.create(username=GUEST_USERNAME, password=GUEST_PASSWORD)
        self.guest = GizwitsClient(
            self.sim.app_id,
            base_url=self.sim.base_url,
            username=GUEST_USERNAME,
            password=GUEST_PASSWORD,
        )
        return f"{GUEST_USERNAME}, uid {token.uid[:8]}…"

    async def login(self) -> str:
        token = await self.client.login(DEMO_USERNAME, DEMO_PASSWORD)
        return f"token valid for {token.expires_in() / 86400:.0f} days"

    async def bind(self) -> str:
        mac = "accf23b0d446"
        self.sim.add_device(DEMO_PRODUCT_KEY, mac=mac, attrs=dict(DEMO_INITIAL_ATTRS))
        device = await self.client.bindings.bind_mac(DEMO_PRODUCT_KEY, mac, dev_alias="Porch")
        role = device.role.value if device.role else "-"
        return f"{device.did[:8]}… bound as {role}, alias {device.dev_alias}"

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
        # 5 ms of simulated cloud latency, so that requests overlap as they do over a network.
        self.sim.latency, self.sim.max_in_flight = 0.005, 0
        try:
            result = await self.client.devices.control_many(self.dids, attrs={"switch": True})
        finally:
            self.sim.latency = 0.0
        failed = ", ".join(sorted({type(e).__name__ for e in result.failed.values()}))
        return (
            f"{len(result.succeeded)} ok, {len(result.failed)} failed ({failed}); "
            f"at most {self.sim.max_in_flight} requests in flight"
        )

    async def poll(self) -> str:
        result = await self.client.devices.latest_many(self.dids)
        on = sum(1 for s in result.succeeded.values() if s.attrs.get("switch"))
        return f"{len(result.succeeded)} read, {on} switched on"

    async def share(self) -> str:
        guest = self._guest()
        did = self.dids[1]
        await self.client.sharing.create(did=did, username=GUEST_USERNAME)
        pending = await guest.sharing.list(SharingDirection.RECEIVED, status=0).collect()
        await guest.sharing.accept(pending[0].id)
        shared = [d for d in await guest.bindings.list().collect() if d.did == did]
        role = shared[0].role.value if shared and shared[0].role else "none"
        return f"{len(pending)} invitation accepted; the guest sees {did[:8]}… as {role}"

    async def messages(self) -> str:
        mine = await self.client.messages.list().collect()
        theirs = await self._guest().messages.list().collect()
        latest = (theirs[0].content or "")[:40] if theirs else "-"
        return f"owner {len(mine)}, guest {len(theirs)}; latest: {latest}…"

    async def group(self) -> str:
        self.group_id = await self.client.groups.create("lamps", product_key=DEMO_PRODUCT_KEY)
        members = self.dids[:10]
        await self.client.groups.add_devices(self.group_id, members)
        results = await self.client.groups.control(self.group_id, attrs={"LED_R": 50})
        return f"{sum(results.values())} of {len(results)} devices took LED_R=50"

    async def scene(self) -> str:
        tasks = [
            SceneTask.device(self.dids[2], attrs={"switch": False}),
            SceneTask.delay(10),
            SceneTask.group(self.group_id, attrs={"LED_R": 200}),
        ]
        scene_id = await self.client.scenes.create("evening", tasks)
        await self.client.scenes.run(scene_id)
        before = await self.client.scenes.run_status(scene_id)
        self.sim.clock.advance(11)
        after = await self.client.scenes.run_status(scene_id)
        return f"status {before.status.name.lower()} -> {after.status.name.lower()} after 11 s"

    async def schedule(self) -> str:
        did = self.dids[3]
        when = datetime.fromtimestamp(self.sim.clock.now() + 3600, UTC)
        await self.client.schedulers.create(did, Schedule.once(when, attrs={"LED_R": 42}))
        self.sim.clock.advance(3660)
        status = await self.client.devices.latest(did)
        return f"one-shot at {when:%H:%M} UTC ran: LED_R={status.attrs.get('LED_R')}"

    async def rule(self) -> str:
        trigger, target = self.dids[4], self.dids[5]
        rule = Rule(
            did=trigger,
            product_key=DEMO_PRODUCT_KEY,
            name="light B when A switches on",
            input=[RuleInput(did=trigger, product_key=DEMO_PRODUCT_KEY, prefix="a")],
            condition=[[Condition.compare("a.switch", "==", 1)]],
            output=[[RuleAction.control(target, attrs={"LED_R": 100})]],
        )
        await self.client.rules.create(rule)
        await self.client.devices.control(trigger, attrs={"switch": False})
        await self.client.devices.control(trigger, attrs={"switch": True})
        status = await self.client.devices.latest(target)
        return f"B.LED_R={status.attrs.get('LED_R')}"

    async def export_raw(self) -> str:
        did = self.dids[0]
        start, end = self.started - 60, self.sim.clock.now()
        buffer = io.StringIO()
        count = 0
        async for entry in self.client.devices.raw_data(did, start=start, end=end, sort="asc"):
            buffer.write(json.dumps(_export_row(entry)) + "\n")
            count += 1
        return (
            f"{count} entries since the tour began, as JSON lines ({len(buffer.getvalue())} bytes)"
        )

    async def aggregate(self) -> str:
        did = self.dids[6]
        # Report at half past each hour of a whole day, so each hourly bucket holds one value.
        self.sim.clock.advance(3600 - self.sim.clock.now() % 3600 + 1800)
        start = self.sim.clock.now() - 1800
        for hour in range(24):
            self.sim.state.report(did, {"LED_R": hour})
            self.sim.clock.advance(3600)
        result = await self.client.data.aggregate(
            did, attrs=["LED_R"], start=start, end=start + 86400 - 1, aggregator="sum"
        )
        values = [v for v in result.series("LED_R") if v is not None]
        return f"{len(values)} hourly sums, total {sum(values):g}"

    async def token_refresh(self) -> str:
        before = self.client.token
        self.sim.clock.advance(181 * 86400)  # every token on the server has now expired
        await self.client.devices.latest(self.dids[0])
        if self.client.token is not None and self.client.token != before:
            return "token expired on the server; re-logged in and replayed"
        return "token kept"

    def _guest(self) -> GizwitsClient:
        if self.guest is None:
            raise CliError("the second user was not registered")
        return self.guest


async def demo(out: TextIO, *, devices: int = 200) -> int:
    """A tour of the SDK against an embedded simulator, one step per area."""
    print(f"gizwits-async {__version__} demo: an embedded simulator, no account needed\n", file=out)
    async with GizwitsSimulator() as sim:
        dids = prepare_demo_simulator(sim, devices)
        sim.state.set_online(dids[-1], online=False)
        report = Report(out)
        async with GizwitsClient(
            sim.app_id,
            base_url=sim.base_url,
            username=DEMO_USERNAME,
            password=DEMO_PASSWORD,
            product_secrets={DEMO_PRODUCT_KEY: DEMO_PRODUCT_SECRET},
        ) as client:
            tour = DemoTour(sim, client, dids)
            try:
                for title, action in tour.steps():
                    await report.step(title, action)
            finally:
                await tour.close()
        total = sum(row[2] for row in report.rows)
        print(
            f"\n{len(report.rows)} steps in {total * 1000:.0f} ms; "
            f"the simulator saw {len(sim.requests)} requests and "
            f"{sim.count('POST', '/app/login')} log-ins.",
            file=out,
        )
    return 0


# -- account commands: log in once, then use the saved token ----------------------------------


class CliError(Exception):
    """A problem to report in one line (bad profile, not logged in, bad arguments)."""


def config_dir(explicit: str | None) -> Path:
    """Where the profile and the token file live (``--config-dir``, ``GIZWITS_ASYNC_CONFIG``,
    ``$XDG_CONFIG_HOME/gizwits-async`` or ``~/.config/gizwits-async``)."""
    if explicit:
        return Path(explicit).expanduser()
    if os.environ.get("GIZWITS_ASYNC_CONFIG"):
        return Path(os.environ["GIZWITS_ASYNC_CONFIG"]).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "gizwits-async"


@attrs.frozen
class Profile:
    """What ``login`` remembers besides the token (no secrets)."""

    app_id: str
    base_url: str
    username: str

    @classmethod
    def load(cls, directory: Path) -> Profile:
        path = directory / PROFILE_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(app_id=data["app_id"], base_url=data["base_url"], username=data["username"])
        except FileNotFoundError:
            raise CliError("not logged in: run 'gizwits-async login' first") from None
        except (ValueError, KeyError, TypeError):
            raise CliError(f"{path} is damaged: run 'gizwits-async login' again") from None

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / PROFILE_FILE
        path.write_text(json.dumps(attrs.asdict(self)), encoding="utf-8")
        path.chmod(0o600)


def _base_url(args: argparse.Namespace, fallback: str | None = None) -> str:
    if args.base_url:
        return str(args.base_url).rstrip("/")
    if args.region:
        return REGION_URLS[Region(args.region)]
    if fallback:
        return fallback
    return REGION_URLS[Region.CN]


def read_password(stdin: TextIO) -> str:
    """Prompt without echo on a terminal; read one line when the input is piped."""
    if stdin.isatty():
        return getpass.getpass("Password: ")
    return stdin.readline().rstrip("\n")


async def login_command(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    directory = config_dir(args.config_dir)
    password = read_password(stdin)
    if not password:
        raise CliError("no password given")
    profile = Profile(app_id=args.app_id, base_url=_base_url(args), username=args.username)
    # Built with the credentials so that the token is filed under this username, where the
    # other commands look it up.
    async with GizwitsClient(
        profile.app_id,
        base_url=profile.base_url,
        username=profile.username,
        password=password,
        token_store=FileTokenStore(directory / TOKEN_FILE),
    ) as client:
        token = await client.login(profile.username, password)
    profile.save(directory)
    until = token.expire_at.strftime("%Y-%m-%d %H:%M UTC")
    print(f"logged in as {profile.username} (uid {token.uid}); token valid until {until}", file=out)
    return 0


async def _saved_client(args: argparse.Namespace) -> GizwitsClient:
    """A client using the token saved by ``login`` (no password is kept, so no renewal)."""
    directory = config_dir(args.config_dir)
    profile = Profile.load(directory)
    base_url = _base_url(args, profile.base_url)
    key = token_store_key(base_url, profile.app_id, profile.username)
    token = await FileTokenStore(directory / TOKEN_FILE).load(key)
    if token is None:
        raise CliError(f"no saved token for {profile.username} on {base_url}: log in again")
    if token.expires_in() <= 0:
        raise CliError("the saved token has expired: run 'gizwits-async login' again")
    return GizwitsClient(profile.app_id, base_url=base_url, token=token)


def _table(rows: list[list[str]], out: TextIO) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip(),
            file=out,
        )


async def devices_command(args: argparse.Namespace, out: TextIO, _: TextIO) -> int:
    async with await _saved_client(args) as client:
        found = await client.bindings.list().collect()
    rows = [["DID", "ALIAS", "PRODUCT", "ONLINE", "ROLE"]]
    rows += [
        [
            device.did,
            device.dev_alias or "-",
            device.product_name or device.product_key or "-",
            "yes" if device.is_online else "no",
            device.role.value if device.role else "-",
        ]
        for device in found
    ]
    _table(rows, out)
    print(f"{len(found)} device(s)", file=out)
    return 0


def _format_attrs(attrs_: dict[str, Any]) -> str:
    return " ".join(
        f"{name}={json.dumps(value, ensure_ascii=False)}" for name, value in attrs_.items()
    )


async def latest_command(args: argparse.Namespace, out: TextIO, _: TextIO) -> int:
    async with await _saved_client(args) as client:
        status = await client.devices.latest(args.did)
    if not status.has_data:
        print(f"{status.did}: no report in the last 24 hours", file=out)
        return 0
    when = status.updated_at.isoformat() if status.updated_at else "-"
    print(f"{status.did} at {when}", file=out)
    for name, value in status.attrs.items():
        print(f"  {name} = {json.dumps(value, ensure_ascii=False)}", file=out)
    return 0


def parse_assignments(pairs: Sequence[str]) -> dict[str, Any]:
    """``name=value`` arguments; values are read as JSON (true, 12, "text") or kept as text."""
    attrs_: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name:
            raise CliError(f"expected name=value, got {pair!r}")
        try:
            attrs_[name] = json.loads(text)
        except ValueError:
            attrs_[name] = text
    return attrs_


async def control_command(args: argparse.Namespace, out: TextIO, _: TextIO) -> int:
    attrs_ = parse_assignments(args.assignments)
    async with await _saved_client(args) as client:
        await client.devices.control(args.did, attrs=attrs_)
    print(f"{args.did}: sent {_format_attrs(attrs_)}", file=out)
    return 0


async def watch_command(args: argparse.Namespace, out: TextIO, _: TextIO) -> int:
    """Poll devices and print each change of their attributes (``--push``: as pushed)."""
    if args.push:
        from gizwits_async.push import watch_push  # noqa: PLC0415 - only for --push

        def show(line: str) -> None:
            print(f"{time.strftime('%H:%M:%S')} {line}", file=out, flush=True)

        async with await _saved_client(args) as client:
            await watch_push(client, args.dids, show, count=args.count)
        return 0
    seen: dict[str, dict[str, Any]] = {}
    async with await _saved_client(args) as client:
        rounds = 0
        while args.count is None or rounds < args.count:
            if rounds:
                await asyncio.sleep(args.interval)
            rounds += 1
            result = await client.devices.latest_many(args.dids)
            stamp = time.strftime("%H:%M:%S")
            for did, status in result.succeeded.items():
                before = seen.get(did, {})
                changed = {k: v for k, v in status.attrs.items() if before.get(k, _UNSET) != v}
                if changed:
                    print(f"{stamp} {did} {_format_attrs(changed)}", file=out, flush=True)
                seen[did] = dict(status.attrs)
            for did, error in result.failed.items():
                print(f"{stamp} {did} error: {error}", file=out, flush=True)
    return 0


_UNSET = object()

EXPORT_FIELDS = ["timestamp", "type", "ip", "payload_bin", "source", "uid", "appid"]


def parse_time(text: str, name: str) -> datetime:
    """An ISO 8601 time (``2026-11-24T00:00:00Z``); without a zone it means UTC."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise CliError(f"{name} must be an ISO 8601 time, got {text!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class Progress:
    """A progress bar on a terminal: how much of the time range the export has covered."""

    WIDTH = 30

    def __init__(self, stream: TextIO, start: float, end: float) -> None:
        self.stream = stream
        self.start = start
        self.span = max(end - start, 1e-9)
        self.enabled = stream.isatty()
        self.count = 0
        self._shown = 0.0

    def update(self, timestamp: float) -> None:
        self.count += 1
        now = time.monotonic()
        if not self.enabled or now - self._shown < PROGRESS_INTERVAL:
            return
        self._shown = now
        self._draw(min(max((timestamp - self.start) / self.span, 0.0), 1.0))

    def _draw(self, fraction: float) -> None:
        filled = round(fraction * self.WIDTH)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\r[{bar}] {fraction:4.0%} {self.count:,} entries")
        self.stream.flush()

    def finish(self, destination: str) -> None:
        if self.enabled:
            self._draw(1.0)
            self.stream.write("\n")
        self.stream.write(f"exported {self.count:,} entries to {destination}\n")
        self.stream.flush()


def _export_row(entry: RawDataEntry) -> dict[str, Any]:
    return {
        "timestamp": entry.timestamp.isoformat(),
        "type": entry.type.value,
        "ip": entry.ip or "",
        "payload_bin": entry.payload_bin,
        "source": entry.source.value if entry.source else "",
        "uid": entry.uid or "",
        "appid": entry.appid or "",
    }


async def export_raw_command(args: argparse.Namespace, out: TextIO, _: TextIO) -> int:
    """Write a device's raw log between two times as JSON lines or CSV."""
    since = parse_time(args.since, "--since")
    until = parse_time(args.until, "--until")
    if until <= since:
        raise CliError("--until must be after --since")
    with contextlib.ExitStack() as stack:
        target: TextIO = out
        if args.output:
            # A command-line tool with one task: writing straight to the file blocks nothing else.
            target = stack.enter_context(
                Path(args.output).open("w", encoding="utf-8", newline="")  # noqa: ASYNC230
            )
        writer = csv.DictWriter(target, fieldnames=EXPORT_FIELDS) if args.format == "csv" else None
        if writer is not None:
            writer.writeheader()
        progress = Progress(sys.stderr, since.timestamp(), until.timestamp())
        async with await _saved_client(args) as client:
            entries = client.devices.raw_data(
                args.did, type=args.type, start=since, end=until, sort="asc"
            )
            async for entry in entries:
                row = _export_row(entry)
                if writer is not None:
                    writer.writerow(row)
                else:
                    target.write(json.dumps(row, ensure_ascii=False) + "\n")
                progress.update(entry.timestamp.timestamp())
        progress.finish(args.output or "standard output")
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
    demo_cmd.add_argument("--devices", type=int, default=200, help="virtual devices in the tour")

    account = argparse.ArgumentParser(add_help=False)
    account.add_argument("--base-url", help="API root (e.g. a simulator's URL)")
    account.add_argument("--region", choices=[r.value for r in Region], help="cloud region")
    account.add_argument("--config-dir", help="where the profile and token are kept")
    login_cmd = commands.add_parser(
        "login", parents=[account], help="log in and save the token (password is prompted)"
    )
    login_cmd.add_argument("--app-id", required=True, help="X-Gizwits-Application-Id")
    login_cmd.add_argument("--username", required=True, help="username, email or phone")
    commands.add_parser("devices", parents=[account], help="list the bound devices")
    latest_cmd = commands.add_parser("latest", parents=[account], help="a device's last report")
    latest_cmd.add_argument("did")
    control_cmd = commands.add_parser(
        "control", parents=[account], help="set datapoints: control DID name=value ..."
    )
    control_cmd.add_argument("did")
    control_cmd.add_argument("assignments", nargs="+", metavar="name=value")
    watch_cmd = commands.add_parser("watch", parents=[account], help="print devices' changes")
    watch_cmd.add_argument("dids", nargs="+", metavar="DID")
    watch_cmd.add_argument("--interval", type=float, default=5.0, help="seconds between polls")
    watch_cmd.add_argument("--count", type=int, help="stop after this many polls")
    watch_cmd.add_argument(
        "--push",
        action="store_true",
        help="follow the cloud's websocket instead of polling (--count: events to print)",
    )
    export_cmd = commands.add_parser(
        "export-raw", parents=[account], help="write a device's raw log as JSON lines or CSV"
    )
    export_cmd.add_argument("did")
    export_cmd.add_argument("--since", required=True, help="ISO 8601 start, e.g. 2026-11-24T00:00Z")
    export_cmd.add_argument("--until", required=True, help="ISO 8601 end")
    export_cmd.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    export_cmd.add_argument(
        "--type",
        choices=["cmd", "online"],
        default="cmd",
        help="communication log or online/offline history",
    )
    export_cmd.add_argument("--output", help="file to write (default: standard output)")
    return parser


def _check_count(value: int, name: str, parser: argparse.ArgumentParser) -> None:
    if value < 1 or value > 100_000:
        parser.error(f"{name} must be between 1 and 100000")


AccountCommand = Callable[[argparse.Namespace, TextIO, TextIO], Coroutine[Any, Any, int]]
ACCOUNT_COMMANDS: dict[str, AccountCommand] = {
    "login": login_command,
    "devices": devices_command,
    "latest": latest_command,
    "control": control_command,
    "watch": watch_command,
    "export-raw": export_raw_command,
}


def _runner(
    args: argparse.Namespace, parser: argparse.ArgumentParser, out: TextIO, stdin: TextIO
) -> Coroutine[Any, Any, int | None]:
    if args.command == "serve":
        _check_count(args.devices, "--devices", parser)
        if not 0 <= args.port <= 65535:
            parser.error("--port must be between 0 and 65535")
        return serve(args.port, args.devices, out)
    if args.command == "demo":
        if args.devices < DEMO_MIN_DEVICES:
            parser.error(f"--devices must be at least {DEMO_MIN_DEVICES} for the tour")
        _check_count(args.devices, "--devices", parser)
        return demo(out, devices=args.devices)
    if args.command == "watch" and (
        args.interval <= 0 or (args.count is not None and args.count < 1)
    ):
        parser.error("--interval must be positive and --count at least 1")
    return ACCOUNT_COMMANDS[args.command](args, out, stdin)


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, stdin: TextIO | None = None
) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    runner = _runner(args, parser, out or sys.stdout, stdin or sys.stdin)
    result: int | None = 0
    try:
        with contextlib.suppress(KeyboardInterrupt):
            result = asyncio.run(runner)
    except (GizwitsError, CliError, OSError, ValueError, TypeError) as err:
        if args.debug:
            raise
        print(f"gizwits-async: error: {err}", file=sys.stderr)
        return 1
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
