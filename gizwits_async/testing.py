"""A pytest plugin for projects that use gizwits-async: a simulator and a client, no account.

Installed with the package (entry point ``pytest11``), it gives every test session two
fixtures:

* ``gizwits_simulator``: a started ``GizwitsSimulator`` holding the demo account
  (``gizwits_simulator.demo``: username, password, uid, product_key and the dids of three
  bound virtual devices);
* ``gizwits_client``: a ``GizwitsClient`` for the demo user on that simulator, closed after
  the test.

Both are async fixtures and need pytest-asyncio (any recent version).

```python
async def test_switch_on(gizwits_client, gizwits_simulator):
    did = gizwits_simulator.demo.dids[0]
    await gizwits_client.devices.control(did, attrs={"switch": True})
    assert gizwits_simulator.device(did).attrs["switch"] is True
```
"""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator
from typing import Any

import pytest

from gizwits_async.client import GizwitsClient
from gizwits_async.simulator.demo import load_demo
from gizwits_async.simulator.server import GizwitsSimulator

DEMO_DEVICES = 3


def _missing_asyncio(*_: Any) -> Any:  # pragma: no cover - see above
    pytest.fail("the gizwits_async pytest fixtures need pytest-asyncio installed")


# Every pytest run of a project that has gizwits-async installed loads this plugin, so it must
# not fail to import where pytest-asyncio is absent: the fixtures then explain what is missing.
if importlib.util.find_spec("pytest_asyncio") is not None:
    import pytest_asyncio

    @pytest_asyncio.fixture
    async def gizwits_simulator() -> AsyncIterator[GizwitsSimulator]:
        """A Gizwits cloud on 127.0.0.1 with the demo account loaded."""
        async with GizwitsSimulator() as simulator:
            simulator.demo = load_demo(simulator, DEMO_DEVICES)
            yield simulator

    @pytest_asyncio.fixture
    async def gizwits_client(
        gizwits_simulator: GizwitsSimulator,
    ) -> AsyncIterator[GizwitsClient]:
        """A client logged in (on first use) as the demo user of ``gizwits_simulator``."""
        demo = gizwits_simulator.demo
        if demo is None:  # pragma: no cover - the simulator fixture always loads it
            pytest.fail("gizwits_simulator has no demo account")
        async with GizwitsClient(
            gizwits_simulator.app_id,
            base_url=gizwits_simulator.base_url,
            username=demo.username,
            password=demo.password,
            app_secret=gizwits_simulator.app_secret,
            product_secrets={demo.product_key: demo.product_secret},
        ) as client:
            yield client

else:  # pragma: no cover - see above
    gizwits_simulator = pytest.fixture(_missing_asyncio, name="gizwits_simulator")
    gizwits_client = pytest.fixture(_missing_asyncio, name="gizwits_client")
