"""Decoding speed: 10,000 ``GET /app/bindings`` entries into ``Device`` models, and 10,000
``GET /app/messages`` entries into ``Message`` models.

The bindings entries are the recorded EU bindings payload repeated; the messages are the doc's
example (two ISO timestamps, one without a zone) with distinct ids. Reports entries per second
(or microseconds an entry) for ``decode_list`` alone and next to ``json.loads`` of the same
body. Run: ``python -m benchmarks.decode``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from benchmarks._common import Row
from gizwits_async.models import Device, Message, decode_list

FIXTURE = Path(__file__).parent.parent / "tests/fixtures/real/bindings/heatzypy_devices.json"
TARGET = 100_000
# Issue #12 gave 5.0 us a Message as the figure to improve on.
MESSAGE_BEFORE_US = 5.0
MESSAGE = {
    "status": 0,
    "created_at": "2017-09-11T11:41:23Z",
    "updated_at": "2017-09-26T06:36:47",
    "content": "您给 188****888 共享了设备 微信宠物屋!",
    "type": 1,
}


def timed(body: str, key: str, model: type[object], rounds: int) -> tuple[float, float]:
    """The median seconds of ``json.loads`` of ``body`` and of decoding its ``key`` list."""
    entries = len(json.loads(body)[key])
    decode_list(json.loads(body)[key], model)  # build the generated hook once
    parse_times: list[float] = []
    decode_times: list[float] = []
    for _ in range(rounds):
        started = time.perf_counter()
        items = json.loads(body)[key]
        parsed = time.perf_counter()
        models = decode_list(items, model)
        done = time.perf_counter()
        if len(models) != entries:
            raise RuntimeError("decoded a different number of entries")
        parse_times.append(parsed - started)
        decode_times.append(done - parsed)
    return statistics.median(parse_times), statistics.median(decode_times)


def measure(entries: int = 10_000, rounds: int = 7) -> Row:
    recorded = json.loads(FIXTURE.read_text(encoding="utf-8"))["devices"]
    body = json.dumps({"devices": (recorded * (entries // len(recorded) + 1))[:entries]})
    parse, decode = timed(body, "devices", Device, rounds)
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


def measure_messages(entries: int = 10_000, rounds: int = 7) -> Row:
    messages = [{**MESSAGE, "id": f"59b676638c7d5000{index:08x}"} for index in range(entries)]
    parse, decode = timed(json.dumps({"objects": messages}), "objects", Message, rounds)
    per_message = decode / entries * 1e6
    return Row(
        name=f"decode: {entries} messages into Message (two ISO timestamps each)",
        baseline="json.loads alone",
        measured=(
            f"{per_message:.2f} us a message (decode {decode * 1000:.1f} ms, "
            f"json.loads {parse * 1000:.1f} ms, {decode / parse:.2f} x)"
        ),
        target=f"< {MESSAGE_BEFORE_US} us a message (the issue's figure)",
        passed=per_message < MESSAGE_BEFORE_US,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=10_000)
    args = parser.parse_args()
    print(measure(args.entries).line())
    print(measure_messages(args.entries).line())


if __name__ == "__main__":
    main()
