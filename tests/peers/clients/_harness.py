"""What every peer script shares: its configuration, a loopback-only resolver, and a record
of each step's outcome printed as one JSON object for the test to judge.

Only the standard library and aiohttp (every async peer depends on it) are used here, so the
scripts run in the peers' venv, where gizwits_async is not installed.
"""

from __future__ import annotations

import json
import socket
import sys
import traceback
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult


def config() -> dict[str, Any]:
    """The test's arguments: one JSON object in ``argv[1]``."""
    data: dict[str, Any] = json.loads(sys.argv[1])
    return data


class LoopbackResolver(AbstractResolver):
    """Resolves the cloud host names a peer has built in to the simulator on 127.0.0.1, so the
    peer's own URLs are used unchanged; any other name fails (no network)."""

    def __init__(self, hosts: set[str], port: int) -> None:
        self._hosts = hosts
        self._port = port

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """127.0.0.1 and the simulator's port for a known cloud host."""
        del port, family
        if host not in self._hosts:
            raise OSError(f"{host} is not a Gizwits host this test serves")
        return [
            {
                "hostname": host,
                "host": "127.0.0.1",
                "port": self._port,
                "family": socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
        ]

    async def close(self) -> None:
        """Nothing to release."""


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
    except TypeError:
        return repr(value)
    return value


def failure(error: BaseException) -> dict[str, Any]:
    """How a raised error is reported: its class, its module and its text."""
    return {"error": type(error).__name__, "module": type(error).__module__, "text": str(error)}


class Steps:
    """Runs named steps, keeping what each returned or raised."""

    def __init__(self) -> None:
        self.results: dict[str, Any] = {}

    def record(self, name: str, value: Any) -> Any:
        """Keep a value computed outside ``run``."""
        self.results[name] = {"ok": _jsonable(value)}
        return value

    async def run(self, name: str, call: Callable[[], Awaitable[Any]]) -> Any:
        """Await ``call()``; its result (or error) is kept under ``name``."""
        try:
            value = await call()
        except Exception as error:
            self.results[name] = failure(error)
            return None
        self.results[name] = {"ok": _jsonable(value)}
        return value

    def run_sync(self, name: str, call: Callable[[], Any]) -> Any:
        """``run`` for a blocking client."""
        try:
            value = call()
        except Exception as error:
            self.results[name] = failure(error)
            return None
        self.results[name] = {"ok": _jsonable(value)}
        return value

    def emit(self) -> None:
        """Print the outcomes for the test (stdout carries nothing else)."""
        sys.stdout.write(json.dumps(self.results) + "\n")


def main(body: Callable[[dict[str, Any], Steps], Coroutine[Any, Any, None]]) -> None:
    """Run a script's body and print its steps; a crash outside any step is printed too."""
    import asyncio  # noqa: PLC0415 - only the scripts' entry point needs it

    steps = Steps()
    try:
        asyncio.run(body(config(), steps))
    except Exception:
        steps.results["crash"] = {"error": "crash", "text": traceback.format_exc()}
    steps.emit()
