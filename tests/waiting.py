"""Waiting on state with nothing to await: a leaf module (asyncio only), so the worker
processes of ``tests/proc_worker.py`` use it without loading the conftest."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def until(condition: Callable[[], bool], *, timeout: float = 10.0) -> None:
    """Wait (polling) until ``condition()`` holds: for state a server, a thread or another
    process changes with nothing to await on; a condition that never holds fails after
    ``timeout``."""
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110 - nothing to wait on but the state itself
            await asyncio.sleep(0.005)
