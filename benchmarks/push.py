"""Push (issue #14): how fresh, how fast, how small, how quiet.

- latency from ``sim.report()`` to the callback, p50/p99, against REST polling every 5 s (what
  bridges do today: a change waits half an interval on average, plus the read);
- notifications per second through one socket into merged state, the socket served by a child
  process blasting frames, against ``json.loads`` of the same frames alone; as context, a
  hand-written aiohttp websocket client reading the same frames with ``json.loads`` each, and
  the same frames handled by the SDK without the socket (parsing and merging only);
- memory per subscribed device at 10,000 devices (the binding entry, the merged state);
- REST calls per hour per device with the push up, against polling every 30 s.

Run: ``python -m benchmarks.push``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import time
import tracemalloc
from typing import Any

import aiohttp
from aiohttp import WSMsgType, web

from benchmarks._common import PRODUCT_KEY, Row, bench_simulator, user_uid
from gizwits_async import AttrsEvent, GizwitsClient, UserToken
from gizwits_async.models.devices import Device
from gizwits_async.push import Push, PushEvent, PushOptions
from gizwits_async.push._client import _Endpoint
from gizwits_async.simulator import GizwitsSimulator

ATTRS = {"switch": True, "mode": "auto", "LED_R": 120, "temperature": 21, "pattern": [1, 2, 3, 4]}
POLL_INTERVAL = 5.0
POLL_30 = 30.0


def _token() -> UserToken:
    from datetime import UTC, datetime, timedelta  # noqa: PLC0415

    return UserToken(uid="u", token="t" * 32, expire_at=datetime.now(UTC) + timedelta(days=1))


async def _client_for(sim: GizwitsSimulator) -> GizwitsClient:
    from benchmarks._common import PASSWORD, USERNAME  # noqa: PLC0415

    return GizwitsClient(sim.app_id, base_url=sim.base_url, username=USERNAME, password=PASSWORD)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# -- latency ------------------------------------------------------------------------------


async def latency(reports: int = 400) -> Row:
    async with bench_simulator() as sim:
        did = sim.add_device(PRODUCT_KEY, owner=user_uid(sim), attrs={"LED_R": 0})
        async with await _client_for(sim) as client:
            arrived = asyncio.Event()
            wanted = {"n": -1}

            def on_event(event: PushEvent) -> None:
                if isinstance(event, AttrsEvent) and event.attrs.get("LED_R") == wanted["n"]:
                    arrived.set()

            client.push.subscribe(on_event)
            await client.push.start(rest_interval=None)
            push_times: list[float] = []
            rest_times: list[float] = []
            for n in range(reports):
                arrived.clear()
                wanted["n"] = n + 1
                started = time.perf_counter()
                sim.report(did, {"LED_R": n + 1})
                await arrived.wait()
                push_times.append(time.perf_counter() - started)
                started = time.perf_counter()
                await client.devices.latest(did)
                rest_times.append(time.perf_counter() - started)
            await client.push.stop()
    read = statistics.median(rest_times)
    # A change lands uniformly inside a polling interval: it waits half of it on average.
    poll_p50 = POLL_INTERVAL * 0.5 + read
    poll_p99 = POLL_INTERVAL * 0.99 + read
    p50, p99 = _percentile(push_times, 0.5), _percentile(push_times, 0.99)
    return Row(
        name=f"push latency: sim.report() to callback, {reports} reports",
        baseline=f"REST polling every {POLL_INTERVAL:g} s (read {read * 1000:.2f} ms)",
        measured=(
            f"p50 {p50 * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms; polling staleness p50 "
            f"{poll_p50:.2f} s, p99 {poll_p99:.2f} s: {poll_p50 / p50:,.0f} x fresher at p50, "
            f"{poll_p99 / p99:,.0f} x at p99"
        ),
        target="fresher than polling",
        passed=p99 < poll_p50,
    )


# -- throughput ---------------------------------------------------------------------------


def _frames(count: int, devices: int) -> list[str]:
    return [
        json.dumps(
            {
                "cmd": "s2c_noti",
                "data": {"did": f"did{n % devices:06d}", "attrs": {**ATTRS, "LED_R": n % 250}},
            }
        )
        for n in range(count)
    ]


def _blaster(port_queue: Any, count: int, devices: int) -> None:  # pragma: no cover - child
    """A push server in a child process: log in, subscribe, then send ``count`` frames."""
    frames = _frames(count, devices)

    async def handle(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for message in ws:
            if message.type is not WSMsgType.TEXT:
                continue
            cmd = json.loads(message.data)["cmd"]
            if cmd == "login_req":
                await ws.send_str('{"cmd":"login_res","data":{"success":true}}')
            elif cmd == "subscribe_req":
                await ws.send_str('{"cmd":"subscribe_res","data":{"success":[],"failed":[]}}')
            elif cmd == "c2s_read" and '"did000000"' in message.data:
                for frame in frames:
                    await ws.send_str(frame)
        return ws

    async def serve() -> None:
        app = web.Application()
        app.router.add_get("/ws/app/v1", handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port_queue.put(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        await asyncio.Event().wait()

    asyncio.run(serve())


def _bare_push(port: int, devices: int) -> tuple[GizwitsClient, Push, _Endpoint]:
    """A push following ``devices`` dids on one endpoint, set up without REST."""
    client = GizwitsClient("bench-app", base_url=f"http://127.0.0.1:{port}", token=_token())
    push = client.push
    push.options = PushOptions(rest_interval=None, login_timeout=30.0)
    name = f"127.0.0.1:{port}"
    for n in range(devices):
        did = f"did{n:06d}"
        push._devices[did] = Device(did=did, host="127.0.0.1", ws_port=port)
    push._started = True
    endpoint = _Endpoint(push, name, f"ws://{name}/ws/app/v1")
    endpoint.dids.extend(push._devices)
    push._endpoints[name] = endpoint
    return client, push, endpoint


async def _through_socket(port: int, count: int, devices: int) -> float:
    client, push, endpoint = _bare_push(port, devices)
    seen = {"n": 0}
    done = asyncio.Event()
    first: list[float] = []

    def on_event(event: PushEvent) -> None:
        if isinstance(event, AttrsEvent):
            if not first:
                first.append(time.perf_counter())
            seen["n"] += 1
            if seen["n"] == count:
                done.set()

    push.subscribe(on_event)
    endpoint.start()
    await asyncio.wait_for(done.wait(), 120)
    elapsed = time.perf_counter() - first[0]
    await client.close()
    return elapsed * count / (count - 1)


async def _raw_socket(port: int, count: int) -> float:
    """A hand-written aiohttp websocket client: log in, subscribe, ask for the blast, then read
    every frame and ``json.loads`` it (no state, no events): what aiohttp's frame reader costs."""
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"ws://127.0.0.1:{port}/ws/app/v1") as ws,
    ):
        await ws.send_str('{"cmd":"login_req","data":{}}')
        await ws.receive()
        await ws.send_str('{"cmd":"subscribe_req","data":[]}')
        await ws.receive()
        await ws.send_str('{"cmd":"c2s_read","data":{"did":"did000000"}}')
        first = 0.0
        for index in range(count):
            message = await ws.receive()
            if message.type is not WSMsgType.TEXT:
                raise RuntimeError(f"frame {index}: {message.type!r}")
            if not index:
                first = time.perf_counter()
            json.loads(message.data)
        return (time.perf_counter() - first) * count / (count - 1)


def _handle_only(frames: list[str], devices: int) -> float:
    """Parse and merge the frames without a socket (the reader's own work)."""

    async def run() -> float:
        client, _, endpoint = _bare_push(9, devices)
        started = time.perf_counter()
        for text in frames:
            frame = endpoint._parse(text)
            if frame is not None:
                endpoint._handle(frame)
        elapsed = time.perf_counter() - started
        await client.close()
        return elapsed

    return asyncio.run(run())


def throughput(count: int = 20_000, devices: int = 100, rounds: int = 4) -> Row:
    frames = _frames(count, devices)
    queue: Any = multiprocessing.get_context("spawn").Queue()
    child = multiprocessing.get_context("spawn").Process(
        target=_blaster, args=(queue, count, devices), daemon=True
    )
    child.start()
    try:
        port = queue.get(timeout=30)
        socket_times: list[float] = []
        raw_times: list[float] = []
        handle_times: list[float] = []
        loads_times: list[float] = []
        for index in range(rounds):
            started = time.perf_counter()
            for text in frames:
                json.loads(text)
            loads_times.append(time.perf_counter() - started)
            handle_times.append(_handle_only(frames, devices))
            # The two socket clients alternate which goes first.
            sdk_first = index % 2 == 0
            if not sdk_first:
                raw_times.append(asyncio.run(_raw_socket(port, count)))
            socket_times.append(asyncio.run(_through_socket(port, count, devices)))
            if sdk_first:
                raw_times.append(asyncio.run(_raw_socket(port, count)))
    finally:
        child.terminate()
        child.join()
    loads = statistics.median(loads_times)
    handle = statistics.median(handle_times)
    through = statistics.median(socket_times)
    raw = statistics.median(raw_times)
    pairs = zip(socket_times, raw_times, strict=True)
    over_raw = statistics.median(sdk / bare for sdk, bare in pairs)
    return Row(
        name=f"push throughput: {count:,} s2c_noti over one socket into merged state",
        baseline="json.loads of the same frames alone; a raw aiohttp websocket reader (context)",
        measured=(
            f"{count / through:,.0f} notifications/s through the socket ({through / loads:.2f} x "
            f"json.loads); raw aiohttp websocket + json.loads {count / raw:,.0f}/s "
            f"({raw / loads:.2f} x; the SDK {over_raw:.2f} x it); parse + merge alone "
            f"{count / handle:,.0f}/s ({handle / loads:.2f} x); json.loads {count / loads:,.0f}/s"
        ),
        target="<= 2 x json.loads",
        passed=through / loads <= 2.0,
    )


# -- memory -------------------------------------------------------------------------------


def memory(devices: int = 10_000) -> Row:
    async def run() -> float:
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        client, push, _ = _bare_push(9, devices)
        for did in list(push._devices):
            push.on_report(did, ATTRS)
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        await client.close()
        return (after - before) / devices

    per_device = asyncio.run(run())
    return Row(
        name=f"push memory: {devices:,} subscribed devices, {len(ATTRS)} datapoints each",
        baseline="-",
        measured=f"{per_device / 1024:.2f} KiB per device (binding entry, merged state)",
        target="bounded, a few KiB per device",
        passed=per_device < 8 * 1024,
    )


# -- REST calls ---------------------------------------------------------------------------


async def rest_calls(devices: int = 50, seconds: float = 3.0) -> Row:
    async with bench_simulator() as sim:
        uid = user_uid(sim)
        dids = [sim.add_device(PRODUCT_KEY, owner=uid, attrs={"LED_R": 0}) for _ in range(devices)]
        sim.record_requests = True
        async with await _client_for(sim) as client:
            await client.push.start()
            startup = sum(1 for r in sim.requests if r.method != "WS" and r.path != "/ws/app/v1")
            sim.requests.clear()
            loop = asyncio.get_running_loop()
            end = loop.time() + seconds
            n = 0
            while loop.time() < end:
                sim.report(dids[n % devices], {"LED_R": n % 250})
                n += 1
                await asyncio.sleep(0.005)
            rest = sum(1 for r in sim.requests if r.method != "WS" and r.path != "/ws/app/v1")
            connected = client.push.connected
            await client.push.stop()
    per_hour = rest / seconds * 3600 / devices
    polling = 3600 / POLL_30
    return Row(
        name=f"push REST calls: {devices} devices, {n} reports in {seconds:g} s, socket healthy",
        baseline=f"polling every {POLL_30:g} s: {polling:g} calls/hour/device",
        measured=(
            f"{per_hour:g} calls/hour/device while up ({rest} REST calls; start-up {startup}: "
            f"log-in, bindings, datapoints); fallback while down: 1 per rest_interval"
        ),
        target="0 while the socket is healthy",
        passed=rest == 0 and connected,
    )


def measure_all() -> list[Row]:
    """Every push figure, in one run."""
    return [asyncio.run(latency()), throughput(), memory(), asyncio.run(rest_calls())]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.parse_args()
    for row in measure_all():
        print(row.line())


if __name__ == "__main__":
    main()
