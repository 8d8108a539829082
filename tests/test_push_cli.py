"""``gizwits-async watch --push`` against the simulator's websocket."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from gizwits_async import cli
from gizwits_async.simulator import GizwitsSimulator
from tests.conftest import PASSWORD, USERNAME
from tests.waiting import until


async def run_cli(argv: list[str], stdin: str = "") -> tuple[int, str]:
    """Run the command in a thread (it has its own event loop) while the simulator serves."""
    out = io.StringIO()
    code = await asyncio.to_thread(cli.main, argv, out, io.StringIO(stdin))
    return code, out.getvalue()


@pytest.fixture
async def logged_in(sim: GizwitsSimulator, tmp_path: Path) -> list[str]:
    common = ["--base-url", sim.base_url, "--config-dir", str(tmp_path)]
    code, _ = await run_cli(
        ["login", *common, "--app-id", sim.app_id, "--username", USERNAME], stdin=PASSWORD + "\n"
    )
    assert code == 0
    return common


async def test_watch_push_prints_pushed_changes_and_reconnects(
    sim: GizwitsSimulator, lamps: list[str], logged_in: list[str]
) -> None:
    did = lamps[0]
    out = io.StringIO()
    argv = ["watch", *logged_in, did, "--push", "--count", "5"]
    task = asyncio.create_task(asyncio.to_thread(cli.main, argv, out, io.StringIO()))
    await until(lambda: "pattern=" in out.getvalue())
    sim.report(did, {"LED_R": 61})
    await until(lambda: "LED_R=61" in out.getvalue())
    sim.faults.websocket.drop_all()
    assert await task == 0
    lines = [line.split(" ", 1)[1] for line in out.getvalue().splitlines()]
    endpoint = sim.base_url.removeprefix("http://")
    assert lines[0] == f"push {endpoint} connected"
    assert lines[1].startswith(f"{did} [push] LED_R=0, mode=auto, overheat=False, pattern=00000000")
    assert lines[2] == f"{did} [push] LED_R=61"
    assert lines[3].startswith(f"push {endpoint} disconnected (push socket to {endpoint} closed")
    assert lines[4] == f"push {endpoint} connected"
    assert sim.count("POST", "/app/login") == 1
