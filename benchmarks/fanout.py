"""Fan-out: ``control_many`` against raw aiohttp workers doing the very same requests, and
against a sequential loop of ``control`` calls, all in the same run.

The simulator runs in a child process (as a real cloud does not share the client's CPU) with
20 ms latency. Each round runs the fan-out, the raw fan-out and a short sequential sample in
the orders of ``_common.balanced_orders``, after an untimed run of the round's first action: a
burst that follows idle time runs slower, so each action must follow each other one equally
often (``paired_rounds`` says more). The figures are medians of the per-round ratios with
their interquartile range, the client's CPU per control, and the load average of the run. The
ideal bound devices / concurrency * latency is context only: raw aiohttp does not reach it
either (one loop's start-up burst). The sequential loop is timed on ``--sample`` calls and
scaled.
Run: ``python -m benchmarks.fanout [--devices N] [--concurrency C] [--rounds R] [--in-process]``.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import attrs

from benchmarks._common import (
    Paired,
    Row,
    Spread,
    child_simulator,
    local_simulator,
    paired_rounds,
    shared_session,
)

TARGET = 1.05  # over raw aiohttp doing the same (issue #12)
TARGET_SPEEDUP = 40.0


@attrs.frozen
class FanoutResult:
    """Paired rounds of the fan-out (0), the raw fan-out (1) and the sequential sample (2)."""

    devices: int
    concurrency: int
    latency: float
    sample: int
    rounds: int
    paired: Paired
    max_in_flight: int
    in_process: bool

    @property
    def ideal_seconds(self) -> float:
        return self.devices / self.concurrency * self.latency

    @property
    def fanout_seconds(self) -> float:
        return self.paired.wall_of(0).median

    @property
    def raw_fanout_seconds(self) -> float:
        return self.paired.wall_of(1).median

    @property
    def over_raw(self) -> Spread:
        return self.paired.ratio(0, 1)

    @property
    def speedup(self) -> Spread:
        """The sequential loop's time for every device (scaled from the sample) over the
        fan-out's, round by round."""
        scale = self.devices / self.sample
        pairs = zip(self.paired.wall[2], self.paired.wall[0], strict=True)
        return Spread.of([sequential * scale / fan for sequential, fan in pairs])

    @property
    def passed(self) -> bool:
        return self.over_raw.median <= TARGET and self.speedup.median >= TARGET_SPEEDUP

    def row(self) -> Row:
        cpu = self.paired.cpu_per_call(0, self.devices)
        raw_cpu = self.paired.cpu_per_call(1, self.devices)
        return Row(
            name=(
                f"fan-out: {self.devices} controls at {self.latency * 1000:.0f} ms latency, "
                f"concurrency {self.concurrency}, {self.rounds} balanced rounds"
            ),
            baseline=(
                f"raw aiohttp workers, same requests; sequential loop ({self.sample} calls, "
                f"scaled); ideal bound {self.ideal_seconds:.2f} s"
            ),
            measured=(
                f"{self.over_raw.text(unit=' x')} raw; {self.speedup.text(unit=' x', digits=1)} "
                f"the sequential loop; {self.fanout_seconds / self.ideal_seconds:.2f} x ideal "
                f"(raw {self.raw_fanout_seconds / self.ideal_seconds:.2f} x); client CPU "
                f"{cpu.text(1e6, ' us', 1)} vs {raw_cpu.text(1e6, ' us', 1)} a control; "
                f"{self.max_in_flight} in flight; {self.paired.load_text()}"
            ),
            target=f"<= {TARGET} x raw and >= {TARGET_SPEEDUP:.0f} x sequential",
            passed=self.passed,
        )


async def measure(
    devices: int = 1000,
    concurrency: int = 100,
    latency: float = 0.02,
    sample: int = 10,
    rounds: int = 60,
    *,
    in_process: bool = False,
) -> FanoutResult:
    simulator = local_simulator if in_process else child_simulator
    async with simulator(devices) as server, shared_session(server) as both:
        session, client, headers = both.session, both.client, both.headers
        dids = server.dids
        body: dict[str, Any] = {"attrs": {"switch": True}}

        async def fan_out() -> None:
            result = await client.devices.control_many(
                dids, attrs={"switch": True}, concurrency=concurrency
            )
            if not result.ok:
                raise RuntimeError(f"{len(result.failed)} controls failed")

        async def raw_fan_out() -> None:
            pending = iter(dids)

            async def worker() -> None:
                for did in pending:
                    url = f"{server.base_url}/app/control/{did}"
                    async with session.post(url, json=body, headers=headers) as response:
                        await response.json(content_type=None)

            await asyncio.gather(*(worker() for _ in range(concurrency)))

        async def sequential_sample() -> None:
            for did in dids[:sample]:
                await client.devices.control(did, attrs={"switch": True})

        # Warm up: open the connections the fan-outs will reuse.
        await fan_out()
        await raw_fan_out()
        server.set_latency(latency)
        await asyncio.sleep(0.2)  # the child takes the new latency on its next poll
        paired = await paired_rounds(rounds, [fan_out, raw_fan_out, sequential_sample])
        peak = server.max_in_flight()
    return FanoutResult(
        devices=devices,
        concurrency=concurrency,
        latency=latency,
        sample=sample,
        rounds=rounds,
        paired=paired,
        max_in_flight=peak,
        in_process=in_process,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--sample", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--in-process", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(
        measure(
            args.devices,
            args.concurrency,
            args.latency,
            args.sample,
            args.rounds,
            in_process=args.in_process,
        )
    )
    print(result.row().line())


if __name__ == "__main__":
    main()
