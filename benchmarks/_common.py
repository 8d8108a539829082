"""Shared benchmark plumbing: interleaved rounds, medians, a simulator with one user."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from multiprocessing.connection import Connection

import aiohttp
import attrs

from gizwits_async import GizwitsClient
from gizwits_async.simulator import GizwitsSimulator
from gizwits_async.simulator.raw_log import spread_entries

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


# -- robust paired measurement (issue #12): server in a child process, many short alternated
# rounds, medians with their spread, client CPU per call, and the machine's load meanwhile.


@attrs.frozen
class Spread:
    """A median with its interquartile range."""

    median: float
    q1: float
    q3: float

    @classmethod
    def of(cls, values: list[float]) -> Spread:
        if len(values) < 2:
            return cls(values[0], values[0], values[0])
        q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
        return cls(median, q1, q3)

    @property
    def iqr(self) -> float:
        return self.q3 - self.q1

    def text(self, scale: float = 1.0, unit: str = "", digits: int = 3) -> str:
        return (
            f"{self.median * scale:.{digits}f}{unit} "
            f"(IQR {self.q1 * scale:.{digits}f}-{self.q3 * scale:.{digits}f})"
        )


@attrs.frozen
class Paired:
    """What alternated rounds of several actions measured: per action, wall and CPU seconds
    per round; ``ratio(a, b)`` pairs the rounds, so a burst of load hits both sides."""

    wall: list[list[float]]
    cpu: list[list[float]]
    load: tuple[float, float]

    def ratio(self, first: int, second: int) -> Spread:
        pairs = zip(self.wall[first], self.wall[second], strict=True)
        return Spread.of([a / b for a, b in pairs])

    def cpu_per_call(self, which: int, calls: int) -> Spread:
        return Spread.of([seconds / calls for seconds in self.cpu[which]])

    def wall_of(self, which: int) -> Spread:
        return Spread.of(self.wall[which])

    @property
    def loaded(self) -> bool:
        """The run shared the machine: load average above 1 at its start or end."""
        return max(self.load) > 1.0

    def load_text(self) -> str:
        flag = " (LOADED)" if self.loaded else ""
        return f"load {self.load[0]:.2f}->{self.load[1]:.2f}{flag}"


def load_average() -> float:
    """The one-minute load average (0 where the platform has none)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


def balanced_orders(count: int) -> list[tuple[int, ...]]:
    """The orders of one cycle of rounds, a Williams design: within the rounds each action
    follows every other action equally often, and each action comes first equally often.

    Rotating one order (0 1 2, 1 2 0, 2 0 1) is not enough: 1 then always follows 0, and an
    action that leaves the machine idle (a sequential sample) slows whatever follows it. Two
    actions alternate (0 1, 1 0), which is balanced across rounds too; for more, the base order
    0, 1, n-1, 2, n-2, ... shifted by each offset gives each ordered pair once when the count is
    even, and with the reversed orders added, twice when it is odd.
    """
    if count < 1:
        raise ValueError("balanced_orders needs at least one action")
    base = [0]
    low, high = 1, count - 1
    while len(base) < count:
        base.append(low)
        low += 1
        if len(base) < count:
            base.append(high)
            high -= 1
    orders = [tuple((step + shift) % count for step in base) for shift in range(count)]
    if count % 2 and count > 1:
        orders += [order[::-1] for order in orders]
    return orders


async def paired_rounds(rounds: int, actions: list[Callable[[], Awaitable[None]]]) -> Paired:
    """Run each action once per round in the orders of ``balanced_orders`` (a whole number of
    its cycles keeps them exactly balanced); time each run's wall clock and this process's CPU
    (``time.process_time``: the client's, with the server in a child process).

    With three actions or more, each round starts with an untimed run of its first action, so
    that what comes before a timed run is balanced across rounds too: the first follows itself.
    What comes before matters: on this machine a fan-out after a fan-out took 248 ms, after
    50 ms of idle (a sequential sample mostly waits) 286-295 ms, and with one order rotated
    every round the SDK's fan-out followed the sequential sample twice as often as the raw
    one did. Two actions alternate (0 1, 1 0, 0 1, ...), which is balanced as it is.
    """
    wall: list[list[float]] = [[] for _ in actions]
    cpu: list[list[float]] = [[] for _ in actions]
    orders = balanced_orders(len(actions))
    load_before = load_average()
    for index in range(rounds):
        order = orders[index % len(orders)]
        if len(actions) > 2:
            await actions[order[0]]()
        for which in order:
            cpu_started = time.process_time()
            started = time.perf_counter()
            await actions[which]()
            wall[which].append(time.perf_counter() - started)
            cpu[which].append(time.process_time() - cpu_started)
    return Paired(wall, cpu, (load_before, load_average()))


@attrs.frozen
class Server:
    """A simulator the benchmark talks to, and the knobs it turns."""

    base_url: str
    app_id: str
    dids: list[str]
    set_latency: Callable[[float], None]
    max_in_flight: Callable[[], int]
    # How many logins the simulator has answered so far.
    login_count: Callable[[], int]
    # With a raw log: the first device's log spans [start, end] (epoch seconds).
    raw_window: tuple[int, int] = (0, 0)


def _add_raw_log(sim: GizwitsSimulator, did: str, entries: int, days: int) -> tuple[int, int]:
    """``entries`` log entries spread evenly over the ``days`` before now, on ``did``."""
    end = int(sim.clock.now()) - 60
    start = end - days * 86400
    if entries:
        sim.state.add_raw_log(did, spread_entries(entries, start=start, end=end))
    return start, end


async def _serve(connection: Connection, devices: int, raw_entries: int, raw_days: int) -> None:
    async with bench_simulator() as sim:
        uid = user_uid(sim)
        dids = [sim.add_device(PRODUCT_KEY, owner=uid) for _ in range(devices)]
        window = _add_raw_log(sim, dids[0], raw_entries, raw_days)
        connection.send((sim.base_url, sim.app_id, dids, window))
        while True:
            if connection.poll():
                command, value = connection.recv()
                if command == "stop":
                    return
                if command == "latency":
                    sim.latency = value
                    sim.reset_counters()
                elif command == "max_in_flight":
                    connection.send(sim.max_in_flight)
                elif command == "login_count":
                    connection.send(sim.state.login_count)
            await asyncio.sleep(0.05)


def serve_in_child(connection: Connection, devices: int, raw_entries: int, raw_days: int) -> None:
    """The child process: a simulator with ``devices`` devices (the first with a raw log of
    ``raw_entries`` over ``raw_days``), driven through the pipe."""
    asyncio.run(_serve(connection, devices, raw_entries, raw_days))


@contextlib.asynccontextmanager
async def child_simulator(
    devices: int, *, raw_entries: int = 0, raw_days: int = 14
) -> AsyncIterator[Server]:
    """A simulator in a child process, as a real cloud does not share the client's CPU."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(
        target=serve_in_child, args=(theirs, devices, raw_entries, raw_days), daemon=True
    )
    process.start()
    loop = asyncio.get_running_loop()
    if not await loop.run_in_executor(None, ours.poll, 60):
        process.kill()
        raise RuntimeError("the simulator process did not start")
    base_url, app_id, dids, window = ours.recv()

    def set_latency(value: float) -> None:
        ours.send(("latency", value))

    def ask(command: str) -> int:
        ours.send((command, None))
        return int(ours.recv())

    try:
        yield Server(
            base_url,
            app_id,
            dids,
            set_latency,
            lambda: ask("max_in_flight"),
            lambda: ask("login_count"),
            window,
        )
    finally:
        ours.send(("stop", None))
        await loop.run_in_executor(None, process.join, 10)


@contextlib.asynccontextmanager
async def local_simulator(
    devices: int, *, raw_entries: int = 0, raw_days: int = 14
) -> AsyncIterator[Server]:
    """The same simulator in this process (its work then lands on the client's loop)."""
    async with bench_simulator() as sim:
        uid = user_uid(sim)
        dids = [sim.add_device(PRODUCT_KEY, owner=uid) for _ in range(devices)]
        window = _add_raw_log(sim, dids[0], raw_entries, raw_days)

        def set_latency(value: float) -> None:
            sim.latency = value
            sim.reset_counters()

        yield Server(
            sim.base_url,
            sim.app_id,
            dids,
            set_latency,
            lambda: sim.max_in_flight,
            lambda: sim.state.login_count,
            window,
        )


@attrs.frozen
class Clients:
    """One aiohttp session shared by the SDK's client (logged in) and the raw baseline, with
    the headers the baseline sends (the AppID and the same user token)."""

    session: aiohttp.ClientSession
    client: GizwitsClient
    headers: dict[str, str]


@contextlib.asynccontextmanager
async def shared_session(server: Server) -> AsyncIterator[Clients]:
    """The SDK and raw aiohttp on one session against ``server``: the SDK's client logged in
    as the benchmark user, the baseline's headers carrying its token."""
    async with (
        aiohttp.ClientSession() as session,
        GizwitsClient(
            server.app_id,
            base_url=server.base_url,
            session=session,
            username=USERNAME,
            password=PASSWORD,
        ) as client,
    ):
        token = await client.login(USERNAME, PASSWORD)
        headers = {"X-Gizwits-Application-Id": server.app_id, "X-Gizwits-User-token": token.token}
        yield Clients(session, client, headers)


def calls_and_rounds(description: str | None, *, calls: int, rounds: int) -> tuple[int, int]:
    """The ``--calls`` (a round) and ``--rounds`` of a benchmark run alone."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--calls", type=int, default=calls)
    parser.add_argument("--rounds", type=int, default=rounds)
    args = parser.parse_args()
    return args.calls, args.rounds
