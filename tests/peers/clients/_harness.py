"""What every peer script shares: its configuration, a loopback-only resolver, a record of
each step's outcome printed as one JSON object for the test to judge, and what a peer's push
callback was handed.

Only the standard library and aiohttp (every async peer depends on it) are used here, so the
scripts run in the peers' venv, where gizwits_async is not installed.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import traceback
from collections.abc import Awaitable, Callable, Coroutine, Iterable
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


class Notifications:
    """What a peer's push callback was handed, in order, for the dids the test reports on."""

    def __init__(self, dids: Iterable[str]) -> None:
        self.expected = set(dids)
        self.seen: list[dict[str, Any]] = []
        self._complete = asyncio.Event()

    def add(self, did: str, attrs: Any) -> None:
        """Keep one notification; the wait ends once every expected did had one."""
        self.seen.append({"did": did, "attrs": attrs})
        if self.expected <= {n["did"] for n in self.seen}:
            self._complete.set()

    async def wait(self, timeout: float, *, reader: asyncio.Task[Any]) -> list[dict[str, Any]]:
        """Every notification kept, once each expected did had one. The peer's ``reader`` task
        ending first is a failure (what it raised, or a RuntimeError), as is ``timeout``."""
        complete = asyncio.ensure_future(self._complete.wait())
        try:
            async with asyncio.timeout(timeout):
                await asyncio.wait({complete, reader}, return_when=asyncio.FIRST_COMPLETED)
        except TimeoutError:
            raise TimeoutError(f"{timeout} s passed; the callback had {self.seen}") from None
        finally:
            complete.cancel()
        if not self._complete.is_set():
            reader.result()
            raise RuntimeError(f"the peer stopped reading after {self.seen}")
        return self.seen


def main(body: Callable[[dict[str, Any], Steps], Coroutine[Any, Any, None]]) -> None:
    """Run a script's body and print its steps; a crash outside any step is printed too."""
    steps = Steps()
    try:
        asyncio.run(body(config(), steps))
    except Exception:
        steps.results["crash"] = {"error": "crash", "text": traceback.format_exc()}
    steps.emit()
