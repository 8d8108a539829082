"""A pytest plugin for projects that use gizwits-async: a simulator and a client, no account.

Installed with the package (entry point ``pytest11`` named ``gizwits_async``, module
``gizwits_async_pytest``), it gives every test session two fixtures:

* ``gizwits_simulator``: a started ``GizwitsSimulator`` holding the demo account
  (``gizwits_simulator.demo``: username, password, uid, product_key and the dids of three
  bound virtual devices);
* ``gizwits_client``: a ``GizwitsClient`` for the demo user on that simulator, closed after
  the test.

Both are async fixtures and need pytest-asyncio (any recent version). Loading the plugin costs
nothing until a test uses one of them: the package is imported then, not at pytest start.
``pytest -p no:gizwits_async`` turns the plugin off.

```python
async def test_switch_on(gizwits_client, gizwits_simulator):
    did = gizwits_simulator.demo.dids[0]
    await gizwits_client.devices.control(did, attrs={"switch": True})
    assert gizwits_simulator.device(did).attrs["switch"] is True
```

The two context managers below are what the fixtures run, for tests that want them with
other scopes or outside pytest.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from gizwits_async.client import GizwitsClient
from gizwits_async.simulator.demo import load_demo
from gizwits_async.simulator.server import GizwitsSimulator
from gizwits_async_pytest import gizwits_client, gizwits_simulator

__all__ = ["DEMO_DEVICES", "demo_client", "demo_simulator", "gizwits_client", "gizwits_simulator"]

DEMO_DEVICES = 3


@contextlib.asynccontextmanager
async def demo_simulator(devices: int = DEMO_DEVICES) -> AsyncIterator[GizwitsSimulator]:
    """A started simulator on 127.0.0.1 with the demo account and ``devices`` bound devices."""
    async with GizwitsSimulator() as simulator:
        simulator.demo = load_demo(simulator, devices)
        yield simulator


@contextlib.asynccontextmanager
async def demo_client(simulator: GizwitsSimulator) -> AsyncIterator[GizwitsClient]:
    """A client for the demo user of ``simulator`` (logs in on first use), closed on exit."""
    demo = simulator.demo
    if demo is None:
        raise ValueError("simulator has no demo account: load_demo(simulator) first")
    async with GizwitsClient(
        simulator.app_id,
        base_url=simulator.base_url,
        username=demo.username,
        password=demo.password,
        app_secret=simulator.app_secret,
        product_secrets={demo.product_key: demo.product_secret},
    ) as client:
        yield client
