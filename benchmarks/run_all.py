"""Run every benchmark and write ``benchmarks/RESULTS.md``: ``make bench``.

The run's table replaces the one at the top of the file; the dated sections below it (earlier
measurements, written by hand) are kept.

Each benchmark compares the SDK with a baseline measured in the same run (raw aiohttp, a
sequential loop, ``json.loads``, importing aiohttp): ratios, not absolute times.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import (
    decode,
    fanout,
    import_time,
    overhead,
    push,
    raw_data,
    redis_shared,
    token_storm,
)
from benchmarks._common import Row
from gizwits_async import _json

RESULTS = Path(__file__).parent / "RESULTS.md"

BENCHMARKS: list[tuple[str, Callable[[], Row]]] = [
    ("overhead", lambda: asyncio.run(overhead.measure()).row()),
    ("fanout", lambda: asyncio.run(fanout.measure()).row()),
    ("token_storm", lambda: asyncio.run(token_storm.measure()).row()),
    ("raw_data", lambda: asyncio.run(raw_data.measure()).row()),
    ("decode", decode.measure),
    ("decode_messages", decode.measure_messages),
    ("import_time", lambda: import_time.measure().row()),
    ("push_latency", lambda: asyncio.run(push.latency())),
    ("push_throughput", push.throughput),
    ("push_memory", push.memory),
    ("push_rest_calls", lambda: asyncio.run(push.rest_calls())),
    ("redis_shared", lambda: asyncio.run(redis_shared.measure()).row()),
]


def history(path: Path) -> str:
    """The dated sections of an earlier ``RESULTS.md`` (each ``## `` heading and what
    follows it): a run replaces only the table at the top, and the record of earlier
    measurements stays."""
    if not path.exists():
        return ""
    text = path.read_text(encoding="utf-8")
    start = text.find("\n## ")
    return "" if start == -1 else text[start + 1 :]


def render(rows: list[Row], seconds: float, earlier: str = "") -> str:
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [
        "# Benchmark results",
        "",
        (
            f"Written by `make bench` on {when}: Python {platform.python_version()}, "
            f"{os.cpu_count()} cores, JSON parser {'orjson' if _json.FAST_JSON else 'json'}; "
            f"{seconds:.0f} s in all. Ratios against baselines measured in the same run; "
            "see README.md beside this file for what each one measures and why it stands "
            "where it does."
        ),
        "",
        "| benchmark | baseline | measured | target | result |",
        "|---|---|---|---|---|",
        *(row.line() for row in rows),
        "",
    ]
    if earlier:
        lines += ["", earlier.rstrip("\n"), ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", help="names of the benchmarks to run")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    chosen = [(name, run) for name, run in BENCHMARKS if not args.only or name in args.only]
    started = time.perf_counter()
    rows: list[Row] = []
    for name, run in chosen:
        print(f"running {name} ...", flush=True)
        row = run()
        print(row.line(), flush=True)
        rows.append(row)
    text = render(rows, time.perf_counter() - started, history(args.output))
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0 if all(row.passed for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
