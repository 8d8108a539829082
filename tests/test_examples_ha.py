"""examples/ha_coordinator.py: which devices an integration shows as unavailable, and why."""

from __future__ import annotations

import io
from pathlib import Path

import aiohttp
import pytest

from examples import ha_coordinator
from examples._account import Account
from gizwits_async.simulator import GizwitsSimulator
from tests.conftest import PASSWORD, PRODUCT_KEY, USERNAME


@pytest.fixture
def account(sim: GizwitsSimulator) -> Account:
    return Account(sim.app_id, USERNAME, PASSWORD, base_url=sim.base_url)


@pytest.fixture
def lamps(sim: GizwitsSimulator, alice_uid: str) -> list[str]:
    return [sim.add_device(PRODUCT_KEY, owner=alice_uid, attrs={"switch": True}) for _ in range(2)]


async def test_an_empty_status_after_24_silent_hours_never_replaces_a_good_one(
    sim: GizwitsSimulator, account: Account, lamps: list[str], tmp_path: Path
) -> None:
    silent, talking = lamps

    async def a_day_passes(seconds: float) -> None:
        sim.clock.advance(86400 + 60)
        sim.state.report(talking, {"switch": False})

    hub = await ha_coordinator.run(
        account,
        token_path=tmp_path / "t.json",
        polls=2,
        sleep=a_day_passes,
        out=io.StringIO(),
        now=sim.clock.now,
    )
    # The cloud answered the silent lamp with empty attrs and updated_at 0 on the second poll.
    answers = sim.requests_to("GET", f"/app/devdata/{silent}/latest")
    assert len(answers) == 2
    snapshot = hub.coordinator.data or {}
    assert snapshot[silent].attrs == {"switch": True}  # the last good status, kept
    assert snapshot[silent].updated_at is not None
    assert hub.unavailable == {silent: "no report in the last 24 hours"}
    assert not hub.is_available(silent)
    assert hub.is_available(talking)
    assert snapshot[talking].attrs["switch"] is False


async def test_an_offline_device_is_unavailable_but_keeps_its_values(
    sim: GizwitsSimulator, account: Account, lamps: list[str], tmp_path: Path
) -> None:
    out = io.StringIO()

    async def unplug(seconds: float) -> None:
        sim.state.set_online(lamps[0], online=False)

    hub = await ha_coordinator.run(
        account, token_path=tmp_path / "t.json", polls=2, sleep=unplug, out=out
    )
    assert hub.unavailable == {lamps[0]: "offline"}
    assert (hub.coordinator.data or {})[lamps[0]].attrs == {"switch": True}
    assert f"  {lamps[0]} switch=true (unavailable: offline)" in out.getvalue()


async def test_a_status_older_than_stale_after_is_unavailable(
    sim: GizwitsSimulator, account: Account, lamps: list[str], tmp_path: Path
) -> None:
    async with aiohttp.ClientSession() as session:
        hub = ha_coordinator.GizwitsHub(
            account,
            session,
            ha_coordinator.TokenFile(tmp_path / "t.json"),
            stale_after=3600,
            now=sim.clock.now,
        )
        try:
            await hub.coordinator.async_refresh()
            assert hub.unavailable == {}
            sim.clock.advance(7200)
            sim.state.report(lamps[1], {"switch": False})
            await hub.coordinator.async_refresh()
        finally:
            await hub.close()
    assert list(hub.unavailable) == [lamps[0]]
    assert hub.unavailable[lamps[0]].startswith("stale: last report at ")
    assert hub.is_available(lamps[1])
