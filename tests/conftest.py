"""Shared fixtures: a simulator on loopback, a client bound to it, a recorded sleep."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import aioresponses.core
import cattrs
import pytest

from gizwits_async import GizwitsClient
from gizwits_async import simulator as simulator_package
from gizwits_async.models import make_converter
from gizwits_async.simulator import GizwitsSimulator
from gizwits_async.simulator.presets import DEMO_DATAPOINTS, DEMO_INITIAL_ATTRS, DEMO_PRODUCT_KEY
from gizwits_async.simulator.state import Group

FIXTURES = Path(__file__).parent / "fixtures"
# The recorded product definitions ship with the simulator; tests read that one copy, plus the
# recordings the simulator does not preset.
PRESET_DATAPOINTS = Path(simulator_package.__file__).parent / "preset_datapoints"
DATAPOINT_FILES = sorted(
    [*PRESET_DATAPOINTS.glob("*.json"), *(FIXTURES / "real" / "datapoint").glob("*.json")],
    key=lambda path: path.name,
)
PRODUCT_KEY = "6f3074fe43894547a4f1314bd7e3ae0b"
USERNAME = "alice"
PASSWORD = "Al1ce-secret-pw"


class _FinishedUpload:
    """Stands in for the stream writer of a request whose body was already sent."""

    output_size = 0


class _CompatClientResponse(aiohttp.ClientResponse):
    """aioresponses 0.7.9 builds ClientResponse without ``stream_writer``, which aiohttp 3.14
    made required; give it the writer of a finished upload."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", _FinishedUpload())
        super().__init__(*args, **kwargs)


aioresponses.core.ClientResponse = _CompatClientResponse  # type: ignore[attr-defined]


def load_fixture(relative: str) -> Any:
    return json.loads((FIXTURES / relative).read_text(encoding="utf-8"))


@pytest.fixture
async def sim() -> AsyncIterator[GizwitsSimulator]:
    async with GizwitsSimulator(app_id="test-app-id") as simulator:
        simulator.add_product(PRODUCT_KEY, product_secret="0123456789abcdef0123456789abcdef")
        simulator.add_user(USERNAME, PASSWORD)
        yield simulator


@pytest.fixture
def alice_uid(sim: GizwitsSimulator) -> str:
    user = sim.state.find_user(USERNAME)
    assert user is not None
    return user.uid


ClientFactory = Callable[..., GizwitsClient]


@pytest.fixture
async def make_client(sim: GizwitsSimulator) -> AsyncIterator[ClientFactory]:
    """Clients of alice on the simulator, options overridden per call; all closed at teardown.

    An option overridden with ``None`` is left out, as GizwitsClient reads it: a client for
    another user is ``make_client(username=..., password=...)``, one with no user at all
    ``make_client(username=None, password=None)``, one without the app secret
    ``make_client(app_secret=None)``. Closing a client in the test as well is fine."""
    made: list[GizwitsClient] = []

    def make(**overrides: Any) -> GizwitsClient:
        options: dict[str, Any] = {
            "base_url": sim.base_url,
            "username": USERNAME,
            "password": PASSWORD,
            "app_secret": sim.app_secret,
            **overrides,
        }
        made.append(GizwitsClient(sim.app_id, **options))
        return made[-1]

    yield make
    for client in made:
        await client.close()


@pytest.fixture
def client(make_client: ClientFactory) -> GizwitsClient:
    """Alice's client on the simulator, with the app secret; closed at teardown."""
    return make_client()


@pytest.fixture
def lamps(sim: GizwitsSimulator, alice_uid: str) -> list[str]:
    """Three demo lamps (bool, enum, uint8, read-only, alert, fault and binary datapoints)
    bound to alice."""
    sim.add_product(DEMO_PRODUCT_KEY, datapoints=DEMO_DATAPOINTS)
    return [
        sim.add_device(DEMO_PRODUCT_KEY, owner=alice_uid, attrs=dict(DEMO_INITIAL_ATTRS))
        for _ in range(3)
    ]


@pytest.fixture
def group(sim: GizwitsSimulator, alice_uid: str, lamps: list[str]) -> Group:
    """Lamps 2 and 3 in one single-product group, made in the simulator's state directly."""
    made = Group(
        id="g" * 24,
        uid=alice_uid,
        group_name="hall",
        product_key=DEMO_PRODUCT_KEY,
        created_at=sim.clock.now(),
        dids=lamps[1:],
    )
    sim.state.groups[made.id] = made
    return made


@pytest.fixture(scope="session")
def strict() -> cattrs.Converter:
    """The strict converter: unknown keys and unknown enum values fail, so drift shows."""
    return make_converter(strict=True)


class SleepRecorder:
    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.calls.append(delay)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> SleepRecorder:
    """Retries wait instantly; the waits they asked for are recorded."""
    recorder = SleepRecorder()
    monkeypatch.setattr("gizwits_async._transport.sleep", recorder)
    return recorder
