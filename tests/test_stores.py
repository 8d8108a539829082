"""Token stores: FileTokenStore under several clients and processes, its file hygiene."""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gizwits_async import FileTokenStore, MemoryTokenStore, TokenStore, UserToken
from gizwits_async.simulator import GizwitsSimulator
from tests.conftest import PRODUCT_KEY
from tests.proc_worker import run_workers

LOGIN = "/app/login"


def _token(value: str, expires_in: float) -> UserToken:
    return UserToken(
        uid="u1", token=value, expire_at=datetime.fromtimestamp(time.time() + expires_in, UTC)
    )


def test_the_shipped_stores_are_token_stores() -> None:
    assert isinstance(MemoryTokenStore(), TokenStore)
    assert isinstance(FileTokenStore("tokens.json"), TokenStore)
    assert not isinstance(object(), TokenStore)


async def test_a_late_writer_never_replaces_a_longer_living_token(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    await store.save("k", _token("fresh", 3600))
    await store.save("k", _token("older", 60))
    stored = await store.load("k")
    assert stored is not None
    assert stored.token == "fresh"
    await store.save("k", _token("newer", 7200))
    stored = await store.load("k")
    assert stored is not None
    assert stored.token == "newer"


async def test_a_token_file_open_to_others_is_tightened_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "tokens.json"
    store = FileTokenStore(path)
    await store.save("k", _token("secret-token-value", 3600))
    path.chmod(0o644)
    caplog.set_level(logging.WARNING, logger="gizwits_async.auth")
    stored = await store.load("k")
    assert stored is not None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "readable by others" in caplog.text
    assert "secret-token-value" not in caplog.text


async def test_an_undecodable_token_file_is_warned_about_and_treated_as_empty(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "tokens.json"
    path.write_bytes(b'{"k": "\xff\xfe not utf-8"}')
    path.chmod(0o600)
    store = FileTokenStore(path)
    caplog.set_level(logging.WARNING, logger="gizwits_async.auth")
    assert await store.load("k") is None
    assert await store.load("k") is None
    assert caplog.text.count("not valid UTF-8 JSON") == 1
    await store.save("k", _token("t", 3600))  # the broken file is replaced
    assert await store.load("k") is not None


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
async def test_an_unreadable_token_file_is_warned_about_and_treated_as_empty(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "tokens.json"
    path.write_text("{}")
    path.chmod(0)
    caplog.set_level(logging.WARNING, logger="gizwits_async.auth")
    assert await FileTokenStore(path).load("k") is None
    assert "cannot read token file" in caplog.text


async def test_the_login_lock_waits_without_blocking_the_event_loop(tmp_path: Path) -> None:
    first = FileTokenStore(tmp_path / "tokens.json")
    second = FileTokenStore(tmp_path / "tokens.json")
    ticks = 0
    order: list[str] = []

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    async def waiter() -> None:
        async with second.lock("k"):
            order.append("second")

    tick_task = asyncio.create_task(ticker())
    async with first.lock("k"):
        waiting = asyncio.create_task(waiter())
        await asyncio.sleep(0.1)
        assert not waiting.done()
        order.append("first")
        ticks_while_held = ticks
    await waiting
    tick_task.cancel()
    assert order == ["first", "second"]
    assert ticks_while_held >= 5  # the loop kept running while the second waited


async def test_a_waiter_for_the_login_lock_can_be_cancelled(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    async with store.lock("k"):
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05), FileTokenStore(store.path).lock("k"):
                pass
    async with asyncio.timeout(1), FileTokenStore(store.path).lock("k"):
        pass  # released: the next holder gets it at once


async def test_four_processes_on_one_file_store_lose_no_update_in_a_thousand_rounds(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "tokens.json")
    results = await run_workers(
        "file_rounds", [{"file": path, "index": index, "rounds": 250} for index in range(4)]
    )
    assert [result["lost"] for result in results] == [0, 0, 0, 0]
    assert [result["final"] for result in results] == [f"worker-{i}-249" for i in range(4)]


async def test_four_processes_on_one_file_store_log_in_once(
    sim: GizwitsSimulator, alice_uid: str, tmp_path: Path
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid, attrs={"switch": True})
    common = {
        "file": str(tmp_path / "tokens.json"),
        "app_id": sim.app_id,
        "base_url": sim.base_url,
        "did": did,
        "calls": 20,
        "start_at": time.time() + 1.5,
    }
    results = await run_workers("storm", [common] * 4)
    assert [result["ok"] for result in results] == [20] * 4
    assert sim.count("POST", LOGIN) == 1
    assert sum(result["logins"] for result in results) == 1
