"""Soak: 20,000 mixed calls through one client, 100 at a time, while the simulator injects 5 %
random faults and expires the user token three times.

Every control carries a unique ``seq`` value, so the simulator's device log tells exactly
which commands were applied, and how often. The bookkeeping is allocated up front, and the
simulator's logs are drained at the two measuring points, so that memory measured between
the halves is the client's (and the simulator's steady state), not the test's records.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from typing import Any, Final

import pytest

from gizwits_async import (
    ErrorCode,
    GizwitsAuthError,
    GizwitsClient,
    GizwitsConnectionError,
    GizwitsError,
    GizwitsRateLimitError,
    GizwitsResponseError,
    GizwitsServerError,
    GizwitsTimeoutError,
)
from gizwits_async.simulator import GizwitsSimulator
from tests.conftest import PASSWORD, PRODUCT_KEY, USERNAME

_LOGGER = logging.getLogger(__name__)

TOTAL: Final = 20_000
WORKERS: Final = 100
DEVICES: Final = 10
HALF: Final = TOTAL // 2
EXPIRE_AT: Final = frozenset({TOTAL // 4, HALF, 3 * TOTAL // 4})
# Ample even under coverage and tracemalloc: only the delay faults time out (a log-in that
# timed out would be sent again and count as a fifth log-in on the server).
REQUEST_TIMEOUT: Final = 2.0
# Memory after the second half against after the first: 10,000 calls in between, so a leak
# of 16 bytes per call (less than any Python object could cost) would exceed this. What it
# allows for is noise: the connection pool's idle connections and their buffers differ a
# little between two moments (measured: -22 KB to -7 KB).
MEMORY_TOLERANCE: Final = 160_000

# Faults on every path but the log-in (a fault there would cost extra log-ins, which this test
# counts). One rule in the list applies per request, each with its own probability: about 5 %
# of requests fail in one of these ways.
NOT_LOGIN: Final = r"(?!/app/login$)/.*"
FAULTS: Final[list[dict[str, Any]]] = [
    {"status": 500, "probability": 0.008},
    {"status": 503, "probability": 0.006},
    {"status": 502, "after_handler": True, "probability": 0.006},
    {"status": 429, "retry_after": "0", "probability": 0.006},
    {"error_code": ErrorCode.REQUEST_THROTTLED, "probability": 0.006},
    {"reset": True, "probability": 0.005},
    {"reset": True, "after_handler": True, "probability": 0.005},
    {"truncate": 1, "reset": True, "after_handler": True, "probability": 0.004},
    {"body": "<html>Bad gateway</html>", "after_handler": True, "probability": 0.002},
    {"delay": 3 * REQUEST_TIMEOUT, "after_handler": True, "probability": 0.002},
]

# Outcome codes: what happened to a call, or to one device's control within a call.
NOT_SENT: Final = 0
SUCCEEDED: Final = 1
NOT_GIZWITS: Final = 2
ERROR_CODES: Final[dict[type[GizwitsError], int]] = {
    GizwitsConnectionError: 3,
    GizwitsTimeoutError: 4,
    GizwitsServerError: 5,
    GizwitsResponseError: 6,
    GizwitsRateLimitError: 7,
    GizwitsAuthError: 8,
}
OTHER_GIZWITS_ERROR: Final = 9
# Failures after which the server may have applied the command: the request was sent and the
# answer was lost or spoilt. A throttled or refused call was not applied.
MAY_HAVE_ACTED: Final = frozenset({3, 4, 5, 6})


def _error_code(error: GizwitsError) -> int:
    return ERROR_CODES.get(type(error), OTHER_GIZWITS_ERROR)


class Soak:
    """The client under test, the calls it makes, and preallocated records of the outcomes."""

    def __init__(self, sim: GizwitsSimulator, client: GizwitsClient, dids: list[str]) -> None:
        self.sim = sim
        self.client = client
        self.dids = dids
        self.outcomes = bytearray(TOTAL)
        # Per device, per seq: the outcome of the control, and how often the device applied it.
        self.sent = [bytearray(TOTAL) for _ in dids]
        self.applied = [bytearray(TOTAL) for _ in dids]
        self.not_gizwits: list[BaseException] = []
        self._calls: list[Callable[[int, int], Any]] = [
            self._latest,
            self._latest,
            self._latest,
            self._latest,
            self._latest,
            self._control,
            self._control,
            self._control,
            self._control,
            self._get,
            self._get,
            self._bindings,
            self._user,
            self._groups,
            self._messages,
            self._status,
            self._scenes,
            self._latest,
            self._control_many,
            self._control_many,
        ]

    async def run(self, start: int, stop: int) -> None:
        numbers = iter(range(start, stop))

        async def worker() -> None:
            for n in numbers:
                if n in EXPIRE_AT:
                    self.sim.state.expire_tokens()
                await self._one(n)

        async with asyncio.TaskGroup() as group:
            for _ in range(WORKERS):
                group.create_task(worker())

    async def _one(self, n: int) -> None:
        device = (n // len(self._calls)) % len(self.dids)
        call = self._calls[n % len(self._calls)]
        try:
            await call(n, device)
        except GizwitsError as error:
            self.outcomes[n] = _error_code(error)
        except Exception as error:  # the soak's point: nothing else may escape
            self.outcomes[n] = NOT_GIZWITS
            self.not_gizwits.append(error)
        else:
            self.outcomes[n] = SUCCEEDED

    async def _latest(self, n: int, device: int) -> None:
        await self.client.devices.latest(self.dids[device])

    async def _get(self, n: int, device: int) -> None:
        await self.client.devices.get(self.dids[device])

    async def _control(self, n: int, device: int) -> None:
        try:
            await self.client.devices.control(self.dids[device], attrs={"seq": n})
        except GizwitsError as error:
            self.sent[device][n] = _error_code(error)
            raise
        self.sent[device][n] = SUCCEEDED

    async def _control_many(self, n: int, device: int) -> None:
        pair = [device, (device + 1) % len(self.dids)]
        result = await self.client.devices.control_many(
            [self.dids[d] for d in pair], attrs={"seq": n}
        )
        for d in pair:
            error = result.failed.get(self.dids[d])
            self.sent[d][n] = SUCCEEDED if error is None else _error_code(error)
        if not result.ok:
            raise next(iter(result.failed.values()))

    async def _bindings(self, n: int, device: int) -> None:
        await self.client.bindings.list().collect()

    async def _user(self, n: int, device: int) -> None:
        await self.client.users.get()

    async def _groups(self, n: int, device: int) -> None:
        await self.client.groups.list()

    async def _messages(self, n: int, device: int) -> None:
        await self.client.messages.list().collect()

    async def _status(self, n: int, device: int) -> None:
        await self.client.system.status()

    async def _scenes(self, n: int, device: int) -> None:
        await self.client.scenes.list()

    async def settle_and_drain(self) -> None:
        """Wait for the simulator to finish every request, then move what each device applied
        from its log into ``applied`` and empty the log."""
        for _ in range(1000):
            if self.sim.in_flight == 0:
                break
            await asyncio.sleep(0.01)
        assert self.sim.in_flight == 0
        for index, did in enumerate(self.dids):
            device = self.sim.device(did)
            for entry in device.raw_log:
                if entry["type"] == "app2dev":
                    seq = json.loads(bytes.fromhex(entry["payload_bin"]))["seq"]
                    self.applied[index][seq] += 1
            device.raw_log.clear()
        # The simulator keeps every report for aggregated data; that history is its own.
        self.sim.state.automation.history.clear()


async def _no_wait(delay: float) -> None:
    # Retries happen at once, but still let the other tasks run.
    await asyncio.sleep(0)


async def _faulty_simulator() -> tuple[GizwitsSimulator, list[str]]:
    """A simulator without a request log, alice with DEVICES lamps, and the random faults."""
    sim = GizwitsSimulator(app_id="soak-app", record_requests=False, fault_seed=7)
    await sim.start()
    sim.add_product(PRODUCT_KEY)
    alice = sim.add_user(USERNAME, PASSWORD)
    dids = [sim.add_device(PRODUCT_KEY, owner=alice.uid) for _ in range(DEVICES)]
    sim.state.add_message(alice.uid, "hello")
    for fault in FAULTS:
        sim.faults.add(path=NOT_LOGIN, times=None, **fault)
    return sim, dids


async def _run_halves(soak: Soak) -> tuple[int, int, int, str]:
    """Run both halves under tracemalloc: memory after each (the simulator's logs drained),
    the peak, and the lines that grew most."""
    gc.collect()
    tracemalloc.start()
    try:
        await soak.run(0, HALF)
        await soak.settle_and_drain()
        gc.collect()
        first_half, _ = tracemalloc.get_traced_memory()
        first_snapshot = tracemalloc.take_snapshot()
        await soak.run(HALF, TOTAL)
        await soak.settle_and_drain()
        gc.collect()
        second_half, peak = tracemalloc.get_traced_memory()
        top = tracemalloc.take_snapshot().compare_to(first_snapshot, "lineno")[:5]
    finally:
        tracemalloc.stop()
    return first_half, second_half, peak, "\n".join(map(str, top))


@pytest.mark.soak
async def test_soak_loses_nothing_doubles_nothing_and_stays_flat(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("gizwits_async._transport.sleep", _no_wait)
    baseline_tasks = asyncio.all_tasks()
    sim, dids = await _faulty_simulator()
    client = GizwitsClient(
        sim.app_id,
        base_url=sim.base_url,
        username=USERNAME,
        password=PASSWORD,
        request_timeout=REQUEST_TIMEOUT,
    )
    soak = Soak(sim, client, dids)
    started = time.perf_counter()
    try:
        first_half, second_half, peak, top = await _run_halves(soak)
    finally:
        elapsed = time.perf_counter() - started
        session = client._session
        await client.close()
        await sim.close()
    # Shown with --log-cli-level=INFO; the numbers quoted in the report come from here.
    _LOGGER.info(
        "soak: %d calls in %.1f s; traced memory after the first half %d B, after the "
        "second %d B (growth %+d B), peak %d B",
        TOTAL,
        elapsed,
        first_half,
        second_half,
        second_half - first_half,
        peak,
    )

    # Every call ended, in success or a GizwitsError; nothing else escaped.
    assert soak.not_gizwits == []
    counts = Counter(soak.outcomes)
    _LOGGER.info("soak outcomes (code: calls): %s", dict(sorted(counts.items())))
    assert counts[NOT_SENT] == 0
    assert counts[SUCCEEDED] > TOTAL * 0.9
    assert counts[NOT_GIZWITS] == 0
    # The faults happened: calls failed in each way they can after their retries.
    assert counts[ERROR_CODES[GizwitsConnectionError]] > 0
    assert counts[ERROR_CODES[GizwitsServerError]] > 0
    assert counts[ERROR_CODES[GizwitsResponseError]] > 0

    _check_each_command_applied_at_most_once(soak, sim)

    # One log-in at the start and one after each of the three expiries.
    assert client._auth.logins == 4
    assert sim.state.login_count == 4

    # Nothing left open: the client's session, and no task but this test's.
    assert session is not None
    assert session.closed
    assert client._session is None
    assert asyncio.all_tasks() <= baseline_tasks

    growth = second_half - first_half
    assert growth < MEMORY_TOLERANCE, f"memory grew by {growth} bytes; most:\n{top}"


def _check_each_command_applied_at_most_once(soak: Soak, sim: GizwitsSimulator) -> None:
    """Per device: every control that succeeded was applied exactly once; one that failed at
    most once, and only if it may have reached the server; nothing else was applied."""
    applied_after_failure = 0
    for index, did in enumerate(soak.dids):
        succeeded = failed_but_applied = 0
        for seq, (sent, applied) in enumerate(
            zip(soak.sent[index], soak.applied[index], strict=True)
        ):
            if sent == NOT_SENT:
                assert applied == 0, f"{did}: seq {seq} was never sent but applied"
            elif sent == SUCCEEDED:
                assert applied == 1, f"{did}: seq {seq} succeeded and was applied {applied}x"
                succeeded += 1
            else:
                assert applied <= 1, f"{did}: seq {seq} failed and was applied {applied}x"
                if applied:
                    assert sent in MAY_HAVE_ACTED, f"{did}: seq {seq} failed with {sent}"
                    failed_but_applied += 1
        assert sim.device(did).control_count == succeeded + failed_but_applied
        applied_after_failure += failed_but_applied
    # Some commands were applied and their answers lost: the case that must not be resent.
    assert applied_after_failure > 0
