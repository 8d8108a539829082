"""The demo account: a product, a user and virtual devices, for ``serve``, ``demo`` and the
pytest plugin."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import attrs

from gizwits_async._attrs import Frozen
from gizwits_async.models.events import AttrsEvent, ConnectionEvent
from gizwits_async.simulator.presets import (
    DEMO_DATAPOINTS,
    DEMO_INITIAL_ATTRS,
    DEMO_PRODUCT_KEY,
    DEMO_PRODUCT_SECRET,
)
from gizwits_async.simulator.server import GizwitsSimulator

if TYPE_CHECKING:
    from gizwits_async.client import GizwitsClient

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "Demo-pass-123"  # noqa: S105 - the simulator's published demo account


@attrs.frozen(repr=False, eq=False)
class DemoAccount(Frozen):
    """What ``load_demo`` created: log in with ``username``/``password``; ``dids`` are bound."""

    username: str
    password: str = attrs.field(repr=False)
    uid: str
    product_key: str
    product_secret: str = attrs.field(repr=False)
    dids: list[str]


def load_demo(sim: GizwitsSimulator, devices: int = 10) -> DemoAccount:
    """Load the demo product, the demo user and ``devices`` virtual devices bound to it."""
    if DEMO_PRODUCT_KEY not in sim.state.products:
        sim.add_product(
            DEMO_PRODUCT_KEY, datapoints=DEMO_DATAPOINTS, product_secret=DEMO_PRODUCT_SECRET
        )
    user = sim.state.find_user(DEMO_USERNAME) or sim.add_user(DEMO_USERNAME, DEMO_PASSWORD)
    dids = [
        sim.add_device(DEMO_PRODUCT_KEY, owner=user.uid, attrs=dict(DEMO_INITIAL_ATTRS))
        for _ in range(devices)
    ]
    return DemoAccount(
        username=DEMO_USERNAME,
        password=DEMO_PASSWORD,
        uid=user.uid,
        product_key=DEMO_PRODUCT_KEY,
        product_secret=DEMO_PRODUCT_SECRET,
        dids=dids,
    )


async def show_push(sim: GizwitsSimulator, client: GizwitsClient, did: str) -> str:
    """The demo's push step: a report arrives over the websocket, and a dropped socket comes
    back by itself (reconnected, logged in again, resubscribed)."""
    loop = asyncio.get_running_loop()
    push = client.push
    stream = push.events(dids=[did])
    await push.start([did], backoff_base=0.05, backoff_max=0.5, rest_interval=None)
    try:
        async with asyncio.timeout(10):
            sent = loop.time()
            sim.report(did, {"LED_R": 73})
            async for event in stream:
                if isinstance(event, AttrsEvent) and event.attrs == {"LED_R": 73}:
                    break
            pushed = loop.time() - sent
            dropped = loop.time()
            sim.faults.websocket.drop_all()
            states: list[bool] = []
            async for event in stream:
                if isinstance(event, ConnectionEvent):
                    states.append(event.connected)
                    if states == [False, True]:
                        break
            recovered = loop.time() - dropped
    finally:
        await stream.aclose()
        await push.stop()
    return (
        f"report pushed in {pushed * 1000:.1f} ms; "
        f"a dropped socket was back in {recovered * 1000:.0f} ms"
    )
