"""Import cost: ``python -c "import gizwits_async"`` vs ``python -c "import aiohttp"``.

Fresh interpreters, interleaved, median of the rounds. Both import from bytecode, as an
installed package does (pip compiles it at install time): the runs share a private
``PYTHONPYCACHEPREFIX`` that the warm-up runs fill, with ``PYTHONDONTWRITEBYTECODE`` lifted for
them. Without that, an editable install under ``PYTHONDONTWRITEBYTECODE=1`` (this project's
machines set it) compiles every module of ours on every run while aiohttp's came compiled
from pip: 40 ms of the SDK's figure was compiling. Nothing is written beside the sources.
Run: ``python -m benchmarks.import_time``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

from benchmarks._common import Comparison

TARGET = 1.2  # issue #12


def _run(module: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True, env=env)  # noqa: S603
    return time.perf_counter() - started


def measure(rounds: int = 15) -> Comparison:
    with tempfile.TemporaryDirectory(prefix="gizwits-pycache-") as cache:
        env = {**os.environ, "PYTHONPYCACHEPREFIX": cache}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        return _measure(rounds, env)


def _measure(rounds: int, env: dict[str, str]) -> Comparison:
    _run("gizwits_async", env)  # warm the file system cache and write the bytecode
    _run("aiohttp", env)
    sdk: list[float] = []
    base: list[float] = []
    for index in range(rounds):
        pair = [("gizwits_async", sdk), ("aiohttp", base)]
        if index % 2:
            pair.reverse()
        for module, sink in pair:
            sink.append(_run(module, env))
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
