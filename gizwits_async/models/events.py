"""What the push (``client.push``) tells a host: device state and the events that change it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import attrs

from gizwits_async._attrs import Frozen
from gizwits_async.errors import GizwitsError


class StateSource(enum.StrEnum):
    """Where the last change of a ``DeviceState`` came from."""

    PUSH = "push"
    REST = "rest"


@attrs.frozen(repr=False, eq=False)
class DeviceState(Frozen):
    """A device's state as the push knows it: every report merged into ``attrs``.

    A new ``DeviceState`` replaces the old one on every change, so one handed to a consumer
    never changes under it. ``updated_at`` is when the last change arrived (None before any);
    ``source`` says whether it came by push or from a REST read (the fallback while a socket
    is down). ``online`` is None until the cloud said either way.
    """

    did: str
    attrs: dict[str, Any] = attrs.field(factory=dict)
    online: bool | None = None
    updated_at: datetime | None = None
    source: StateSource | None = None

    def age(self, now: datetime) -> float | None:
        """Seconds since the last change, or None if there was none."""
        if self.updated_at is None:
            return None
        return (now - self.updated_at).total_seconds()


@attrs.frozen(repr=False, eq=False)
class AttrsEvent(Frozen):
    """Datapoint values a device reported (binary datapoints as ``bytes``), and the merged
    state after them."""

    did: str
    attrs: dict[str, Any]
    state: DeviceState


@attrs.frozen(repr=False, eq=False)
class OnlineEvent(Frozen):
    """The device went online or offline."""

    did: str
    online: bool


@attrs.frozen(repr=False, eq=False)
class BindingEvent(Frozen):
    """The device was bound to (``bound``) or unbound from the account."""

    did: str
    bound: bool


@attrs.frozen(repr=False, eq=False)
class RawEvent(Frozen):
    """A raw (pass-through) frame from the device."""

    did: str
    raw: bytes


@attrs.frozen(repr=False, eq=False)
class ConnectionEvent(Frozen):
    """A push socket (``endpoint`` is ``"host:port"``) was logged in and subscribed
    (``connected``), or lost; ``error`` says why, when there was an error."""

    endpoint: str
    connected: bool
    error: GizwitsError | None = attrs.field(default=None, eq=False)


PushEvent = AttrsEvent | OnlineEvent | BindingEvent | RawEvent | ConnectionEvent
