"""The pytest plugin of gizwits-async (entry point ``pytest11`` named ``gizwits_async``).

Every pytest run in an environment that has gizwits-async installed loads this module, so it
imports nothing of the package: the simulator, the client and aiohttp are imported when a test
first asks for one of the fixtures. The fixtures are documented in ``gizwits_async.testing``.
It is a top-level module because importing any ``gizwits_async.*`` module would run the
package's ``__init__`` (the client, aiohttp) at plugin load.
"""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from gizwits_async.client import GizwitsClient
    from gizwits_async.simulator.server import GizwitsSimulator

__all__ = ["gizwits_client", "gizwits_simulator"]


def _missing_asyncio(*_: Any) -> Any:  # pragma: no cover - needs an environment without it
    pytest.fail("the gizwits_async pytest fixtures need pytest-asyncio installed")


# The plugin must not fail to import where pytest-asyncio is absent: the fixtures then explain
# what is missing. find_spec only looks the module up; pytest-asyncio, when installed, is
# loaded by pytest as a plugin of its own anyway.
if importlib.util.find_spec("pytest_asyncio") is not None:
    import pytest_asyncio

    @pytest_asyncio.fixture
    async def gizwits_simulator() -> AsyncIterator[GizwitsSimulator]:
        """A Gizwits cloud on 127.0.0.1 with the demo account loaded (``.demo``)."""
        from gizwits_async.testing import demo_simulator  # noqa: PLC0415 - see the docstring

        async with demo_simulator() as simulator:
            yield simulator

    @pytest_asyncio.fixture
    async def gizwits_client(
        gizwits_simulator: GizwitsSimulator,
    ) -> AsyncIterator[GizwitsClient]:
        """A client logged in (on first use) as the demo user of ``gizwits_simulator``."""
        from gizwits_async.testing import demo_client  # noqa: PLC0415 - see the docstring

        async with demo_client(gizwits_simulator) as client:
            yield client

else:  # pragma: no cover - needs an environment without pytest-asyncio
    gizwits_simulator = pytest.fixture(_missing_asyncio, name="gizwits_simulator")
    gizwits_client = pytest.fixture(_missing_asyncio, name="gizwits_client")
