"""Where the per-call overhead of ``devices.latest`` goes: one step at a time from raw aiohttp.

``benchmarks.overhead`` gives one ratio (the SDK against raw aiohttp ``get()`` + ``json()``).
This one walks from that baseline to ``devices.latest`` in six steps, each adding one part of
what the SDK does, all in the same paired rounds (in the orders of
``_common.balanced_orders``, the simulator in a child process, one shared session), and reports
each step's client CPU per call with its interquartile range, what the step added, and its
wall-clock ratio to the baseline:

1. raw aiohttp ``get()`` + ``json()`` (the overhead benchmark's baseline);
2. raw aiohttp ``get()`` + the SDK's JSON parser on ``read()`` (orjson with the ``fast`` extra);
3. step 2 with the options every SDK request carries: the attempt's ``ClientTimeout`` (its
   connect budget is what lets a wait for a pooled connection end as "not sent"),
   ``allow_redirects=False``, ``raise_for_status=False``;
4. ``Transport.request`` with no decoding: deadlines, the token check, bounded body read,
   error classification;
5. ``Transport.request`` decoding into ``DeviceStatus``;
6. ``devices.latest``: the resource method and its ``did`` check.

A step's CPU is the median over its rounds; steps of a few microseconds are inside the noise
of one run, so compare runs before reading much into one of them.
Run: ``python -m benchmarks.overhead_steps [--calls N] [--rounds R]``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import attrs

from benchmarks._common import (
    Paired,
    Spread,
    calls_and_rounds,
    child_simulator,
    paired_rounds,
    shared_session,
)
from gizwits_async import _json
from gizwits_async.models import DeviceStatus

STEPS = (
    "raw aiohttp get() + json()",
    "raw aiohttp get() + the SDK's parser on read()",
    "+ the SDK's request options (timeouts, no redirects)",
    "Transport.request, no decoding",
    "Transport.request into DeviceStatus",
    "devices.latest",
)


@attrs.frozen
class StepsResult:
    """Each step's client CPU a call and its wall clock against step 1, from one run."""

    calls: int
    rounds: int
    paired: Paired

    def cpu(self, step: int) -> Spread:
        return self.paired.cpu_per_call(step, self.calls)

    def lines(self) -> list[str]:
        rows = [
            (
                f"{self.rounds} paired rounds of {self.calls} calls, simulator in a child "
                f"process; {self.paired.load_text()}"
            ),
            "| step | client CPU a call | added | wall vs step 1 |",
            "|---|---|---|---|",
        ]
        previous: float | None = None
        for index, name in enumerate(STEPS):
            cpu = self.cpu(index)
            added = "" if previous is None else f"{(cpu.median - previous) * 1e6:+.1f} us"
            wall = self.paired.ratio(index, 0).text(unit=" x")
            rows.append(f"| {index + 1}. {name} | {cpu.text(1e6, ' us', 1)} | {added} | {wall} |")
            previous = cpu.median
        return rows


def repeated(calls: int, one: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
    """A round of a step: ``calls`` calls one after another."""

    async def round_of_calls() -> None:
        for _ in range(calls):
            await one()

    return round_of_calls


async def measure(calls: int = 100, rounds: int = 60) -> StepsResult:
    async with child_simulator(1) as server, shared_session(server) as both:
        session, client, headers = both.session, both.client, both.headers
        did = server.dids[0]
        path = f"/app/devdata/{did}/latest"
        url = server.base_url + path
        transport = client._transport
        timeout = transport._client_timeout(transport.request_timeout)

        async def raw_json() -> None:
            async with session.get(url, headers=headers) as response:
                await response.json(content_type=None)

        async def raw_parser() -> None:
            async with session.get(url, headers=headers) as response:
                _json.loads(await response.read())

        async def raw_options() -> None:
            async with session.get(
                url,
                headers=headers,
                ssl=transport._ssl,
                timeout=timeout,
                allow_redirects=False,
                raise_for_status=False,
            ) as response:
                _json.loads(await response.read())

        async def transport_plain() -> None:
            await transport.request("GET", path)

        async def transport_into() -> None:
            await transport.request("GET", path, into=DeviceStatus)

        async def resource() -> None:
            await client.devices.latest(did)

        steps = [
            repeated(calls, one)
            for one in (
                raw_json,
                raw_parser,
                raw_options,
                transport_plain,
                transport_into,
                resource,
            )
        ]
        for _ in range(3):  # warm up every path (connections, generated hooks, caches)
            for step in steps:
                await step()
        paired = await paired_rounds(rounds, steps)
    return StepsResult(calls, rounds, paired)


def main() -> None:
    calls, rounds = calls_and_rounds(__doc__, calls=100, rounds=60)
    result = asyncio.run(measure(calls, rounds))
    print("\n".join(result.lines()))


if __name__ == "__main__":
    main()
