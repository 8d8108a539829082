"""Import cost: ``python -c "import gizwits_async"`` vs ``python -c "import aiohttp"``.

Fresh interpreters, interleaved, median of the rounds. Run: ``python -m benchmarks.import_time``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from benchmarks._common import Comparison

TARGET = 1.2  # issue #12


def _run(module: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True)  # noqa: S603
    return time.perf_counter() - started


def measure(rounds: int = 15) -> Comparison:
    _run("gizwits_async")  # warm the file system cache and bytecode
    _run("aiohttp")
    sdk: list[float] = []
    base: list[float] = []
    for index in range(rounds):
        pair = [("gizwits_async", sdk), ("aiohttp", base)]
        if index % 2:
            pair.reverse()
        for module, sink in pair:
            sink.append(_run(module))
    return Comparison(
        name='import: python -c "import gizwits_async"',
        baseline='python -c "import aiohttp"',
        sdk_seconds=statistics.median(sdk),
        baseline_seconds=statistics.median(base),
        target=TARGET,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    print(measure(args.rounds).row().line())


if __name__ == "__main__":
    main()
