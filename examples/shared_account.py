"""N worker processes behind ONE Gizwits account: a poller split by did ranges.

Every worker is its own OS process with its own ``GizwitsClient``; they share, through Redis,
the account's token (``RedisTokenStore``: the workers log in once between them, and adopt the
token one of them filed) and the rate limit (``RedisRateLimiter``: at most ``--rate`` request
starts per second across all workers; a 429 with ``Retry-After`` pauses every worker).

Run it from the repository root, with a Redis server (``pip install 'gizwits-async[redis]'``)::

    python -m examples.shared_account --simulator --redis redis://127.0.0.1:6379/0 --workers 4
    GIZWITS_APP_ID=... GIZWITS_USERNAME=... GIZWITS_PASSWORD=... \\
        python -m examples.shared_account --region eu --redis rediss://user:pw@redis.example/0

With ``--simulator`` an embedded simulator with the demo account and ``--devices`` devices
runs in the main process, and the summary says how many logins it saw (one). The account
reaches the workers through their environment, never their command line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from examples._account import Account, account_from_args, add_account_arguments, simulated_account
from gizwits_async import GizwitsError
from gizwits_async.redis import RedisRateLimiter, RedisTokenStore


async def poll_slice(
    account: Account, redis_url: str, prefix: str, rate: float, *, index: int, workers: int
) -> dict[str, Any]:
    """One worker: read the latest status of its share of the account's devices."""
    store = RedisTokenStore(redis_url, prefix=prefix)
    limiter = RedisRateLimiter(redis_url, rate=rate, per=1.0, prefix=prefix)
    try:
        async with account.client(token_store=store, rate_limiter=limiter) as client:
            dids = sorted([device.did async for device in client.bindings.list()])
            mine = dids[index::workers]
            result = await client.devices.latest_many(mine)
            return {
                "worker": index,
                "devices": len(mine),
                "read": len(result.succeeded),
                "failed": {did: type(err).__name__ for did, err in result.failed.items()},
            }
    finally:
        await store.aclose()
        await limiter.aclose()


async def run_workers(
    account: Account, redis_url: str, prefix: str, rate: float, workers: int
) -> list[dict[str, Any]]:
    """Start ``workers`` processes of this module and collect their JSON summaries."""
    environment = {
        **os.environ,
        "GIZWITS_APP_ID": account.app_id,
        "GIZWITS_USERNAME": account.username,
        "GIZWITS_PASSWORD": account.password,
        "GIZWITS_REGION": account.region,
        "GIZWITS_BASE_URL": account.base_url or "",
    }
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "examples.shared_account",
            "--worker",
            str(index),
            "--workers",
            str(workers),
            "--redis",
            redis_url,
            "--prefix",
            prefix,
            "--rate",
            str(rate),
            env=environment,
            stdout=asyncio.subprocess.PIPE,
        )
        for index in range(workers)
    ]
    summaries = []
    for process in processes:
        out, _ = await process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"a worker exited with {process.returncode}")
        summaries.append(json.loads(out.decode().strip().splitlines()[-1]))
    return summaries


def build_parser() -> argparse.ArgumentParser:
    """The example's command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    add_account_arguments(parser)
    parser.add_argument("--devices", type=int, default=12, help="simulated devices")
    parser.add_argument("--redis", required=True, help="redis://, rediss:// or unix:// URL")
    parser.add_argument("--prefix", default="gizwits:", help="key prefix in Redis")
    parser.add_argument("--rate", type=float, default=10.0, help="requests per second, shared")
    parser.add_argument("--workers", type=int, default=4, help="worker processes")
    parser.add_argument("--worker", type=int, default=None, help=argparse.SUPPRESS)
    return parser


async def main(argv: Sequence[str] | None = None) -> int:
    """Run the workers (or, with the hidden ``--worker``, be one) and print a summary."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.worker is not None:
        account = account_from_args(args, parser)
        summary = await poll_slice(
            account, args.redis, args.prefix, args.rate, index=args.worker, workers=args.workers
        )
        print(json.dumps(summary))
        return 0
    try:
        if args.simulator:
            async with simulated_account(args.devices) as (sim, account):
                summaries = await run_workers(
                    account, args.redis, args.prefix, args.rate, args.workers
                )
                logins = sim.count("POST", "/app/login")
        else:
            account = account_from_args(args, parser)
            summaries = await run_workers(account, args.redis, args.prefix, args.rate, args.workers)
            logins = None
    except (GizwitsError, RuntimeError, ValueError) as err:
        print(f"failed: {err}", file=sys.stderr)
        return 1
    for summary in summaries:
        print(
            f"worker {summary['worker']}: {summary['read']}/{summary['devices']} devices read"
            + (f", failed: {summary['failed']}" if summary["failed"] else "")
        )
    if logins is not None:
        print(f"logins at the simulator: {logins}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
