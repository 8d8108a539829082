"""A Home Assistant style coordinator: poll every bound device on a schedule, and let the
cloud's ``Retry-After`` move the schedule.

It follows the shape of Home Assistant's ``DataUpdateCoordinator`` without depending on Home
Assistant:

* the client borrows the host's ``aiohttp.ClientSession`` (in Home Assistant:
  ``async_get_clientsession(hass)``) and never closes it;
* the user token is persisted through ``on_token_update`` into a JSON file this example owns
  (an integration would keep it in its config entry), and restored with ``token=`` on the next
  start, so a restart does not log in again;
* each refresh lists the bound devices and reads them all with ``devices.latest_many`` into a
  snapshot ``{did: DeviceStatus}``; an empty answer (no report in 24 hours) never replaces a
  good status, and ``hub.unavailable`` names the devices whose entities must show as
  unavailable (read failed, offline by the binding's ``is_online``, or stale), with why;
* a ``GizwitsRateLimitError`` becomes ``UpdateFailed(retry_after=...)``: the next poll waits
  what the cloud asked for instead of the usual interval. The client is built with a small
  ``max_retry_after`` so that it never sleeps long inside an update: longer waits come back to
  the scheduler.

Run it from the repository root::

    python -m examples.ha_coordinator --simulator
    GIZWITS_APP_ID=... GIZWITS_USERNAME=... GIZWITS_PASSWORD=... \\
        python -m examples.ha_coordinator --region eu --interval 30 --token-file token.json

With ``--push`` the hub follows the cloud's websocket instead (``client.push``, REST reads as
its fallback while a socket is down): an entity is unavailable when its device said it went
offline (``OnlineEvent(online=False)``) or when its state is older than ``--stale-after``
seconds, since then neither a push nor a fallback read arrived. ``--simulator --push`` shows a
report, a device going offline, and a dropped socket coming back.

With ``--simulator`` it runs three polls against an embedded simulator holding the demo
account. Before the second poll the simulator is told to throttle (9041 with ``Retry-After:
120``): that poll fails, the snapshot keeps its last values, and the next poll is scheduled in
120 s instead of the interval. The waits pass on the simulator's clock, so the tour is instant.

Account flags and environment variables: ``--app-id`` (GIZWITS_APP_ID), ``--username``
(GIZWITS_USERNAME), ``--password`` (GIZWITS_PASSWORD, prompted when missing), ``--region``
(GIZWITS_REGION: cn, us, eu), ``--base-url`` (GIZWITS_BASE_URL).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Generic, TextIO, TypeVar

import aiohttp
import attrs

from examples._account import Account, account_from_args, add_account_arguments, simulated_account
from gizwits_async import (
    AttrsEvent,
    ConnectionEvent,
    Device,
    DeviceState,
    DeviceStatus,
    ErrorCode,
    GizwitsAuthError,
    GizwitsClient,
    GizwitsError,
    GizwitsRateLimitError,
    OnlineEvent,
    UserToken,
)
from gizwits_async.push import PushEvent
from gizwits_async.simulator import GizwitsSimulator

_LOGGER = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
Snapshot = dict[str, DeviceStatus]

DEFAULT_INTERVAL = 30.0
# Waits the client may do inline before handing them to the scheduler: an update should not sit
# in a sleep for minutes.
MAX_INLINE_WAIT = 10.0
SIMULATED_RETRY_AFTER = 120
SHOWN_DEVICES = 5
# A status older than this marks the device unavailable. The cloud forgets a status after 24
# silent hours anyway; an integration whose devices report more often can lower it.
STALE_AFTER = 24 * 3600.0


class UpdateFailed(Exception):  # noqa: N818 - Home Assistant's name for it
    """A refresh failed; ``retry_after`` (seconds) asks the scheduler to wait that long."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ReauthRequired(Exception):  # noqa: N818 - Home Assistant's ConfigEntryAuthFailed
    """The account's credentials were refused: polling stops until the user fixes them."""


@attrs.frozen
class Refresh:
    """What one refresh did and when the next one is due."""

    ok: bool
    next_in: float
    error: str | None = None
    retry_after: float | None = None


class DataUpdateCoordinator(Generic[T]):
    """Calls ``update`` every ``interval`` seconds and keeps the last good result in ``data``.

    ``UpdateFailed`` keeps ``data`` as it was and schedules the next refresh after the error's
    ``retry_after`` when it has one, else after the interval. ``ReauthRequired`` stops the loop.
    """

    def __init__(
        self,
        update: Callable[[], Awaitable[T]],
        *,
        interval: float,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self._update = update
        self.interval = interval
        self._sleep = sleep
        self.data: T | None = None
        self.last_update_success = False
        self.history: list[Refresh] = []
        self._listeners: list[Callable[[Refresh], None]] = []

    def add_listener(self, listener: Callable[[Refresh], None]) -> None:
        self._listeners.append(listener)

    async def async_refresh(self) -> Refresh:
        try:
            self.data = await self._update()
        except UpdateFailed as err:
            self.last_update_success = False
            delay = err.retry_after if err.retry_after is not None else self.interval
            outcome = Refresh(ok=False, next_in=delay, error=str(err), retry_after=err.retry_after)
        else:
            self.last_update_success = True
            outcome = Refresh(ok=True, next_in=self.interval)
        self.history.append(outcome)
        for listener in self._listeners:
            listener(outcome)
        return outcome

    async def run(self, polls: int | None = None) -> None:
        """Refresh ``polls`` times (forever when None), waiting as each refresh asked."""
        done = 0
        while polls is None or done < polls:
            outcome = await self.async_refresh()
            done += 1
            if polls is None or done < polls:
                await self._sleep(outcome.next_in)


class TokenFile:
    """The integration's own storage for the user token: a JSON file, mode 0600."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> UserToken | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return UserToken(
                uid=data["uid"],
                token=data["token"],
                expire_at=datetime.fromisoformat(data["expire_at"]),
            )
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError):
            _LOGGER.warning("ignoring unreadable token file %s", self.path)
            return None

    async def save(self, token: UserToken) -> None:
        """``on_token_update``: called by the client with every new token."""
        data = {"uid": token.uid, "token": token.token, "expire_at": token.expire_at.isoformat()}
        await asyncio.to_thread(self._write, json.dumps(data))

    def _write(self, text: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # mkstemp creates the file 0600; replacing the old one keeps it whole if we crash.
        fd, tmp = tempfile.mkstemp(prefix=".token-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            Path(tmp).replace(self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class GizwitsHub:
    """What an integration's config entry holds: the client and its coordinator."""

    def __init__(
        self,
        account: Account,
        session: aiohttp.ClientSession,
        token_file: TokenFile,
        *,
        interval: float = DEFAULT_INTERVAL,
        sleep: Sleep = asyncio.sleep,
        stale_after: float = STALE_AFTER,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.client: GizwitsClient = account.client(
            session=session,
            token=token_file.load(),
            on_token_update=token_file.save,
            max_retry_after=MAX_INLINE_WAIT,
        )
        self.coordinator = DataUpdateCoordinator(self.fetch, interval=interval, sleep=sleep)
        # did -> why its entities are unavailable (failed read, offline, stale): see _merge.
        self.unavailable: dict[str, str] = {}
        self.stale_after = stale_after
        self._now = now

    async def fetch(self) -> Snapshot:
        """One refresh: every bound device's latest status."""
        try:
            devices = {d.did: d async for d in self.client.bindings.list(page_size=100)}
            dids = list(devices)
            result = await self.client.devices.latest_many(dids)
        except GizwitsAuthError as err:
            raise ReauthRequired(str(err)) from err
        except GizwitsRateLimitError as err:
            raise UpdateFailed(f"throttled: {err}", retry_after=err.retry_after) from err
        except GizwitsError as err:
            raise UpdateFailed(str(err)) from err
        throttled = [e for e in result.failed.values() if isinstance(e, GizwitsRateLimitError)]
        if throttled:
            waits = [e.retry_after for e in throttled if e.retry_after is not None]
            raise UpdateFailed(
                f"throttled on {len(throttled)} of {len(dids)} devices",
                retry_after=max(waits) if waits else None,
            )
        return self._merge(devices, result.succeeded, result.failed)

    def _merge(
        self,
        devices: dict[str, Device],
        fresh: Mapping[str, DeviceStatus],
        failed: Mapping[str, Exception],
    ) -> Snapshot:
        """The new snapshot, and which devices an integration must show as unavailable.

        A device keeps its last good status when its read failed or came back empty (the cloud
        answers empty attrs with ``updated_at=None`` after 24 silent hours: that is no news,
        not a device whose values all vanished). It is unavailable when its read failed, when
        the cloud says it is offline, or when its status is older than ``stale_after``.
        Unbound devices drop out.
        """
        previous = self.coordinator.data or {}
        now = self._now()
        snapshot: Snapshot = {}
        unavailable: dict[str, str] = {}
        for did, device in devices.items():
            answer = fresh.get(did)
            status = answer if answer is not None and answer.has_data else None
            status = status or previous.get(did) or answer
            if status is not None:
                snapshot[did] = status
            if did in failed:
                unavailable[did] = str(failed[did])
            elif device.is_online is False:
                unavailable[did] = "offline"
            elif answer is None or not answer.has_data or status is None or not status.updated_at:
                unavailable[did] = "no report in the last 24 hours"
            elif now - status.updated_at.timestamp() > self.stale_after:
                unavailable[did] = f"stale: last report at {status.updated_at:%Y-%m-%d %H:%M} UTC"
        self.unavailable = unavailable
        return snapshot

    def is_available(self, did: str) -> bool:
        """What an entity's ``available`` property returns: a fresh status of an online device."""
        return did in (self.coordinator.data or {}) and did not in self.unavailable

    async def close(self) -> None:
        """Unload: the client goes, the borrowed session stays open for its owner."""
        await self.client.close()


class PushFeed:
    """Entities fed by ``client.push``: the merged state per device, and which are unavailable.

    The push refreshes a disconnected socket's devices through REST every ``rest_interval``
    seconds, so a state older than ``stale_after`` means nothing at all arrived: the entity
    goes unavailable rather than showing old values as current.
    """

    def __init__(
        self,
        client: GizwitsClient,
        *,
        stale_after: float = 3 * DEFAULT_INTERVAL,
        on_change: Callable[[str], None] | None = None,
    ) -> None:
        self.client = client
        self.stale_after = stale_after
        self.states: dict[str, DeviceState] = {}
        self.offline: set[str] = set()
        self.connected = False
        self._on_change = on_change

    async def start(
        self,
        *,
        rest_interval: float = DEFAULT_INTERVAL,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
    ) -> None:
        """Subscribe, then start the push (REST reads every ``rest_interval`` while down)."""
        self.client.push.subscribe(self._on_event)
        await self.client.push.start(
            rest_interval=rest_interval, backoff_base=backoff_base, backoff_max=backoff_max
        )

    def _on_event(self, event: PushEvent) -> None:
        if isinstance(event, AttrsEvent):
            self.states[event.did] = event.state
            line = f"{event.did} {sorted(event.attrs)} ({event.state.source})"
        elif isinstance(event, OnlineEvent):
            (self.offline.discard if event.online else self.offline.add)(event.did)
            line = f"{event.did} {'online' if event.online else 'offline: unavailable'}"
        elif isinstance(event, ConnectionEvent):
            self.connected = event.connected
            line = f"push {'connected' if event.connected else 'disconnected'}"
        else:
            return
        if self._on_change is not None:
            self._on_change(line)

    def available(self, did: str, now: datetime | None = None) -> bool:
        """Whether the entity of ``did`` shows a value: online, and heard of recently."""
        state = self.states.get(did)
        if did in self.offline or state is None:
            return False
        age = state.age(now or datetime.now(UTC))
        return age is not None and age <= self.stale_after


async def simulate_push(out: TextIO, *, stale_after: float = 90.0) -> PushFeed:
    """The ``--simulator --push`` tour: a report, an offline device, a dropped socket."""
    async with simulated_account(devices=3) as (sim, account):
        async with account.client() as client:
            feed = PushFeed(
                client, stale_after=stale_after, on_change=lambda line: print(line, file=out)
            )
            await feed.start(backoff_base=0.05, backoff_max=0.5)
            dids = client.push.dids
            changes = client.push.events(kinds=[AttrsEvent, OnlineEvent, ConnectionEvent])
            sim.report(dids[0], {"temperature": 25.5})
            sim.set_online(dids[1], online=False)
            async with asyncio.timeout(10):
                await _until(changes, lambda e: isinstance(e, OnlineEvent))
                show_availability(feed, dids, out)
                print("simulator: every socket dropped", file=out)
                sim.faults.websocket.drop_all()
                await _until(changes, lambda e: isinstance(e, ConnectionEvent) and e.connected)
                # After the reconnect the push reads every device again.
                resynced: set[str] = set()

                def every_device_read(event: PushEvent) -> bool:
                    if isinstance(event, AttrsEvent):
                        resynced.add(event.did)
                    return len(resynced) == len(dids)

                await _until(changes, every_device_read)
            await changes.aclose()
            show_availability(feed, dids, out)
        return feed


async def _until(stream: AsyncIterator[PushEvent], done: Callable[[PushEvent], bool]) -> None:
    async for event in stream:
        if done(event):
            return


def show_availability(feed: PushFeed, dids: list[str], out: TextIO) -> None:
    for did in dids:
        print(f"  {did}: {'available' if feed.available(did) else 'unavailable'}", file=out)


def describe(hub: GizwitsHub, outcome: Refresh, out: TextIO) -> None:
    count = len(hub.coordinator.history)
    data = hub.coordinator.data or {}
    if outcome.ok:
        print(f"poll {count}: ok, {len(data)} devices", file=out)
        for did, status in list(data.items())[:SHOWN_DEVICES]:
            values = " ".join(f"{k}={json.dumps(v)}" for k, v in sorted(status.attrs.items()))
            why = hub.unavailable.get(did)
            print(f"  {did} {values}" + (f" (unavailable: {why})" if why else ""), file=out)
        if len(data) > SHOWN_DEVICES:
            print(f"  … and {len(data) - SHOWN_DEVICES} more", file=out)
    else:
        print(f"poll {count}: failed ({outcome.error})", file=out)
        print(f"  keeping the last snapshot of {len(data)} devices", file=out)
    why = " (the cloud's Retry-After)" if outcome.retry_after is not None else ""
    print(f"  next poll in {outcome.next_in:g} s{why}", file=out, flush=True)


async def run(
    account: Account,
    *,
    token_path: Path,
    polls: int | None,
    interval: float = DEFAULT_INTERVAL,
    session: aiohttp.ClientSession | None = None,
    sleep: Sleep = asyncio.sleep,
    out: TextIO | None = None,
    now: Callable[[], float] = time.time,
) -> GizwitsHub:
    """Poll ``polls`` times (forever when None) and return the hub, its client closed."""
    out = sys.stdout if out is None else out
    # Without a host, this session stands in for the host's shared one (Home Assistant's
    # async_get_clientsession): the host closes it, never the client.
    own_session: aiohttp.ClientSession | None = None
    if session is None:
        session = own_session = aiohttp.ClientSession()
    hub = GizwitsHub(
        account, session, TokenFile(token_path), interval=interval, sleep=sleep, now=now
    )
    hub.coordinator.add_listener(lambda outcome: describe(hub, outcome, out))
    try:
        await hub.coordinator.run(polls)
    finally:
        await hub.close()
        if own_session is not None:
            await own_session.close()
    token = hub.client.token
    if token is not None:
        until = token.expire_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        print(f"token kept in {token_path} (valid until {until})", file=out)
    return hub


class SimulatedWeather:
    """The ``--simulator`` scenario: throttling before poll 2, a warmer device before poll 3.

    Used as the coordinator's sleep: waits pass on the simulator's clock, instantly.
    """

    def __init__(self, sim: GizwitsSimulator, out: TextIO) -> None:
        self.sim = sim
        self.out = out
        self.waits = 0

    async def sleep(self, seconds: float) -> None:
        self.waits += 1
        self.sim.clock.advance(seconds)
        print(f"  (simulator clock moved {seconds:g} s)", file=self.out)
        demo = self.sim.demo
        if demo is None:  # pragma: no cover - simulated_account loads it
            return
        if self.waits == 1:
            print("  simulator: throttling the next poll (9041, Retry-After: 120)", file=self.out)
            self.sim.faults.add(
                method="GET",
                path=r"/app/devdata/.+/latest",
                error_code=ErrorCode.REQUEST_THROTTLED,
                retry_after=str(SIMULATED_RETRY_AFTER),
                times=len(demo.dids),
            )
        elif self.waits == 2:
            print(f"  simulator: {demo.dids[0]} reports temperature=25.5", file=self.out)
            self.sim.state.report(demo.dids[0], {"temperature": 25.5})


async def simulate(
    token_path: Path, out: TextIO, *, interval: float = DEFAULT_INTERVAL
) -> GizwitsHub:
    async with simulated_account(devices=3) as (sim, account):
        weather = SimulatedWeather(sim, out)
        return await run(
            account,
            token_path=token_path,
            polls=3,
            interval=interval,
            sleep=weather.sleep,
            out=out,
            now=sim.clock.now,
        )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m examples.ha_coordinator", description=__doc__.split("\n\n")[0]
    )
    add_account_arguments(parser)
    parser.add_argument(
        "--interval", type=float, default=DEFAULT_INTERVAL, help="seconds between polls"
    )
    parser.add_argument("--polls", type=int, help="stop after this many polls (default: never)")
    parser.add_argument(
        "--push", action="store_true", help="follow the websocket (with --simulator: a tour)"
    )
    parser.add_argument(
        "--token-file",
        type=Path,
        help="where the token is kept (default: gizwits-token.json, or a temporary "
        "file with --simulator)",
    )
    return parser


async def amain(argv: Sequence[str] | None = None, out: TextIO | None = None) -> GizwitsHub:
    out = sys.stdout if out is None else out
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.interval <= 0 or (args.polls is not None and args.polls < 1):
        parser.error("--interval must be positive and --polls at least 1")
    if args.simulator:
        if args.token_file is not None:
            return await simulate(args.token_file, out, interval=args.interval)
        with tempfile.TemporaryDirectory() as tmp:
            return await simulate(Path(tmp) / "token.json", out, interval=args.interval)
    account = account_from_args(args, parser)
    return await run(
        account,
        token_path=args.token_file or Path("gizwits-token.json"),
        polls=args.polls,
        interval=args.interval,
        out=out,
    )


async def amain_push(out: TextIO | None = None) -> PushFeed:
    """``--simulator --push``: the push tour."""
    return await simulate_push(sys.stdout if out is None else out)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        asyncio.run(amain_push() if args.simulator and args.push else amain(argv))
    except KeyboardInterrupt:
        return 130
    except (ReauthRequired, GizwitsError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
