"""Run as a script: every resource of a client, and its push, used inside a running loop
loads no module.

Home Assistant reports an import made in the event loop as a blocking call. The probe starts
the simulator, snapshots ``sys.modules``, then builds a client with a file token store, calls
every resource in the loop, calls the simulator by host name, receives a pushed report over
the websocket, and prints the modules that appeared meanwhile (one per line; nothing means
none).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import tempfile
import time
from pathlib import Path

import gizwits_async
from gizwits_async.models import AttrsEvent
from gizwits_async.simulator import GizwitsSimulator
from gizwits_async.simulator.demo import load_demo


async def use_every_resource(sim: GizwitsSimulator) -> set[str]:
    before = set(sys.modules)
    with tempfile.TemporaryDirectory(prefix="gizwits-probe-") as folder:
        store = gizwits_async.FileTokenStore(Path(folder) / "token.json")
        await _call_every_resource(sim, store)
    return set(sys.modules) - before


async def _call_every_resource(sim: GizwitsSimulator, store: gizwits_async.TokenStore) -> None:
    now = time.time()
    async with gizwits_async.GizwitsClient(
        sim.app_id,
        base_url=sim.base_url,
        username="probe",
        password="probe-pw-1",
        token_store=store,  # its file work runs on asyncio's default executor
    ) as client:
        did = "probe-device-id"
        calls = [
            client.system.status(),
            client.users.get(),
            client.devices.latest(did),
            client.devices.get(did),
            client.devices.raw_data(did, start=now - 3600, end=now).collect(),
            client.devices.control(did, attrs={"switch": True}),
            client.bindings.list().collect(),
            client.messages.list().collect(),
            client.sharing.list(0).collect(),
            client.groups.list(),
            client.rules.list().collect(),
            client.scenes.list(),
            client.schedulers.list(did).collect(),
            client.common_schedulers.list().collect(),
            client.data.aggregate(did, start=now - 3600, end=now, attrs=["temp"]),
        ]
        for call in calls:
            # An error path must not import either.
            with contextlib.suppress(gizwits_async.GizwitsError):
                await call


async def use_a_host_name(sim: GizwitsSimulator) -> set[str]:
    """The cloud is reached by host name: resolved (aiohttp's threaded resolver) and encoded
    (IDNA) on the first call."""
    before = set(sys.modules)
    base_url = sim.base_url.replace("127.0.0.1", "localhost")
    async with gizwits_async.GizwitsClient(
        sim.app_id, base_url=base_url, username="probe", password="probe-pw-1"
    ) as client:
        status = await client.system.status()
        if status is None:
            raise AssertionError("the probe's call by host name answered nothing")
    return set(sys.modules) - before


async def use_push(sim: GizwitsSimulator) -> set[str]:
    """A Home Assistant bridge's push: start it, receive one report, stop it."""
    account = load_demo(sim, devices=1)
    did = account.dids[0]
    before = set(sys.modules)
    async with gizwits_async.GizwitsClient(
        sim.app_id, base_url=sim.base_url, username=account.username, password=account.password
    ) as client:
        events = client.push.events(kinds=[AttrsEvent])
        await client.push.start(rest_interval=None)
        sim.report(did, {"switch": True})
        event = await asyncio.wait_for(anext(events), timeout=10)
        if not isinstance(event, AttrsEvent) or event.did != did:
            raise AssertionError(f"the probe's push received {event!r}")
        await client.push.stop()
    return set(sys.modules) - before


async def main() -> None:
    async with GizwitsSimulator(app_id="probe-app") as sim:
        sim.add_user("probe", "probe-pw-1")
        loaded = await use_every_resource(sim)
        loaded |= await use_a_host_name(sim)
        loaded |= await use_push(sim)
    print("\n".join(sorted(loaded)))  # noqa: T201 - the probe's output


if __name__ == "__main__":
    asyncio.run(main())
