"""Token storm: 1000 concurrent calls when the cached token has expired.

Every storm first makes the client's token stale, then fires the calls at once; the SDK must
log in exactly once a storm, and a storm must cost at most 1.2 x the same calls on a valid
token. The simulator runs in a child process (its login and its 1000 answers are not the
client's CPU); storms and valid-token rounds alternate in many short paired rounds, and the
figure is the median of the per-round ratios with its interquartile range, plus the load.
Logins are counted by the simulator over the whole run (one per storm), and each storm must
leave the client holding a new token (at least one login each): together, exactly one each.
Run: ``python -m benchmarks.token_storm [--calls N] [--rounds R]``.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import attrs

from benchmarks._common import (
    PASSWORD,
    USERNAME,
    Paired,
    Row,
    calls_and_rounds,
    child_simulator,
    paired_rounds,
)
from gizwits_async import GizwitsClient, UserToken

TARGET = 1.2


@attrs.frozen
class StormResult:
    """Paired rounds of storms (action 0) and the same calls on a valid token (action 1)."""

    calls: int
    rounds: int
    paired: Paired
    logins: int
    storms_with_a_new_token: int

    @property
    def once_each(self) -> bool:
        return self.logins == self.rounds and self.storms_with_a_new_token == self.rounds

    def row(self) -> Row:
        ratio = self.paired.ratio(0, 1)
        return Row(
            name=f"token storm: {self.calls} concurrent calls on an expired token",
            baseline="the same calls with a valid token",
            measured=(
                f"{ratio.text(unit=' x')}, {self.rounds} paired rounds, simulator in a child "
                f"process; {self.logins} logins for {self.rounds} storms, "
                f"{self.storms_with_a_new_token} of them ending on a new token; "
                f"{self.paired.load_text()}"
            ),
            target=f"1 login a storm; <= {TARGET} x",
            passed=self.once_each and ratio.median <= TARGET,
        )


async def measure(calls: int = 1000, rounds: int = 60) -> StormResult:
    async with (
        child_simulator(1) as server,
        GizwitsClient(
            server.app_id,
            base_url=server.base_url,
            username=USERNAME,
            password=PASSWORD,
            max_retries=0,
        ) as client,
    ):
        did = server.dids[0]
        await client.login(USERNAME, PASSWORD)
        renewed = 0

        async def fire() -> None:
            await asyncio.gather(*(client.devices.latest(did) for _ in range(calls)))

        async def storm() -> None:
            nonlocal renewed
            current = client.token
            if current is None:
                raise RuntimeError("no token to expire")
            client._auth._cache(
                UserToken(
                    uid=current.uid,
                    token=current.token,
                    expire_at=datetime.fromtimestamp(time.time() - 1, UTC),
                )
            )
            await fire()
            after = client.token
            if after is not None and after.token != current.token:
                renewed += 1

        await fire()  # warm up connections
        before = server.login_count()
        paired = await paired_rounds(rounds, [storm, fire])
        logins = server.login_count() - before
    return StormResult(calls, rounds, paired, logins, renewed)


def main() -> None:
    calls, rounds = calls_and_rounds(__doc__, calls=1000, rounds=60)
    result = asyncio.run(measure(calls, rounds))
    print(result.row().line())


if __name__ == "__main__":
    main()
