"""SDK overhead per call: sequential ``devices.latest`` vs raw aiohttp GET + ``json()``.

Both hit the same simulator URL over loopback in one process, in interleaved rounds; the
figure is the ratio of medians. Run: ``python -m benchmarks.overhead [--calls N]``.
"""

from __future__ import annotations

import argparse
import asyncio

import aiohttp

from benchmarks._common import (
    PASSWORD,
    PRODUCT_KEY,
    USERNAME,
    Comparison,
    bench_simulator,
    interleaved,
    user_uid,
)
from gizwits_async import GizwitsClient

TARGET = 1.10  # issue #8 (issue #2 asked for 1.15)


async def measure(calls: int = 3000, rounds: int = 5) -> Comparison:
    async with bench_simulator() as sim, aiohttp.ClientSession() as session:
        did = sim.add_device(PRODUCT_KEY, owner=user_uid(sim), attrs={"switch": True})
        client = GizwitsClient(
            sim.app_id,
            base_url=sim.base_url,
            session=session,
            username=USERNAME,
            password=PASSWORD,
        )
        token = await client.login(USERNAME, PASSWORD)
        url = f"{sim.base_url}/app/devdata/{did}/latest"
        headers = {"X-Gizwits-Application-Id": sim.app_id, "X-Gizwits-User-token": token.token}

        async def with_sdk() -> None:
            for _ in range(calls):
                await client.devices.latest(did)

        async def with_raw() -> None:
            for _ in range(calls):
                async with session.get(url, headers=headers) as response:
                    await response.json(content_type=None)

        await with_sdk()  # warm up both paths (connections, hooks)
        await with_raw()
        sdk_time, raw_time = await interleaved(rounds, with_sdk, with_raw)
        await client.close()
    return Comparison(
        name=f"overhead: {calls} sequential devices.latest",
        baseline="raw aiohttp GET + json()",
        sdk_seconds=sdk_time,
        baseline_seconds=raw_time,
        target=TARGET,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    result = asyncio.run(measure(args.calls, args.rounds))
    print(
        f"{result.name}: SDK {result.sdk_seconds:.3f}s, raw {result.baseline_seconds:.3f}s, "
        f"ratio {result.ratio:.3f} (target <= {result.target}) "
        f"{'PASS' if result.passed else 'FAIL'}"
    )


if __name__ == "__main__":
    main()
