"""The raw-data walker: entries per second and peak memory reading 100,000 log entries.

The entries lie evenly over the last 7 days of one device, so every 48-hour window holds
about 28,600 rows and the walker narrows windows to fit the 5000-row cap. Throughput is the
median of streaming walks (each entry looked at, then dropped). Peak memory is measured with
``tracemalloc`` around one streaming walk and around ``collect()`` of everything, in the same
process as the simulator, so the streaming peak includes the server's own response buffers;
the difference between the two is what holding every entry would cost.
Run: ``python -m benchmarks.raw_data [--entries N] [--rounds R]``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import tracemalloc
from collections.abc import Awaitable, Callable

import attrs

from benchmarks._common import PASSWORD, PRODUCT_KEY, USERNAME, bench_simulator, user_uid
from gizwits_async import GizwitsClient
from gizwits_async.simulator.raw_log import spread_entries

DAYS = 7


@attrs.frozen
class RawDataResult:
    entries: int
    requests: int
    seconds: float
    streaming_peak_bytes: int
    collect_peak_bytes: int

    @property
    def per_second(self) -> float:
        return self.entries / self.seconds


async def peak_memory(action: Callable[[], Awaitable[object]]) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        await action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


async def measure(entries: int = 100_000, rounds: int = 3) -> RawDataResult:
    async with bench_simulator() as sim:
        did = sim.add_device(PRODUCT_KEY, owner=user_uid(sim))
        end = int(sim.clock.now()) - 60
        start = end - DAYS * 86400
        sim.state.add_raw_log(did, spread_entries(entries, start=start, end=end))
        async with GizwitsClient(
            sim.app_id, base_url=sim.base_url, username=USERNAME, password=PASSWORD
        ) as client:
            await client.login(USERNAME, PASSWORD)
            counted: list[int] = []

            async def stream() -> int:
                seen = 0
                async for _ in client.devices.raw_data(did, start=start, end=end, sort="asc"):
                    seen += 1
                counted.append(seen)
                return seen

            async def collect() -> int:
                return len(await client.devices.raw_data(did, start=start, end=end).collect())

            # Warm up, recording the requests one walk makes (not recorded while timing).
            sim.record_requests = True
            await stream()
            requests = sim.count("GET", "/app/devices/.*/raw_data")
            sim.record_requests = False
            sim.reset_counters()
            times: list[float] = []
            for _ in range(rounds):
                started = time.perf_counter()
                await stream()
                times.append(time.perf_counter() - started)
            streaming_peak = await peak_memory(stream)
            collect_peak = await peak_memory(collect)
    if set(counted) != {entries}:
        raise RuntimeError(f"walks saw {sorted(set(counted))} entries, expected {entries}")
    return RawDataResult(
        entries=entries,
        requests=requests,
        seconds=statistics.median(times),
        streaming_peak_bytes=streaming_peak,
        collect_peak_bytes=collect_peak,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    result = asyncio.run(measure(args.entries, args.rounds))
    mib = 1024 * 1024
    print(
        f"raw_data: {result.entries} entries over {DAYS} days in {result.requests} requests, "
        f"{result.seconds:.2f}s, {result.per_second:,.0f} entries/s\n"
        f"  peak memory: streaming {result.streaming_peak_bytes / mib:.1f} MiB, "
        f"collect() {result.collect_peak_bytes / mib:.1f} MiB"
    )


if __name__ == "__main__":
    main()
