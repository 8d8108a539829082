"""Decoding speed: 10,000 ``GET /app/bindings`` entries into ``Device`` models.

The entries are the recorded EU bindings payload repeated. Reports entries per second for
``decode_list`` alone and next to ``json.loads`` of the same body.
Run: ``python -m benchmarks.decode``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from benchmarks._common import Row
from gizwits_async.models import Device, decode_list

FIXTURE = Path(__file__).parent.parent / "tests/fixtures/real/bindings/heatzypy_devices.json"
TARGET = 100_000


def measure(entries: int = 10_000, rounds: int = 7) -> Row:
    recorded = json.loads(FIXTURE.read_text(encoding="utf-8"))["devices"]
    body = json.dumps({"devices": (recorded * (entries // len(recorded) + 1))[:entries]})
    decode_list(json.loads(body)["devices"], Device)  # build the generated hook once
    parse_times: list[float] = []
    decode_times: list[float] = []
    for _ in range(rounds):
        started = time.perf_counter()
        devices = json.loads(body)["devices"]
        parsed = time.perf_counter()
        models = decode_list(devices, Device)
        done = time.perf_counter()
        if len(models) != entries:
            raise RuntimeError("decoded a different number of entries")
        parse_times.append(parsed - started)
        decode_times.append(done - parsed)
    parse = statistics.median(parse_times)
    decode = statistics.median(decode_times)
    rate = entries / decode
    return Row(
        name=f"decode: {entries} bindings entries into Device",
        baseline="json.loads alone",
        measured=(
            f"{rate:,.0f} entries/s (decode {decode * 1000:.1f} ms, "
            f"json.loads {parse * 1000:.1f} ms, {decode / parse:.2f} x)"
        ),
        target=f">= {TARGET:,} entries/s",
        passed=rate >= TARGET,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=10_000)
    args = parser.parse_args()
    print(measure(args.entries).line())


if __name__ == "__main__":
    main()
