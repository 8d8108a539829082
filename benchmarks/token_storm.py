"""Token storm: 1000 concurrent calls when the cached token has expired.

Every round first makes the client's token stale, then fires the calls at once; the SDK must
log in exactly once and the round must cost at most 1.2 x the same calls on a valid token.
Run: ``python -m benchmarks.token_storm [--calls N]``.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import attrs

from benchmarks._common import (
    PASSWORD,
    PRODUCT_KEY,
    USERNAME,
    Comparison,
    Row,
    bench_simulator,
    calls_and_rounds,
    interleaved,
    user_uid,
)
from gizwits_async import GizwitsClient, UserToken

TARGET = 1.2


@attrs.frozen
class StormResult:
    comparison: Comparison
    logins_per_storm: list[int]

    def row(self) -> Row:
        base = self.comparison.row()
        once = all(count == 1 for count in self.logins_per_storm)
        return attrs.evolve(
            base,
            measured=f"{base.measured}; logins per storm {sorted(set(self.logins_per_storm))}",
            target=f"1 login; {base.target}",
            passed=base.passed and once,
        )


async def measure(calls: int = 1000, rounds: int = 5) -> StormResult:
    async with bench_simulator() as sim:
        did = sim.add_device(PRODUCT_KEY, owner=user_uid(sim), attrs={"switch": True})
        async with GizwitsClient(
            sim.app_id,
            base_url=sim.base_url,
            username=USERNAME,
            password=PASSWORD,
            max_retries=0,
        ) as client:
            await client.login(USERNAME, PASSWORD)
            logins: list[int] = []

            async def fire() -> None:
                await asyncio.gather(*(client.devices.latest(did) for _ in range(calls)))

            async def storm() -> None:
                current = client.token
                if current is None:
                    raise RuntimeError("no token to expire")
                expired = UserToken(
                    uid=current.uid,
                    token=current.token,
                    expire_at=datetime.fromtimestamp(time.time() - 1, UTC),
                )
                client._auth._cache(expired)
                before = sim.state.login_count
                await fire()
                logins.append(sim.state.login_count - before)

            await fire()  # warm up connections
            storm_time, valid_time = await interleaved(rounds, storm, fire)
    return StormResult(
        Comparison(
            name=f"token storm: {calls} concurrent calls on an expired token",
            baseline="the same calls with a valid token",
            sdk_seconds=storm_time,
            baseline_seconds=valid_time,
            target=TARGET,
        ),
        logins,
    )


def main() -> None:
    calls, rounds = calls_and_rounds(__doc__, calls=1000, rounds=5)
    result = asyncio.run(measure(calls, rounds))
    print(result.row().line())


if __name__ == "__main__":
    main()
