"""Push: device reports over the cloud's M2M websocket (``client.push``)."""

from __future__ import annotations

from gizwits_async.models.events import (
    AttrsEvent,
    BindingEvent,
    ConnectionEvent,
    DeviceState,
    OnlineEvent,
    PushEvent,
    RawEvent,
    StateSource,
)
from gizwits_async.push._client import EventStream, Push, PushOptions, describe, watch_push

__all__ = [
    "AttrsEvent",
    "BindingEvent",
    "ConnectionEvent",
    "DeviceState",
    "EventStream",
    "OnlineEvent",
    "Push",
    "PushEvent",
    "PushOptions",
    "RawEvent",
    "StateSource",
    "describe",
    "watch_push",
]
