"""The demo account: a product, a user and virtual devices, for ``serve``, ``demo`` and the
pytest plugin."""

from __future__ import annotations

import attrs

from gizwits_async.simulator.presets import (
    DEMO_DATAPOINTS,
    DEMO_INITIAL_ATTRS,
    DEMO_PRODUCT_KEY,
    DEMO_PRODUCT_SECRET,
)
from gizwits_async.simulator.server import GizwitsSimulator

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "Demo-pass-123"  # noqa: S105 - the simulator's published demo account


@attrs.frozen
class DemoAccount:
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
