"""SDK overhead per call: sequential ``devices.latest`` vs raw aiohttp GET + ``json()``.

The simulator runs in a child process (its CPU is not the client's); both clients share one
aiohttp session and hit the same URL in many short rounds, alternated, so a burst of load from
elsewhere on the machine hits both. The figure is the median of the per-round ratios with its
interquartile range, plus the client's CPU microseconds per call (``time.process_time``) and the
load average of the run (flagged above 1).
Run: ``python -m benchmarks.overhead [--calls N] [--rounds R]``.
"""

from __future__ import annotations

import asyncio

import attrs

from benchmarks._common import (
    Paired,
    Row,
    calls_and_rounds,
    child_simulator,
    paired_rounds,
    shared_session,
)

TARGET = 1.00  # issue #12


@attrs.frozen
class OverheadResult:
    """The paired rounds of the SDK (action 0) and raw aiohttp (action 1)."""

    calls: int
    rounds: int
    paired: Paired

    @property
    def ratio(self) -> float:
        return self.paired.ratio(0, 1).median

    @property
    def passed(self) -> bool:
        return self.ratio <= TARGET

    def row(self) -> Row:
        paired = self.paired
        sdk_cpu = paired.cpu_per_call(0, self.calls)
        raw_cpu = paired.cpu_per_call(1, self.calls)
        return Row(
            name=(
                f"overhead: devices.latest, {self.rounds} paired rounds of {self.calls} calls, "
                "simulator in a child process"
            ),
            baseline="raw aiohttp GET + json(), same session",
            measured=(
                f"{paired.ratio(0, 1).text(unit=' x')}; client CPU "
                f"{sdk_cpu.text(1e6, ' us', 1)} vs {raw_cpu.text(1e6, ' us', 1)} a call; "
                f"{paired.load_text()}"
            ),
            target=f"<= {TARGET:.2f} x",
            passed=self.passed,
        )


async def measure(calls: int = 100, rounds: int = 60) -> OverheadResult:
    async with child_simulator(1) as server, shared_session(server) as both:
        session, client, headers = both.session, both.client, both.headers
        did = server.dids[0]
        url = f"{server.base_url}/app/devdata/{did}/latest"

        async def with_sdk() -> None:
            for _ in range(calls):
                await client.devices.latest(did)

        async def with_raw() -> None:
            for _ in range(calls):
                async with session.get(url, headers=headers) as response:
                    await response.json(content_type=None)

        for _ in range(3):  # warm up both paths (connections, caches)
            await with_sdk()
            await with_raw()
        paired = await paired_rounds(rounds, [with_sdk, with_raw])
    return OverheadResult(calls, rounds, paired)


def main() -> None:
    calls, rounds = calls_and_rounds(__doc__, calls=100, rounds=60)
    result = asyncio.run(measure(calls, rounds))
    print(result.row().line())


if __name__ == "__main__":
    main()
