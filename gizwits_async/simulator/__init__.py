"""An embedded Gizwits cloud: ``async with GizwitsSimulator() as sim: ...``."""

from gizwits_async.simulator.clock import SimClock
from gizwits_async.simulator.errors import SimError
from gizwits_async.simulator.faults import Fault, FaultInjector
from gizwits_async.simulator.server import GizwitsSimulator, RecordedRequest
from gizwits_async.simulator.state import DeviceEvent, SimState

__all__ = [
    "DeviceEvent",
    "Fault",
    "FaultInjector",
    "GizwitsSimulator",
    "RecordedRequest",
    "SimClock",
    "SimError",
    "SimState",
]
