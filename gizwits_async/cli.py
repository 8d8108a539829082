"""The ``gizwits-async`` command: the simulator, the demo tour, and account commands.

``login`` saves the token (never the password) with ``FileTokenStore`` under the user's
config directory; ``devices``, ``latest``, ``control``, ``watch`` and ``export-raw`` use it.
Every argument is checked before any request (exit status 2, with the subcommand's usage);
a command that did not do what was asked exits 1 with one line on stderr; Ctrl-C exits 130
at once; a closed pipe (``| head``) exits 141 quietly. ``--debug`` shows tracebacks.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import errno
import getpass
import inspect
import io
import itertools
import json
import logging
import math
import os
import stat
import sys
import tempfile
import time
import types
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import aiohttp
import attrs

from gizwits_async import (
    FileTokenStore,
    GizwitsAPIError,
    GizwitsAuthError,
    GizwitsClient,
    GizwitsConnectionError,
    GizwitsError,
    GizwitsInvalidCredentialsError,
    GizwitsNotFoundError,
    GizwitsRateLimitError,
    GizwitsTimeoutError,
    __version__,
)
from gizwits_async._attrs import Frozen
from gizwits_async._validate import path_segment
from gizwits_async.auth import token_store_key
from gizwits_async.client import REGION_URLS, Region
from gizwits_async.errors import ErrorCode
from gizwits_async.models.raw_data import RawDataEntry
from gizwits_async.models.rules import Condition, Rule, RuleAction, RuleInput
from gizwits_async.models.scenes import SceneTask
from gizwits_async.models.schedules import Schedule
from gizwits_async.models.sharing import SharingDirection
from gizwits_async.resources._raw_data import MAX_WINDOW as RAW_WINDOW
from gizwits_async.simulator import GizwitsSimulator, ids
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
MIN_INTERVAL = 0.1  # seconds: faster polling only gets throttled
UNBOUND_MACS = ("accf2350d446", "accf2350d447", "accf2350d448")  # the README binds the first

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as if the default SIGPIPE action had ended us

# What a login may take in all, from the client's own defaults: it is safe to repeat, so the
# transport tries it again after a timeout, within the call's total deadline.
_CLIENT_DEFAULTS = inspect.signature(GizwitsClient.__init__).parameters
LOGIN_ATTEMPTS: int = _CLIENT_DEFAULTS["max_retries"].default + 1
LOGIN_TOTAL: float = _CLIENT_DEFAULTS["total_timeout"].default


def prepare_demo_simulator(sim: GizwitsSimulator, devices: int) -> list[str]:
    """Load the demo account into ``sim``; return the dids of its devices."""
    return load_demo(sim, devices).dids


async def serve(
    port: int,
    devices: int,
    out: TextIO,
    stop: asyncio.Event | None = None,
    *,
    host: str = "127.0.0.1",
    seed: int | None = None,
    log: bool = False,
) -> int:
    """Run the simulator with the demo account until ``stop`` is set (or Ctrl-C).

    It prints what a person needs to use it: the URL, app id and secret, the demo user, the
    product key and secret, the unbound devices to bind and, as they are issued, the SMS
    codes and reset mails. ``seed`` makes every id, secret and code the same on each start;
    ``log`` prints one line per request with secrets hidden.
    """
    ids.seed(seed)
    try:
        sim = GizwitsSimulator(host=host, port=port)
        try:
            await sim.start()
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise CliError(
                    f"port {port} on {host} is already in use: choose another --port "
                    "(0 picks a free one)"
                ) from None
            raise CliError(f"cannot listen on {host} port {port}: {err.strerror}") from None
        try:
            await _serve_until(sim, devices, out, stop, log=log)
        finally:
            await sim.close()
    finally:
        ids.seed(None)
    return 0


async def _serve_until(
    sim: GizwitsSimulator, devices: int, out: TextIO, stop: asyncio.Event | None, *, log: bool
) -> None:
    dids = prepare_demo_simulator(sim, devices)
    unbound = [
        (mac, sim.add_device(DEMO_PRODUCT_KEY, mac=mac, attrs=dict(DEMO_INITIAL_ATTRS)))
        for mac in UNBOUND_MACS
    ]
    print(f"Gizwits simulator listening on {sim.base_url}", file=out)
    print(f"  app id:        {sim.app_id}", file=out)
    print(f"  app secret:    {sim.app_secret}", file=out)
    print(f"  user:          {DEMO_USERNAME} / {DEMO_PASSWORD}", file=out)
    print(f"  product key:   {DEMO_PRODUCT_KEY} (secret {DEMO_PRODUCT_SECRET})", file=out)
    print(f"  devices:       {len(dids)} bound to {DEMO_USERNAME}", file=out)
    for mac, did in unbound:
        qr = sim.state.bind_qr_content(did)
        print(f"  unbound:       mac {mac}, did {did}, QR {qr}", file=out)
    print("SMS codes and password-reset mails are shown here as they are sent.", file=out)
    print("Press Ctrl-C to stop.", file=out, flush=True)
    outboxes = _OutboxPrinter(sim, out)

    def on_line(line: str) -> None:
        if log:
            stamp = datetime.now(UTC).strftime("%H:%M:%S")
            print(f"{stamp} {line}", file=out, flush=True)
        outboxes.print_new()

    sim.log_listeners.append(on_line)
    await (stop or asyncio.Event()).wait()


class _OutboxPrinter:
    """Prints the SMS codes and reset mails the simulator sent since it last looked."""

    def __init__(self, sim: GizwitsSimulator, out: TextIO) -> None:
        self.sim = sim
        self.out = out
        self.sms = len(sim.sms_outbox)
        self.mail = len(sim.mail_outbox)

    def print_new(self) -> None:
        for sms in self.sim.sms_outbox[self.sms :]:
            print(f"SMS code {sms['code']} sent to {sms['phone']}", file=self.out, flush=True)
        for mail in self.sim.mail_outbox[self.mail :]:
            print(f"mail to {mail['to']}: {mail['link']}", file=self.out, flush=True)
        self.sms, self.mail = len(self.sim.sms_outbox), len(self.sim.mail_outbox)


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
    """A problem to report in one line (bad profile, not logged in, a refused request)."""

    exit_code = EXIT_FAILED


class InputError(CliError):
    """Bad input found after the arguments were parsed (an empty password): exit status 2."""

    exit_code = EXIT_USAGE


def config_dir(explicit: str | None) -> Path:
    """Where the profile and the token file live (``--config-dir``, ``GIZWITS_ASYNC_CONFIG``,
    ``$XDG_CONFIG_HOME/gizwits-async`` or ``~/.config/gizwits-async``)."""
    if explicit:
        return Path(explicit).expanduser()
    if os.environ.get("GIZWITS_ASYNC_CONFIG"):
        return Path(os.environ["GIZWITS_ASYNC_CONFIG"]).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "gizwits-async"


@attrs.frozen(repr=False, eq=False)
class Profile(Frozen):
    """What ``login`` remembers besides the token (no secrets)."""

    app_id: str
    base_url: str
    username: str

    @classmethod
    def load(cls, directory: Path) -> Profile:
        """The saved profile; ``CliError`` saying what to do when it is missing or damaged."""
        path = directory / PROFILE_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(app_id=data["app_id"], base_url=data["base_url"], username=data["username"])
        except FileNotFoundError:
            raise CliError("not logged in: run 'gizwits-async login' first") from None
        except (ValueError, KeyError, TypeError):
            raise CliError(f"{path} is damaged: run 'gizwits-async login' again") from None

    def save(self, directory: Path) -> None:
        """Write the profile, readable by its owner only."""
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


class Attempts:
    """Counts the HTTP attempts of a command (through aiohttp's request tracing), so that a
    final timeout can say how many were made over how long: the transport retries on its own.
    """

    def __init__(self) -> None:
        self.key: tuple[str, str] | None = None
        self.count = 0
        self.first = 0.0

    def trace_config(self) -> aiohttp.TraceConfig:
        """A TraceConfig for the command's session that feeds ``on_start``."""
        config = aiohttp.TraceConfig()

        async def started(
            _session: aiohttp.ClientSession,
            _context: types.SimpleNamespace,
            params: aiohttp.TraceRequestStartParams,
        ) -> None:
            self.on_start(params.method, params.url.path)

        config.on_request_start.append(started)
        return config

    def on_start(self, method: str, path: str) -> None:
        """One attempt of ``method path``; a different call starts a new count."""
        if (method, path) != self.key:
            self.key, self.count, self.first = (method, path), 0, time.monotonic()
        self.count += 1

    def summary(self) -> str:
        """``4 attempts over 44 s`` for the latest call."""
        elapsed = time.monotonic() - self.first
        return f"{self.count} attempt{'s' if self.count != 1 else ''} over {elapsed:.0f} s"


@contextlib.asynccontextmanager
async def _account_client(args: argparse.Namespace, **options: Any) -> AsyncIterator[GizwitsClient]:
    """A client on a session of the command's own, whose attempts ``args.attempts`` counts."""
    attempts: Attempts = args.attempts
    async with (
        aiohttp.ClientSession(trace_configs=[attempts.trace_config()]) as session,
        GizwitsClient(session=session, **options) as client,
    ):
        try:
            yield client
        except GizwitsTimeoutError as err:
            raise CliError(f"{err}; gave up after {attempts.summary()}") from err


async def login_command(args: argparse.Namespace, out: TextIO, _: TextIO) -> int:
    """Log in with the password read before the event loop started; save the token."""
    directory = config_dir(args.config_dir)
    password: str = args.password
    profile = Profile(app_id=args.app_id, base_url=_base_url(args), username=args.username)
    # Built with the credentials so that the token is filed under this username, where the
    # other commands look it up.
    async with _account_client(
        args,
        app_id=profile.app_id,
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


@contextlib.asynccontextmanager
async def _saved_client(args: argparse.Namespace) -> AsyncIterator[GizwitsClient]:
    """A client using the token saved by ``login`` (no password is kept, so no renewal)."""
    directory = config_dir(args.config_dir)
    profile = Profile.load(directory)
    base_url = _base_url(args, profile.base_url)
    key = token_store_key(base_url, profile.app_id, profile.username)
    token = await FileTokenStore(directory / TOKEN_FILE).load(key)
    if token is None:
        raise CliError(
            f"no saved token for {profile.username} on {base_url}: run 'gizwits-async login'"
        )
    if token.expires_in() <= 0:
        raise CliError("the saved token has expired: run 'gizwits-async login' again")
    async with _account_client(
        args, app_id=profile.app_id, base_url=base_url, token=token
    ) as client:
        yield client


def display_width(text: str) -> int:
    """Columns ``text`` takes on a terminal: wide (CJK) characters take two, combining marks
    none."""
    return sum(
        0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1
        for char in text
    )


def _table(rows: list[list[str]], out: TextIO) -> None:
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [
            cell + " " * (width - display_width(cell))
            for cell, width in zip(row, widths, strict=True)
        ]
        print("  ".join(cells).rstrip(), file=out)


async def devices_command(args: argparse.Namespace, out: TextIO, _: TextIO) -> int:
    """Print the bound devices as a table."""
    async with _saved_client(args) as client:
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
    """Print a device's last report (or that there was none within 24 hours)."""
    async with _saved_client(args) as client:
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
    """``name=value`` arguments; values are read as JSON (true, 12, "text") or kept as text.

    A name given twice is refused (``ValueError``): which one was meant cannot be known.
    """
    attrs_: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name:
            raise ValueError(f"expected name=value, got {pair!r}")
        if name in attrs_:
            raise ValueError(f"{name} is given twice")
        try:
            attrs_[name] = json.loads(text)
        except ValueError:
            attrs_[name] = text
    return attrs_


async def _why_refused(client: GizwitsClient, did: str, attrs_: dict[str, Any]) -> str | None:
    """What the product's datapoint definition says about ``attrs_``, if it can be read."""
    try:
        device = await client.devices.get(did)
        if not device.product_key:
            return None
        definition = await client.devices.datapoints(device.product_key)
        definition.validate(attrs_)
    except (ValueError, TypeError) as problem:
        return str(problem)
    except GizwitsError:
        return None
    return None


async def control_command(args: argparse.Namespace, out: TextIO, _: TextIO) -> int:
    """Send datapoint values to a device."""
    attrs_: dict[str, Any] = args.attrs
    async with _saved_client(args) as client:
        try:
            await client.devices.control(args.did, attrs=attrs_)
        except GizwitsAPIError as err:
            if err.error_code != ErrorCode.ATTR_INVALID:
                raise
            reason = await _why_refused(client, args.did, attrs_)
            if reason is None:
                raise
            raise CliError(f"{err}: {reason}") from err
    print(f"{args.did}: sent {_format_attrs(attrs_)}", file=out)
    return 0


async def watch_command(args: argparse.Namespace, out: TextIO, _: TextIO) -> int:
    """Poll devices and print each change of their attributes (``--push``: as pushed).

    Fails (exit 1) when some device never answered a poll: nothing was watched there.
    """
    if args.push:
        from gizwits_async.push import watch_push  # noqa: PLC0415 - only for --push

        def show(line: str) -> None:
            print(f"{time.strftime('%H:%M:%S')} {line}", file=out, flush=True)

        async with _saved_client(args) as client:
            await watch_push(client, args.dids, show, count=args.count)
        return 0
    seen: dict[str, dict[str, Any]] = {}
    answered: set[str] = set()
    rounds = 0
    async with _saved_client(args) as client:
        while args.count is None or rounds < args.count:
            if rounds:
                await asyncio.sleep(args.interval)
            rounds += 1
            result = await client.devices.latest_many(args.dids)
            stamp = time.strftime("%H:%M:%S")
            for did, status in result.succeeded.items():
                answered.add(did)
                before = seen.get(did, {})
                changed = {k: v for k, v in status.attrs.items() if before.get(k, _UNSET) != v}
                if changed:
                    print(f"{stamp} {did} {_format_attrs(changed)}", file=out, flush=True)
                seen[did] = dict(status.attrs)
            for did, error in result.failed.items():
                print(f"{stamp} {did} error: {error}", file=out, flush=True)
    silent = [did for did in args.dids if did not in answered]
    if silent:
        polls = f"{rounds} poll{'s' if rounds != 1 else ''}"
        raise CliError(f"every one of {polls} failed for {', '.join(silent)}")
    return 0


_UNSET = object()

EXPORT_FIELDS = ["timestamp", "type", "ip", "payload_bin", "source", "uid", "appid"]


def parse_time(text: str, name: str) -> datetime:
    """An ISO 8601 time (``2026-11-24T00:00:00Z``); without a zone it means UTC."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name} must be an ISO 8601 time, got {text!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class Progress:
    """A progress bar on a terminal: how much of the time range the export has covered.

    It moves with each entry's time and with each stretch of the range read (``covered``), so
    a sparse range, with few or no entries, still shows progress.
    """

    WIDTH = 30

    def __init__(self, stream: TextIO, start: float, end: float) -> None:
        self.stream = stream
        self.start = start
        self.span = max(end - start, 1e-9)
        self.enabled = stream.isatty()
        self.count = 0
        self.fraction = 0.0
        self._shown = 0.0

    def update(self, timestamp: float) -> None:
        """One more entry, at ``timestamp`` (seconds)."""
        self.count += 1
        self.covered(timestamp)

    def covered(self, timestamp: float) -> None:
        """The range is read up to ``timestamp`` (seconds)."""
        self.fraction = max(self.fraction, min(max((timestamp - self.start) / self.span, 0.0), 1))
        now = time.monotonic()
        if not self.enabled or now - self._shown < PROGRESS_INTERVAL:
            return
        self._shown = now
        self._draw(self.fraction)

    def _draw(self, fraction: float) -> None:
        filled = round(fraction * self.WIDTH)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\r[{bar}] {fraction:4.0%} {self.count:,} entries")
        self.stream.flush()

    def end_line(self) -> None:
        """Leave the bar's line (before an error message or the summary)."""
        if self.enabled and self._shown:
            self.stream.write("\n")
            self.stream.flush()
            self._shown = 0.0

    def finish(self, destination: str) -> None:
        """The full bar and the summary line."""
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


class ExportFile:
    """Where ``export-raw --output FILE`` writes: a temporary file beside FILE, renamed over it
    only when the export is complete, so that a failure never truncates or replaces FILE.

    ``keep_partial()`` moves what was written to ``FILE.partial`` and returns that path.
    """

    def __init__(self, target: Path) -> None:
        self.target = target
        self.partial = target.with_name(target.name + ".partial")
        descriptor, name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
        )
        self.path = Path(name)
        self.stream: TextIO = os.fdopen(descriptor, "w", encoding="utf-8", newline="")

    def commit(self) -> None:
        """Flush to disk and put the file in place of the target, with the target's mode."""
        self.stream.flush()
        os.fsync(self.stream.fileno())
        self.stream.close()
        try:
            mode = stat.S_IMODE(self.target.stat().st_mode)
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        self.path.chmod(mode)
        self.path.replace(self.target)

    def keep_partial(self) -> Path:
        """Close the incomplete file and keep it as ``FILE.partial``."""
        self.stream.close()
        self.path.replace(self.partial)
        return self.partial


def _chunks(start: float, end: float) -> list[tuple[float, float]]:
    """The range cut in the API's raw-data windows: progress can follow each one."""
    edges = [start]
    while edges[-1] + RAW_WINDOW < end:
        edges.append(edges[-1] + RAW_WINDOW)
    edges.append(end)
    return list(itertools.pairwise(edges))


async def _write_entries(
    client: GizwitsClient,
    args: argparse.Namespace,
    target: TextIO,
    progress: Progress,
) -> None:
    writer = csv.DictWriter(target, fieldnames=EXPORT_FIELDS) if args.format == "csv" else None
    if writer is not None:
        writer.writeheader()
    chunks = _chunks(args.since.timestamp(), args.until.timestamp())
    for number, (start, end) in enumerate(chunks, 1):
        last = number == len(chunks)
        entries = client.devices.raw_data(
            args.did, type=args.type, start=start, end=end, sort="asc"
        )
        async for entry in entries:
            stamp = entry.timestamp.timestamp()
            if not last and stamp >= end:
                continue  # the next window's first entry
            row = _export_row(entry)
            if writer is not None:
                writer.writerow(row)
            else:
                target.write(json.dumps(row, ensure_ascii=False) + "\n")
            progress.update(stamp)
        progress.covered(end)


async def export_raw_command(args: argparse.Namespace, out: TextIO, _: TextIO) -> int:
    """Write a device's raw log between two times as JSON lines or CSV.

    With ``--output FILE`` nothing touches FILE until the export is complete. On an error or
    Ctrl-C the command fails and says how many entries were written where.
    """
    progress = Progress(sys.stderr, args.since.timestamp(), args.until.timestamp())
    async with _saved_client(args) as client:
        sink = ExportFile(Path(args.output)) if args.output else None
        try:
            await _write_entries(client, args, sink.stream if sink else out, progress)
        except BrokenPipeError:
            raise
        except BaseException as err:
            progress.end_line()
            where = "standard output"
            if sink is not None:
                where = f"{sink.keep_partial()}; {args.output} is unchanged"
            note = f"{progress.count:,} entries were written to {where}"
            if isinstance(err, Exception):
                raise CliError(f"{err}; {note}") from err
            args.notes.append(note)
            raise
        if sink is not None:
            sink.commit()
    progress.finish(args.output or "standard output")
    return 0


# -- the command line -------------------------------------------------------------------------


def _finite(low: float, high: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not math.isfinite(value) or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low:g} and {high:g}, got {text}")
        return value

    return parse


def _whole(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}, got {value}")
        return value

    return parse


def _url(text: str) -> str:
    # The library refuses base_url="" too: an empty $VAR must not mean the China cloud.
    if not text.strip() or not text.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(f"must be an http:// or https:// URL, got {text!r}")
    return text


def _did(text: str) -> str:
    try:
        path_segment(text, "DID")
    except (ValueError, TypeError) as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text


def _text(name: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if not text.strip():
            raise argparse.ArgumentTypeError(f"{name} must not be empty")
        return text

    return parse


def _time(text: str) -> datetime:
    try:
        return parse_time(text, "time")
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an ISO 8601 time, got {text!r}") from None


_FORMATTER = argparse.ArgumentDefaultsHelpFormatter
GLOBAL_HELP = {
    "--debug": "show tracebacks and log the requests (secrets hidden)",
    "--base-url": "API root, e.g. a simulator's http://127.0.0.1:8765",
    "--region": "cloud region (the profile's, or cn, when neither this nor --base-url is given)",
    "--config-dir": "where the profile and token are kept (default: ~/.config/gizwits-async)",
}


def _global_options(parser: argparse.ArgumentParser, *, account: bool, late: bool) -> None:
    """The options taken before or after the subcommand; after it, only given ones count."""
    default: dict[str, Any] = {"default": argparse.SUPPRESS} if late else {}
    parser.add_argument("--debug", action="store_true", help=GLOBAL_HELP["--debug"], **default)
    if not account:
        return
    parser.add_argument(
        "--base-url", type=_url, help=GLOBAL_HELP["--base-url"], metavar="URL", **default
    )
    parser.add_argument(
        "--region", choices=[r.value for r in Region], help=GLOBAL_HELP["--region"], **default
    )
    parser.add_argument("--config-dir", help=GLOBAL_HELP["--config-dir"], metavar="DIR", **default)


class Parsers(dict[str, argparse.ArgumentParser]):
    """The top-level parser (key ``""``) and one per subcommand, for usage errors."""


def build_parser(parsers: Parsers | None = None) -> argparse.ArgumentParser:
    """The command line; ``parsers`` (if given) receives each subcommand's parser."""
    found = parsers if parsers is not None else Parsers()
    parser = argparse.ArgumentParser(
        prog="gizwits-async",
        description="Gizwits Open API client and cloud simulator",
        formatter_class=_FORMATTER,
    )
    found[""] = parser
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _global_options(parser, account=True, late=False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str, *, account: bool = True) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name, help=help_text, description=help_text, formatter_class=_FORMATTER
        )
        _global_options(sub, account=account, late=True)
        found[name] = sub
        return sub

    serve_cmd = command("serve", "run the simulator until Ctrl-C", account=False)
    serve_cmd.add_argument("--host", default="127.0.0.1", type=_text("--host"), help="address")
    serve_cmd.add_argument(
        "--port", type=_whole(0, 65535), default=8765, help="TCP port (0: any free one)"
    )
    serve_cmd.add_argument(
        "--devices", type=_whole(1, 100_000), default=10, help="bound virtual devices"
    )
    serve_cmd.add_argument(
        "--seed",
        type=_whole(0, 2**63 - 1),
        default=None,
        help="same dids, secrets, tokens and codes on every start (default: random)",
    )
    serve_cmd.add_argument(
        "--log", action="store_true", help="print one line per request, secrets hidden"
    )
    demo_cmd = command("demo", "a tour of the SDK against the simulator", account=False)
    demo_cmd.add_argument(
        "--devices",
        type=_whole(DEMO_MIN_DEVICES, 100_000),
        default=200,
        help="virtual devices in the tour",
    )

    login_cmd = command(
        "login",
        "log in and save the token (password prompted, or one line on standard input); "
        f"a login is safe to repeat: it is tried up to {LOGIN_ATTEMPTS} times, "
        f"{LOGIN_TOTAL:.0f} s at most in all",
    )
    login_cmd.add_argument(
        "--app-id", required=True, type=_text("--app-id"), help="X-Gizwits-Application-Id"
    )
    login_cmd.add_argument(
        "--username", required=True, type=_text("--username"), help="username, email or phone"
    )
    command("devices", "list the bound devices")
    latest_cmd = command("latest", "a device's last report")
    latest_cmd.add_argument("did", type=_did, metavar="DID")
    control_cmd = command("control", "set datapoints: control DID name=value ...")
    control_cmd.add_argument("did", type=_did, metavar="DID")
    control_cmd.add_argument(
        "assignments", nargs="+", metavar="name=value", help="values are JSON, or else text"
    )
    watch_cmd = command("watch", "poll devices and print their changes until Ctrl-C")
    watch_cmd.add_argument("dids", nargs="+", type=_did, metavar="DID")
    watch_cmd.add_argument(
        "--interval",
        type=_finite(MIN_INTERVAL, 86400),
        default=5.0,
        help="seconds between polls",
    )
    watch_cmd.add_argument(
        "--count", type=_whole(1, 1_000_000), help="stop after this many polls (default: never)"
    )
    watch_cmd.add_argument(
        "--push",
        action="store_true",
        help="follow the cloud's websocket instead of polling (--count: events to print)",
    )
    export_cmd = command("export-raw", "write a device's raw log as JSON lines or CSV")
    export_cmd.add_argument("did", type=_did, metavar="DID")
    export_cmd.add_argument(
        "--since", required=True, type=_time, help="ISO 8601 start, e.g. 2026-11-24T00:00Z"
    )
    export_cmd.add_argument("--until", required=True, type=_time, help="ISO 8601 end")
    export_cmd.add_argument("--format", choices=["jsonl", "csv"], default="jsonl", help="format")
    export_cmd.add_argument(
        "--type",
        choices=["cmd", "online"],
        default="cmd",
        help="communication log, or online/offline history",
    )
    export_cmd.add_argument(
        "--output",
        metavar="FILE",
        help="file to write, replaced only once complete (default: standard output)",
    )
    return parser


AccountCommand = Callable[[argparse.Namespace, TextIO, TextIO], Coroutine[Any, Any, int]]
ACCOUNT_COMMANDS: dict[str, AccountCommand] = {
    "login": login_command,
    "devices": devices_command,
    "latest": latest_command,
    "control": control_command,
    "watch": watch_command,
    "export-raw": export_raw_command,
}


def _check_export(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    if args.until <= args.since:
        parser.error("argument --until: must be after --since")
    if args.output:
        output = Path(args.output)
        if output.is_dir() or not output.parent.is_dir():
            parser.error(f"argument --output: {args.output} is not a file in a folder")


def _check(args: argparse.Namespace, parsers: Parsers, stdin: TextIO) -> None:
    """The checks that span arguments, and the password: all before any request."""
    parser = parsers[args.command]
    is_account = args.command in ACCOUNT_COMMANDS
    if not is_account and (args.base_url or args.region or args.config_dir):
        parser.error("--base-url, --region and --config-dir are for the account commands")
    if is_account and args.base_url and args.region:
        parser.error("give --base-url or --region, not both")
    if args.command == "control":
        try:
            args.attrs = parse_assignments(args.assignments)
        except ValueError as err:
            parser.error(f"argument name=value: {err}")
    if args.command == "export-raw":
        _check_export(args, parser)
    if args.command == "login":
        password = read_password(stdin)
        if not password:
            raise InputError("no password given")
        args.password = password


def _runner(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> Coroutine[Any, Any, int]:
    if args.command == "serve":
        return serve(args.port, args.devices, out, host=args.host, seed=args.seed, log=args.log)
    if args.command == "demo":
        return demo(out, devices=args.devices)
    return ACCOUNT_COMMANDS[args.command](args, out, stdin)


def _hint(err: BaseException) -> str:
    """What to do about an error, when there is something to do."""
    if isinstance(err, GizwitsInvalidCredentialsError):
        return "check the username, the password and --app-id"
    if isinstance(err, GizwitsAuthError):
        return "the saved token was refused: run 'gizwits-async login' again"
    if isinstance(err, GizwitsRateLimitError) and err.retry_after is not None:
        return f"the cloud asks to wait {err.retry_after:.0f} s"
    if isinstance(err, GizwitsNotFoundError):
        return "check the DID ('gizwits-async devices' lists yours)"
    if isinstance(err, GizwitsConnectionError) and not isinstance(err, GizwitsTimeoutError):
        return "check --base-url or --region, and the network"
    return ""


def _quiet_stdout() -> None:
    """After a closed pipe: point stdout at /dev/null, so the exit flush cannot fail again."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, stdin: TextIO | None = None
) -> int:
    """Run the command line; returns the exit status (argument errors exit 2 via argparse)."""
    parsers = Parsers()
    args = build_parser(parsers).parse_args(argv)
    args.notes, args.attempts = [], Attempts()
    if args.debug:
        logging.basicConfig(format="%(name)s: %(message)s")
        logging.getLogger("gizwits_async").setLevel(logging.DEBUG)
    try:
        _check(args, parsers, stdin or sys.stdin)
        return int(asyncio.run(_runner(args, out or sys.stdout, stdin or sys.stdin)) or 0)
    except KeyboardInterrupt:
        notes = "".join(f"; {note}" for note in args.notes)
        print(f"\ngizwits-async: interrupted{notes}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    except (GizwitsError, CliError, OSError, ValueError, TypeError) as err:
        if args.debug:
            raise
        hint = _hint(err)
        print(f"gizwits-async: error: {err}{'; ' + hint if hint else ''}", file=sys.stderr)
        return err.exit_code if isinstance(err, CliError) else EXIT_FAILED
    except Exception as err:
        if args.debug:
            raise
        print(
            f"gizwits-async: error: unexpected {type(err).__name__}: {err} "
            "(run with --debug for the traceback)",
            file=sys.stderr,
        )
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
