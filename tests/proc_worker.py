"""One OS process of the multi-process tests: ``python -m tests.proc_worker SCENARIO JSON``.

The test process runs the simulator (and the redis-server); each worker is a real process with
its own event loop, client and store, and prints one JSON line with what it saw.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gizwits_async import FileTokenStore, GizwitsClient, GizwitsError, TokenStore, UserToken
from gizwits_async.ratelimit import RateLimiter

REDIS_TIMEOUT = 3.0
USERNAME = "alice"
PASSWORD = "Al1ce-secret-pw"


def _store(args: dict[str, Any]) -> TokenStore:
    if "file" in args:
        return FileTokenStore(args["file"])
    from gizwits_async.redis import RedisTokenStore  # noqa: PLC0415 - only where Redis is used

    # A generous Redis timeout: the tests run beside other work on a loaded machine, and a
    # timed-out call would switch to the (tested elsewhere) local fallback.
    return RedisTokenStore(
        args["redis"], prefix=args["prefix"], lease=args.get("lease", 90.0), timeout=REDIS_TIMEOUT
    )


def _limiter(args: dict[str, Any]) -> RateLimiter | None:
    if "rate" not in args:
        return None
    from gizwits_async.redis import RedisRateLimiter  # noqa: PLC0415 - only where Redis is used

    return RedisRateLimiter(
        args["redis"], rate=args["rate"], per=1.0, prefix=args["prefix"], timeout=REDIS_TIMEOUT
    )


def _client(args: dict[str, Any]) -> GizwitsClient:
    return GizwitsClient(
        args["app_id"],
        base_url=args["base_url"],
        username=USERNAME,
        password=PASSWORD,
        token_store=_store(args),
        rate_limiter=_limiter(args),
        max_retries=args.get("max_retries", 3),
    )


async def _sleep_until(when: float) -> None:
    await asyncio.sleep(max(0.0, when - time.time()))


async def storm(args: dict[str, Any]) -> dict[str, Any]:
    """``calls`` concurrent calls at ``start_at`` on an absent token."""
    async with _client(args) as client:
        await _sleep_until(args["start_at"])
        results = await asyncio.gather(
            *(client.devices.latest(args["did"]) for _ in range(args["calls"])),
            return_exceptions=True,
        )
        failed = [type(r).__name__ for r in results if isinstance(r, BaseException)]
        return {"ok": len(results) - len(failed), "failed": failed, "logins": client._auth.logins}


async def poll(args: dict[str, Any]) -> dict[str, Any]:
    """Call in a loop until ``until`` (the test changes the cloud meanwhile)."""
    ok = 0
    failed: list[str] = []
    async with _client(args) as client:
        await _sleep_until(args.get("start_at", 0.0))
        while time.time() < args["until"]:
            try:
                await client.devices.latest(args["did"])
                ok += 1
            except GizwitsError as err:
                failed.append(type(err).__name__)
            await asyncio.sleep(args.get("interval", 0.02))
        return {"ok": ok, "failed": failed, "logins": client._auth.logins}


async def burst(args: dict[str, Any]) -> dict[str, Any]:
    """``calls`` concurrent calls through the shared rate limiter."""
    async with _client(args) as client:
        await _sleep_until(args["start_at"])
        await asyncio.gather(*(client.devices.latest(args["did"]) for _ in range(args["calls"])))
        return {"ok": args["calls"]}


async def file_rounds(args: dict[str, Any]) -> dict[str, Any]:
    """Save a newer token under this worker's key each round; count rounds whose token was
    lost (another process's read-modify-write overwrote it)."""
    store = FileTokenStore(args["file"])
    key = f"worker-{args['index']}"
    lost = 0
    for round_ in range(args["rounds"]):
        token = UserToken(
            uid=key,
            token=f"{key}-{round_}",
            expire_at=datetime.fromtimestamp(2_000_000_000 + round_, UTC),
        )
        await store.save(key, token)
        stored = await store.load(key)
        if stored is None or stored.token != token.token:
            lost += 1
    final = await store.load(key)
    return {"lost": lost, "final": final.token if final else None}


SCENARIOS = {"storm": storm, "poll": poll, "burst": burst, "file_rounds": file_rounds}


def main() -> None:
    scenario, raw = sys.argv[1], sys.argv[2]
    result = asyncio.run(SCENARIOS[scenario](json.loads(raw)))
    print(json.dumps(result), flush=True)  # noqa: T201 - the worker's one line of output


if __name__ == "__main__":
    main()


ROOT = Path(__file__).resolve().parent.parent


async def start_worker(scenario: str, args: dict[str, Any]) -> asyncio.subprocess.Process:
    """Start one worker process (the caller awaits ``finish_worker``)."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.proc_worker",
        scenario,
        json.dumps(args),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def finish_worker(process: asyncio.subprocess.Process) -> dict[str, Any]:
    """The worker's JSON result; raises with its stderr if it failed."""
    out, err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"worker failed ({process.returncode}): {err.decode()[-2000:]}")
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    result["stderr"] = err.decode()[-2000:]
    return result


async def run_workers(scenario: str, many_args: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run one worker per argument set at once; their results in order."""
    processes = [await start_worker(scenario, args) for args in many_args]
    return [await finish_worker(process) for process in processes]
