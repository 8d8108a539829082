"""Shared benchmark plumbing: interleaved rounds, medians, a simulator with one user."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable

import attrs

from gizwits_async.simulator import GizwitsSimulator

PRODUCT_KEY = "bench0000000000000000000000000000"
USERNAME = "bench"
PASSWORD = "Bench-pass-123"  # noqa: S105 - a simulator account


@attrs.frozen
class Row:
    """One line of ``RESULTS.md``."""

    name: str
    baseline: str
    measured: str
    target: str
    passed: bool

    def line(self) -> str:
        verdict = "pass" if self.passed else "FAIL"
        return f"| {self.name} | {self.baseline} | {self.measured} | {self.target} | {verdict} |"


@attrs.frozen
class Comparison:
    name: str
    baseline: str
    sdk_seconds: float
    baseline_seconds: float
    target: float

    @property
    def ratio(self) -> float:
        return self.sdk_seconds / self.baseline_seconds

    @property
    def passed(self) -> bool:
        return self.ratio <= self.target

    def row(self) -> Row:
        return Row(
            name=self.name,
            baseline=self.baseline,
            measured=(
                f"{self.ratio:.3f} x ({self.sdk_seconds:.3f} s vs {self.baseline_seconds:.3f} s)"
            ),
            target=f"<= {self.target} x",
            passed=self.passed,
        )


async def interleaved(
    rounds: int,
    sdk: Callable[[], Awaitable[None]],
    baseline: Callable[[], Awaitable[None]],
) -> tuple[float, float]:
    """Run both alternately ``rounds`` times (baseline first on odd rounds); return medians."""
    sdk_times: list[float] = []
    base_times: list[float] = []
    for index in range(rounds):
        order = [(sdk, sdk_times), (baseline, base_times)]
        if index % 2:
            order.reverse()
        for action, sink in order:
            started = time.perf_counter()
            await action()
            sink.append(time.perf_counter() - started)
    return statistics.median(sdk_times), statistics.median(base_times)


def bench_simulator(**kwargs: object) -> GizwitsSimulator:
    sim = GizwitsSimulator(record_requests=False, **kwargs)  # type: ignore[arg-type]
    sim.add_product(PRODUCT_KEY)
    sim.add_user(USERNAME, PASSWORD)
    return sim


def user_uid(sim: GizwitsSimulator) -> str:
    user = sim.state.find_user(USERNAME)
    if user is None:
        raise RuntimeError("benchmark user missing")
    return user.uid
