"""Read the latest status of a fleet of devices into a CSV file.

Every device is read with ``devices.latest_many`` under a concurrency bound (``--concurrency``,
default 20): at most that many requests are in flight, however many devices there are. The CSV
has one row per device that answered: ``did``, ``updated_at`` (ISO 8601 UTC, empty when the
device reported nothing in 24 hours) and one column per attribute seen on any device (strings
as they are, other values as JSON: ``true``, ``21.5``). Devices that failed are listed on
stderr, one line each with the error's class and Gizwits code, and counted in the summary.

Run it from the repository root::

    python -m examples.bulk_poller --simulator --output devices.csv
    GIZWITS_APP_ID=... GIZWITS_USERNAME=... GIZWITS_PASSWORD=... \\
        python -m examples.bulk_poller --region eu --dids fleet.txt --output devices.csv

The devices are the lines of ``--dids FILE`` (your inventory), or else every device bound to
the account. With ``--simulator`` an embedded simulator creates ``--devices`` (1000) virtual
devices for the demo user and polls them; ``--unbound`` (2) of them are unbound after the
inventory was taken, as when a user removes a device, so that the failure report has something
to show.

The exit status is 0 when at least one device answered, 1 otherwise.

Account flags and environment variables: ``--app-id`` (GIZWITS_APP_ID), ``--username``
(GIZWITS_USERNAME), ``--password`` (GIZWITS_PASSWORD, prompted when missing), ``--region``
(GIZWITS_REGION: cn, us, eu), ``--base-url`` (GIZWITS_BASE_URL).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import attrs

from examples._account import Account, account_from_args, add_account_arguments, simulated_account
from gizwits_async import DeviceStatus, GizwitsAPIError, GizwitsClient, GizwitsError

# The cloud publishes no rate limit for the app API and answers 9041 when pushed too hard
# (API-NOTES); the client waits out such refusals, but a modest bound avoids most of them.
DEFAULT_CONCURRENCY = 20
SIMULATED_DEVICES = 1000
SIMULATED_UNBOUND = 2


@attrs.frozen
class PollReport:
    """What a poll wrote and what failed (did → one-line reason)."""

    devices: int
    rows: int
    columns: list[str]
    failed: dict[str, str]
    seconds: float


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def reason(error: GizwitsError) -> str:
    if isinstance(error, GizwitsAPIError):
        code = f" {error.error_code}" if error.error_code is not None else ""
        return f"{type(error).__name__}{code}: {error.error_message or error.status}"
    return f"{type(error).__name__}: {error}"


def write_csv(statuses: dict[str, DeviceStatus], output: TextIO) -> list[str]:
    """Write one row per device; returns the attribute columns."""
    columns = sorted({name for status in statuses.values() for name in status.attrs})
    writer = csv.writer(output)
    writer.writerow(["did", "updated_at", *columns])
    for did, status in statuses.items():
        updated = status.updated_at.isoformat() if status.updated_at else ""
        writer.writerow([did, updated, *(cell(status.attrs.get(name)) for name in columns)])
    return columns


def write_csv_file(path: Path, statuses: dict[str, DeviceStatus]) -> list[str]:
    with path.open("w", encoding="utf-8", newline="") as handle:
        return write_csv(statuses, handle)


def read_inventory(path: Path) -> list[str]:
    """One did per line; blank lines and ``#`` comments are skipped."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


async def poll(
    client: GizwitsClient,
    dids: Sequence[str],
    output: Path,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> PollReport:
    """Read every device (at most ``concurrency`` requests in flight) and write the CSV."""
    started = time.perf_counter()
    result = await client.devices.latest_many(dids, concurrency=concurrency)
    elapsed = time.perf_counter() - started
    columns = await asyncio.to_thread(write_csv_file, output, result.succeeded)
    return PollReport(
        devices=len(result),
        rows=len(result.succeeded),
        columns=columns,
        failed={did: reason(error) for did, error in result.failed.items()},
        seconds=elapsed,
    )


def report(summary: PollReport, target: Path, out: TextIO, err: TextIO) -> None:
    for did, why in summary.failed.items():
        print(f"failed: {did}: {why}", file=err)
    print(
        f"polled {summary.devices} devices in {summary.seconds:.2f} s: "
        f"{summary.rows} rows written to {target}, {len(summary.failed)} failed",
        file=out,
    )


async def poll_account(
    account: Account,
    *,
    output: Path,
    dids: Sequence[str] | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> PollReport:
    """Poll ``dids``, or every device bound to the account, into the CSV file ``output``."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    async with account.client(max_concurrency=concurrency) as client:
        if dids is None:
            dids = [device.did async for device in client.bindings.list(page_size=100)]
        print(f"{len(dids)} devices to poll, {concurrency} at a time", file=out, flush=True)
        summary = await poll(client, dids, output, concurrency=concurrency)
    report(summary, output, out, err)
    return summary


async def simulate(
    *,
    output: Path,
    devices: int,
    unbound: int,
    concurrency: int,
    out: TextIO,
    err: TextIO,
) -> PollReport:
    async with simulated_account(devices) as (sim, account):
        demo = sim.demo
        if demo is None:  # pragma: no cover - simulated_account loads it
            raise RuntimeError("the simulator has no demo account")
        # The inventory was taken before these devices were unbound: they will answer 9017.
        for did in demo.dids[:unbound]:
            sim.state.unbind(demo.uid, did)
        print(
            f"simulator at {sim.base_url}: {devices} devices, {unbound} unbound since the "
            "inventory was taken",
            file=out,
        )
        return await poll_account(
            account, output=output, dids=demo.dids, concurrency=concurrency, out=out, err=err
        )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m examples.bulk_poller", description=__doc__.split("\n\n")[0]
    )
    add_account_arguments(parser)
    parser.add_argument("--output", type=Path, default=Path("devices.csv"), help="CSV file")
    parser.add_argument("--dids", type=Path, help="a file with one did per line")
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    parser.add_argument(
        "--devices", type=int, default=SIMULATED_DEVICES, help="with --simulator: devices"
    )
    parser.add_argument(
        "--unbound",
        type=int,
        default=SIMULATED_UNBOUND,
        help="with --simulator: devices unbound after the inventory was taken",
    )
    return parser


async def amain(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> PollReport:
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.concurrency < 1 or args.devices < 1 or not 0 <= args.unbound <= args.devices:
        parser.error("--concurrency and --devices must be positive, --unbound within --devices")
    if args.simulator:
        return await simulate(
            output=args.output,
            devices=args.devices,
            unbound=args.unbound,
            concurrency=args.concurrency,
            out=out,
            err=err,
        )
    account = account_from_args(args, parser)
    dids = None if args.dids is None else await asyncio.to_thread(read_inventory, args.dids)
    return await poll_account(
        account,
        output=args.output,
        dids=dids,
        concurrency=args.concurrency,
        out=out,
        err=err,
    )


def main(argv: Sequence[str] | None = None) -> int:
    try:
        summary = asyncio.run(amain(argv))
    except KeyboardInterrupt:
        return 130
    except (GizwitsError, OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0 if summary.rows else 1


if __name__ == "__main__":
    sys.exit(main())
