"""A real ``redis-server`` for the tests: started on 127.0.0.1 and a free port, with no
persistence, in a temporary directory, and stopped afterwards.

Where the server is not installed the Redis tests are skipped with one line saying how to get
it (``make redis-server``); when ``CI`` is set they fail instead, so CI cannot pass without
running them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

MISSING = "redis-server is not installed; run `make redis-server` (as root) to run the Redis tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RedisServer:
    """One redis-server process; ``stop()`` and ``start()`` again keep the port."""

    def __init__(self, executable: str, directory: Path) -> None:
        self.executable = executable
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - a fixed local executable
            [
                self.executable,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def redis_executable() -> str:
    """The redis-server to run; skips (or fails under CI) when there is none."""
    executable = shutil.which("redis-server")
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail(f"{MISSING} (CI is set, so this fails instead of skipping)")
        pytest.skip(MISSING)
    return executable


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """The session's redis-server (flushed before each test by ``redis_url``)."""
    executable = redis_executable()
    with tempfile.TemporaryDirectory(prefix="gizwits-redis-") as directory:
        server = RedisServer(executable, Path(directory))
        server.start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture
def own_redis_server() -> Iterator[RedisServer]:
    """A redis-server of this test's own, for tests that stop and restart it."""
    executable = redis_executable()
    with tempfile.TemporaryDirectory(prefix="gizwits-redis-") as directory:
        server = RedisServer(executable, Path(directory))
        server.start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture
async def redis_url(redis_server: RedisServer) -> str:
    """The session server's URL, on an empty database."""
    client = Redis.from_url(redis_server.url)
    await client.flushall()
    await client.aclose()
    return redis_server.url


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[Redis]:
    """A client of the tests' own on the session server (for inspecting what was stored)."""
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def commands_processed(client: Redis) -> int:
    """The server's count of commands processed so far (this INFO call excluded, the previous
    one included: subtract one per earlier call)."""
    info = await client.info("stats")
    return int(info["total_commands_processed"])
